// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'cli/bin/**', 'models/onnx/**', '**/*.d.ts', 'edge/src/console/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The edge infers everything from raw signals: it must never see the simulator
    // or its ground truth (DESIGN: "Raw signals in, inference inside").
    files: ['edge/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@tebura/sim', '@tebura/sim/*', '**/simulators/**'], message: 'edge/ must never import the simulator.' },
        ],
      }],
    },
  },
  {
    // devices/ and simulators/ depend on the contract only.
    files: ['devices/**/*.ts', 'simulators/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@tebura/edge', '@tebura/edge/*', '**/edge/src/**'], message: 'devices/ and simulators/ depend on the contract only.' }],
      }],
    },
  },
);

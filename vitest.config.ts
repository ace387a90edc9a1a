import { defineConfig } from 'vitest/config';

/** One root config, one project per workspace package (STYLE: Effect-TS mechanics). */
const packages = ['contract', 'devices', 'simulators', 'models', 'cloud', 'edge', 'cli'];

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      test: {
        name,
        root: `./${name}`,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});

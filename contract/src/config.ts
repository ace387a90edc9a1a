/**
 * One schema per process config: every error reported at once with its path,
 * defaults applied, the result frozen (STYLE rule 3). Callers exit with code 2 on
 * a ConfigError; `--validate-config` runs just this.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ErrorCodes, TeburaError, type ErrorDetail } from './errors.js';

/** Exit code for a bad config, so service managers can tell it from a crash. */
export const EXIT_BAD_CONFIG = 2;

export class ConfigError extends TeburaError {
  constructor(source: string, details: readonly ErrorDetail[]) {
    super(
      ErrorCodes.CONFIG,
      'validation',
      `invalid config from ${source}:\n${details.map((d) => `  ${d.path || '/'}: ${d.message}`).join('\n')}`,
      details,
    );
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/**
 * Validates `raw` against `schema`, after applying defaults. `extra` may add
 * cross-field problems. Throws ConfigError with every problem; returns a frozen copy.
 */
export function loadConfig<S extends TSchema>(
  schema: S,
  raw: unknown,
  source: string,
  extra?: (cfg: Static<S>) => ErrorDetail[],
): Readonly<Static<S>> {
  const withDefaults = Value.Default(schema, Value.Clone(raw ?? {})) as unknown;
  const details: ErrorDetail[] = [...Value.Errors(schema, withDefaults)].map((e) => ({ path: e.path, message: e.message }));
  if (details.length === 0 && extra !== undefined) details.push(...extra(withDefaults as Static<S>));
  if (details.length > 0) throw new ConfigError(source, details);
  return deepFreeze(withDefaults as Static<S>);
}

/** The gate's credential matchers: the built-in app-token matcher plus injected face/palm ones. */
import type { Clock } from '@tebura/contract';
import type { Logger } from 'pino';
import type { EdgeConfig } from '../config.js';
import type { CredentialMatcher } from '../identity/api.js';
import { AppTokenMatcher } from '../identity/app-token.js';
import type { EdgeMetrics } from '../metrics.js';
import type { Repo } from '../store/repo.js';
import { SqliteJtiStore } from './jtis.js';

export function buildMatchers(
  cfg: EdgeConfig,
  o: { clock: Clock; repo: Repo; metrics: EdgeMetrics; log: Logger; fetch: typeof fetch; extra: readonly CredentialMatcher[] },
): Map<string, CredentialMatcher> {
  const matchers = new Map<string, CredentialMatcher>();
  matchers.set(
    'app',
    new AppTokenMatcher({
      storeId: cfg.storeId,
      clock: o.clock,
      jtis: new SqliteJtiStore(o.repo),
      usedJtisMax: cfg.bounds.usedJtisMax,
      onKeyFetchError: (reason) => {
        o.metrics.handlerError('jwks_fetch');
        o.log.warn({ reason }, 'entry-token keys not fetched; using cached or configured keys');
      },
      ...(cfg.entryKeys !== undefined ? { staticKeys: cfg.entryKeys } : {}),
      ...(cfg.cloud !== undefined
        ? { cloud: { url: cfg.cloud.url, fetch: o.fetch, cacheMs: cfg.bounds.jwksCacheMs, timeoutMs: cfg.bounds.httpTimeoutMs } }
        : {}),
    }),
  );
  // Injected matchers win, so a deployment can also replace the app matcher.
  for (const m of o.extra) matchers.set(m.kind, m);
  return matchers;
}

/**
 * App entry tokens: a JWS (ES256) the shopper's app shows as a QR code, signed by
 * the cloud. Verified against the cloud's public JWKS (fetched and cached) and/or
 * keys from config (offline and demo use). Each token admits once: its `jti` is
 * remembered until the token expires.
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { CloudPaths, ENTRY_TOKEN_ALG, type Clock, type Credential, type EntryTokenClaims } from '@tebura/contract';
import type { CredentialMatcher, IdentityResult } from './api.js';

/** Where used token ids are kept (SQLite in the node, a Map in tests). */
export interface JtiStore {
  used(jti: string): boolean;
  use(jti: string, expMs: number): void;
  /** Forgets ids whose token expired before nowMs; returns how many remain. */
  purge(nowMs: number): number;
}

export interface AppTokenMatcherOptions {
  storeId: string;
  clock: Clock;
  jtis: JtiStore;
  usedJtisMax: number;
  /** Keys accepted without the cloud. */
  staticKeys?: { keys: readonly unknown[] };
  cloud?: { url: string; fetch: typeof fetch; cacheMs: number; timeoutMs: number };
  /** Leeway for clock skew between the cloud and this store. */
  clockToleranceS?: number;
  /** Tokens valid longer than this are refused: it bounds how long a jti must be kept. */
  tokenLifetimeMaxS?: number;
  /** Told about JWKS fetch failures (the node logs and counts them). */
  onKeyFetchError?: (reason: string) => void;
}

const CLOCK_TOLERANCE_S = 5;
const TOKEN_LIFETIME_MAX_S = 86_400;
/** A kid we do not know triggers a JWKS refetch at most this often. */
const JWKS_REFETCH_MIN_MS = 30_000;

export class AppTokenMatcher implements CredentialMatcher {
  readonly kind = 'app' as const;
  private fetched: { keys: JWK[]; atMs: number } | null = null;
  private lastFetchAttemptMs = -Infinity;

  constructor(private readonly o: AppTokenMatcherOptions) {}

  async identify(credential: Credential, _ts: number): Promise<IdentityResult> {
    if (credential.kind !== 'app') return { ok: false, reason: 'METHOD_NOT_SUPPORTED' };
    try {
      return await this.verify(credential.token);
    } catch (e) {
      return { ok: false, reason: 'INTERNAL_ERROR', detail: (e as Error).message };
    }
  }

  private async verify(token: string): Promise<IdentityResult> {
    let claims: Partial<EntryTokenClaims>;
    try {
      claims = await this.verifySignature(token);
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { ok: false, reason: 'TOKEN_EXPIRED' };
      return { ok: false, reason: 'TOKEN_INVALID', detail: (e as Error).message };
    }
    const { sub, store, jti, exp, iat } = claims;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || typeof store !== 'string') {
      return { ok: false, reason: 'TOKEN_INVALID', detail: 'missing sub, store, jti or exp' };
    }
    const lifetimeMaxS = this.o.tokenLifetimeMaxS ?? TOKEN_LIFETIME_MAX_S;
    if (exp - (typeof iat === 'number' ? iat : this.o.clock.now() / 1000) > lifetimeMaxS) {
      return { ok: false, reason: 'TOKEN_INVALID', detail: `token lifetime exceeds ${lifetimeMaxS} s` };
    }
    if (store !== this.o.storeId) return { ok: false, reason: 'TOKEN_WRONG_STORE' };
    if (this.o.jtis.used(jti)) return { ok: false, reason: 'TOKEN_REUSED' };
    const nowMs = this.o.clock.now();
    if (this.o.jtis.purge(nowMs) >= this.o.usedJtisMax) {
      return { ok: false, reason: 'INTERNAL_ERROR', detail: `used token store full (${this.o.usedJtisMax})` };
    }
    this.o.jtis.use(jti, (exp + (this.o.clockToleranceS ?? CLOCK_TOLERANCE_S)) * 1000);
    return { ok: true, customerId: sub, score: 1 };
  }

  private async verifySignature(token: string): Promise<Partial<EntryTokenClaims>> {
    const opts = {
      algorithms: [ENTRY_TOKEN_ALG],
      currentDate: new Date(this.o.clock.now()),
      clockTolerance: this.o.clockToleranceS ?? CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'jti', 'sub'],
    };
    const keys = await this.keySet(false);
    try {
      return (await jwtVerify(token, createLocalJWKSet(keys), opts)).payload as Partial<EntryTokenClaims>;
    } catch (e) {
      // A key rotated in the cloud since our last fetch: refetch once and retry.
      if (!(e instanceof joseErrors.JWKSNoMatchingKey) || this.o.cloud === undefined) throw e;
      const fresh = await this.keySet(true);
      return (await jwtVerify(token, createLocalJWKSet(fresh), opts)).payload as Partial<EntryTokenClaims>;
    }
  }

  private async keySet(forceRefresh: boolean): Promise<JSONWebKeySet> {
    const staticKeys = (this.o.staticKeys?.keys ?? []) as unknown as JWK[];
    const c = this.o.cloud;
    if (c !== undefined) {
      const now = this.o.clock.now();
      const stale = this.fetched === null || now - this.fetched.atMs > c.cacheMs;
      const mayFetch = forceRefresh ? now - this.lastFetchAttemptMs >= JWKS_REFETCH_MIN_MS : stale && now - this.lastFetchAttemptMs >= JWKS_REFETCH_MIN_MS / 10;
      if (mayFetch) await this.fetchKeys(c, now);
    }
    return { keys: [...staticKeys, ...(this.fetched?.keys ?? [])] };
  }

  /** On failure keeps the previous keys: the store keeps admitting while the cloud is away. */
  private async fetchKeys(c: NonNullable<AppTokenMatcherOptions['cloud']>, now: number): Promise<void> {
    this.lastFetchAttemptMs = now;
    try {
      const res = await c.fetch(new URL(CloudPaths.entryKeys(), c.url), { signal: AbortSignal.timeout(c.timeoutMs) });
      if (!res.ok) {
        this.o.onKeyFetchError?.(`http ${res.status}`);
        return;
      }
      const body = (await res.json()) as { keys?: unknown };
      if (Array.isArray(body.keys)) this.fetched = { keys: body.keys as JWK[], atMs: now };
      else this.o.onKeyFetchError?.('answer has no keys array');
    } catch (e) {
      // Network failure: the cached or static keys stay in use; the next call retries.
      this.o.onKeyFetchError?.((e as Error).message);
    }
  }
}

/** A JtiStore in memory, for tests and tools. */
export class MemoryJtiStore implements JtiStore {
  private readonly m = new Map<string, number>();
  used(jti: string): boolean {
    return this.m.has(jti);
  }
  use(jti: string, expMs: number): void {
    this.m.set(jti, expMs);
  }
  purge(nowMs: number): number {
    for (const [k, exp] of this.m) if (exp < nowMs) this.m.delete(k);
    return this.m.size;
  }
}

import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { AppTokenMatcher, MemoryJtiStore } from './app-token.js';
import { testIssuer } from '../testing/tokens.js';

const NOW_S = 1_800_000_000;

async function setup(extra: Partial<ConstructorParameters<typeof AppTokenMatcher>[0]> = {}) {
  const issuer = await testIssuer();
  const clock = new ManualClock(NOW_S * 1000);
  const jtis = new MemoryJtiStore();
  const matcher = new AppTokenMatcher({ storeId: 'st1', clock, jtis, usedJtisMax: 100, staticKeys: issuer.jwks, ...extra });
  const token = (o: Partial<{ sub: string; store: string; jti: string; expS: number; iatS: number }> = {}) =>
    issuer.sign({ sub: 'cust-1', store: 'st1', jti: `j-${Math.random()}`, iatS: NOW_S - 10, expS: NOW_S + 60, ...o });
  return { issuer, clock, jtis, matcher, token };
}
const app = (token: string) => ({ kind: 'app' as const, token });

describe('AppTokenMatcher', () => {
  it('admits a valid token once, then denies TOKEN_REUSED', async () => {
    const { matcher, token } = await setup();
    const t = await token({ jti: 'once' });
    expect(await matcher.identify(app(t), 0)).toEqual({ ok: true, customerId: 'cust-1', score: 1 });
    expect(await matcher.identify(app(t), 0)).toMatchObject({ ok: false, reason: 'TOKEN_REUSED' });
  });

  it('denies an expired token by the injected clock', async () => {
    const { matcher, token, clock } = await setup();
    const t = await token({ expS: NOW_S + 30 });
    clock.advance(36_000); // past exp + 5 s tolerance
    expect(await matcher.identify(app(t), 0)).toMatchObject({ ok: false, reason: 'TOKEN_EXPIRED' });
  });

  it('denies a token for another store', async () => {
    const { matcher, token } = await setup();
    expect(await matcher.identify(app(await token({ store: 'st2' })), 0)).toMatchObject({ ok: false, reason: 'TOKEN_WRONG_STORE' });
  });

  it('denies a bad signature and garbage', async () => {
    const { matcher, token } = await setup();
    const other = await testIssuer('k1'); // same kid, different key
    const forged = await other.sign({ sub: 'cust-1', store: 'st1', jti: 'x', iatS: NOW_S, expS: NOW_S + 60 });
    expect(await matcher.identify(app(forged), 0)).toMatchObject({ ok: false, reason: 'TOKEN_INVALID' });
    const good = await token();
    const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await matcher.identify(app(tampered), 0)).toMatchObject({ ok: false, reason: 'TOKEN_INVALID' });
    expect(await matcher.identify(app('not.a.jwt'), 0)).toMatchObject({ ok: false, reason: 'TOKEN_INVALID' });
  });

  it('refuses tokens valid for too long (bounds the used-jti memory)', async () => {
    const { matcher, token } = await setup({ tokenLifetimeMaxS: 3600 });
    expect(await matcher.identify(app(await token({ expS: NOW_S + 7200 })), 0)).toMatchObject({ ok: false, reason: 'TOKEN_INVALID' });
  });

  it('forgets used jtis after expiry and denies when the store is full', async () => {
    const { matcher, token, jtis, clock } = await setup({ usedJtisMax: 1 });
    expect((await matcher.identify(app(await token({ expS: NOW_S + 10 })), 0)).ok).toBe(true);
    expect(await matcher.identify(app(await token()), 0)).toMatchObject({ ok: false, reason: 'INTERNAL_ERROR' });
    clock.advance(16_000);
    expect(jtis.purge(clock.now())).toBe(0);
  });

  it('fetches the JWKS from the cloud, caches it, and keeps it when the cloud is down', async () => {
    const issuer = await testIssuer();
    const clock = new ManualClock(NOW_S * 1000);
    let calls = 0;
    let up = true;
    const fakeFetch = (async (url: URL | string) => {
      calls++;
      expect(String(url)).toBe('http://cloud.test/v1/entry-tokens/jwks');
      if (!up) throw new Error('ECONNREFUSED');
      return new Response(JSON.stringify(issuer.jwks), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const m = new AppTokenMatcher({ storeId: 'st1', clock, jtis: new MemoryJtiStore(), usedJtisMax: 10, cloud: { url: 'http://cloud.test', fetch: fakeFetch, cacheMs: 60_000, timeoutMs: 1000 } });
    const tok = (jti: string) => issuer.sign({ sub: 'c', store: 'st1', jti, iatS: NOW_S, expS: NOW_S + 3600 });
    expect((await m.identify(app(await tok('a')), 0)).ok).toBe(true);
    expect((await m.identify(app(await tok('b')), 0)).ok).toBe(true);
    expect(calls).toBe(1);
    up = false;
    clock.advance(120_000); // cache stale, refetch fails: old keys stay in use
    expect((await m.identify(app(await tok('c')), 0)).ok).toBe(true);
    expect(calls).toBe(2);
  });

  it('answers METHOD_NOT_SUPPORTED for another credential kind', async () => {
    const { matcher } = await setup();
    expect(await matcher.identify({ kind: 'palm', format: 'x', template: [0, 0, 0, 0, 0, 0, 0, 1], quality: 1 }, 0)).toMatchObject({ ok: false, reason: 'METHOD_NOT_SUPPORTED' });
  });
});

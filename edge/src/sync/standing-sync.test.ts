/** StandingSync against a scripted fetch: parsing, policy, failures keep the last list. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { STANDING_ENTRIES_MAX, StandingSync } from './standing-sync.js';

type Answer = { status: number; body: unknown } | Error;

function sync(answers: Answer[], denyOpenDispute = true) {
  const urls: string[] = [];
  const warnings: string[] = [];
  const log = pino({ level: 'silent' });
  log.warn = ((...a: unknown[]) => warnings.push(String(a.find((x) => typeof x === 'string')))) as typeof log.warn;
  const fetchImpl = (async (url: URL | string) => {
    urls.push(String(url));
    const a = answers.shift();
    if (a === undefined || a instanceof Error) throw a ?? new Error('no answer scripted');
    return new Response(JSON.stringify(a.body), { status: a.status });
  }) as typeof fetch;
  const s = new StandingSync({ storeId: 'st1', cloud: { url: 'http://cloud.test', apiKey: 'k' }, intervalMs: 1000, timeoutMs: 1000, denyOpenDispute, log, fetch: fetchImpl });
  return { s, urls, warnings };
}

const list = (...customers: Array<[string, boolean, boolean]>) => ({
  status: 200,
  body: { asOf: 1, truncated: false, customers: customers.map(([customerId, unpaid, openDispute]) => ({ customerId, unpaid, openDispute })) },
});

describe('StandingSync', () => {
  it('flags unpaid balances before open disputes, and nobody else', async () => {
    const { s, urls } = sync([list(['c-owes', true, false], ['c-both', true, true], ['c-disp', false, true])]);
    await s.pullNow();
    expect(urls).toEqual(['http://cloud.test/v1/stores/st1/standing']);
    expect([s.of('c-owes'), s.of('c-both'), s.of('c-disp'), s.of('c-fine')]).toEqual(['UNPAID_BALANCE', 'UNPAID_BALANCE', 'OPEN_DISPUTE', undefined]);
  });

  it('admits customers whose only flag is a dispute when the store says so', async () => {
    const { s } = sync([list(['c-disp', false, true])], false);
    await s.pullNow();
    expect(s.of('c-disp')).toBeUndefined();
  });

  it('replaces the list on each pull, so a settled balance admits again', async () => {
    const { s } = sync([list(['c-owes', true, false]), list()]);
    await s.pullNow();
    expect(s.of('c-owes')).toBe('UNPAID_BALANCE');
    await s.pullNow();
    expect(s.of('c-owes')).toBeUndefined();
  });

  it('keeps the last list through network errors, bad statuses and bad bodies, warning once per streak', async () => {
    const { s, warnings } = sync([list(['c-owes', true, false]), new Error('ECONNREFUSED'), { status: 503, body: {} }, { status: 200, body: { nope: 1 } }, list()]);
    await s.pullNow();
    for (let i = 0; i < 3; i++) await s.pullNow();
    expect(s.of('c-owes')).toBe('UNPAID_BALANCE');
    expect(warnings).toHaveLength(1);
    await s.pullNow();
    expect(s.of('c-owes')).toBeUndefined();
  });

  it('drops malformed rows and ignores entries beyond the cap', async () => {
    const rows = [{ customerId: 'c-ok', unpaid: true, openDispute: false }, { customerId: 7, unpaid: true }, null, { customerId: 'c-half', unpaid: 'yes', openDispute: false }];
    const { s } = sync([{ status: 200, body: { asOf: 1, truncated: false, customers: rows } }]);
    await s.pullNow();
    expect(s.size).toBe(1);
    const many = Array.from({ length: STANDING_ENTRIES_MAX + 5 }, (_, i) => ({ customerId: `c${i}`, unpaid: true, openDispute: false }));
    const big = sync([{ status: 200, body: { asOf: 1, truncated: true, customers: many } }]);
    await big.s.pullNow();
    expect(big.s.size).toBe(STANDING_ENTRIES_MAX);
    expect(big.s.of(`c${STANDING_ENTRIES_MAX}`)).toBeUndefined();
    expect(big.warnings).toHaveLength(2);
  });
});

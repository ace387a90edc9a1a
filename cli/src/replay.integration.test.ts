/**
 * Record and replay (issue 3): a recorded live run, replayed into a fresh edge,
 * gives the same score as the live run. And the real AiFi weight recording runs
 * through an edge without a single rejected message.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startEdge, type EdgeNode } from '@tebura/edge';
import { convertAifi, loadScenario, loadStore, population, replay, runSimulation, scoreRun, type ScoredReceipt } from '@tebura/sim';
import { REPO_ROOT, SCENARIO_DIR } from './paths.js';
import { startStack, type Stack } from './stack.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { until } from './wait.js';

const AIFI_DIR = resolve(REPO_ROOT, '..', 'shared', 'data', 'aifi');

const scored = (edge: EdgeNode): ScoredReceipt[] =>
  edge.receipts().map((r) => ({ customerId: r.customerId, sessionId: r.sessionId, closed: true, reviewed: false, lines: r.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) }));

describe('record and replay', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  });

  it('a replay of a recorded run scores the same as the live run', { timeout: 180_000 }, async () => {
    const scenario = loadScenario(join(SCENARIO_DIR, '01-one-shopper.yaml'));
    const store = loadStore(scenario.store);
    const dir = mkdtempSync(join(tmpdir(), 'tebura-replay-'));
    const stack: Stack = await startStack({ store, dataDir: dir, consoleEnabled: false, logLevel: 'silent' });
    closers.push(() => stack.close());
    const identities = population(scenario, store, 3);
    await stack.enrol(identities);
    const recordPath = join(dir, 'run.jsonl');
    const live = await runSimulation({
      scenario, store, seed: 3, mqttUrl: stack.mqttUrl, speed: 1, identities, recordPath, log: () => undefined,
      hooks: { issueAppToken: (c, s) => stack.cloudClient.issueEntryToken(c, s) },
    });
    await until(() => stack.edge.stats().sessionsOpen === 0 && stack.edge.receipts().length > 0, 10_000);
    const liveScore = scoreRun(live.truth, scored(stack.edge));
    expect(liveScore.sessions).toBe(1);

    // A second edge for the same store, fresh database, same cloud (it knows the
    // customers and signed the tokens); the first edge leaves the broker.
    await stack.edge.close();
    const edge2 = await startEdge(
      { storeId: store.id, mqttUrl: stack.mqttUrl, dbPath: join(dir, 'edge2.sqlite'), layout: store, cloud: { url: stack.cloud.url, apiKey: stack.storeApiKey }, console: { enabled: false } },
      { logger: pino({ level: 'silent' }) },
    );
    closers.push(() => edge2.close());
    await edge2.syncIdentity();
    const r = await replay({ file: recordPath, mqttUrl: stack.mqttUrl, speed: 1 });
    expect(r.messages).toBe(live.messages);
    await until(() => edge2.stats().sessionsOpen === 0 && edge2.receipts().length > 0, 10_000);
    expect(edge2.stats().rejected).toBe(0);
    const replayScore = scoreRun(live.truth, scored(edge2));
    const { mismatches: _a, ...a } = liveScore;
    const { mismatches: _b, ...b } = replayScore;
    expect(b).toEqual(a);
  });

  it('the real AiFi recording runs through an edge with nothing rejected', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'tebura-aifi-'));
    const conv = convertAifi({ dataDir: AIFI_DIR, outDir: out });
    const broker: EmbeddedBroker = await startEmbeddedBroker();
    closers.push(() => broker.close());
    const store = loadStore(conv.storePath);
    const edge = await startEdge(
      { storeId: store.id, mqttUrl: broker.url, dbPath: ':memory:', layout: store, console: { enabled: false } },
      { logger: pino({ level: 'silent' }) },
    );
    closers.push(() => edge.close());
    const r = await replay({ file: conv.recordingPath, mqttUrl: broker.url, speed: 'max' });
    // device/state lines (online, offline) update health; every other line is a reading.
    const readings = readFileSync(conv.recordingPath, 'utf8').split('\n').slice(1).filter((l) => l !== '' && !l.includes('/state"')).length;
    await until(() => edge.stats().messages >= readings, 30_000);
    const s = edge.stats();
    expect(r.messages).toBeGreaterThan(1000);
    expect(s.rejected).toBe(0);
    expect(s.handlerErrors).toBe(0);
    expect(s.messages).toBe(readings);
    // No cameras in AiFi's weight data, so each found event waits for a human, with its product guess.
    expect(s.reviewItems).toBe(conv.events);
  });
});

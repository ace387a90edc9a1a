/**
 * The walking skeleton, end to end through a real broker: a simulated shopper is
 * admitted at the entry gate with an app token from the cloud, takes items and
 * leaves; the edge infers the picks from raw grams and detections, closes the
 * receipt at the exit, and the cloud ledger charges it. Runs against the embedded
 * aedes broker and against Mosquitto on 127.0.0.1:1883.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenario, loadStore, population, runSimulation } from '@tebura/sim';
import { DEFAULT_STORE, SCENARIO_DIR } from './paths.js';
import { startStack, type Stack } from './stack.js';
import { until } from './wait.js';

const MOSQUITTO_URL = process.env['TEBURA_TEST_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
/** Receipts reach the cloud within this after the simulation ends. */
const SETTLE_WAIT_MS = 15_000;

describe.each([
  ['the embedded aedes broker', undefined],
  ['Mosquitto', MOSQUITTO_URL],
])('walking skeleton through %s', (_name, brokerUrl) => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('admits a shopper, infers the picks, charges the exact basket', { timeout: 120_000 }, async () => {
    // A unique store id keeps concurrent runs on the shared Mosquitto apart.
    const store = { ...loadStore(DEFAULT_STORE), id: `e2e-${randomBytes(4).toString('hex')}` };
    const scenario = loadScenario(join(SCENARIO_DIR, '01-one-shopper.yaml'));
    stack = await startStack({
      store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-e2e-')), consoleEnabled: false, logLevel: 'silent',
      ...(brokerUrl !== undefined ? { brokerUrl } : {}),
    });
    const s = stack;
    const identities = population(scenario, store, 7);
    await s.enrol(identities);
    const run = await runSimulation({
      scenario, store, seed: 7, mqttUrl: s.mqttUrl, speed: 1, identities,
      hooks: { issueAppToken: (c, st) => s.cloudClient.issueEntryToken(c, st) },
      log: () => undefined,
    });
    const admitted = run.truth.sessions.filter((t) => t.decision === 'open');
    expect(admitted.length).toBe(1);
    await until(async () => (await s.cloud.stats()).receipts >= admitted.length && s.edge.stats().outboxPending === 0, SETTLE_WAIT_MS);

    const receipts = s.edge.receipts();
    expect(receipts).toHaveLength(1);
    const [truth] = admitted;
    const [receipt] = receipts;
    expect(receipt?.customerId).toBe(truth?.customerId);
    const charged = (receipt?.lines ?? []).map((l) => ({ sku: l.sku, quantity: l.quantity })).sort((a, b) => a.sku.localeCompare(b.sku));
    expect(charged).toEqual(truth?.basket);
    expect(truth?.basket.length).toBeGreaterThan(0);

    const cloud = await s.cloud.stats();
    expect(cloud.receipts).toBe(1);
    expect(cloud.chargedTotalMinor).toBe(receipt?.totalMinor);
  });
});

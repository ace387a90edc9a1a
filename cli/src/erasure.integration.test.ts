/**
 * Erasure reaches the edge (issue 5): a customer enrolled by palm enters; after
 * the cloud erases them and the edge syncs, the same palm is turned away.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { EnvelopeSequencer, Prng, decodeMessage, publishTyped, topicFor, type GateDecision } from '@tebura/contract';
import { loadStore, PALM_TEMPLATE_DIM, PALM_TEMPLATE_FORMAT } from '@tebura/sim';
import { DEFAULT_STORE } from './paths.js';
import { startStack, type Stack } from './stack.js';

const DECISION_WAIT_MS = 10_000;

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('erasure', () => {
  let stack: Stack;
  let gate: MqttClient;
  const store = loadStore(DEFAULT_STORE);
  const gateId = store.gates.find((g) => g.kind === 'entry' && g.methods.includes('palm'))?.id ?? 'missing';
  const env = new EnvelopeSequencer(gateId, 'erasure-test');
  const decisions = new Map<string, GateDecision>();

  beforeAll(async () => {
    stack = await startStack({ store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-erasure-')), consoleEnabled: false, logLevel: 'silent' });
    gate = await mqtt.connectAsync(stack.mqttUrl, { protocolVersion: 4, clientId: `erasure-gate-${Date.now()}` });
    gate.on('message', (topic, payload) => {
      const d = decodeMessage(topic, payload);
      if (d.ok && d.channel === 'gate/decision') decisions.set(d.msg.txId, d.msg);
    });
    await gate.subscribeAsync(topicFor(store.id, 'gate/decision', gateId), { qos: 1 });
  });
  afterAll(async () => {
    await gate.endAsync();
    await stack.close();
  });

  async function scan(template: number[], txId: string): Promise<GateDecision> {
    publishTyped(gate, topicFor(store.id, 'gate/entry', gateId), {
      ...env.next(Date.now()), txId, guests: 0,
      credential: { kind: 'palm', format: PALM_TEMPLATE_FORMAT, template, quality: 0.9 },
    });
    const end = Date.now() + DECISION_WAIT_MS;
    while (!decisions.has(txId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const d = decisions.get(txId);
    if (d === undefined) throw new Error(`no decision for ${txId}`);
    return d;
  }

  it('a deleted customer can no longer enter after the next sync', { timeout: 60_000 }, async () => {
    const rng = new Prng(11);
    const enrolled = unit(Array.from({ length: PALM_TEMPLATE_DIM }, () => rng.normal()));
    const noisy = (): number[] => unit(enrolled.map((x) => x + rng.normal(0, 0.02)));
    await stack.cloudClient.createCustomer('cust-erase-1', Date.now());
    await stack.cloudClient.enrolPalm('cust-erase-1', enrolled);
    await stack.edge.syncIdentity();

    const before = await scan(noisy(), 'tx-before');
    expect(before).toMatchObject({ decision: 'open', customerId: 'cust-erase-1' });

    await stack.cloudClient.eraseCustomer('cust-erase-1');
    // Until the edge syncs it still knows the palm: erasure reaches it with the next pull.
    await stack.edge.syncIdentity();
    const after = await scan(noisy(), 'tx-after');
    expect(after).toMatchObject({ decision: 'deny', reason: 'UNKNOWN_PERSON' });
    await expect(stack.cloudClient.issueEntryToken('cust-erase-1', store.id)).rejects.toThrow(/E_CUSTOMER_ERASED/);
  });
});

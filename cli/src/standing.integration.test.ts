/**
 * Customer standing reaches the gate (issue 5): a palm customer enters with a
 * companion; their card is declined on a receipt; after the edge pulls the
 * cloud's standing list the same palm is turned away with UNPAID_BALANCE.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { CloudPaths, EnvelopeSequencer, Prng, decodeMessage, publishTyped, topicFor, type GateDecision } from '@tebura/contract';
import { makeReceipt, makeSession } from '@tebura/cloud/testing/fixtures';
import { loadStore, PALM_TEMPLATE_DIM, PALM_TEMPLATE_FORMAT } from '@tebura/sim';
import { DEFAULT_STORE } from './paths.js';
import { startStack, type Stack } from './stack.js';

const DECISION_WAIT_MS = 10_000;
/** The cloud's sandbox provider declines every charge for a customer id containing 'decline'. */
const CUSTOMER = 'cust-decline-standing';

describe('customer standing at the gate', () => {
  let stack: Stack;
  let gate: MqttClient;
  const store = loadStore(DEFAULT_STORE);
  const gateId = store.gates.find((g) => g.kind === 'entry' && g.methods.includes('palm'))?.id ?? 'missing';
  const env = new EnvelopeSequencer(gateId, 'standing-test');
  const decisions = new Map<string, GateDecision>();

  beforeAll(async () => {
    stack = await startStack({ store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-standing-')), consoleEnabled: false, logLevel: 'silent' });
    gate = await mqtt.connectAsync(stack.mqttUrl, { protocolVersion: 4, clientId: `standing-gate-${Date.now()}` });
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

  async function scan(template: number[], txId: string, guests: number): Promise<GateDecision> {
    publishTyped(gate, topicFor(store.id, 'gate/entry', gateId), {
      ...env.next(Date.now()), txId, guests,
      credential: { kind: 'palm', format: PALM_TEMPLATE_FORMAT, template, quality: 0.9 },
    });
    const end = Date.now() + DECISION_WAIT_MS;
    while (!decisions.has(txId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const d = decisions.get(txId);
    if (d === undefined) throw new Error(`no decision for ${txId}`);
    return d;
  }

  async function postAsStore(path: string, id: string, body: object): Promise<void> {
    const res = await fetch(new URL(path, stack.cloud.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.storeApiKey}`, 'idempotency-key': id, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBe(201);
  }

  it('a declined receipt turns the customer away at the next entry', { timeout: 60_000 }, async () => {
    const rng = new Prng(5);
    const v = Array.from({ length: PALM_TEMPLATE_DIM }, () => rng.normal());
    const template = v.map((x) => x / Math.hypot(...v));
    await stack.cloudClient.createCustomer(CUSTOMER, Date.now());
    await stack.cloudClient.enrolPalm(CUSTOMER, template);
    await stack.edge.syncIdentity();
    expect(await scan(template, 'tx-1', 1)).toMatchObject({ decision: 'open', customerId: CUSTOMER, guests: 1 });

    // An earlier visit's receipt, charged and declined.
    const sessionId = 's-standing-earlier';
    await postAsStore(CloudPaths.sessions(store.id), sessionId, makeSession({ storeId: store.id, sessionId, customerId: CUSTOMER }));
    const receipt = makeReceipt({ storeId: store.id, sessionId, receiptId: 'r-standing-earlier', customerId: CUSTOMER, items: [{ sku: 'tea', quantity: 1, unitPriceMinor: 300, taxClass: 'food' }] });
    await postAsStore(CloudPaths.receipts(store.id), receipt.receiptId, receipt);
    // Until the edge pulls, it still admits: standing reaches it with the next pull.
    expect(await scan(template, 'tx-2', 0)).toMatchObject({ decision: 'open', customerId: CUSTOMER });
    await stack.edge.syncIdentity();
    expect(await scan(template, 'tx-3', 0)).toMatchObject({ status: 'ok', decision: 'deny', reason: 'UNPAID_BALANCE', customerId: CUSTOMER });
  });
});

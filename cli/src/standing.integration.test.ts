/**
 * Customer standing reaches the gate (issue 5): a palm customer enters with a
 * companion; their card is declined on a receipt; after the edge pulls the
 * cloud's standing list the same palm is turned away with UNPAID_BALANCE.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudPaths, Prng } from '@tebura/contract';
import { makeReceipt, makeSession } from '@tebura/cloud/testing/fixtures';
import { loadStore, PALM_TEMPLATE_DIM } from '@tebura/sim';
import { DEFAULT_STORE } from './paths.js';
import { startStack, type Stack } from './stack.js';
import { connectPalmGate, type PalmGate } from './testing/palm-gate.js';

/** The cloud's sandbox provider declines every charge for a customer id containing 'decline'. */
const CUSTOMER = 'cust-decline-standing';

describe('customer standing at the gate', () => {
  let stack: Stack;
  let gate: PalmGate;
  const store = loadStore(DEFAULT_STORE);

  beforeAll(async () => {
    stack = await startStack({ store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-standing-')), consoleEnabled: false, logLevel: 'silent' });
    gate = await connectPalmGate(stack.mqttUrl, store, 'standing');
  });
  afterAll(async () => {
    await gate.close();
    await stack.close();
  });

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
    expect(await gate.scan(template, 'tx-1', 1)).toMatchObject({ decision: 'open', customerId: CUSTOMER, guests: 1 });

    // An earlier visit's receipt, charged and declined.
    const sessionId = 's-standing-earlier';
    await postAsStore(CloudPaths.sessions(store.id), sessionId, makeSession({ storeId: store.id, sessionId, customerId: CUSTOMER }));
    const receipt = makeReceipt({ storeId: store.id, sessionId, receiptId: 'r-standing-earlier', customerId: CUSTOMER, items: [{ sku: 'tea', quantity: 1, unitPriceMinor: 300, taxClass: 'food' }] });
    await postAsStore(CloudPaths.receipts(store.id), receipt.receiptId, receipt);
    // Until the edge pulls, it still admits: standing reaches it with the next pull.
    expect(await gate.scan(template, 'tx-2', 0)).toMatchObject({ decision: 'open', customerId: CUSTOMER });
    await stack.edge.syncIdentity();
    expect(await gate.scan(template, 'tx-3', 0)).toMatchObject({ status: 'ok', decision: 'deny', reason: 'UNPAID_BALANCE', customerId: CUSTOMER });
  });
});

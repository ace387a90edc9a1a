/**
 * Erasure reaches the edge (issue 5): a customer enrolled by palm enters; after
 * the cloud erases them and the edge syncs, the same palm is turned away.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@tebura/contract';
import { loadStore, PALM_TEMPLATE_DIM } from '@tebura/sim';
import { DEFAULT_STORE } from './paths.js';
import { startStack, type Stack } from './stack.js';
import { connectPalmGate, type PalmGate } from './testing/palm-gate.js';

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('erasure', () => {
  let stack: Stack;
  let gate: PalmGate;
  const store = loadStore(DEFAULT_STORE);

  beforeAll(async () => {
    stack = await startStack({ store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-erasure-')), consoleEnabled: false, logLevel: 'silent' });
    gate = await connectPalmGate(stack.mqttUrl, store, 'erasure');
  });
  afterAll(async () => {
    await gate.close();
    await stack.close();
  });

  it('a deleted customer can no longer enter after the next sync', { timeout: 60_000 }, async () => {
    const rng = new Prng(11);
    const enrolled = unit(Array.from({ length: PALM_TEMPLATE_DIM }, () => rng.normal()));
    const noisy = (): number[] => unit(enrolled.map((x) => x + rng.normal(0, 0.02)));
    await stack.cloudClient.createCustomer('cust-erase-1', Date.now());
    await stack.cloudClient.enrolPalm('cust-erase-1', enrolled);
    await stack.edge.syncIdentity();

    const before = await gate.scan(noisy(), 'tx-before');
    expect(before).toMatchObject({ decision: 'open', customerId: 'cust-erase-1' });

    await stack.cloudClient.eraseCustomer('cust-erase-1');
    // Until the edge syncs it still knows the palm: erasure reaches it with the next pull.
    await stack.edge.syncIdentity();
    const after = await gate.scan(noisy(), 'tx-after');
    expect(after).toMatchObject({ decision: 'deny', reason: 'UNKNOWN_PERSON' });
    await expect(stack.cloudClient.issueEntryToken('cust-erase-1', store.id)).rejects.toThrow(/E_CUSTOMER_ERASED/);
  });
});

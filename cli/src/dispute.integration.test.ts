/**
 * The shopper's side (issue 6): a disputed receipt line becomes a review item at
 * the store after the next sync; resolving it with a refund sends an adjustment
 * the cloud books as a refund.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, loadStore, population, runSimulation } from '@tebura/sim';
import { SCENARIO_DIR } from './paths.js';
import { startStack, type Stack } from './stack.js';
import { until } from './wait.js';

describe('dispute a receipt line', () => {
  let stack: Stack | null = null;
  afterAll(async () => {
    await stack?.close();
  });

  it('reaches the store review queue and its refund reaches the cloud', { timeout: 120_000 }, async () => {
    const scenario = loadScenario(join(SCENARIO_DIR, '01-one-shopper.yaml'));
    const store = loadStore(scenario.store);
    stack = await startStack({ store, dataDir: mkdtempSync(join(tmpdir(), 'tebura-dispute-')), consoleEnabled: false, logLevel: 'silent' });
    const s = stack;
    const identities = population(scenario, store, 5);
    await s.enrol(identities);
    await runSimulation({
      scenario, store, seed: 5, mqttUrl: s.mqttUrl, speed: 'max', identities, log: () => undefined,
      hooks: { issueAppToken: (c, st) => s.cloudClient.issueEntryToken(c, st) },
    });
    await until(() => s.edge.receipts().length === 1 && s.edge.stats().outboxPending === 0, 15_000);
    const [receipt] = s.edge.receipts();
    const line = receipt?.lines[0];
    if (receipt === undefined || line === undefined) throw new Error('the shopper left without a charged line');

    const { disputeId } = await s.cloudClient.disputeLine(receipt.receiptId, line.sku, 'I put it back');
    expect(s.edge.source.reviews('open')).toHaveLength(0);
    await s.edge.syncIdentity();
    const open = s.edge.source.reviews('open');
    expect(open).toHaveLength(1);
    expect(open[0]?.candidate).toMatchObject({ eventId: `dispute-${disputeId}`, reason: 'CUSTOMER_DISPUTE', skuCandidates: [{ sku: line.sku }] });
    expect(open[0]?.sessionId).toBe(receipt.sessionId);
    // Pulled again, it is not queued twice.
    await s.edge.syncIdentity();
    expect(s.edge.source.reviews('all')).toHaveLength(1);

    s.edge.source.resolveReview(open[0]!.reviewId, { sessionId: receipt.sessionId, lines: [{ sku: line.sku, quantityDelta: -1 }], resolvedBy: 'crew-1' });
    await until(() => s.edge.stats().outboxPending === 0, 15_000);
    expect(s.edge.stats().outboxFailed).toBe(0);
    // The cloud booked the store's refund of one unit (before tax) and the books balance.
    const ledger = await s.cloudClient.ledgerBalances();
    expect(ledger.balances.find((b) => b.account === 'refunds')?.balanceMinor).toBe(line.unitPriceMinor);
    expect(Object.values(ledger.trialBalance)).toEqual([0]);
  });
});

/**
 * A shopper's dispute of a receipt line (filed at the cloud, pulled with the feed)
 * becomes a review item at the store, with the receipt's session as the shopper.
 * Its resolution is the ordinary one: after exit, lines make a signed adjustment
 * (a refund) for the cloud; no lines means the charge stands.
 */
import type { Receipt } from '@tebura/contract';
import type { Logger } from 'pino';
import type { ReviewCandidate } from '../perception/api.js';
import type { Repo } from '../store/repo.js';
import type { SyncDispute } from '../sync/gallery-sync.js';

export const DISPUTE_REASON = 'CUSTOMER_DISPUTE';

export function disputeCandidate(d: SyncDispute, receipt: Receipt): ReviewCandidate {
  const line = receipt.lines.find((l) => l.sku === d.sku);
  return {
    // Stable per dispute: pulling the feed again stores it once.
    eventId: `dispute-${d.disputeId}`,
    reason: DISPUTE_REASON,
    plateIds: [],
    deltaG: 0,
    window: { startTs: receipt.openedAt, endTs: receipt.closedAt },
    skuCandidates: [{ sku: d.sku, quantity: line?.quantity ?? 0, probability: 1 }],
    shopperCandidates: [{ sessionId: receipt.sessionId, probability: 1 }],
    evidence: { weightTrace: [], tracks: [] },
  };
}

export function queueDisputes(
  rt: { repo: Repo; log: Logger; carts: { review(item: ReviewCandidate): void } },
  disputes: readonly SyncDispute[],
): void {
  for (const d of disputes) {
    const receipt = rt.repo.receiptById<Receipt>(d.receiptId);
    if (receipt === undefined) {
      rt.log.warn({ disputeId: d.disputeId, receiptId: d.receiptId }, 'dispute for a receipt this store does not have; ignored');
      continue;
    }
    rt.carts.review(disputeCandidate(d, receipt));
  }
}

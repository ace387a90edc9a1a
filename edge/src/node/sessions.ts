/**
 * Sessions: opened at the gate, closed at the exit into a receipt. Each state
 * change commits with its outbox row in one SQLite transaction. Review items
 * resolved after exit become signed adjustments.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, TeburaError, type Adjustment, type Receipt, type SessionRecord } from '@tebura/contract';
import type { Perception, PerceptionSnapshot } from '../perception/api.js';
import type { ReviewItemView, ReviewResolution } from '../console/source.js';
import { buildAdjustment, buildReceipt } from '../checkout/receipt.js';
import type { SessionRow } from '../store/repo.js';
import { reviewView, type Carts } from './carts.js';
import type { NodeDeps } from './deps.js';

export interface Checkpoint {
  v: 2;
  perception: PerceptionSnapshot;
  seqs: unknown;
}

export const REVIEW_CLOSED = 'E_REVIEW_CLOSED';

/** Deterministic from the gate request, so a retried request finds its session. */
export function sessionIdFor(storeId: string, txKey: string): string {
  return `s-${createHash('sha256').update(`${storeId}\n${txKey}`).digest('hex').slice(0, 24)}`;
}

export interface AdmitRequest {
  txKey: string;
  gateId: string;
  customerId: string;
  method: SessionRecord['entryMethod'];
  guests: number;
  ts: number;
}

export class Sessions {
  private perception: Perception | null = null;

  constructor(
    private readonly d: NodeDeps,
    private readonly carts: Carts,
    private readonly settleTimeoutMs: number,
  ) {}

  attach(p: Perception): void {
    this.perception = p;
  }

  private get p(): Perception {
    if (this.perception === null) throw new Error('perception not attached');
    return this.perception;
  }

  byTxKey(txKey: string): SessionRow | undefined {
    return this.d.repo.sessionByTx(txKey);
  }

  /** Opens a session and queues its record; then binds it in perception. */
  admit(r: AdmitRequest): SessionRow {
    const sessionId = sessionIdFor(this.d.storeId, r.txKey);
    const record: SessionRecord = { sessionId, storeId: this.d.storeId, customerId: r.customerId, entryMethod: r.method, guests: r.guests, openedAt: r.ts };
    // One transaction with the checkpoint that holds the admission: a kill -9 after a
    // separate session commit left a session perception never bound, and the gate's
    // retry finds the session by txKey and answers without admitting it again.
    this.d.repo.tx(() => {
      this.d.repo.insertSession({ session_id: sessionId, tx_key: r.txKey, gate_id: r.gateId, customer_id: r.customerId, entry_method: r.method, guests: r.guests, opened_at: r.ts });
      this.d.repo.enqueue(sessionId, 'session', sessionId, record, this.d.clock.now());
      this.p.admit(sessionId, r.gateId, 1 + r.guests, r.ts);
      this.saveSnapshot();
    });
    this.d.queued();
    const row = this.d.repo.session(sessionId) as SessionRow;
    this.d.emit({ type: 'cart', cart: this.carts.cartView(row) });
    return row;
  }

  /**
   * An exit crossing: which session left is perception's call. The crossing is
   * persisted (with the perception checkpoint) before we wait, so a restart
   * still closes the session.
   */
  async exit(gateId: string, ts: number): Promise<Receipt | null> {
    const sessionId = this.exitBegin(gateId, ts);
    return sessionId === null ? null : this.exitFinish(sessionId);
  }

  /** Synchronous half of an exit; call inside the ingest transaction. */
  exitBegin(gateId: string, ts: number): string | null {
    const { sessionId } = this.p.onCrossing(gateId, 'out', ts);
    if (sessionId === null) {
      this.d.log.warn({ gateId, ts }, 'exit crossing without a bound session');
      return null;
    }
    const began = this.d.repo.tx(() => {
      if (!this.d.repo.markExiting(sessionId, gateId, ts, this.d.clock.now())) return false;
      this.saveSnapshot();
      return true;
    });
    return began ? sessionId : null;
  }

  async exitFinish(sessionId: string): Promise<Receipt | null> {
    await this.beforeSettle();
    await this.p.settle(sessionId, this.settleTimeoutMs);
    return this.close(sessionId);
  }

  /** Closes an exiting session: receipt + close + outbox row in one transaction. */
  close(sessionId: string): Receipt | null {
    const s = this.d.repo.session(sessionId);
    if (s === undefined || s.status === 'closed') return null;
    const closedAt = s.exit_ts ?? this.d.clock.now();
    const receipt = buildReceipt(this.d.layout, this.d.storeId, { sessionId, customerId: s.customer_id, openedAt: s.opened_at }, this.d.repo.cart(sessionId), closedAt);
    const now = this.d.clock.now();
    const closed = this.d.repo.tx(() => {
      if (!this.d.repo.closeSession(sessionId, closedAt, receipt.receiptId)) return false;
      this.d.repo.insertReceipt(receipt.receiptId, sessionId, receipt, now);
      this.d.repo.enqueue(receipt.receiptId, 'receipt', sessionId, receipt, now);
      return true;
    });
    if (!closed) return null;
    this.d.queued();
    this.p.release(sessionId);
    this.saveSnapshot();
    this.d.emit({ type: 'session_closed', sessionId, receipt });
    return receipt;
  }

  /** After a restart: sessions whose exit was seen but not closed are closed now. */
  async recover(): Promise<void> {
    for (const s of this.d.repo.sessionsWith('exiting')) {
      await this.p.settle(s.session_id, this.settleTimeoutMs);
      this.close(s.session_id);
    }
  }

  /** Lets messages held for reordering reach perception before we settle (set by the node). */
  beforeSettle: () => Promise<void> = () => Promise.resolve();

  /** Ingest's per-device watermarks, saved with the perception snapshot (set by the node). */
  seqState: () => unknown = () => [];

  /** Perception moved on since the last checkpoint (a message changed its memory, not the database). */
  private unsaved = false;

  /** One checkpoint: perception state and the message positions it reflects. */
  saveSnapshot(): void {
    if (this.perception === null) return;
    const cp: Checkpoint = { v: 2, perception: this.perception.snapshot(), seqs: this.seqState() };
    this.d.repo.saveSnapshot(cp, this.d.clock.now());
    this.unsaved = false;
  }

  markUnsaved(): void {
    this.unsaved = true;
  }

  /** Before a QoS 1 message is acknowledged: what it did must survive a kill -9, as the broker will not send it again. */
  saveIfUnsaved(): void {
    if (this.unsaved) this.saveSnapshot();
  }

  /**
   * A reviewer's answer. Before exit it fixes the cart; after exit it makes an
   * adjustment (signed, tax per the receipt's rounding rule) for the cloud.
   */
  resolveReview(reviewId: string, res: ReviewResolution): ReviewItemView {
    const { repo } = this.d;
    const view = repo.tx(() => {
      const row = repo.review(reviewId);
      if (row === undefined) throw new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `review '${reviewId}' not found`);
      if (row.status !== 'open') throw new TeburaError(REVIEW_CLOSED, 'conflict', `review '${reviewId}' is already resolved`);
      const lines = res.lines.filter((l) => l.quantityDelta !== 0);
      if (lines.length > 0) this.applyResolution(reviewId, res.sessionId, lines);
      repo.resolveReview(reviewId, res, this.d.clock.now());
      return reviewView(repo.review(reviewId) as typeof row);
    });
    this.d.emit({ type: 'review', item: view });
    const s = res.sessionId === null ? undefined : repo.session(res.sessionId);
    if (s !== undefined && s.status !== 'closed') this.d.emit({ type: 'cart', cart: this.carts.cartView(s) });
    return view;
  }

  private applyResolution(reviewId: string, sessionId: string | null, lines: ReviewResolution['lines']): void {
    const { repo } = this.d;
    const bad = (m: string): TeburaError => new TeburaError(ErrorCodes.SCHEMA, 'validation', m);
    if (sessionId === null) throw bad('lines need a sessionId');
    const s = repo.session(sessionId);
    if (s === undefined) throw new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `session '${sessionId}' not found`);
    const skus = new Set(this.d.layout.products.map((p) => p.sku));
    for (const l of lines) if (!skus.has(l.sku) || !Number.isInteger(l.quantityDelta)) throw bad(`bad line for sku '${l.sku}'`);
    if (s.status !== 'closed') {
      for (const l of lines) {
        const q = repo.cartQuantity(sessionId, l.sku) + l.quantityDelta;
        if (q < 0) throw bad(`cart of ${sessionId} would hold ${q} of ${l.sku}`);
        repo.setCartQuantity(sessionId, l.sku, q);
      }
      return;
    }
    const receipt = repo.receiptOf<Receipt>(sessionId);
    if (receipt === undefined) throw new Error(`closed session ${sessionId} has no receipt`);
    const prior = repo.adjustmentsOf<Adjustment>(sessionId);
    const adj = buildAdjustment(this.d.layout, receipt, prior, lines.map((l) => ({ sku: l.sku, quantity: l.quantityDelta })), {
      adjustmentId: `a-${createHash('sha256').update(reviewId).digest('hex').slice(0, 32)}`,
      reason: `review ${reviewId}`,
      createdAt: this.d.clock.now(),
    });
    repo.enqueue(adj.adjustmentId, 'adjustment', sessionId, adj, this.d.clock.now());
    queueMicrotask(() => this.d.queued());
  }
}

/**
 * Typed access to the edge's SQLite tables. Statements are prepared once; callers
 * group writes with `tx()` so state and its outbox row commit together.
 */
import type { Db } from './db.js';

export type SessionStatus = 'open' | 'exiting' | 'closed';
export interface SessionRow {
  session_id: string;
  tx_key: string;
  gate_id: string;
  customer_id: string;
  entry_method: 'face' | 'palm' | 'app';
  guests: number;
  opened_at: number;
  status: SessionStatus;
  exit_gate_id: string | null;
  exit_ts: number | null;
  exit_wall_ms: number | null;
  closed_at: number | null;
  receipt_id: string | null;
}
export interface ReviewRow {
  review_id: string;
  event_id: string;
  session_id: string | null;
  reason: string;
  status: 'open' | 'resolved';
  created_at: number;
  candidate: string;
  resolution: string | null;
  resolved_at: number | null;
}
export type OutboxKind = 'session' | 'receipt' | 'adjustment';
export interface OutboxRow {
  n: number;
  id: string;
  kind: OutboxKind;
  session_id: string;
  record: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  status: 'pending' | 'sent' | 'failed';
  sent_at: number | null;
  last_error: string | null;
}
export interface DeviceHealthRow {
  device_id: string;
  kind: string;
  state: string;
  boot_id: string | null;
  last_seen: number | null;
  msgs: number;
  gaps: number;
  restarts: number;
  dropouts: number;
}

export class Repo {
  private readonly s;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertSession: p(`INSERT INTO sessions (session_id, tx_key, gate_id, customer_id, entry_method, guests, opened_at, status)
        VALUES (@session_id, @tx_key, @gate_id, @customer_id, @entry_method, @guests, @opened_at, 'open')`),
      sessionByTx: p('SELECT * FROM sessions WHERE tx_key = ?'),
      session: p('SELECT * FROM sessions WHERE session_id = ?'),
      sessionsByStatus: p('SELECT * FROM sessions WHERE status = ? ORDER BY opened_at, session_id'),
      markExiting: p(`UPDATE sessions SET status = 'exiting', exit_gate_id = ?, exit_ts = ?, exit_wall_ms = ? WHERE session_id = ? AND status = 'open'`),
      close: p(`UPDATE sessions SET status = 'closed', closed_at = ?, receipt_id = ? WHERE session_id = ? AND status != 'closed'`),
      countStatus: p('SELECT COUNT(*) AS n FROM sessions WHERE status = ?'),
      cart: p('SELECT sku, quantity FROM cart_lines WHERE session_id = ? AND quantity > 0 ORDER BY sku'),
      cartLine: p('SELECT quantity FROM cart_lines WHERE session_id = ? AND sku = ?'),
      setCartLine: p(`INSERT INTO cart_lines (session_id, sku, quantity) VALUES (?, ?, ?)
        ON CONFLICT(session_id, sku) DO UPDATE SET quantity = excluded.quantity`),
      eventApplied: p('SELECT outcome FROM applied_events WHERE event_id = ?'),
      insertEvent: p('INSERT INTO applied_events (event_id, session_id, sku, quantity_delta, outcome, applied_at) VALUES (?, ?, ?, ?, ?, ?)'),
      insertReview: p(`INSERT OR IGNORE INTO review_items (review_id, event_id, session_id, reason, status, created_at, candidate)
        VALUES (?, ?, ?, ?, 'open', ?, ?)`),
      review: p('SELECT * FROM review_items WHERE review_id = ?'),
      reviewsAll: p('SELECT * FROM review_items ORDER BY created_at, review_id'),
      reviewsBy: p('SELECT * FROM review_items WHERE status = ? ORDER BY created_at, review_id'),
      openReviewsOf: p(`SELECT COUNT(*) AS n FROM review_items WHERE session_id = ? AND status = 'open'`),
      countReviews: p('SELECT COUNT(*) AS n FROM review_items'),
      resolveReview: p(`UPDATE review_items SET status = 'resolved', resolution = ?, resolved_at = ? WHERE review_id = ? AND status = 'open'`),
      insertReceipt: p('INSERT INTO receipts (receipt_id, session_id, record, created_at) VALUES (?, ?, ?, ?)'),
      receipts: p('SELECT record FROM receipts ORDER BY created_at DESC, receipt_id DESC LIMIT ?'),
      receiptOf: p('SELECT record FROM receipts WHERE session_id = ?'),
      receiptById: p('SELECT record FROM receipts WHERE receipt_id = ?'),
      countReceipts: p('SELECT COUNT(*) AS n FROM receipts'),
      enqueue: p(`INSERT INTO outbox (id, kind, session_id, record, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, 0)`),
      // Head-of-line per session: a row waits while an earlier row of its session is
      // failed or backing off; when every earlier unsent row is itself due, they go
      // out together (in one batch request, or one after another, in order).
      dueChains: p(`SELECT * FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= @now
        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.session_id = o.session_id AND e.n < o.n
          AND (e.status = 'failed' OR (e.status = 'pending' AND e.next_attempt_at > @now)))
        ORDER BY o.n LIMIT @limit`),
      nextDueAt: p(`SELECT MIN(next_attempt_at) AS t FROM outbox WHERE status = 'pending'`),
      markSent: p(`UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`),
      markRetry: p(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`),
      markFailed: p(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`),
      outboxBy: p('SELECT * FROM outbox WHERE status = ? ORDER BY n'),
      outboxAll: p('SELECT * FROM outbox ORDER BY n'),
      outboxCount: p('SELECT COUNT(*) AS n FROM outbox WHERE status = ?'),
      adjustmentsOf: p(`SELECT record FROM outbox WHERE kind = 'adjustment' AND session_id = ? ORDER BY n`),
      jtiUsed: p('SELECT 1 AS x FROM used_jtis WHERE jti = ?'),
      useJti: p('INSERT INTO used_jtis (jti, exp_ms) VALUES (?, ?)'),
      purgeJtis: p('DELETE FROM used_jtis WHERE exp_ms < ?'),
      countJtis: p('SELECT COUNT(*) AS n FROM used_jtis'),
      saveSnapshot: p(`INSERT INTO perception_snapshot (id, data, saved_at) VALUES (1, ?, ?)
        ON CONFLICT(id) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at`),
      loadSnapshot: p('SELECT data FROM perception_snapshot WHERE id = 1'),
      upsertDevice: p(`INSERT INTO device_health (device_id, kind, state, boot_id, last_seen, msgs, gaps, restarts, dropouts)
        VALUES (@device_id, @kind, @state, @boot_id, @last_seen, @msgs, @gaps, @restarts, @dropouts)
        ON CONFLICT(device_id) DO UPDATE SET kind = excluded.kind, state = excluded.state, boot_id = excluded.boot_id,
        last_seen = excluded.last_seen, msgs = excluded.msgs, gaps = excluded.gaps, restarts = excluded.restarts, dropouts = excluded.dropouts`),
      devices: p('SELECT * FROM device_health ORDER BY device_id'),
      pruneOutbox: p(`DELETE FROM outbox WHERE status = 'sent' AND kind != 'adjustment' AND sent_at < ?`),
      pruneEvents: p(`DELETE FROM applied_events WHERE applied_at < ? AND session_id IN (SELECT session_id FROM sessions WHERE status = 'closed')`),
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertSession(r: Pick<SessionRow, 'session_id' | 'tx_key' | 'gate_id' | 'customer_id' | 'entry_method' | 'guests' | 'opened_at'>): void {
    this.s.insertSession.run(r);
  }
  sessionByTx(txKey: string): SessionRow | undefined {
    return this.s.sessionByTx.get(txKey) as SessionRow | undefined;
  }
  session(id: string): SessionRow | undefined {
    return this.s.session.get(id) as SessionRow | undefined;
  }
  sessionsWith(status: SessionStatus): SessionRow[] {
    return this.s.sessionsByStatus.all(status) as SessionRow[];
  }
  markExiting(id: string, gateId: string, ts: number, wallMs: number): boolean {
    return this.s.markExiting.run(gateId, ts, wallMs, id).changes === 1;
  }
  closeSession(id: string, closedAt: number, receiptId: string): boolean {
    return this.s.close.run(closedAt, receiptId, id).changes === 1;
  }
  countSessions(status: SessionStatus): number {
    return (this.s.countStatus.get(status) as { n: number }).n;
  }
  cart(sessionId: string): { sku: string; quantity: number }[] {
    return this.s.cart.all(sessionId) as { sku: string; quantity: number }[];
  }
  cartQuantity(sessionId: string, sku: string): number {
    return (this.s.cartLine.get(sessionId, sku) as { quantity: number } | undefined)?.quantity ?? 0;
  }
  setCartQuantity(sessionId: string, sku: string, quantity: number): void {
    this.s.setCartLine.run(sessionId, sku, quantity);
  }
  eventOutcome(eventId: string): string | undefined {
    return (this.s.eventApplied.get(eventId) as { outcome: string } | undefined)?.outcome;
  }
  recordEvent(eventId: string, sessionId: string, sku: string, delta: number, outcome: string, at: number): void {
    this.s.insertEvent.run(eventId, sessionId, sku, delta, outcome, at);
  }
  insertReview(reviewId: string, eventId: string, sessionId: string | null, reason: string, at: number, candidate: unknown): boolean {
    return this.s.insertReview.run(reviewId, eventId, sessionId, reason, at, JSON.stringify(candidate)).changes === 1;
  }
  review(id: string): ReviewRow | undefined {
    return this.s.review.get(id) as ReviewRow | undefined;
  }
  reviews(status: 'open' | 'resolved' | 'all'): ReviewRow[] {
    return (status === 'all' ? this.s.reviewsAll.all() : this.s.reviewsBy.all(status)) as ReviewRow[];
  }
  openReviewsOf(sessionId: string): number {
    return (this.s.openReviewsOf.get(sessionId) as { n: number }).n;
  }
  countReviews(): number {
    return (this.s.countReviews.get() as { n: number }).n;
  }
  resolveReview(id: string, resolution: unknown, at: number): boolean {
    return this.s.resolveReview.run(JSON.stringify(resolution), at, id).changes === 1;
  }
  insertReceipt(receiptId: string, sessionId: string, record: unknown, at: number): void {
    this.s.insertReceipt.run(receiptId, sessionId, JSON.stringify(record), at);
  }
  receipts<T>(limit: number): T[] {
    return (this.s.receipts.all(limit) as { record: string }[]).map((r) => JSON.parse(r.record) as T);
  }
  receiptById<T>(receiptId: string): T | undefined {
    const r = this.s.receiptById.get(receiptId) as { record: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.record) as T);
  }

  receiptOf<T>(sessionId: string): T | undefined {
    const r = this.s.receiptOf.get(sessionId) as { record: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.record) as T);
  }
  countReceipts(): number {
    return (this.s.countReceipts.get() as { n: number }).n;
  }
  enqueue(id: string, kind: OutboxKind, sessionId: string, record: unknown, at: number): void {
    this.s.enqueue.run(id, kind, sessionId, JSON.stringify(record), at);
  }
  /** Due rows plus the due rows queued behind them in their session, oldest first. */
  dueOutboxChains(nowMs: number, limit: number): OutboxRow[] {
    return this.s.dueChains.all({ now: nowMs, limit }) as OutboxRow[];
  }
  nextOutboxDueAt(): number | null {
    return (this.s.nextDueAt.get() as { t: number | null }).t;
  }
  markSent(id: string, at: number): void {
    this.s.markSent.run(at, id);
  }
  markRetry(id: string, nextAttemptAt: number, error: string): void {
    this.s.markRetry.run(nextAttemptAt, error, id);
  }
  markFailed(id: string, error: string): void {
    this.s.markFailed.run(error, id);
  }
  outbox(status?: OutboxRow['status']): OutboxRow[] {
    return (status === undefined ? this.s.outboxAll.all() : this.s.outboxBy.all(status)) as OutboxRow[];
  }
  outboxCount(status: OutboxRow['status']): number {
    return (this.s.outboxCount.get(status) as { n: number }).n;
  }
  adjustmentsOf<T>(sessionId: string): T[] {
    return (this.s.adjustmentsOf.all(sessionId) as { record: string }[]).map((r) => JSON.parse(r.record) as T);
  }
  jtiUsed(jti: string): boolean {
    return this.s.jtiUsed.get(jti) !== undefined;
  }
  useJti(jti: string, expMs: number): void {
    this.s.useJti.run(jti, expMs);
  }
  purgeJtis(nowMs: number): void {
    this.s.purgeJtis.run(nowMs);
  }
  countJtis(): number {
    return (this.s.countJtis.get() as { n: number }).n;
  }
  saveSnapshot(data: unknown, at: number): void {
    this.s.saveSnapshot.run(JSON.stringify(data), at);
  }
  loadSnapshot(): unknown {
    const r = this.s.loadSnapshot.get() as { data: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.data) as unknown);
  }
  saveDevice(r: DeviceHealthRow): void {
    this.s.upsertDevice.run(r);
  }
  devices(): DeviceHealthRow[] {
    return this.s.devices.all() as DeviceHealthRow[];
  }
  /**
   * Forgets what is no longer needed after `beforeMs`: sent session and receipt
   * rows (the sessions and receipts tables keep the records) and applied-event ids
   * of closed sessions. Adjustments stay: later adjustments are taxed against them.
   */
  prune(beforeMs: number): { outbox: number; events: number } {
    return this.tx(() => ({ outbox: this.s.pruneOutbox.run(beforeMs).changes, events: this.s.pruneEvents.run(beforeMs).changes }));
  }
  meta(key: string): string | undefined {
    return (this.s.getMeta.get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }
  /** Increments and returns the boot counter: the edge's own envelope bootId. */
  nextBoot(): number {
    return this.tx(() => {
      const n = Number(this.meta('boot') ?? '0') + 1;
      this.setMeta('boot', String(n));
      return n;
    });
  }
}

/**
 * Edge metrics: prom-client counters on a per-node registry (no global state) plus
 * plain numbers for `stats()`, and bounded latency windows for percentiles.
 */
import { Counter, Registry } from 'prom-client';

/** A ring of the last `samplesMax` latencies, in milliseconds. */
export class LatencyWindow {
  private readonly buf: number[] = [];
  private next = 0;
  constructor(private readonly samplesMax: number) {}

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    if (this.buf.length < this.samplesMax) this.buf.push(ms);
    else this.buf[this.next] = ms;
    this.next = (this.next + 1) % this.samplesMax;
  }

  count(): number {
    return this.buf.length;
  }

  /** Nearest-rank percentile; NaN when empty. */
  percentile(p: number): number {
    if (this.buf.length === 0) return Number.NaN;
    const sorted = [...this.buf].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank] as number;
  }
}

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly counts = { messages: 0, rejected: 0, duplicates: 0, handlerErrors: 0, gateOpen: 0, gateDeny: 0, outboxSent: 0, outboxFailed: 0, outboxRetries: 0 };
  /** The weight settled (settle reading's arrival) to the cart row committed. */
  readonly eventToCartMs: LatencyWindow;
  /** Perception's emit to the cart row committed (hides the stability detector's wait). */
  readonly emitToCartMs: LatencyWindow;
  readonly exitToChargeMs: LatencyWindow;
  private readonly messagesC: Counter<'channel'>;
  private readonly rejectedC: Counter<'code'>;
  private readonly droppedC: Counter<'reason'>;
  private readonly errorsC: Counter<'where'>;
  private readonly gateC: Counter<'decision' | 'reason'>;
  private readonly outboxC: Counter<'result'>;

  constructor(latencySamplesMax: number) {
    const registers = [this.registry];
    this.messagesC = new Counter({ name: 'tebura_edge_messages_total', help: 'Accepted device messages by channel', labelNames: ['channel'], registers });
    this.rejectedC = new Counter({ name: 'tebura_edge_rejected_total', help: 'Rejected device messages by error code', labelNames: ['code'], registers });
    this.droppedC = new Counter({ name: 'tebura_edge_dropped_total', help: 'Valid messages dropped by ingest ordering', labelNames: ['reason'], registers });
    this.errorsC = new Counter({ name: 'tebura_edge_handler_errors_total', help: 'Exceptions caught at a handler boundary', labelNames: ['where'], registers });
    this.gateC = new Counter({ name: 'tebura_edge_gate_decisions_total', help: 'Gate decisions', labelNames: ['decision', 'reason'], registers });
    this.outboxC = new Counter({ name: 'tebura_edge_outbox_total', help: 'Outbox upload results', labelNames: ['result'], registers });
    this.eventToCartMs = new LatencyWindow(latencySamplesMax);
    this.emitToCartMs = new LatencyWindow(latencySamplesMax);
    this.exitToChargeMs = new LatencyWindow(latencySamplesMax);
  }

  message(channel: string): void {
    this.counts.messages++;
    this.messagesC.inc({ channel });
  }
  rejected(code: string): void {
    this.counts.rejected++;
    this.rejectedC.inc({ code });
  }
  dropped(reason: string): void {
    if (reason === 'duplicate') this.counts.duplicates++;
    this.droppedC.inc({ reason });
  }
  handlerError(where: string): void {
    this.counts.handlerErrors++;
    this.errorsC.inc({ where });
  }
  gate(decision: 'open' | 'deny', reason: string): void {
    if (decision === 'open') this.counts.gateOpen++;
    else this.counts.gateDeny++;
    this.gateC.inc({ decision, reason });
  }
  outbox(result: 'sent' | 'failed' | 'retry'): void {
    if (result === 'sent') this.counts.outboxSent++;
    else if (result === 'failed') this.counts.outboxFailed++;
    else this.counts.outboxRetries++;
    this.outboxC.inc({ result });
  }
}

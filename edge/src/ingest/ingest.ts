/**
 * Ingest: every MQTT message passes decode (never throws), then per-device
 * ordering, then its handler. Rejects are counted by code and logged once per
 * (code, device). No exception leaves `onMessage`.
 */
import { decodeMessage, parseTopic, type CameraDetections, type DeviceState, type GateCrossing, type GateEntryRequest, type LoadCellWeight, type ProductHints } from '@tebura/contract';
import type { Logger } from 'pino';
import type { Clock } from '@tebura/contract';
import type { DeviceView } from '../console/source.js';
import type { EdgeMetrics } from '../metrics.js';
import { DeviceHealth } from './health.js';
import { Sequencer, type SeqWatermark, type SequencerBounds } from './sequencer.js';

export interface IngestHandlers {
  weight(m: LoadCellWeight): void;
  detections(m: CameraDetections): void;
  hints(m: ProductHints): void;
  entry(m: GateEntryRequest): void;
  crossing(m: GateCrossing): void;
  deviceState?(view: DeviceView): void;
}

type Sequenced =
  | { channel: 'loadcell/weight'; msg: LoadCellWeight }
  | { channel: 'camera/detections'; msg: CameraDetections }
  | { channel: 'camera/hints'; msg: ProductHints }
  | { channel: 'gate/entry'; msg: GateEntryRequest }
  | { channel: 'gate/crossing'; msg: GateCrossing };

/** Sequencer key: hints and detections from one camera device share its seq space. */
interface Keyed {
  deviceId: string;
  bootId: string;
  seq: number;
  item: Sequenced;
}

export class Ingest {
  readonly health: DeviceHealth;
  private readonly seq: Sequencer<Keyed>;
  private readonly loggedRejects = new Set<string>();

  constructor(
    private readonly storeId: string,
    bounds: SequencerBounds & { rejectLogKeysMax: number },
    private readonly clock: Clock,
    private readonly metrics: EdgeMetrics,
    private readonly log: Logger,
    private readonly h: IngestHandlers,
  ) {
    this.health = new DeviceHealth(bounds.devicesMax);
    this.seq = new Sequencer<Keyed>(bounds, (k) => this.dispatch(k.item));
    this.rejectLogKeysMax = bounds.rejectLogKeysMax;
  }
  private readonly rejectLogKeysMax: number;

  onMessage(topic: string, payload: Uint8Array | string): void {
    try {
      this.handle(topic, payload);
    } catch (e) {
      this.metrics.handlerError('ingest');
      this.log.error({ err: e, topic }, 'ingest handler failed; message dropped');
    }
  }

  /** Releases messages that waited out the reorder window; updates health. */
  tick(): void {
    try {
      const now = this.clock.now();
      this.seq.tick(now);
      this.health.tick(now);
    } catch (e) {
      this.metrics.handlerError('ingest_tick');
      this.log.error({ err: e }, 'ingest tick failed');
    }
  }

  watermarks(): SeqWatermark[] {
    return this.seq.watermarks();
  }

  restoreWatermarks(marks: readonly SeqWatermark[]): void {
    this.seq.restoreWatermarks(marks);
  }

  heldCount(): number {
    return this.seq.heldCount();
  }

  private handle(topic: string, payload: Uint8Array | string): void {
    const d = decodeMessage(topic, payload);
    if (!d.ok) {
      this.reject(d.code, parseTopic(topic)?.deviceId ?? '?', topic, d.reason);
      return;
    }
    if (d.storeId !== this.storeId) {
      this.reject('E_WRONG_STORE', d.deviceId, topic, `store '${d.storeId}' is not this edge's '${this.storeId}'`);
      return;
    }
    const now = this.clock.now();
    if (d.channel === 'device/state') {
      this.onState(d.msg);
      return;
    }
    if (d.channel === 'gate/decision') {
      this.reject('E_TOPIC_UNKNOWN', d.deviceId, topic, 'edge does not consume gate/decision');
      return;
    }
    this.metrics.message(d.channel);
    this.health.seen(d.deviceId, d.channel.split('/')[0] as string, d.msg.bootId, now);
    const item = { channel: d.channel, msg: d.msg } as Sequenced;
    const r = this.seq.offer({ deviceId: d.msg.deviceId, bootId: d.msg.bootId, seq: d.msg.seq, item }, now);
    if (r !== 'released' && r !== 'held') this.metrics.dropped(r);
    const st = this.seq.stats(d.deviceId);
    if (st !== null) this.health.setCounters(d.deviceId, st.gaps, st.restarts);
  }

  private onState(m: DeviceState): void {
    const v = this.health.state(m.deviceId, m.kind, m.state, m.bootId, this.clock.now());
    if (v !== null) this.h.deviceState?.(v);
  }

  private dispatch(item: Sequenced): void {
    try {
      switch (item.channel) {
        case 'loadcell/weight': return this.h.weight(item.msg);
        case 'camera/detections': return this.h.detections(item.msg);
        case 'camera/hints': return this.h.hints(item.msg);
        case 'gate/entry': return this.h.entry(item.msg);
        case 'gate/crossing': return this.h.crossing(item.msg);
      }
    } catch (e) {
      // One bad message must not stop the messages held behind it.
      this.metrics.handlerError(item.channel);
      this.log.error({ err: e, channel: item.channel, msgId: item.msg.msgId }, 'handler failed; message dropped');
    }
  }

  private reject(code: string, deviceId: string, topic: string, reason: string): void {
    this.metrics.rejected(code);
    const key = `${code}\n${deviceId}`;
    if (this.loggedRejects.has(key)) return;
    // Past the bound we stop logging new pairs (the metric still counts them).
    if (this.loggedRejects.size >= this.rejectLogKeysMax) return;
    this.loggedRejects.add(key);
    this.log.warn({ code, deviceId, topic, reason }, 'message rejected (logged once per code and device)');
  }
}

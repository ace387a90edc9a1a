/**
 * Discrete-event core of the simulator, keyed on simulated time. Devices tick
 * (shelf controllers per packet, cameras per frame); people run their action
 * lists (people.ts). The engine never touches a socket: it hands each message to
 * `emit`, and takes gate decisions through `deliverDecision`, so the same engine
 * drives a broker run, a recording and a benchmark.
 */
import {
  EnvelopeSequencer, Prng, topicFor,
  type Channel, type DeviceKind, type GateDecision, type GateEntryRequest, type Payload, type Shelf, type StoreLayout,
} from '@tebura/contract';
import type { Scenario } from './scenario.js';
import type { ShopperIdentity } from './population.js';
import { World } from './world.js';
import { OverheadCamera, ShelfCamera, type Visible } from './sensors.js';
import { EventHeap } from './heap.js';
import { People, type Person } from './people.js';
import type { GroundTruth } from './truth.js';

export interface OutMsg {
  /** Simulated time at which the device sends it (epoch ms). */
  t: number;
  topic: string;
  deviceId: string;
  channel: Channel;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/** What the simulator needs from a gate/decision. */
export type DecisionLike = Pick<GateDecision, 'txId' | 'decision' | 'reason'> & { sessionId?: string | undefined };

export interface FacePhoto {
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  b64: string;
}

export interface EngineConfig {
  scenario: Scenario;
  store: StoreLayout;
  seed: number;
  startMs: number;
  identities: readonly ShopperIdentity[];
  emit(m: OutMsg): void;
  /** The shopper's app token, fetched before the shopper reaches the gate. */
  appToken(customerId: string): string | undefined;
  facePhoto(customerId: string): FacePhoto | undefined;
  /** A gate asked; a synchronous decider may answer at once through deliverDecision. */
  onEntryRequest?(req: GateEntryRequest, gateId: string): void;
}

export type EngineEvent =
  | { t: number; seq: number; kind: 'shelf'; idx: number; n: number }
  | { t: number; seq: number; kind: 'camera'; idx: number; n: number }
  | { t: number; seq: number; kind: 'wake'; person: Person; token: number }
  | { t: number; seq: number; kind: 'decision'; txId: string }
  | { t: number; seq: number; kind: 'hint'; deviceId: string; body: Omit<Payload<'camera/hints'>, 'v' | 'msgId' | 'deviceId' | 'bootId' | 'seq' | 'ts'>; ts: number };

/** An event before the engine numbers it. */
export type EngineEventInput = EngineEvent extends infer E ? (E extends EngineEvent ? Omit<E, 'seq'> : never) : never;

/** Sensor data kept flowing after the last shopper left, so the last events settle on the wire, ms. */
const TAIL_MS = 3000;
/** Gate decisions held before the engine acts on them (oldest dropped beyond). */
const DECISIONS_HELD_MAX = 10_000;
/** Baseline sensor data before the first arrival, ms. */
export const LEAD_IN_MS = 3000;

export class SimEngine {
  readonly world: World;
  readonly people: People;
  private readonly heap = new EventHeap<EngineEvent>();
  private seq = 0;
  private readonly sequencers = new Map<string, EnvelopeSequencer>();
  private readonly topics = new Map<string, string>();
  private readonly shelves: Shelf[];
  private readonly shelfPhase: number[];
  private readonly overhead: OverheadCamera[] = [];
  readonly shelfCams: ShelfCamera[] = [];
  private readonly devices: { deviceId: string; kind: DeviceKind }[] = [];
  private readonly decisions = new Map<string, DecisionLike>();
  readonly bootId: string;
  private endAt: number;
  now: number;
  private finished = false;

  constructor(readonly cfg: EngineConfig) {
    const root = new Prng(cfg.seed);
    this.now = cfg.startMs;
    this.endAt = cfg.startMs + cfg.scenario.durationS * 1000;
    this.bootId = `${(cfg.seed >>> 0).toString(36)}.${Math.floor(cfg.startMs / 1000).toString(36)}`;
    this.world = new World(cfg.store, cfg.scenario, root.fork('world'), cfg.startMs);
    this.shelves = this.world.shelves();
    const phase = root.fork('phase');
    this.shelfPhase = this.shelves.map((sh) => phase.next() * (1000 / sh.loadCell.sampleRateHz) * sh.loadCell.samplesPerMsg);
    for (const sh of this.shelves) this.devices.push({ deviceId: sh.loadCell.deviceId, kind: 'loadcell' });
    const camPrng = root.fork('cameras');
    for (const cam of cfg.store.cameras) {
      if (cam.kind === 'overhead') this.overhead.push(new OverheadCamera(cam, cfg.scenario, camPrng.fork(cam.id)));
      else this.shelfCams.push(new ShelfCamera(cam, cfg.scenario, cfg.store, camPrng.fork(cam.id)));
      this.devices.push({ deviceId: cam.id, kind: 'camera' });
    }
    for (const g of cfg.store.gates) this.devices.push({ deviceId: g.id, kind: 'gate' });
    this.people = new People(this, root.fork('people'));
    // Hands came later: forked last, so every stream above keeps its draws.
    const hands = root.fork('hands');
    this.people.handPrng = hands.fork('reach');
    for (const cam of this.overhead) cam.handPrng = hands.fork(cam.cam.id);
    for (const d of this.devices) this.emit('device/state', d.deviceId, cfg.startMs, null, { v: 1, deviceId: d.deviceId, bootId: this.bootId, kind: d.kind, state: 'online', ts: cfg.startMs });
    this.shelves.forEach((sh, idx) => this.scheduleShelf(idx, 0, sh));
    this.overhead.forEach((_, idx) => this.scheduleCamera(idx, 0));
    this.people.scheduleArrivals(cfg.startMs + LEAD_IN_MS);
  }

  /** Every device of the run with its kind (for connections and last wills). */
  deviceList(): readonly { deviceId: string; kind: DeviceKind }[] {
    return this.devices;
  }

  push(e: EngineEventInput): void {
    this.heap.push({ ...e, seq: this.seq++ } as EngineEvent);
  }

  private scheduleShelf(idx: number, n: number, sh: Shelf): void {
    const spanMs = (1000 / sh.loadCell.sampleRateHz) * sh.loadCell.samplesPerMsg;
    const firstTs = this.cfg.startMs + this.shelfPhase[idx]! + n * spanMs;
    const lastSampleTs = firstTs + spanMs - 1000 / sh.loadCell.sampleRateHz;
    this.push({ t: lastSampleTs, kind: 'shelf', idx, n });
  }

  private scheduleCamera(idx: number, n: number): void {
    const cam = this.overhead[idx]!.cam;
    this.push({ t: this.cfg.startMs + (n * 1000) / cam.fps, kind: 'camera', idx, n });
  }

  /**
   * Builds the envelope (seq per device) and hands the message out. The envelope
   * is written as text in front of the body: this is the hottest path of the
   * generator, and the output is the same JSON that spreading both objects gives.
   */
  emit<C extends Channel>(channel: C, deviceId: string, t: number, ts: number | null, body: object): void {
    const key = `${channel}|${deviceId}`;
    let topic = this.topics.get(key);
    if (topic === undefined) {
      topic = topicFor(this.cfg.store.id, channel, deviceId);
      this.topics.set(key, topic);
    }
    let payload: string;
    if (ts === null) payload = JSON.stringify(body);
    else {
      let s = this.sequencers.get(deviceId);
      if (s === undefined) {
        s = new EnvelopeSequencer(deviceId, this.bootId);
        this.sequencers.set(deviceId, s);
      }
      const env = s.next(ts);
      const rest = JSON.stringify(body);
      const head = JSON.stringify(env);
      payload = rest === '{}' ? head : `${head.slice(0, -1)},${rest.slice(1)}`;
    }
    const retain = channel === 'device/state';
    this.cfg.emit({ t, topic, deviceId, channel, payload, qos: channel === 'loadcell/weight' || channel.startsWith('camera/') ? 0 : 1, retain });
  }

  deliverDecision(d: DecisionLike): void {
    // Bounded: answers nobody asked for (or that came too late) must not pile up.
    if (this.decisions.size >= DECISIONS_HELD_MAX) this.decisions.delete(this.decisions.keys().next().value!);
    this.decisions.set(d.txId, d);
  }

  takeDecision(txId: string): DecisionLike | undefined {
    const d = this.decisions.get(txId);
    this.decisions.delete(txId);
    return d;
  }

  hasDecision(txId: string): boolean {
    return this.decisions.has(txId);
  }

  /** The next event's time, and the gate transaction it acts on if it is a decision; null at the end. */
  peek(): { t: number; awaitTxId: string | null } | null {
    if (this.finished) return null;
    const e = this.heap.peek();
    if (e === undefined || e.t > this.endAt) return null;
    return { t: e.t, awaitTxId: e.kind === 'decision' ? e.txId : null };
  }

  /** Processes the next event. Returns false when the run is over. */
  step(): boolean {
    const next = this.peek();
    if (next === null) return false;
    const e = this.heap.pop()!;
    this.now = e.t;
    switch (e.kind) {
      case 'shelf': {
        const sh = this.shelves[e.idx]!;
        const intervalMs = 1000 / sh.loadCell.sampleRateHz;
        const ts = e.t - intervalMs * (sh.loadCell.samplesPerMsg - 1);
        this.emit('loadcell/weight', sh.loadCell.deviceId, e.t, ts, this.world.packet(sh, ts));
        this.scheduleShelf(e.idx, e.n + 1, sh);
        break;
      }
      case 'camera': {
        const cam = this.overhead[e.idx]!;
        this.emit('camera/detections', cam.cam.id, e.t, e.t, cam.frame(this.visible(e.t)));
        this.scheduleCamera(e.idx, e.n + 1);
        break;
      }
      case 'wake':
        this.people.wake(e.person, e.token, e.t);
        break;
      case 'decision':
        this.people.decide(e.txId, this.takeDecision(e.txId), e.t);
        break;
      case 'hint':
        this.emit('camera/hints', e.deviceId, e.t, e.ts, e.body);
        break;
    }
    if (this.people.allDone() && this.endAt > this.now + TAIL_MS) this.endAt = this.now + TAIL_MS;
    return true;
  }

  private visible(t: number): Visible[] {
    const { widthM, depthM } = this.cfg.store.floor;
    const out: Visible[] = [];
    for (const p of this.people.active()) {
      const pos = this.people.position(p, t);
      if (pos.x < 0 || pos.y < 0 || pos.x > widthM || pos.y > depthM) continue;
      const r = p.reach;
      const facing = this.people.facingAt(p, t);
      out.push(r !== null && t >= r.from && t <= r.to ? { personId: p.id, pos, facing, hand: { x: r.x, y: r.y, z: r.z } } : { personId: p.id, pos, facing });
    }
    return out;
  }

  /** Ends the run: devices go offline (as a clean shutdown would say), truth is closed. */
  finish(): GroundTruth {
    // An aborted or capped run ends where simulated time stopped, not at the planned end.
    const end = Math.min(this.endAt, Math.max(this.now, this.cfg.startMs));
    if (!this.finished) {
      this.finished = true;
      for (const d of this.devices) this.emit('device/state', d.deviceId, end, null, { v: 1, deviceId: d.deviceId, bootId: this.bootId, kind: d.kind, state: 'offline', ts: end });
    }
    return this.people.truth(this.cfg.startMs, end);
  }
}

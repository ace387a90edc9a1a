/**
 * A tiny deterministic Perception for the node's tests (the real one lives in
 * ../perception and is tested there). Rules: a plate's level dropping by about
 * n unit weights is a pick of n by the most recently admitted shopper still in
 * the store; a rise is a put-back. Exits leave in admission order. Its whole state
 * (plate baselines, shoppers in store) is in the snapshot, so restarts can be tested.
 */
import type { CameraDetections, Clock, LoadCellWeight, StoreLayout } from '@tebura/contract';
import type { Perception, PerceptionFactory, PerceptionSink, PerceptionSnapshot } from '../perception/api.js';

interface FakeState {
  baseline: Record<string, number>;
  inStore: string[];
}

/** A level change within this fraction of a unit weight of a whole count is a clean event. */
const COUNT_TOLERANCE = 0.35;

export class FakePerception implements Perception {
  private st: FakeState = { baseline: {}, inStore: [] };
  private readonly plateSku = new Map<string, { sku: string; unitG: number }>();
  private seen: { trackId: string; x: number; y: number }[] = [];

  constructor(layout: StoreLayout, private readonly clock: Clock, private readonly sink: PerceptionSink) {
    const unit = new Map(layout.products.map((p) => [p.sku, p.unitWeightG.mean]));
    for (const e of layout.planogram) for (const pid of e.plateIds) this.plateSku.set(pid, { sku: e.sku, unitG: unit.get(e.sku) ?? 1 });
  }

  onWeight(msg: LoadCellWeight): void {
    for (const r of msg.readings) {
      const last = [...r.grams].reverse().find((g): g is number => g !== null);
      const ps = this.plateSku.get(r.plateId);
      if (last === undefined || ps === undefined) continue;
      const base = this.st.baseline[r.plateId];
      if (base === undefined) {
        this.st.baseline[r.plateId] = last;
        continue;
      }
      const n = Math.round((base - last) / ps.unitG);
      if (n === 0 || Math.abs(base - last - n * ps.unitG) > COUNT_TOLERANCE * ps.unitG) continue;
      this.st.baseline[r.plateId] = last;
      const eventId = `${r.plateId}@${msg.deviceId}:${msg.bootId}:${msg.seq}`;
      const shopper = this.st.inStore[this.st.inStore.length - 1];
      if (shopper === undefined) {
        this.sink.review({
          eventId, reason: 'NO_SHOPPER', plateIds: [r.plateId], deltaG: last - base, window: { startTs: msg.ts, endTs: msg.ts },
          skuCandidates: [{ sku: ps.sku, quantity: n, probability: 0.9 }], shopperCandidates: [],
          evidence: { weightTrace: [{ plateId: r.plateId, ts: msg.ts, grams: last }], tracks: [] },
        });
        continue;
      }
      this.sink.cartDelta({ eventId, sessionId: shopper, sku: ps.sku, quantityDelta: n, confidence: 0.95, settledAt: msg.ts, emittedAt: this.clock.now() });
    }
  }

  onDetections(msg: CameraDetections): void {
    this.seen = msg.detections.map((d) => ({ trackId: d.localId, x: d.x, y: d.y }));
  }

  onHints(): void {
    // Hints do not change this fake's answers.
  }

  admit(sessionId: string): void {
    if (!this.st.inStore.includes(sessionId)) this.st.inStore.push(sessionId);
  }

  onCrossing(_gateId: string, direction: 'in' | 'out'): { sessionId: string | null } {
    if (direction === 'in') return { sessionId: null };
    return { sessionId: this.st.inStore.shift() ?? null };
  }

  async settle(): Promise<void> {
    await Promise.resolve();
  }

  release(sessionId: string): void {
    this.st.inStore = this.st.inStore.filter((s) => s !== sessionId);
  }

  snapshot(): PerceptionSnapshot {
    return { version: 1, data: structuredClone(this.st) };
  }

  restore(s: PerceptionSnapshot): void {
    this.st = structuredClone(s.data as FakeState);
  }

  people(): { trackId: string; sessionId: string | null; x: number; y: number }[] {
    return this.seen.map((p) => ({ ...p, sessionId: null }));
  }

  plateWeights(): Record<string, number> {
    return { ...this.st.baseline };
  }
}

export const fakePerceptionFactory: PerceptionFactory = (layout, clock, sink) => new FakePerception(layout, clock, sink);

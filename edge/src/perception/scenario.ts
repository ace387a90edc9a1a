/**
 * A tiny store-scenario driver for perception tests: people walk waypoint paths,
 * overhead cameras report them with noise, misses and label switches, shelves
 * report grams with hands and oscillation, and gates admit and count crossings.
 * Everything is merged in time order and fed to a Perception with a ManualClock.
 */
import { ManualClock, Prng, type CameraDetections, type StoreLayout } from '@tebura/contract';
import type { CartDelta, Perception, PerceptionSink, ReviewCandidate } from './api.js';
import { settleDeltas } from './settle-clock.js';
import { weightMessages } from './fixtures.js';
import { plateSeries, type StepSpec } from './synthetic.js';

export interface Waypoint {
  ts: number;
  x: number;
  y: number;
}

export interface ScenarioSpec {
  layout: StoreLayout;
  seed: number;
  durationMs: number;
  walkers: Waypoint[][];
  /** atMs = when the hand arrives at the plate. */
  picks: { plateId: string; atMs: number; deltaG: number }[];
  admits: { sessionId: string; gateId: string; people: number; ts: number }[];
  crossings: { gateId: string; direction: 'in' | 'out'; ts: number }[];
  missRate?: number;
  /** Probability per frame that a camera swaps the labels of two people. */
  idSwitchRate?: number;
  positionNoiseM?: number;
  framePeriodMs?: number;
}

export interface ScenarioResult {
  deltas: CartDelta[];
  reviews: ReviewCandidate[];
  exits: { gateId: string; ts: number; sessionId: string | null }[];
  perception: Perception;
}

export function walkerAt(path: Waypoint[], ts: number): { x: number; y: number } | null {
  if (path.length === 0 || ts < path[0]!.ts || ts > path[path.length - 1]!.ts) return null;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!;
    const b = path[i]!;
    if (ts <= b.ts) {
      const f = b.ts === a.ts ? 1 : (ts - a.ts) / (b.ts - a.ts);
      return { x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y) };
    }
  }
  return null;
}

type Action = { ts: number; order: number; run: (p: Perception, r: ScenarioResult) => void };

export function runScenario(spec: ScenarioSpec, make: (layout: StoreLayout, clock: ManualClock, sink: PerceptionSink) => Perception): ScenarioResult {
  const prng = new Prng(spec.seed);
  const t0 = spec.walkers.flat().reduce((m, w) => Math.min(m, w.ts), Infinity);
  const actions: Action[] = [];
  // Shelves: full series for every shelf, with the picks on their plates.
  for (const g of spec.layout.gondolas) {
    for (const sh of g.shelves) {
      const rate = sh.loadCell.sampleRateHz;
      const n = Math.ceil((spec.durationMs / 1000) * rate);
      const series = sh.plates.map((pl, i) => {
        const steps: StepSpec[] = spec.picks
          .filter((p) => p.plateId === pl.id)
          .map((p) => ({ at: Math.round(((p.atMs - t0) / 1000) * rate), deltaG: p.deltaG, handSamples: Math.round(rate * 0.5), oscillationG: 10 }));
        return plateSeries(prng, { samples: n, baseG: 600 + 50 * i, noiseG: sh.loadCell.noiseSigmaG, steps, sampleRateHz: rate });
      });
      for (const m of weightMessages(sh, t0, series)) {
        // A packet is published when its last sample is taken.
        const pubTs = m.ts + (m.readings[0]!.grams.length - 1) * m.sampleIntervalMs;
        actions.push({ ts: pubTs, order: 1, run: (p) => p.onWeight(m) });
      }
    }
  }
  addCameraFrames(spec, prng, t0, actions);
  for (const a of spec.admits) actions.push({ ts: a.ts, order: 0, run: (p) => p.admit(a.sessionId, a.gateId, a.people, a.ts) });
  for (const c of spec.crossings) {
    actions.push({
      ts: c.ts,
      order: 3,
      run: (p, r) => {
        const { sessionId } = p.onCrossing(c.gateId, c.direction, c.ts);
        if (c.direction === 'out') r.exits.push({ gateId: c.gateId, ts: c.ts, sessionId });
      },
    });
  }
  actions.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const clock = new ManualClock(t0);
  const result: ScenarioResult = { deltas: [], reviews: [], exits: [], perception: undefined as unknown as Perception };
  const sink: PerceptionSink = {
    cartDelta: (d) => result.deltas.push(d),
    review: (r) => result.reviews.push(r),
    settleKnown: (eventId, at) => settleDeltas(result.deltas, eventId, at),
  };
  result.perception = make(spec.layout, clock, sink);
  for (const a of actions) {
    if (a.ts > clock.now()) clock.set(a.ts);
    a.run(result.perception, result);
  }
  return result;
}

function addCameraFrames(spec: ScenarioSpec, prng: Prng, t0: number, actions: Action[]): void {
  const period = spec.framePeriodMs ?? 100;
  const cams = spec.layout.cameras.filter((c) => c.kind === 'overhead');
  cams.forEach((cam, ci) => {
    // Labels per walker; a switch swaps two of them for the rest of the run.
    const labels = spec.walkers.map((_, i) => `${cam.id}-L${i}`);
    let seq = 0;
    for (let ts = t0 + ci * 7; ts <= t0 + spec.durationMs; ts += period) {
      if (labels.length >= 2 && prng.next() < (spec.idSwitchRate ?? 0)) {
        const a = prng.int(0, labels.length - 1);
        const b = (a + 1) % labels.length;
        [labels[a], labels[b]] = [labels[b]!, labels[a]!];
      }
      const detections: CameraDetections['detections'] = [];
      spec.walkers.forEach((path, i) => {
        const pos = walkerAt(path, ts);
        if (!pos || Math.hypot(pos.x - cam.x, pos.y - cam.y) > cam.coverageRadiusM) return;
        if (prng.next() < (spec.missRate ?? 0)) return;
        const noise = spec.positionNoiseM ?? cam.positionNoiseM;
        detections.push({ localId: labels[i]!, x: pos.x + prng.normal(0, noise), y: pos.y + prng.normal(0, noise), confidence: 0.9 });
      });
      const msg: CameraDetections = { v: 1, msgId: `${cam.id}:b:${seq}`, deviceId: cam.id, bootId: 'b', seq: seq++, ts, detections };
      actions.push({ ts, order: 2, run: (p) => p.onDetections(msg) });
    }
  });
}

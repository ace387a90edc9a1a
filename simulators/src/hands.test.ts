/**
 * Pose cameras' wrists: a hand is over the plate it takes from while it reaches,
 * and otherwise hangs beside the body, never over a shelf. The edge's association
 * (edge/src/perception/association.ts wristFactor) relies on both.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decodeMessage, type CameraDetections } from '@tebura/contract';
import { loadScenario, loadStore } from './load.js';
import { generateTraffic } from './generate.js';
import { HAND_TAIL_MS, REACH_MS } from './world.js';
import { SCENARIOS_DIR } from './test/fixtures.js';

describe('wrists from pose cameras (03-put-backs, small store)', () => {
  const scenario = loadScenario(join(SCENARIOS_DIR, '03-put-backs.yaml'));
  const store = loadStore(scenario.store);
  const plates = new Map(store.gondolas.flatMap((g) => g.shelves.flatMap((sh) => sh.plates.map((p) => ({ ...p, heightM: sh.heightM! })))).map((p) => [p.id, p]));
  const wrists: { ts: number; x: number; y: number; z?: number }[] = [];
  let frames = 0;
  const r = generateTraffic({
    scenario, store, seed: scenario.seed,
    onMessage: (m) => {
      if (m.channel !== 'camera/detections') return;
      const d = decodeMessage(m.topic, m.payload);
      if (!d.ok) throw new Error(JSON.stringify(d));
      frames++;
      for (const det of (d.msg as CameraDetections).detections) for (const h of det.hands ?? []) wrists.push({ ts: (d.msg as CameraDetections).ts, ...h });
    },
  });
  const inShelfM = (x: number, y: number): number => Math.max(0, ...store.gondolas.map((g) => Math.min(x - g.x, g.x + g.widthM - x, y - g.y, g.y + g.depthM - y)));
  const windows = r.truth.events.filter((e) => e.kind !== 'handoff').map((e) => ({ e, from: e.ts - REACH_MS, to: e.ts + HAND_TAIL_MS }));

  it('every pick and put-back has a wrist over one of its plates while the hand is in', () => {
    expect(frames).toBeGreaterThan(1000);
    expect(windows.length).toBeGreaterThan(10);
    for (const { e, from, to } of windows) {
      const over = wrists.filter((w) => w.ts >= from && w.ts <= to && e.plates.some(({ plateId }) => {
        const p = plates.get(plateId)!;
        // Over the plate, at a grip's height above its shelf (keypoint noise 0.08 m).
        return Math.abs(w.x - p.x) <= p.widthM / 2 + 0.25 && Math.abs(w.y - p.y) <= 0.45 && Math.abs(w.z! - p.heightM - 0.12) <= 0.3;
      }) && inShelfM(w.x, w.y) > 0);
      expect(over.length, `${e.kind} ${e.sku} at ${e.ts}`).toBeGreaterThanOrEqual(2);
    }
  });

  // A wrist swinging beside someone who walks close past a shelf's corner can cross
  // its edge; more than that would be a hand in a shelf nobody took from.
  it('outside those reaches hardly any wrist is more than 0.1 m over a shelf', () => {
    const stray = wrists.filter((w) => inShelfM(w.x, w.y) > 0.1 && !windows.some(({ from, to }) => w.ts >= from && w.ts <= to));
    expect(wrists.length).toBeGreaterThan(5000);
    expect(stray.length / wrists.length).toBeLessThan(0.001);
  });
});

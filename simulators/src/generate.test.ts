import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { decodeMessage, type StoreLayout } from '@tebura/contract';
import { loadStore } from './load.js';
import { generateTraffic } from './generate.js';
import { SimEngine, type OutMsg } from './engine.js';
import { population } from './population.js';
import { dist, gatePoints } from './geometry.js';
import type { GroundTruth } from './truth.js';
import { SMALL_STORE, scenarioOf } from './test/fixtures.js';

const store = loadStore(SMALL_STORE);

function digest(scenario: ReturnType<typeof scenarioOf>, seed: number): { hash: string; n: number; truth: GroundTruth } {
  const h = createHash('sha256');
  let n = 0;
  const r = generateTraffic({ scenario, store, seed, onMessage: (m) => { h.update(m.topic).update('\0').update(m.payload).update('\n'); n++; } });
  return { hash: h.digest('hex'), n, truth: r.truth };
}

describe('generateTraffic', () => {
  const busy = scenarioOf({ shoppers: 6, arrivals: { pattern: 'poisson', windowS: 20 }, entry: { app: 1, palm: 1 }, behaviour: { putBackRate: 0.3, wrongPlaceRate: 0.3, groupRate: 0.3, handoffRate: 0.2, sameShelfRate: 0.2 } });

  it('is deterministic: same scenario and seed give the same bytes; another seed does not', () => {
    const a = digest(busy, 7);
    const b = digest(busy, 7);
    const c = digest(busy, 8);
    expect(a.n).toBeGreaterThan(1000);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it('publishes only messages that pass the contract', () => {
    const counts = new Map<string, number>();
    generateTraffic({
      scenario: busy, store, seed: 3,
      onMessage: (m) => {
        const d = decodeMessage(m.topic, m.payload);
        if (!d.ok) throw new Error(`${m.topic}: ${d.reason}`);
        counts.set(d.channel, (counts.get(d.channel) ?? 0) + 1);
      },
    });
    for (const c of ['device/state', 'loadcell/weight', 'camera/detections', 'camera/hints', 'gate/entry', 'gate/crossing']) expect(counts.get(c), c).toBeGreaterThan(0);
  });

  it('ground truth baskets equal picks minus put-backs plus hand-offs', () => {
    const { truth } = digest(busy, 11);
    expect(truth.sessions).toHaveLength(6);
    const held = new Map<string, Map<string, number>>();
    const add = (c: string, sku: string, q: number): void => {
      const m = held.get(c) ?? new Map<string, number>();
      m.set(sku, (m.get(sku) ?? 0) + q);
      held.set(c, m);
    };
    for (const e of truth.events) {
      if (e.kind === 'pick') add(e.customerId, e.sku, e.quantity);
      if (e.kind === 'put') add(e.customerId, e.sku, -e.quantity);
      if (e.kind === 'handoff') {
        add(e.customerId, e.sku, -1);
        add(e.toCustomerId!, e.sku, 1);
      }
    }
    for (const s of truth.sessions) {
      const expected = [...(held.get(s.customerId) ?? new Map<string, number>())].filter(([, q]) => q > 0).map(([sku, quantity]) => ({ sku, quantity })).sort((x, y) => x.sku.localeCompare(y.sku));
      expect(s.basket, s.customerId).toEqual(expected);
      expect(s.decision).toBe('open');
      expect(s.exitTs).toBeGreaterThan(s.entryTs!);
    }
  });

  it('a put-back restores exactly the weight that was taken', () => {
    const sc = scenarioOf({ shoppers: 3, behaviour: { putBackRate: 1, multiUnitRate: 0, stops: { min: 2, max: 2 } } });
    const { truth } = digest(sc, 5);
    const puts = truth.events.filter((e) => e.kind === 'put');
    expect(puts.length).toBeGreaterThan(0);
    for (const put of puts) {
      const pick = truth.events.find((e) => e.kind === 'pick' && e.itemIds.includes(put.itemIds[0]!))!;
      const taken = pick.plates.reduce((s, p) => s + p.deltaG, 0) / pick.quantity;
      const back = put.plates.reduce((s, p) => s + p.deltaG, 0);
      expect(back).toBeCloseTo(-taken, 0);
    }
  });

  it('denied and unanswered shoppers leave and are recorded', () => {
    const sc = scenarioOf({ shoppers: 3, arrivals: { pattern: 'uniform', windowS: 10 } });
    let n = 0;
    const r = generateTraffic({ scenario: sc, store, seed: 2, onMessage: () => undefined, decide: () => (n++ === 0 ? { decision: 'deny', reason: 'UNKNOWN_PERSON' } : n === 2 ? undefined : { decision: 'open', reason: 'OK', sessionId: 's3' }) });
    expect(r.truth.sessions.map((s) => s.decision)).toEqual(['deny', 'timeout', 'open']);
    expect(r.truth.sessions[0]!.basket).toEqual([]);
    expect(r.truth.sessions[0]!.exitTs).toBeNull();
    expect(r.truth.sessions[2]!.sessionId).toBe('s3');
  });
});

/** Drives the engine directly to check where people physically are when things happen. */
function physicalRun(s: StoreLayout, scenario: ReturnType<typeof scenarioOf>, seed: number, check: (engine: SimEngine, m: OutMsg) => void, onEvent: (engine: SimEngine, e: GroundTruth['events'][number]) => void): void {
  const box: OutMsg[] = [];
  const engine: SimEngine = new SimEngine({
    scenario, store: s, seed, startMs: 1_767_000_000_000, identities: population(scenario, s, seed),
    emit: (m) => box.push(m), appToken: () => 'tok', facePhoto: () => undefined,
    onEntryRequest: (req) => engine.deliverDecision({ txId: req.txId, decision: 'open', reason: 'OK' }),
  });
  let seen = 0;
  while (engine.step()) {
    for (const m of box.splice(0)) check(engine, m);
    for (; seen < engine.people.events.length; seen++) onEvent(engine, engine.people.events[seen]!);
  }
}

describe('physical plausibility', () => {
  const scenario = scenarioOf({ shoppers: 12, arrivals: { pattern: 'all-at-once' }, behaviour: { groupRate: 0.4, putBackRate: 0.3, stops: { min: 1, max: 2 } } });
  const plates = new Map(store.gondolas.flatMap((g) => g.shelves.flatMap((sh) => sh.plates)).map((p) => [p.id, p]));

  it('shoppers stand within reach of the plate they touch and pass within 0.3 m of the gate they cross', () => {
    let crossings = 0;
    let touches = 0;
    physicalRun(store, scenario, 4, (engine, m) => {
      if (m.channel !== 'gate/crossing') return;
      crossings++;
      const gate = store.gates.find((g) => g.id === m.deviceId)!;
      const near = engine.people.persons.filter((p) => dist(engine.people.position(p, m.t), gatePoints(store, gate).at) < 0.3);
      // Exactly one person at the gate when it counts one: gates pass one at a time.
      expect(near.length).toBe(1);
    }, (engine, e) => {
      if (e.kind === 'handoff') return;
      touches++;
      const person = engine.people.persons.find((p) => p.id === e.personId)!;
      for (const { plateId } of e.plates) expect(dist(engine.people.position(person, e.ts), plates.get(plateId)!)).toBeLessThanOrEqual(store.reachM);
    });
    expect(crossings).toBeGreaterThanOrEqual(24);
    expect(touches).toBeGreaterThan(0);
  });

  it('people who are not deliberately together stay apart (>= 0.4 m) while picking', () => {
    const sc = scenarioOf({ shoppers: 12, arrivals: { pattern: 'all-at-once' } });
    let checked = 0;
    physicalRun(store, sc, 9, () => undefined, (engine, e) => {
      if (e.kind !== 'pick') return;
      const me = engine.people.persons.find((p) => p.id === e.personId)!;
      for (const o of engine.people.active()) {
        // Passers-by may brush past; shoppers standing at a shelf keep their distance.
        const standing = o.pathTs[o.pathTs.length - 1]! <= e.ts - 600;
        if (o === me || o.group === me.group || !standing || o.standing === null) continue;
        const d = dist(engine.people.position(o, e.ts), engine.people.position(me, e.ts));
        checked++;
        expect(d).toBeGreaterThanOrEqual(0.4);
      }
    });
    expect(checked).toBeGreaterThan(0);
  });
});

/**
 * The action interpreter: what each step of a shopper's plan does to the world,
 * the wire and the ground truth. Returns true to go on with the next action at
 * the same instant, false when the person waits (a wake event is scheduled or
 * someone else will wake them).
 */
import type { Credential, GateEntryRequest } from '@tebura/contract';
import type { Action } from './plan.js';
import { CROWD_RETRIES_MAX, CROWD_RETRY_MS, CROWD_SQUEEZE_RETRIES, SYNC_WAIT_MS_MAX, type People, type Person } from './people.js';
import { palmScan, PALM_TEMPLATE_FORMAT } from './population.js';
import { HAND_TAIL_MS, REACH_MS, type Item } from './world.js';
import { entrySpot } from './spots.js';
import { stepUp } from './queue.js';
import { standPoint, type Point } from './geometry.js';
import { YIELD_RETRY_MS } from './spacing.js';

export function runAction(pp: People, p: Person, a: Action, t: number): boolean {
  switch (a.k) {
    case 'walk':
      return goTo(pp, p, t, a.to, !a.direct);
    case 'walkToGate': {
      const to = pp.gatePoint(p, a.where, a.exit, a.lateralM);
      return goTo(pp, p, t, to, a.exit && a.where === 'inside');
    }
    case 'walkToEntrySpot': {
      return goTo(pp, p, t, entrySpot(pp, p, pp.spotPrng), true);
    }
    case 'walkToFacing': {
      if (a.unlessInReach === true && pp.inReach(pp.position(p, t), a.facing)) return true;
      const outOfPatience = p.crowdRetries >= CROWD_SQUEEZE_RETRIES;
      // A shopper gives up a shelf that stays crowded (a pair the scenario puts
      // together squeezes in instead): nobody stands on someone else's spot.
      if (outOfPatience && a.close !== true) {
        giveUpStop(pp, p);
        return true;
      }
      const force = outOfPatience ? 'squeeze' : p.crowdRetries >= CROWD_RETRIES_MAX;
      const to = pp.standFor(p, a.facing, force, a.close === true, a.near === true);
      if (to === null) {
        // Crowded: wait where we are and look again.
        p.crowdRetries++;
        p.ai--;
        return park(pp, p, t + CROWD_RETRY_MS);
      }
      // Crowd looks count until the walk there starts: a blocked walk retries in
      // YIELD_RETRY_MS without starting the crowd looks over (each would cost
      // CROWD_RETRY_MS, and a gridlock took CROWD_RETRIES_MAX of them per yield).
      const arrival = pp.go(p, t, to, true);
      if (arrival === null) return retryWalk(pp, p, t);
      p.crowdRetries = 0;
      return park(pp, p, arrival);
    }
    case 'wait':
      return park(pp, p, t + a.ms);
    case 'sync':
      return sync(pp, p, a.key, a.n, t);
    case 'gateAcquire':
      return gateAcquire(pp, p, a.exit === true);
    case 'gateRelease':
      gateRelease(pp, p, a.exit === true, t);
      return true;
    case 'walkToExitQueue': {
      return goTo(pp, p, t, pp.exitQueueSpot(p), true);
    }
    case 'entry':
      entry(pp, p, t);
      return false;
    case 'awaitAdmission': {
      const d = p.group.decision;
      if (d === null) {
        p.group.admissionWaiters.push(p);
        return false;
      }
      if (d !== 'open') {
        p.actions = [{ k: 'done' }];
        p.ai = 0;
      }
      return true;
    }
    case 'cross':
      cross(pp, p, a.dir, t);
      return true;
    case 'pick':
      pick(pp, p, a.facing, a.units, a.tag, t);
      return true;
    case 'putBack':
      putBack(pp, p, a.facing, a.tag, a.wrong, t);
      return true;
    case 'give':
      give(pp, p, a.to, a.tag, t);
      return true;
    case 'done':
      pp.finishPerson(p);
      return false;
  }
}

/** One group at a time through a gate; the rest queue, first come first served. */
function gateAcquire(pp: People, p: Person, exit: boolean): boolean {
  const gate = (exit ? p.group.exitGate : p.group.entryGate).id;
  if ((pp.gateOwner.get(gate) ?? null) === null) {
    pp.gateOwner.set(gate, p.group.key);
    return true;
  }
  const q = pp.gateQueue.get(gate) ?? [];
  q.push(p);
  pp.gateQueue.set(gate, q);
  return false;
}

function gateRelease(pp: People, p: Person, exit: boolean, t: number): void {
  const gate = (exit ? p.group.exitGate : p.group.entryGate).id;
  const next = pp.gateQueue.get(gate)?.shift();
  pp.gateOwner.set(gate, next === undefined ? null : next.group.key);
  if (!exit) stepUp(pp, p.group.entryGate, t);
  if (next !== undefined) pp.schedule(next, t);
}

/** Walks, or when someone is in the way stands still and runs this action again shortly (bounded in People.go). */
function goTo(pp: People, p: Person, t: number, to: Point, routed: boolean): false {
  const arrival = pp.go(p, t, to, routed);
  if (arrival !== null) return park(pp, p, arrival);
  return retryWalk(pp, p, t);
}

/**
 * Skips the rest of a stop at a shelf (its dwell, pick and immediate put-back),
 * up to the next walk, barrier or exit step; a later put-back of an item never
 * picked does nothing (putBack finds no tagged item). Counted in People.crowdSkips.
 */
function giveUpStop(pp: People, p: Person): void {
  p.crowdRetries = 0;
  pp.crowdSkips++;
  const skippable = (x: Action): boolean => x.k === 'wait' || x.k === 'pick' || x.k === 'putBack' || (x.k === 'walkToFacing' && x.unlessInReach === true);
  while (p.ai < p.actions.length && skippable(p.actions[p.ai]!)) p.ai++;
}

/** Stands still and runs the current action again after YIELD_RETRY_MS. */
function retryWalk(pp: People, p: Person, t: number): false {
  p.ai--;
  return park(pp, p, t + YIELD_RETRY_MS);
}

function park(pp: People, p: Person, until: number): false {
  pp.schedule(p, until);
  return false;
}

function sync(pp: People, p: Person, key: string, n: number, t: number): boolean {
  if (pp.releasedBarriers.has(key)) return true;
  const b = pp.barriers.get(key) ?? { n, waiting: [] };
  if (b.waiting.length + 1 >= n) {
    pp.barriers.delete(key);
    pp.releasedBarriers.add(key);
    for (const w of b.waiting) {
      w.waitingOn = null;
      pp.schedule(w, t);
    }
    return true;
  }
  b.waiting.push(p);
  pp.barriers.set(key, b);
  p.waitingOn = key;
  // Bounded: a companion who never comes (denied at the gate) releases us after this.
  pp.schedule(p, t + SYNC_WAIT_MS_MAX);
  return false;
}

function credentialFor(pp: People, p: Person): Credential {
  const { engine } = pp;
  const id = p.group.identity;
  if (id.method === 'palm' && id.palmTemplate !== undefined) {
    const template = palmScan(id.palmTemplate, engine.cfg.scenario.faults.palmNoiseSigma, pp.prng);
    return { kind: 'palm', format: PALM_TEMPLATE_FORMAT, template: template.map((x) => Math.round(x * 1e6) / 1e6), quality: Math.round((0.8 + 0.19 * pp.prng.next()) * 1000) / 1000 };
  }
  const photo = id.method === 'face' ? engine.cfg.facePhoto(id.customerId) : undefined;
  if (photo !== undefined) return { kind: 'face', mime: photo.mime, imageB64: photo.b64 };
  // No token (the cloud refused or is down): the app shows an unusable code; the edge denies it.
  return { kind: 'app', token: engine.cfg.appToken(id.customerId) ?? `missing-token:${id.customerId}` };
}

function entry(pp: People, p: Person, t: number): void {
  const g = p.group;
  const txId = pp.nextTxId(g.entryGate.id);
  g.txId = txId;
  g.truth.txId = txId;
  g.truth.entryRequestTs = t;
  pp.txToGroup.set(txId, g);
  const credential = credentialFor(pp, p);
  const body = { txId, credential, guests: g.members.length - 1 };
  pp.engine.emit('gate/entry', g.entryGate.id, t, t, body);
  pp.engine.cfg.onEntryRequest?.({ v: 1, msgId: txId, deviceId: g.entryGate.id, bootId: pp.engine.bootId, seq: 0, ts: t, ...body } as GateEntryRequest, g.entryGate.id);
  pp.engine.push({ t: t + pp.engine.cfg.scenario.gateResponseMs, kind: 'decision', txId });
}

function cross(pp: People, p: Person, dir: 'in' | 'out', t: number): void {
  const gate = dir === 'in' ? p.group.entryGate : p.group.exitGate;
  pp.engine.emit('gate/crossing', gate.id, t, t, { direction: dir });
  const truth = p.group.truth;
  if (dir === 'in' && p.index === 0) truth.entryTs = t;
  if (dir === 'out') truth.exitTs = Math.max(truth.exitTs ?? 0, t);
}

function hint(pp: People, plateIds: string[], sku: string, t: number): void {
  const { engine } = pp;
  for (const cam of engine.shelfCams) {
    if (!cam.watches(plateIds)) continue;
    const shelfSkus = engine.world.facings.filter((f) => f.shelfIndex === engine.world.facingOfPlate(plateIds[0]!)?.shelfIndex).map((f) => f.entry.sku);
    const body = cam.hint(plateIds, sku, shelfSkus);
    if (body !== null) engine.push({ t: t + REACH_MS + 300, kind: 'hint', deviceId: cam.cam.id, body, ts: t + REACH_MS });
  }
}

/**
 * The hand over the facing while it is in the shelf: from when it starts pressing
 * on the plate until a moment after the reach is done.
 */
function reachInto(pp: People, p: Person, facingIdx: number, t: number): void {
  const { plates, centre } = pp.facingCentre(facingIdx);
  // Out of the shelf's face: from the facing to the spot straight in front of it.
  const front = standPoint(pp.engine.cfg.store, pp.gondolaOfPlate.get(plates[0]!.id)!, centre, 0);
  const dx = front.x - centre.x;
  const dy = front.y - centre.y;
  const len = Math.hypot(dx, dy) || 1;
  // Anywhere along a one-plate facing's width (the units sit side by side); near
  // the middle of an item resting across plates. Into the shelf, away from the
  // face (a plate's position is the shelf's front edge).
  const halfM = plates.length === 1 ? Math.max(0, plates[0]!.widthM / 2 - HAND_EDGE_MARGIN_M) : HAND_ACROSS_SPREAD_M;
  const along = (pp.handPrng.next() * 2 - 1) * halfM;
  const into = pp.handPrng.next() * HAND_INTO_M;
  // Gripping an item on the shelf: a little above its surface.
  const shelfM = pp.shelfOfPlate.get(plates[0]!.id)!.heightM ?? DEFAULT_SHELF_HEIGHT_M;
  p.reach = {
    x: centre.x + (-dy / len) * along - (dx / len) * into,
    y: centre.y + (dx / len) * along - (dy / len) * into,
    z: shelfM + HAND_ABOVE_SHELF_M + pp.handPrng.next() * HAND_ABOVE_SHELF_M,
    from: t,
    to: t + REACH_MS + HAND_TAIL_MS,
  };
}

/** A hand reaches no closer than this to a plate's side edge, m. */
const HAND_EDGE_MARGIN_M = 0.1;
/** A hand taking an item resting across plates grips it this far either side of the middle, m. */
const HAND_ACROSS_SPREAD_M = 0.1;
/** Hands passing an item meet this high above the floor, m. */
const HANDOFF_HEIGHT_M = 1.1;
/** ... for this long, ms. */
const HANDOFF_MS = 800;
/** A wrist gripping an item is this much (to twice this) above the shelf's surface, m. */
const HAND_ABOVE_SHELF_M = 0.08;
/** Shelf height when the layout does not give one, m. */
const DEFAULT_SHELF_HEIGHT_M = 1.0;
/** A hand goes this far (at most) into the shelf past the plate's front edge, m. */
const HAND_INTO_M = 0.2;

function pick(pp: People, p: Person, facingIdx: number, units: number, tag: string | undefined, t: number): void {
  const { world } = pp.engine;
  reachInto(pp, p, facingIdx, t);
  const facing = world.facings[facingIdx]!;
  const taken: Item[] = [];
  const plates = new Map<string, number>();
  for (let u = 0; u < units; u++) {
    const item = world.take(facing);
    if (item === undefined) break;
    for (const d of world.touch(item, -1, t, pp.prng)) plates.set(d.plateId, (plates.get(d.plateId) ?? 0) + d.deltaG);
    taken.push(item);
    p.holding.push(tag === undefined ? { item } : { item, tag });
  }
  // Units on one facing can differ (a misplaced unit sits on top): one truth event per SKU.
  for (const sku of new Set(taken.map((i) => i.sku))) {
    const items = taken.filter((i) => i.sku === sku);
    pp.events.push({ ts: t + REACH_MS, kind: 'pick', personId: p.id, customerId: p.group.identity.customerId, sku, quantity: items.length, itemIds: items.map((i) => i.id), plates: [...plates].map(([plateId, deltaG]) => ({ plateId, deltaG: round1(deltaG) })) });
    hint(pp, [...plates.keys()], sku, t);
  }
}

function takeTagged(p: Person, tag: string): Item | undefined {
  const i = p.holding.findIndex((h) => h.tag === tag);
  if (i < 0) return undefined;
  return p.holding.splice(i, 1)[0]!.item;
}

function putBack(pp: People, p: Person, facingIdx: number, tag: string, wrong: boolean, t: number): void {
  const { world } = pp.engine;
  const item = takeTagged(p, tag);
  if (item === undefined) return;
  reachInto(pp, p, facingIdx, t);
  world.place(item, world.facings[facingIdx]!, pp.prng);
  const plates = world.touch(item, 1, t, pp.prng);
  pp.events.push({ ts: t + REACH_MS, kind: 'put', personId: p.id, customerId: p.group.identity.customerId, sku: item.sku, quantity: 1, itemIds: [item.id], plates: plates.map((d) => ({ plateId: d.plateId, deltaG: round1(d.deltaG) })), wrongPlace: wrong && world.facings[facingIdx]!.entry.sku !== item.sku });
  hint(pp, plates.map((d) => d.plateId), item.sku, t);
}

function give(pp: People, p: Person, to: string, tag: string, t: number): void {
  const other = pp.persons.find((x) => x.id === to);
  if (other === undefined || other.done || !other.started) return;
  const item = takeTagged(p, tag);
  if (item === undefined) return;
  // Both hands meet halfway, at chest height, for a moment: what a pose camera sees of a hand-off.
  const a = pp.position(p, t);
  const b = pp.position(other, t);
  const meet = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, z: HANDOFF_HEIGHT_M, from: t, to: t + HANDOFF_MS };
  p.reach = meet;
  other.reach = { ...meet };
  other.holding.push({ item });
  pp.events.push({ ts: t, kind: 'handoff', personId: p.id, customerId: p.group.identity.customerId, sku: item.sku, quantity: 1, itemIds: [item.id], plates: [], toPersonId: other.id, toCustomerId: other.group.identity.customerId });
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

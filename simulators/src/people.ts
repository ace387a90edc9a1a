/**
 * Shoppers as agents: arrivals, groups and pairs, and the action interpreter.
 * Blocking actions (gate queue, decisions, barriers) park a person until someone
 * wakes them; every park is bounded so no person can stall the run.
 */
import type { Gate, Gondola, Plate, Prng, Shelf } from '@tebura/contract';
import type { SimEngine } from './engine.js';
import { Router, dist, gatePoints, standPoint, type Point } from './geometry.js';
import { entryActions, exitActions, neighbourOf, pairActions, pickFacing, shoppingActions, shoppingList, type Action, type PairRole, type PlanContext } from './plan.js';
import type { ShopperIdentity } from './population.js';
import { basketOf, type GroundTruth, type TruthSession } from './truth.js';
import type { Item } from './world.js';
import { runAction } from './actions.js';
import { arrivalSpot } from './queue.js';
import { closestBetween, intrudes, PERSONAL_SPACE_M, planAt, YIELD_RETRIES_MAX, type Plan } from './spacing.js';

export interface Person {
  id: string;
  group: Group;
  index: number;
  speedMps: number;
  actions: Action[];
  ai: number;
  pathPts: Point[];
  pathTs: number[];
  holding: { item: Item; tag?: string }[];
  started: boolean;
  done: boolean;
  token: number;
  standing: Point | null;
  waitingOn: string | null;
  crowdRetries: number;
  /** Times this person has stood still for someone in the way of their next walk. */
  yieldRetries: number;
  /** The hand in a shelf: over this point (z: height above the floor) from `from` to `to` (ms), what a pose camera sees. */
  reach: { x: number; y: number; z: number; from: number; to: number } | null;
}

export interface Group {
  key: string;
  identity: ShopperIdentity;
  members: Person[];
  entryGate: Gate;
  exitGate: Gate;
  truth: TruthSession;
  txId: string | null;
  decision: 'open' | 'deny' | 'timeout' | null;
  admissionWaiters: Person[];
}

/** Longest a person waits at a barrier for a companion, ms of simulated time. */
export const SYNC_WAIT_MS_MAX = 90_000;
/** Two shoppers at a shelf keep at least this distance unless a scenario puts them together, m. */
export const STAND_GAP_M = 0.6;
/** The same for companions and for pairs a scenario puts at one shelf on purpose: side by side, m. */
export const STAND_GAP_CLOSE_M = PERSONAL_SPACE_M;
/** Spots along a shelf face for whoever reaches into it, m from straight in front of the facing. */
const REACH_SLOTS_M = [0, 0.5, -0.5, 0.8, -0.8];
/**
 * A companion who does not reach stands further along the face, m from straight
 * in front of the facing. Not a step behind: that row would close the 1.4 m aisle.
 */
const NEAR_SLOTS_M = [1.0, -1.0, 1.5, -1.5, 2.0, -2.0];
/** Walkers route this far around people standing still (personal space plus the routing grid's slack), m. */
const ROUTE_AROUND_M = PERSONAL_SPACE_M + 0.1;
/** Sideways shifts of a walker's lane tried when the way is blocked, m. */
const SIDESTEP_M = [0.6, 1.0];
/** A shopper finding a shelf crowded waits this long before looking again, ms. */
export const CROWD_RETRY_MS = 2000;
/** Looks before taking a spot closer to others than STAND_GAP_M (never closer than PERSONAL_SPACE_M). */
export const CROWD_RETRIES_MAX = 15;
/** Looks before giving the shelf up (a pair put together squeezes in instead): the bound on a shelf wait (60 s). */
export const CROWD_SQUEEZE_RETRIES = 2 * CROWD_RETRIES_MAX;

export class People {
  readonly groups: Group[] = [];
  readonly persons: Person[] = [];
  readonly router: Router;
  readonly gondolaOfPlate = new Map<string, Gondola>();
  readonly shelfOfPlate = new Map<string, Shelf>();
  readonly plateById = new Map<string, Plate>();
  /** Draws for where people wait after the entry gate; its own stream so plans and noise keep theirs. */
  readonly spotPrng: Prng;
  /** Where on a shelf a hand goes; its own stream so the other draws keep theirs (set by the engine). */
  handPrng!: Prng;
  private readonly reachable = new Map<number, number[]>();
  readonly barriers = new Map<string, { n: number; waiting: Person[] }>();
  readonly releasedBarriers = new Set<string>();
  readonly gateOwner = new Map<string, string | null>();
  readonly gateQueue = new Map<string, Person[]>();
  readonly txToGroup = new Map<string, Group>();
  readonly events: GroundTruth['events'] = [];
  /** Walks taken although they pass closer than PERSONAL_SPACE_M (the bounded yield ran out). */
  spaceViolations = 0;
  /** Stops at a shelf given up because it stayed crowded for CROWD_SQUEEZE_RETRIES looks. */
  crowdSkips = 0;
  private active_: Person[] = [];
  private doneCount = 0;
  private txCounter = 0;

  constructor(
    readonly engine: SimEngine,
    readonly prng: Prng,
  ) {
    const store = engine.cfg.store;
    this.router = new Router(store);
    for (const g of store.gondolas) {
      for (const sh of g.shelves) {
        for (const p of sh.plates) {
          this.gondolaOfPlate.set(p.id, g);
          this.shelfOfPlate.set(p.id, sh);
          this.plateById.set(p.id, p);
        }
      }
    }
    this.spotPrng = prng.fork('entry-spots');
  }

  /** Centre of the plates a facing rests on. */
  facingCentre(facing: number): { plates: Plate[]; centre: Point } {
    const plates = this.engine.world.facings[facing]!.entry.plateIds.map((id) => this.plateById.get(id)!);
    return { plates, centre: { x: plates.reduce((s, q) => s + q.x, 0) / plates.length, y: plates.reduce((s, q) => s + q.y, 0) / plates.length } };
  }

  /** Every plate of the facing within reach of `at` (with a margin for position noise, as standFor). */
  inReach(at: Point, facing: number): boolean {
    const reachM = this.engine.cfg.store.reachM - 0.1;
    return this.facingCentre(facing).plates.every((pl) => dist(at, pl) <= reachM);
  }

  /** Other facings a shopper standing straight in front of facing `f` reaches without a step. */
  reachableFrom(f: number): readonly number[] {
    let out = this.reachable.get(f);
    if (out === undefined) {
      const { plates, centre } = this.facingCentre(f);
      const at = standPoint(this.engine.cfg.store, this.gondolaOfPlate.get(plates[0]!.id)!, centre, 0);
      out = this.engine.world.facings.filter((x) => x.index !== f && this.inReach(at, x.index)).map((x) => x.index);
      this.reachable.set(f, out);
    }
    return out;
  }

  nextTxId(gateId: string): string {
    return `${gateId}.${this.engine.bootId}.${this.txCounter++}`;
  }

  /** Arrival times and the plan of every group and pair, drawn up front in arrival order. */
  scheduleArrivals(firstMs: number): void {
    const { scenario, identities, store } = this.engine.cfg;
    const ctx: PlanContext = { scenario, facings: this.engine.world.facings, prng: this.prng.fork('plan'), reachableFrom: (f) => this.reachableFrom(f) };
    const arrivals = this.prng.fork('arrivals');
    const b = scenario.behaviour;
    const entries = store.gates.filter((g) => g.kind === 'entry');
    const exits = store.gates.filter((g) => g.kind === 'exit');
    const n = identities.length;
    const meanGapMs = (scenario.arrivals.windowS * 1000) / Math.max(1, n);
    let t = firstMs;
    let pending: PairRole | null = null;
    for (let i = 0; i < n; i++) {
      const identity = identities[i]!;
      if (i > 0) {
        if (pending !== null) t += ctx.prng.int(1500, 3000);
        else if (scenario.arrivals.pattern === 'all-at-once') t += Math.min(200, meanGapMs);
        else if (scenario.arrivals.pattern === 'uniform') t += meanGapMs;
        else t += -Math.log(1 - arrivals.next()) * meanGapMs;
      }
      const gates = entries.filter((g) => g.methods.includes(identity.method));
      const entryGate = ctx.prng.pick(gates.length > 0 ? gates : entries);
      const exitGate = ctx.prng.pick(exits);
      const key = `g${i}`;
      let pair: PairRole | null = pending;
      pending = null;
      const roll = ctx.prng.next();
      if (pair === null && i + 1 < n && roll < b.handoffRate + b.sameShelfRate) {
        const kind = roll < b.handoffRate ? 'handoff' : 'same-shelf';
        const facing = pickFacing(ctx);
        pair = { kind, key: `pair${i}`, first: true, partnerId: `p${i + 1}.0`, facing };
        pending = { kind, key: `pair${i}`, first: false, partnerId: `p${i}.0`, facing: kind === 'same-shelf' && ctx.prng.next() < 0.5 ? neighbourOf(ctx, facing) : facing };
      }
      const guests = pair === null && ctx.prng.next() < b.groupRate ? ctx.prng.int(1, b.groupGuestsMax) : 0;
      const browseOnly = pair === null && ctx.prng.next() < b.leaveWithoutBuyingRate;
      this.addGroup(ctx, { key, identity, entryGate, exitGate, guests, pair, browseOnly, arrivalTs: Math.round(t), index: i });
    }
  }

  private addGroup(ctx: PlanContext, g: { key: string; identity: ShopperIdentity; entryGate: Gate; exitGate: Gate; guests: number; pair: PairRole | null; browseOnly: boolean; arrivalTs: number; index: number }): void {
    const people = 1 + g.guests;
    const tags = [...(g.guests > 0 ? ['group'] : []), ...(g.browseOnly ? ['leave-without-buying'] : []), ...(g.pair ? [g.pair.kind === 'handoff' ? (g.pair.first ? 'handoff-giver' : 'handoff-receiver') : 'same-shelf'] : [])];
    const truth: TruthSession = {
      customerId: g.identity.customerId, method: g.identity.method, entryGateId: g.entryGate.id, exitGateId: g.exitGate.id, guests: g.guests,
      personIds: [], tags, arrivalTs: g.arrivalTs, entryRequestTs: null, txId: null, decision: 'pending', reason: null, sessionId: null, entryTs: null, exitTs: null, basket: [],
    };
    const group: Group = { key: g.key, identity: g.identity, members: [], entryGate: g.entryGate, exitGate: g.exitGate, truth, txId: null, decision: null, admissionWaiters: [] };
    const list = shoppingList(ctx, people, g.browseOnly);
    const speedMps = ctx.scenario.behaviour.walkSpeedMps.min + ctx.prng.next() * (ctx.scenario.behaviour.walkSpeedMps.max - ctx.scenario.behaviour.walkSpeedMps.min);
    for (let m = 0; m < people; m++) {
      const actions: Action[] = [...entryActions(m, people)];
      if (people > 1) actions.push({ k: 'sync', key: `${g.key}:in`, n: people });
      if (g.pair !== null) actions.push(...pairActions(ctx, g.pair));
      actions.push(...shoppingActions(g.pair !== null ? list.slice(0, 1) : list, g.key, people, m), ...exitActions(g.key, m, people));
      const out = gatePoints(this.engine.cfg.store, g.entryGate).outside;
      const p: Person = { id: `p${g.index}.${m}`, group, index: m, speedMps, actions, ai: 0, pathPts: [out], pathTs: [g.arrivalTs], holding: [], started: false, done: false, token: 0, standing: null, waitingOn: null, crowdRetries: 0, yieldRetries: 0, reach: null };
      group.members.push(p);
      truth.personIds.push(p.id);
      this.persons.push(p);
      this.schedule(p, g.arrivalTs);
    }
    this.groups.push(group);
  }

  schedule(p: Person, t: number): void {
    p.token++;
    this.engine.push({ t, kind: 'wake', person: p, token: p.token });
  }

  wake(p: Person, token: number, t: number): void {
    if (token !== p.token || p.done) return;
    if (!p.started) {
      p.started = true;
      const at = arrivalSpot(this, p, t);
      p.pathPts = [at];
      p.pathTs = [t];
      p.standing = at;
      this.active_.push(p);
    }
    if (p.waitingOn !== null) this.leaveBarrier(p);
    this.run(p, t);
  }

  /** Runs actions until one takes time or blocks. */
  run(p: Person, t: number): void {
    while (!p.done && p.ai < p.actions.length) {
      const a = p.actions[p.ai++]!;
      if (!runAction(this, p, a, t)) return;
    }
  }

  private leaveBarrier(p: Person): void {
    const b = this.barriers.get(p.waitingOn!);
    if (b !== undefined) b.waiting = b.waiting.filter((x) => x !== p);
    p.waitingOn = null;
  }

  /** A decision (or its absence) for a gate transaction, acted on at the modelled response time. */
  decide(txId: string, d: { decision: 'open' | 'deny'; reason: string; sessionId?: string } | undefined, t: number): void {
    const group = this.txToGroup.get(txId);
    if (group === undefined) return;
    const outcome = d === undefined ? 'timeout' : d.decision;
    group.decision = outcome;
    group.truth.decision = outcome;
    group.truth.reason = d?.reason ?? 'NO_DECISION';
    group.truth.sessionId = d?.sessionId ?? null;
    const payer = group.members[0]!;
    if (outcome !== 'open') {
      group.truth.tags.push('not-admitted');
      payer.actions = [{ k: 'gateRelease' }, { k: 'walkToGate', where: 'outside', exit: false, lateralM: 0 }, { k: 'done' }];
      payer.ai = 0;
    }
    this.run(payer, t);
    for (const w of group.admissionWaiters.splice(0)) this.schedule(w, t);
  }

  position(p: Person, t: number): Point {
    return planAt({ pts: p.pathPts, ts: p.pathTs }, t);
  }

  /** The way a person faces at `t`, radians: the way they walk, else towards the nearest plate. */
  facingAt(p: Person, t: number): number {
    const here = this.position(p, t);
    const ahead = this.position(p, t + 200);
    if (Math.hypot(ahead.x - here.x, ahead.y - here.y) > 0.01) return Math.atan2(ahead.y - here.y, ahead.x - here.x);
    let best: Plate | null = null;
    let bestD = Infinity;
    for (const pl of this.plateById.values()) {
      const d = Math.hypot(pl.x - here.x, pl.y - here.y);
      if (d < bestD) {
        bestD = d;
        best = pl;
      }
    }
    return best === null ? 0 : Math.atan2(best.y - here.y, best.x - here.x);
  }

  /** A walking plan along waypoints from where `p` is at `t`. */
  planFor(p: Person, t: number, waypoints: readonly Point[]): Plan & { pts: Point[]; ts: number[] } {
    let cur = this.position(p, t);
    const pts = [cur];
    const ts = [t];
    for (const w of waypoints) {
      const d = dist(cur, w);
      if (d < 1e-6) continue;
      pts.push(w);
      ts.push(ts[ts.length - 1]! + (d / p.speedMps) * 1000);
      cur = w;
    }
    return { pts, ts };
  }

  /**
   * True when the plan keeps personal space from everyone else's plan from `t` on.
   * Someone `appearing` (arriving at the store) has no earlier distance to keep.
   */
  clear(p: Person, plan: Plan, t: number, appearing = false): boolean {
    return this.active_.every((o) => o === p || o.done || !intrudes(plan, { pts: o.pathPts, ts: o.pathTs }, t, appearing));
  }

  /**
   * Walks to `to` (along the gondola-avoiding route when `routed`, else straight),
   * or around people standing still if that way is blocked; returns the arrival
   * time. Null when every way comes too close to someone: the caller stands still
   * and tries again. After YIELD_RETRIES_MAX tries the way that comes least close
   * is taken anyway and counted in spaceViolations.
   */
  go(p: Person, t: number, to: Point, routed: boolean): number | null {
    const from = this.position(p, t);
    const first = this.planFor(p, t, routed ? this.router.route(from, to) : [to]);
    const tried: { pts: Point[]; ts: number[] }[] = [];
    for (const ways of this.ways(p, t, from, to, routed)) {
      const candidate = ways === null ? first : this.planFor(p, t, ways);
      if (this.clear(p, candidate, t)) {
        p.yieldRetries = 0;
        return this.setPlan(p, candidate);
      }
      tried.push(candidate);
    }
    if (p.yieldRetries < YIELD_RETRIES_MAX) {
      p.yieldRetries++;
      return null;
    }
    // Out of patience: the way that comes least close to anyone.
    this.spaceViolations++;
    p.yieldRetries = 0;
    const gapOf = (plan: Plan): number => this.active_.reduce((m, o) => (o === p || o.done ? m : Math.min(m, closestBetween(plan, { pts: o.pathPts, ts: o.pathTs }, t))), Infinity);
    const gaps = tried.map(gapOf);
    return this.setPlan(p, tried[gaps.indexOf(Math.max(...gaps))] ?? first);
  }

  /**
   * Ways to `to`, tried in order (null: the plain way): the plain way, a route
   * around people standing still, then a lane shifted sideways (passing a row of
   * people at a shelf a step further out), then a step aside first.
   */
  private *ways(p: Person, t: number, from: Point, to: Point, routed: boolean): Generator<Point[] | null> {
    yield null;
    const standingStill = this.active_.filter((o) => o !== p && !o.done && o.pathTs[o.pathTs.length - 1]! <= t).map((o) => o.pathPts[o.pathPts.length - 1]!);
    yield this.router.route(from, to, standingStill, ROUTE_AROUND_M);
    const len = dist(from, to);
    if (len < 1e-6) return;
    const n = { x: -(to.y - from.y) / len, y: (to.x - from.x) / len };
    for (const d of SIDESTEP_M) {
      for (const sign of [1, -1]) {
        const a = { x: from.x + n.x * d * sign, y: from.y + n.y * d * sign };
        const b = { x: to.x + n.x * d * sign, y: to.y + n.y * d * sign };
        if (!this.onFloorClear(a) || !this.router.clearLine(from, a)) continue;
        if (this.onFloorClear(b) && this.router.clearLine(a, b) && this.router.clearLine(b, to)) yield [a, b, to];
        yield [a, ...(routed ? this.router.route(a, to) : [to])];
      }
    }
  }

  /** On the floor and out of gondola footprints. */
  private onFloorClear(q: Point): boolean {
    const { widthM, depthM } = this.engine.cfg.store.floor;
    return q.x > 0.2 && q.y > 0.2 && q.x < widthM - 0.2 && q.y < depthM - 0.2 && !this.router.insideGondola(q, 0.2);
  }

  /** Sets a walking path from the current position with no spacing check; returns the arrival time. */
  walk(p: Person, t: number, waypoints: Point[]): number {
    return this.setPlan(p, this.planFor(p, t, waypoints));
  }

  setPlan(p: Person, plan: { pts: Point[]; ts: number[] }): number {
    p.pathPts = plan.pts;
    p.pathTs = plan.ts;
    p.standing = plan.pts[plan.pts.length - 1]!;
    return Math.round(plan.ts[plan.ts.length - 1]!);
  }

  /**
   * A free spot in front of a facing within reach, at least STAND_GAP_M from anyone
   * else's spot; null when the shelf is crowded (unless `force`, which takes the
   * least crowded spot). A companion who will not reach (`near`) first looks
   * further along the face or a step behind, beside the one who reaches.
   */
  standFor(p: Person, facing: number, force: boolean | 'squeeze', close: boolean, near = false): Point | null {
    const store = this.engine.cfg.store;
    const { plates, centre } = this.facingCentre(facing);
    const gondola = this.gondolaOfPlate.get(plates[0]!.id)!;
    // Companions and deliberately paired shoppers may stand closer than strangers.
    const others = this.active_.filter((o) => o !== p && !o.done && o.standing !== null).map((o) => ({ at: o.standing!, gapM: close || o.group === p.group ? STAND_GAP_CLOSE_M : STAND_GAP_M }));
    const reach = REACH_SLOTS_M.map((slot) => ({ q: standPoint(store, gondola, centre, slot), needsReach: slot !== 0 }));
    const beside = NEAR_SLOTS_M.map((slot) => ({ q: standPoint(store, gondola, centre, slot), needsReach: false }));
    let best: Point | null = null;
    let bestGap = -Infinity;
    for (const { q, needsReach } of near ? [...beside, ...reach] : reach) {
      // Every plate the facing rests on must be within reach (with a margin for position noise).
      if (needsReach && plates.some((pl) => dist(q, pl) > store.reachM - 0.1)) continue;
      if (!needsReach && (this.router.insideGondola(q, 0.3) || q.x < 0.2 || q.y < 0.2 || q.x > store.floor.widthM - 0.2 || q.y > store.floor.depthM - 0.2)) continue;
      const gap = others.reduce((m, o) => Math.min(m, dist(o.at, q) - o.gapM), Infinity);
      if (gap >= 0) return q;
      if (gap > bestGap) {
        best = q;
        bestGap = gap;
      }
    }
    if (force === 'squeeze') return best ?? standPoint(store, gondola, centre, 0);
    // Out of patience with the gap strangers keep, but not onto someone's spot:
    // the least crowded spot only if it keeps personal space from everyone.
    if (force && best !== null && others.every((o) => dist(o.at, best!) >= PERSONAL_SPACE_M)) return best;
    return null;
  }

  /**
   * A spot to wait inside the store near the exit gate: 1 to 2.2 m in and up to
   * 1.2 m to the side, the one farthest from everyone else's spot.
   */
  exitQueueSpot(p: Person): Point {
    const inward = this.gatePoint(p, 'inside', true, 0);
    const at = this.gatePoint(p, 'at', true, 0);
    const ix = inward.x - at.x;
    const iy = inward.y - at.y;
    const others = this.active_.filter((o) => o !== p && !o.done && o.standing !== null).map((o) => ({ at: o.standing!, gapM: o.group === p.group ? STAND_GAP_CLOSE_M : STAND_GAP_M }));
    let best = inward;
    let bestGap = -Infinity;
    for (const depth of [1, 1.6, 2.2]) {
      for (const side of [0, 0.6, -0.6, 1.2, -1.2]) {
        const q = { x: at.x + ix * depth - iy * side, y: at.y + iy * depth + ix * side };
        if (this.router.insideGondola(q, 0.3) || q.x < 0.2 || q.y < 0.2 || q.x > this.engine.cfg.store.floor.widthM - 0.2 || q.y > this.engine.cfg.store.floor.depthM - 0.2) continue;
        const gap = others.reduce((m, o) => Math.min(m, dist(o.at, q) - o.gapM), Infinity);
        if (gap >= 0) return q;
        if (gap > bestGap) {
          best = q;
          bestGap = gap;
        }
      }
    }
    return best;
  }

  gatePoint(p: Person, where: 'at' | 'outside' | 'inside', exit: boolean, lateralM: number): Point {
    const gate = exit ? p.group.exitGate : p.group.entryGate;
    const gp = gatePoints(this.engine.cfg.store, gate);
    const q = gp[where];
    const nx = gp.outside.x - gp.at.x;
    const ny = gp.outside.y - gp.at.y;
    const len = Math.hypot(nx, ny) || 1;
    return { x: q.x - (ny / len) * lateralM, y: q.y + (nx / len) * lateralM };
  }

  finishPerson(p: Person): void {
    p.done = true;
    p.standing = null;
    this.doneCount++;
    this.active_ = this.active_.filter((x) => x !== p);
    const g = p.group;
    if (g.members.every((m) => m.done)) g.truth.basket = basketOf(g.members.flatMap((m) => m.holding.map((h) => h.item.sku)));
  }

  active(): readonly Person[] {
    return this.active_;
  }

  allDone(): boolean {
    return this.doneCount === this.persons.length;
  }

  truth(startMs: number, endMs: number): GroundTruth {
    for (const g of this.groups) {
      if (!g.members.every((m) => m.done)) g.truth.basket = basketOf(g.members.flatMap((m) => m.holding.map((h) => h.item.sku)));
    }
    const { scenario, seed, store } = this.engine.cfg;
    return { version: 1, scenario: scenario.name, seed, storeId: store.id, startMs, endMs, sessions: this.groups.map((g) => g.truth), events: this.events };
  }
}

/**
 * Shopper behaviour as action lists. Each person is a small state machine that
 * the engine runs action by action in simulated time; people of one group or
 * pair coordinate through named barriers (`sync`), each bounded in time.
 */
import type { Prng } from '@tebura/contract';
import type { Point } from './geometry.js';
import type { Scenario } from './scenario.js';
import { REACH_MS, type Facing } from './world.js';

export type Action =
  | { k: 'walk'; to: Point; direct: boolean }
  | { k: 'walkToGate'; where: 'at' | 'outside' | 'inside'; exit: boolean; lateralM: number }
  /**
   * `unlessInReach`: stay put when every plate of the facing is already within reach.
   * `near`: a companion who will not reach stands beside, not necessarily within reach.
   */
  | { k: 'walkToFacing'; facing: number; close?: boolean; unlessInReach?: boolean; near?: boolean }
  /** Step aside to a free spot just inside the entry gate (spots.ts). */
  | { k: 'walkToEntrySpot' }
  | { k: 'wait'; ms: number }
  | { k: 'sync'; key: string; n: number }
  | { k: 'gateAcquire'; exit?: boolean }
  | { k: 'gateRelease'; exit?: boolean }
  /** Wait near the exit gate at a free spot (people queue there). */
  | { k: 'walkToExitQueue' }
  | { k: 'entry' }
  | { k: 'awaitAdmission' }
  | { k: 'cross'; dir: 'in' | 'out' }
  | { k: 'pick'; facing: number; units: number; tag?: string }
  | { k: 'putBack'; facing: number; tag: string; wrong: boolean }
  | { k: 'give'; to: string; tag: string }
  | { k: 'done' };

export interface PlanContext {
  scenario: Scenario;
  facings: readonly Facing[];
  prng: Prng;
  /** Facings whose plates a shopper standing at facing `f` reaches without moving. */
  reachableFrom?(f: number): readonly number[];
}

export type PairRole = { kind: 'handoff' | 'same-shelf'; key: string; first: boolean; partnerId: string; facing: number };

function uniform(prng: Prng, r: { min: number; max: number }): number {
  return r.min + prng.next() * (r.max - r.min);
}

function randomFacing(ctx: PlanContext, avoid: ReadonlySet<number>): number {
  const focus = ctx.scenario.behaviour.skus;
  const usable = ctx.facings.filter((f) => f.items.length > 0 && !avoid.has(f.index) && (focus === undefined || focus.includes(f.entry.sku)));
  const focused = ctx.facings.filter((f) => focus === undefined || focus.includes(f.entry.sku));
  const pool = usable.length > 0 ? usable : focused.length > 0 ? focused : ctx.facings;
  return ctx.prng.pick(pool).index;
}

/** Another facing on the same shelf if there is one (a put-back "next to" its place). */
function neighbourFacing(ctx: PlanContext, f: number): number {
  const shelf = ctx.facings[f]!.shelfIndex;
  const same = ctx.facings.filter((x) => x.shelfIndex === shelf && x.index !== f);
  return same.length > 0 ? ctx.prng.pick(same).index : randomFacing(ctx, new Set([f]));
}

/**
 * Where a shopper puts a unit down "here" on the wrong place: a facing within arm's
 * reach if there is one, else one on the same shelf (walked to first, see shoppingActions).
 */
function nearbyFacing(ctx: PlanContext, f: number): number {
  const near = ctx.reachableFrom?.(f) ?? [];
  return near.length > 0 ? ctx.prng.pick(near) : neighbourFacing(ctx, f);
}

export function pickFacing(ctx: PlanContext): number {
  return randomFacing(ctx, new Set());
}

export function neighbourOf(ctx: PlanContext, f: number): number {
  return neighbourFacing(ctx, f);
}

export interface Stop {
  facing: number;
  dwellMs: number;
  units: number;
  /** Index of the group member who reaches. */
  picker: number;
  putBack: null | { now: boolean; target: number; wrong: boolean; waitMs: number };
  afterMs: number;
}

/** What a group will do, drawn once so every member follows the same list. */
export function shoppingList(ctx: PlanContext, people: number, browseOnly: boolean): Stop[] {
  const b = ctx.scenario.behaviour;
  const { prng } = ctx;
  const stops = Math.max(1, Math.round(uniform(prng, b.stops)));
  const visited = new Set<number>();
  const out: Stop[] = [];
  for (let s = 0; s < stops; s++) {
    const facing = randomFacing(ctx, visited);
    visited.add(facing);
    const dwellMs = Math.round(uniform(prng, b.dwellS) * 1000);
    const units = browseOnly ? 0 : prng.next() < b.multiUnitRate ? prng.int(2, 3) : 1;
    const putBack = units > 0 && prng.next() < b.putBackRate;
    const wrong = prng.next() < b.wrongPlaceRate;
    const now = prng.next() < 0.5;
    const target = !wrong ? facing : now ? nearbyFacing(ctx, facing) : randomFacing(ctx, new Set([facing]));
    out.push({ facing, dwellMs, units, picker: prng.int(0, people - 1), putBack: putBack ? { now, target, wrong, waitMs: prng.int(1500, 4000) } : null, afterMs: REACH_MS + prng.int(300, 1200) });
  }
  return out;
}

/** One member's actions for a shopping list; members meet at each stop and wait for the reach. */
export function shoppingActions(list: readonly Stop[], groupKey: string, people: number, self: number): Action[] {
  const out: Action[] = [];
  const later: Action[] = [];
  list.forEach((st, s) => {
    out.push(people > 1 && st.picker !== self ? { k: 'walkToFacing', facing: st.facing, near: true } : { k: 'walkToFacing', facing: st.facing });
    if (people > 1) out.push({ k: 'sync', key: `${groupKey}:s${s}:at`, n: people });
    if (st.picker === self) {
      out.push({ k: 'wait', ms: st.dwellMs });
      const tag = `${groupKey}:s${s}`;
      if (st.units > 0) out.push({ k: 'pick', facing: st.facing, units: st.units, tag });
      const pb = st.putBack;
      // A wrong place out of reach is walked to first; a hand does not stretch 3 m.
      if (pb !== null && pb.now && pb.wrong) out.push({ k: 'walkToFacing', facing: pb.target, unlessInReach: true });
      if (pb !== null && pb.now) out.push({ k: 'wait', ms: pb.waitMs }, { k: 'putBack', facing: pb.target, tag, wrong: pb.wrong }, { k: 'wait', ms: REACH_MS + 300 });
      else if (pb !== null) later.push({ k: 'walkToFacing', facing: pb.target }, { k: 'wait', ms: 1200 }, { k: 'putBack', facing: pb.target, tag, wrong: pb.wrong }, { k: 'wait', ms: REACH_MS + 400 });
      out.push({ k: 'wait', ms: st.afterMs });
    }
    if (people > 1) out.push({ k: 'sync', key: `${groupKey}:s${s}:done`, n: people });
  });
  return [...out, ...later];
}

/** Entry at the gate for the payer (index 0) or a guest (index >= 1). */
export function entryActions(index: number, people: number): Action[] {
  const lastInGate = index === people - 1;
  if (index === 0) {
    return [
      { k: 'gateAcquire' },
      { k: 'walkToGate', where: 'at', exit: false, lateralM: 0 },
      { k: 'entry' },
      { k: 'wait', ms: 300 },
      { k: 'cross', dir: 'in' },
      ...(lastInGate ? [{ k: 'gateRelease' } as const] : []),
      { k: 'walkToEntrySpot' },
    ];
  }
  return [
    { k: 'awaitAdmission' },
    { k: 'wait', ms: 300 + index * 1100 },
    { k: 'walkToGate', where: 'at', exit: false, lateralM: 0 },
    { k: 'cross', dir: 'in' },
    ...(lastInGate ? [{ k: 'gateRelease' } as const] : []),
    { k: 'walkToEntrySpot' },
  ];
}

/**
 * Leaving: the group gathers near the exit, the payer takes the gate (one group
 * at a time, like a turnstile), crosses first, then each guest ~1.1 s apart; the
 * last one frees the gate.
 */
export function exitActions(groupKey: string, index: number, people: number): Action[] {
  const last = index === people - 1;
  return [
    { k: 'walkToExitQueue' },
    ...(people > 1 ? [{ k: 'sync', key: `${groupKey}:exit`, n: people } as const] : []),
    ...(index === 0 ? [{ k: 'gateAcquire', exit: true } as const] : []),
    ...(people > 1 ? [{ k: 'sync', key: `${groupKey}:exit-go`, n: people } as const] : []),
    { k: 'wait', ms: index * 1100 },
    { k: 'walkToGate', where: 'at', exit: true, lateralM: 0 },
    { k: 'cross', dir: 'out' },
    ...(last ? [{ k: 'gateRelease', exit: true } as const] : []),
    { k: 'walkToGate', where: 'outside', exit: true, lateralM: 0 },
    { k: 'done' },
  ];
}

/** Two separately paying shoppers: meet inside, go to one facing together, then hand off or reach at once. */
export function pairActions(ctx: PlanContext, role: PairRole): Action[] {
  const out: Action[] = [{ k: 'sync', key: `${role.key}:in`, n: 2 }, { k: 'walkToFacing', facing: role.facing, close: true }, { k: 'sync', key: `${role.key}:at`, n: 2 }];
  if (role.kind === 'same-shelf') {
    // Both hands go in within a few hundred ms of each other.
    out.push({ k: 'wait', ms: ctx.prng.int(0, 300) }, { k: 'pick', facing: role.facing, units: 1 }, { k: 'wait', ms: 1000 });
    return out;
  }
  if (role.first) {
    const tag = `${role.key}:gift`;
    out.push({ k: 'wait', ms: ctx.prng.int(1500, 3000) }, { k: 'pick', facing: role.facing, units: 1, tag }, { k: 'wait', ms: 1200 });
    out.push({ k: 'give', to: role.partnerId, tag }, { k: 'sync', key: `${role.key}:given`, n: 2 });
  } else out.push({ k: 'sync', key: `${role.key}:given`, n: 2 });
  out.push({ k: 'wait', ms: 1000 });
  return out;
}

/**
 * The queue outside an entry gate. People arrive at the back of a queue of rows
 * behind the gate (three abreast), so nobody stands between the gate and someone
 * who came earlier, and step up as groups go in, as a real queue does. It is
 * outside the floor, so cameras never see it; it only has to be physical (and not
 * slow the gate down with long walks from the back).
 */
import type { Gate } from '@tebura/contract';
import { dist, type Point } from './geometry.js';
import type { People, Person } from './people.js';

/** Rows (and places in a row) of the queue outside an entry gate, this far apart, m. */
const OUTSIDE_ROW_M = 0.6;
/** Rows tried behind the back of the queue before standing on the last anyway. */
const OUTSIDE_ROWS_MAX = 30;
/** Places in a row: straight behind the gate and one either side, m across. */
const OUTSIDE_SIDES_M = [0, OUTSIDE_ROW_M, -OUTSIDE_ROW_M];

interface QueueFrame {
  out: Point;
  /** Unit vector pointing away from the store. */
  o: Point;
}

function frameOf(pp: People, p: Person): QueueFrame {
  const out = pp.gatePoint(p, 'outside', false, 0);
  const at = pp.gatePoint(p, 'at', false, 0);
  const len = dist(out, at) || 1;
  return { out, o: { x: (out.x - at.x) / len, y: (out.y - at.y) / len } };
}

/** Row (along, 0 = the front) and offset across of a point in the queue. */
function placeOf(f: QueueFrame, q: Point): { along: number; across: number } {
  const dx = q.x - f.out.x;
  const dy = q.y - f.out.y;
  return { along: dx * f.o.x + dy * f.o.y, across: -dx * f.o.y + dy * f.o.x };
}

function spot(f: QueueFrame, row: number, across: number): Point {
  return { x: f.out.x + f.o.x * row * OUTSIDE_ROW_M - f.o.y * across, y: f.out.y + f.o.y * row * OUTSIDE_ROW_M + f.o.x * across };
}

/** Standing still in the queue outside this entry gate. */
function queued(pp: People, f: QueueFrame, o: Person, t: number): boolean {
  const { along, across } = placeOf(f, pp.position(o, t));
  return !o.done && along > -OUTSIDE_ROW_M / 2 && Math.abs(across) < 2 * OUTSIDE_ROW_M;
}

/** Where a person appears: the first free place from the back row of the queue on. */
export function arrivalSpot(pp: People, p: Person, t: number): Point {
  const f = frameOf(pp, p);
  let backRow = 0;
  for (const o of pp.active()) if (o !== p && queued(pp, f, o, t)) backRow = Math.max(backRow, Math.round(placeOf(f, pp.position(o, t)).along / OUTSIDE_ROW_M));
  let q = f.out;
  for (let row = backRow; row < backRow + OUTSIDE_ROWS_MAX; row++) {
    for (const side of OUTSIDE_SIDES_M) {
      q = spot(f, row, side);
      if (pp.clear(p, { pts: [q], ts: [t] }, t, true)) return q;
    }
  }
  return q;
}

/**
 * A group went in: everyone standing in the queue outside `gate`, front first,
 * moves to the frontmost free place of their file. Someone whose step would come
 * too close to anyone stays where they are until the next group goes in.
 */
export function stepUp(pp: People, gate: Gate, t: number): void {
  const waiting = pp.active().filter((o) => o.group.entryGate === gate && o.pathTs[o.pathTs.length - 1]! <= t);
  if (waiting.length === 0) return;
  const f = frameOf(pp, waiting[0]!);
  const inQueue = waiting.filter((o) => queued(pp, f, o, t)).map((o) => ({ o, ...placeOf(f, pp.position(o, t)) })).sort((a, b) => a.along - b.along);
  for (const { o, along, across } of inQueue) {
    const row = Math.round(along / OUTSIDE_ROW_M);
    for (let ahead = 0; ahead < row; ahead++) {
      const plan = pp.planFor(o, t, [spot(f, ahead, across)]);
      if (pp.clear(o, plan, t, true)) {
        pp.setPlan(o, plan);
        break;
      }
    }
  }
}

/**
 * Floor geometry: where a shopper stands to reach a plate, which way is "outside"
 * at a gate, and walking routes around gondolas (A* on a coarse grid).
 */
import type { Gate, Gondola, StoreLayout } from '@tebura/contract';

export interface Point {
  x: number;
  y: number;
}

/** Grid cell size for routing, metres. */
const ROUTE_CELL_M = 0.25;
/** Clearance kept from gondola footprints while walking, metres. */
const ROUTE_CLEARANCE_M = 0.2;
/** How far in front of the shelf face a shopper stands, metres. */
export const STAND_OFFSET_M = 0.45;
/** Bound on A* expansions; a route that needs more falls back to a straight line. */
const ROUTE_EXPANSIONS_MAX = 50_000;
/** Routes remembered per router. */
const ROUTE_CACHE_ENTRIES_MAX = 20_000;

export function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Distance from p to the segment a-b. */
export function segmentDist(p: Point, a: Point, b: Point): number {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const vv = vx * vx + vy * vy;
  const f = vv > 0 ? Math.min(1, Math.max(0, ((p.x - a.x) * vx + (p.y - a.y) * vy) / vv)) : 0;
  return Math.hypot(a.x + vx * f - p.x, a.y + vy * f - p.y);
}

/** Outward unit normal of the floor wall nearest to a point (for gates). */
export function outwardNormal(store: StoreLayout, p: Point): Point {
  const { widthM, depthM } = store.floor;
  const d = [
    { n: { x: 0, y: -1 }, d: p.y },
    { n: { x: 0, y: 1 }, d: depthM - p.y },
    { n: { x: -1, y: 0 }, d: p.x },
    { n: { x: 1, y: 0 }, d: widthM - p.x },
  ].sort((a, b) => a.d - b.d);
  return d[0]!.n;
}

export interface GatePoints {
  /** Where the passage sensor is: people cross within a few cm of it. */
  at: Point;
  /** Outside the floor, invisible to overhead cameras. */
  outside: Point;
  /** A step inside the store. */
  inside: Point;
}

export function gatePoints(store: StoreLayout, gate: Gate): GatePoints {
  const n = outwardNormal(store, gate);
  return {
    at: { x: gate.x, y: gate.y },
    outside: { x: gate.x + n.x * 1.2, y: gate.y + n.y * 1.2 },
    inside: { x: gate.x - n.x * 1.0, y: gate.y - n.y * 1.0 },
  };
}

/**
 * Where to stand for a plate: out of the gondola footprint through its nearest
 * side, STAND_OFFSET_M in front of the face, shifted `slotM` along the face.
 */
export function standPoint(store: StoreLayout, gondola: Gondola, plate: Point, slotM: number): Point {
  const sides = [
    { n: { x: 0, y: -1 }, d: Math.abs(plate.y - gondola.y), p: { x: plate.x, y: gondola.y } },
    { n: { x: 0, y: 1 }, d: Math.abs(gondola.y + gondola.depthM - plate.y), p: { x: plate.x, y: gondola.y + gondola.depthM } },
    { n: { x: -1, y: 0 }, d: Math.abs(plate.x - gondola.x), p: { x: gondola.x, y: plate.y } },
    { n: { x: 1, y: 0 }, d: Math.abs(gondola.x + gondola.widthM - plate.x), p: { x: gondola.x + gondola.widthM, y: plate.y } },
  ].sort((a, b) => a.d - b.d);
  for (const s of sides) {
    const q = { x: s.p.x + s.n.x * STAND_OFFSET_M + s.n.y * slotM, y: s.p.y + s.n.y * STAND_OFFSET_M + s.n.x * slotM };
    if (q.x > 0.1 && q.y > 0.1 && q.x < store.floor.widthM - 0.1 && q.y < store.floor.depthM - 0.1) return q;
  }
  const s = sides[0]!;
  return { x: s.p.x + s.n.x * STAND_OFFSET_M, y: s.p.y + s.n.y * STAND_OFFSET_M };
}

export class Router {
  private readonly cols: number;
  private readonly rows: number;
  private readonly blocked: Uint8Array;
  private readonly cache = new Map<string, Point[]>();

  constructor(private readonly store: StoreLayout) {
    this.cols = Math.max(1, Math.ceil(store.floor.widthM / ROUTE_CELL_M));
    this.rows = Math.max(1, Math.ceil(store.floor.depthM / ROUTE_CELL_M));
    this.blocked = new Uint8Array(this.cols * this.rows);
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const p = this.centre(c, r);
        if (this.insideGondola(p, ROUTE_CLEARANCE_M)) this.blocked[r * this.cols + c] = 1;
      }
    }
  }

  private centre(c: number, r: number): Point {
    return { x: (c + 0.5) * ROUTE_CELL_M, y: (r + 0.5) * ROUTE_CELL_M };
  }

  insideGondola(p: Point, margin: number): boolean {
    return this.store.gondolas.some(
      (g) => p.x > g.x - margin && p.x < g.x + g.widthM + margin && p.y > g.y - margin && p.y < g.y + g.depthM + margin,
    );
  }

  private cellOf(p: Point): number {
    const c = Math.min(this.cols - 1, Math.max(0, Math.floor(p.x / ROUTE_CELL_M)));
    const r = Math.min(this.rows - 1, Math.max(0, Math.floor(p.y / ROUTE_CELL_M)));
    return r * this.cols + c;
  }

  private nearestFree(cell: number, blocked: Uint8Array): number {
    if (blocked[cell] === 0) return cell;
    const c0 = cell % this.cols;
    const r0 = Math.floor(cell / this.cols);
    for (let rad = 1; rad < Math.max(this.cols, this.rows); rad++) {
      for (let dr = -rad; dr <= rad; dr++) {
        for (let dc = -rad; dc <= rad; dc++) {
          const r = r0 + dr;
          const c = c0 + dc;
          if (r >= 0 && c >= 0 && r < this.rows && c < this.cols && blocked[r * this.cols + c] === 0) return r * this.cols + c;
        }
      }
    }
    return cell;
  }

  /** True when a straight walk from a to b keeps clear of every gondola. */
  clearLine(a: Point, b: Point): boolean {
    const steps = Math.ceil(dist(a, b) / (ROUTE_CELL_M / 2));
    for (let i = 1; i < steps; i++) {
      const t = i / steps;
      if (this.insideGondola({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t }, ROUTE_CLEARANCE_M * 0.5)) return false;
    }
    return true;
  }

  /**
   * Waypoints from a to b (a excluded, b included), avoiding gondolas and, when
   * given, people standing at `avoid`, kept `clearM` away; a leg starting or
   * ending closer than that to someone (a neighbour at a shelf) may not come
   * closer than its ends are.
   */
  route(a: Point, b: Point, avoid: readonly Point[] = [], clearM = 0): Point[] {
    if (avoid.length === 0) return this.routeIn(a, b, this.blocked, (x, y) => this.clearLine(x, y), true);
    const blocked = this.blocked.slice();
    for (let cell = 0; cell < blocked.length; cell++) {
      const q = this.centre(cell % this.cols, Math.floor(cell / this.cols));
      if (avoid.some((o) => dist(o, q) < clearM + ROUTE_CELL_M / 2)) blocked[cell] = 1;
    }
    const clear = (x: Point, y: Point): boolean => this.clearLine(x, y) && avoid.every((o) => segmentDist(o, x, y) >= Math.min(clearM, dist(o, x), dist(o, y)) - 1e-9);
    return this.routeIn(a, b, blocked, clear, false);
  }

  private routeIn(a: Point, b: Point, blocked: Uint8Array, clear: (x: Point, y: Point) => boolean, cached: boolean): Point[] {
    if (clear(a, b)) return [b];
    const from = this.nearestFree(this.cellOf(a), blocked);
    const to = this.nearestFree(this.cellOf(b), blocked);
    const key = `${from}:${to}`;
    let cells = cached ? this.cache.get(key) : undefined;
    if (cells === undefined) {
      cells = this.astar(from, to, blocked);
      if (cached) {
        if (this.cache.size >= ROUTE_CACHE_ENTRIES_MAX) this.cache.clear();
        this.cache.set(key, cells);
      }
    }
    const pts = [a, ...cells, b];
    // String-pulling: keep only waypoints needed for line of sight.
    const out: Point[] = [];
    let anchor = a;
    for (let i = 1; i < pts.length - 1; i++) {
      if (!clear(anchor, pts[i + 1]!)) {
        out.push(pts[i]!);
        anchor = pts[i]!;
      }
    }
    out.push(b);
    return out;
  }

  private astar(from: number, to: number, blocked: Uint8Array): Point[] {
    const n = this.cols * this.rows;
    const g = new Float64Array(n).fill(Infinity);
    const prev = new Int32Array(n).fill(-1);
    const open: { cell: number; f: number }[] = [{ cell: from, f: 0 }];
    const goal = this.centre(to % this.cols, Math.floor(to / this.cols));
    g[from] = 0;
    let expansions = 0;
    while (open.length > 0 && expansions++ < ROUTE_EXPANSIONS_MAX) {
      let bi = 0;
      for (let i = 1; i < open.length; i++) if (open[i]!.f < open[bi]!.f) bi = i;
      const { cell } = open.splice(bi, 1)[0]!;
      if (cell === to) break;
      const c0 = cell % this.cols;
      const r0 = Math.floor(cell / this.cols);
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const r = r0 + dr;
          const c = c0 + dc;
          if ((dr === 0 && dc === 0) || r < 0 || c < 0 || r >= this.rows || c >= this.cols) continue;
          const nb = r * this.cols + c;
          if (blocked[nb] === 1) continue;
          const cost = g[cell]! + (dr !== 0 && dc !== 0 ? Math.SQRT2 : 1);
          if (cost < g[nb]!) {
            g[nb] = cost;
            prev[nb] = cell;
            open.push({ cell: nb, f: cost + dist(this.centre(c, r), goal) / ROUTE_CELL_M });
          }
        }
      }
    }
    if (prev[to] === -1 && from !== to) return [];
    const cells: Point[] = [];
    for (let c = to; c !== from && c !== -1; c = prev[c]!) cells.unshift(this.centre(c % this.cols, Math.floor(c / this.cols)));
    return cells;
  }
}

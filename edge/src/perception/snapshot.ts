/**
 * What must survive a kill -9: which tracks carry which session (and how sure), admissions still
 * waiting for people, lost sessions waiting to re-bind, and the cart perception
 * believes each session holds (the put-back prior), units known to lie on a
 * plate they are not planned for, the last pick on each set of plates (what a
 * put-back there may return), and shelf events still waiting to be decided.
 * Plate levels are kept beside it (plate-levels.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { PerceptionSnapshot } from './api.js';
import { PLATE_TAKES_MAX, type FusionContext } from './fusion.js';

const SnapshotData = Type.Object({
  tracks: Type.Array(
    Type.Object({
      id: Type.String(), x: Type.Number(), y: Type.Number(), lastTs: Type.Number(), sessionId: Type.String(),
      /** Track.idMix: [sessionId, probability]. Absent in older snapshots and on certain tracks. */
      idMix: Type.Optional(Type.Array(Type.Tuple([Type.String(), Type.Number({ minimum: 0, maximum: 1 })]))),
    }),
  ),
  pending: Type.Array(Type.Object({ sessionId: Type.String(), gateId: Type.String(), remaining: Type.Integer({ minimum: 0 }), ts: Type.Number() })),
  orphans: Type.Array(Type.Object({ sessionId: Type.String(), x: Type.Number(), y: Type.Number(), ts: Type.Number() })),
  carts: Type.Array(Type.Object({ sessionId: Type.String(), lines: Type.Array(Type.Tuple([Type.String(), Type.Integer()])) })),
  /** Units put back on a plate where they are not planned: [plateId, sku, count]. Absent in older snapshots. */
  misplaced: Type.Optional(Type.Array(Type.Tuple([Type.String(), Type.String(), Type.Integer({ minimum: 1 })]))),
  /**
   * Last pick per set of plates (fusion.ts plateTakes): what a put-back onto them
   * may be returning. Absent in older snapshots.
   */
  plateTakes: Type.Optional(
    Type.Array(Type.Object({ key: Type.String(), preLevelG: Type.Number(), items: Type.Array(Type.Object({ sku: Type.String(), count: Type.Integer({ minimum: 1 }) })) })),
  ),
  /**
   * Shelf events waiting to be decided (fusion.ts deferred): their plates' levels have
   * already moved on, so a change lost here would never be charged. Absent in older snapshots.
   */
  deferred: Type.Optional(
    Type.Array(
      Type.Object({
        decideBy: Type.Number(),
        e: Type.Object({
          eventId: Type.String(), shelfId: Type.String(), deviceId: Type.String(),
          plateIds: Type.Array(Type.String()), plateDeltasG: Type.Array(Type.Number()),
          deltaG: Type.Number(), startTs: Type.Number(), endTs: Type.Number(), noiseG: Type.Number({ minimum: 0 }),
          early: Type.Optional(Type.Boolean()), residualOf: Type.Optional(Type.String()),
          trace: Type.Array(Type.Object({ plateId: Type.String(), ts: Type.Number(), grams: Type.Number() })),
        }),
      }),
    ),
  ),
});
type SnapshotData = Static<typeof SnapshotData>;

export function takeSnapshot(ctx: FusionContext): PerceptionSnapshot {
  const data: SnapshotData = {
    tracks: ctx.tracker
      .tracks()
      .filter((t) => t.sessionId !== null)
      .map((t) => ({ id: t.id, x: t.x, y: t.y, lastTs: t.lastTs, sessionId: t.sessionId!, ...(t.idMix ? { idMix: [...t.idMix] } : {}) })),
    pending: ctx.bindings.pending.map((p) => ({ ...p })),
    orphans: ctx.bindings.orphans.map((o) => ({ ...o })),
    carts: [...ctx.carts].map(([sessionId, lines]) => ({ sessionId, lines: [...lines] })),
    misplaced: ctx.inference.misplacedRows(),
    plateTakes: [...ctx.plateTakes].map(([key, t]) => ({ key, preLevelG: t.preLevelG, items: t.items.map((it) => ({ ...it })) })),
    deferred: ctx.deferred.map((d) => ({ decideBy: d.decideBy, e: d.e })),
  };
  return { version: 1, data };
}

/** Throws on a malformed snapshot: the node decides whether to start empty. */
export function restoreSnapshot(ctx: FusionContext, s: PerceptionSnapshot): void {
  if (s.version !== 1 || !Value.Check(SnapshotData, s.data)) {
    const first = [...Value.Errors(SnapshotData, s.data)][0];
    throw new Error(`perception snapshot invalid at ${first?.path ?? '/'}: ${first?.message ?? 'version'}`);
  }
  const d = s.data;
  for (const t of d.tracks) {
    // A live track may already carry this person if restore comes late: keep one.
    if (ctx.tracker.get(t.id)) ctx.tracker.remove(t.id);
    const track = ctx.tracker.add(t);
    if (t.idMix !== undefined && t.idMix.length > 0) track.idMix = new Map(t.idMix);
  }
  ctx.bindings.pending = d.pending.map((p) => ({ ...p }));
  ctx.bindings.orphans = d.orphans.map((o) => ({ ...o }));
  ctx.carts.clear();
  for (const c of d.carts) ctx.carts.set(c.sessionId, new Map(c.lines));
  ctx.inference.restoreMisplaced(d.misplaced ?? []);
  ctx.plateTakes.clear();
  for (const t of (d.plateTakes ?? []).slice(-PLATE_TAKES_MAX)) ctx.plateTakes.set(t.key, { preLevelG: t.preLevelG, items: t.items.map((it) => ({ ...it })) });
  // An early event's full window was lost with the process: nothing will join it now.
  ctx.deferred = (d.deferred ?? []).map((x) => ({ decideBy: x.decideBy, e: { ...x.e, early: false } }));
}

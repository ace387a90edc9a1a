import { describe, expect, it } from 'vitest';
import type { LoadCellWeight } from '@tebura/contract';
import type { CartDelta } from './api.js';
import { SETTLE_LOOKBACK_MS, SETTLE_PACKETS_MAX, SettleClock, settleDeltas, settleEventOf } from './settle-clock.js';
import type { ShelfEvent } from './shelf-events.js';

const T0 = 1_800_000_000_000;
const INTERVAL_MS = 50;
const PER_PACKET = 4;

function packet(n: number, grams: (number | null)[]): LoadCellWeight {
  return {
    v: 1, msgId: `m${n}`, deviceId: 'lc-1', bootId: 'b', seq: n, ts: T0 + n * PER_PACKET * INTERVAL_MS,
    sampleIntervalMs: INTERVAL_MS, readings: [{ plateId: 'p1', grams }, { plateId: 'p2', grams: grams.map(() => 500) }],
  } as unknown as LoadCellWeight;
}

function event(endTs: number, level: number, plateIds = ['p1']): ShelfEvent {
  return {
    eventId: `lc-1:${endTs}:p1`, shelfId: 's1', deviceId: 'lc-1', plateIds, plateDeltasG: plateIds.map(() => -100), deltaG: -100,
    startTs: T0, endTs, noiseG: 1, trace: plateIds.map((plateId) => ({ plateId, ts: endTs, grams: plateId === 'p1' ? level : 500 })),
  };
}

describe('SettleClock', () => {
  it('finds the packet of the reading after which the plate stayed in its band', () => {
    const c = new SettleClock();
    // 1000 g, a hand, an oscillation that enters the +-4 g band at packet 3's third sample (index 2), then flat 900 g.
    const series = [[1000, 1000, 1000, 1000], [1040, 950, 870, 930], [880, 915, 890, 906], [896, 905, 901, 899], [900, 901, 899, 900], [900, 900, 901, 900]];
    series.forEach((g, n) => c.note(packet(n, g), 10_000 + n * 200));
    const endTs = T0 + 5 * PER_PACKET * INTERVAL_MS + 3 * INTERVAL_MS;
    // Walking back, 905 (packet 3, index 1) is the last reading outside 900 +- 4 g.
    expect(c.mark(event(endTs, 900), () => 4)).toBe(10_000 + 3 * 200);
    expect(c.arrivalOf(`lc-1:${endTs}:p1`)).toBe(10_600);
    expect(c.arrivalOf(`lc-1:${endTs}:p1/p1#1`)).toBe(10_600);
    // A two-hands split charges each hand under `@<i>`.
    expect(c.arrivalOf(`lc-1:${endTs}:p1/p1@1`)).toBe(10_600);
    expect(c.arrivalOf('lc-1:1:p1')).toBeUndefined();
    expect(c.lookBackExhausted).toBe(0);
  });

  it('measures a change re-measured later at the level it came to rest, and answers for a change decided again under a new id', () => {
    const c = new SettleClock();
    // An early level of 905 g (calm from packet 2), then the plate creeps on to rest at 900 g from packet 4.
    const series = [[1000, 1000, 1000, 1000], [950, 920, 910, 905], [905, 905, 905, 905], [904, 903, 902, 901], [900, 900, 900, 900], [900, 900, 900, 900]];
    series.forEach((g, n) => c.note(packet(n, g), 30_000 + n * 200));
    const earlyTs = T0 + 2 * PER_PACKET * INTERVAL_MS + 3 * INTERVAL_MS;
    const e = event(earlyTs, 905);
    expect(c.mark(e, () => 0.5)).toBe(30_200);
    // Its full window: 900 g, up to the last packet. The band is 0.5 g: it settled with packet 4.
    const nowTs = T0 + 6 * PER_PACKET * INTERVAL_MS;
    const full = { ...e, eventId: `${e.eventId}#full`, trace: [{ plateId: 'p1', ts: earlyTs, grams: 900 }] };
    expect(c.mark(full, () => 0.5, nowTs)).toBe(30_800);
    expect(c.arrivalOf(`${e.eventId}#full#0`)).toBe(30_800);
    c.alias('other', e.eventId);
    expect(c.arrivalOf('other')).toBe(30_200);
  });

  it('ignores readings after the detection, skips dropouts, and takes the latest plate of an event', () => {
    const c = new SettleClock();
    const series = [[1000, 1000, 1000, 1000], [950, 900, null, 900], [900, 900, 900, 900], [700, 700, 700, 700]];
    series.forEach((g, n) => c.note(packet(n, g), 20_000 + n * 200));
    const endTs = T0 + 2 * PER_PACKET * INTERVAL_MS + 3 * INTERVAL_MS;
    // p1 settles in packet 1 (index 1); p2 never moved, so it is "settled" since the first kept packet.
    expect(c.mark(event(endTs, 900, ['p1', 'p2']), () => 4)).toBe(20_200);
    expect(c.lookBackExhausted).toBe(1);
  });

  it('keeps packets for a bounded look-back time per shelf', () => {
    const c = new SettleClock();
    const packetMs = PER_PACKET * INTERVAL_MS;
    const n = SETTLE_LOOKBACK_MS / packetMs + 10;
    for (let k = 0; k < n; k++) c.note(packet(k, [900, 900, 900, 900]), k);
    const endTs = T0 + n * packetMs;
    // All flat: the settle reading is as early as the kept packets reach (the look-back
    // before the newest packet), and that is counted.
    expect(c.mark(event(endTs, 900), () => 4)).toBe(n - 1 - SETTLE_LOOKBACK_MS / packetMs);
    expect(c.lookBackExhausted).toBe(1);
  });

  it('keeps at most SETTLE_PACKETS_MAX packets per shelf, however fast they come', () => {
    const c = new SettleClock();
    const n = SETTLE_PACKETS_MAX + 10;
    // One-sample packets 5 ms apart: the time bound alone would keep 800.
    for (let k = 0; k < n; k++) {
      const msg = { ...packet(k, [900]), ts: T0 + k * 5, sampleIntervalMs: 5 } as LoadCellWeight;
      c.note(msg, k);
    }
    expect(c.mark(event(T0 + n * 5, 900), () => 4)).toBe(n - SETTLE_PACKETS_MAX);
    expect(c.lookBackExhausted).toBe(1);
  });

  it('dates an early decision taken on a swing from where the plate came to rest, once its full window confirms it', () => {
    const c = new SettleClock();
    // A swing about 900 g: calm for a moment at its crest, 920 g (packet 2), then on to rest at 900 g from packet 4.
    const series = [[1000, 1000, 1000, 1000], [880, 900, 915, 920], [921, 920, 919, 920], [912, 904, 899, 901], [900, 901, 900, 899], [900, 900, 901, 900]];
    series.forEach((g, n) => c.note(packet(n, g), 40_000 + n * 200));
    const earlyTs = T0 + 2 * PER_PACKET * INTERVAL_MS + 3 * INTERVAL_MS;
    const e: ShelfEvent = { ...event(earlyTs, 920), early: true };
    // At the early level the crest reads as settled since packet 1 (915 g, within 920 +- 8 g).
    expect(c.mark(e, () => 8)).toBe(40_200);
    expect(c.isPending(e.eventId)).toBe(true);
    expect(c.isPending(`${e.eventId}/p1#0`)).toBe(true);
    // Its full window found the plate 20 g lower: it came to rest (900 +- 8 g) with packet 3's 904 g.
    const nowTs = T0 + 6 * PER_PACKET * INTERVAL_MS;
    expect(c.settle(e.eventId, new Map([['p1', -20]]), () => 8, nowTs)).toBe(40_600);
    expect(c.isPending(e.eventId)).toBe(false);
    expect(c.arrivalOf(e.eventId)).toBe(40_600);
    // Asked again (already settled), or for an event never decided early: nothing to report.
    expect(c.settle(e.eventId, new Map([['p1', -20]]), () => 8, nowTs)).toBeUndefined();
    expect(c.settle('lc-1:1:p1', new Map(), () => 8, nowTs)).toBeUndefined();
  });

  it('keeps the early level\'s time when a residual followed, and does not make an alias pending', () => {
    const c = new SettleClock();
    const series = [[1000, 1000, 1000, 1000], [880, 900, 915, 920], [921, 920, 919, 920], [912, 904, 899, 901], [900, 901, 900, 899]];
    series.forEach((g, n) => c.note(packet(n, g), 50_000 + n * 200));
    const earlyTs = T0 + 2 * PER_PACKET * INTERVAL_MS + 3 * INTERVAL_MS;
    const e: ShelfEvent = { ...event(earlyTs, 920), early: true };
    c.mark(e, () => 8);
    // An early charge taken back is measured from the event that caused it, not the early one.
    const residual = { ...event(T0 + 5 * PER_PACKET * INTERVAL_MS, 900), eventId: 'lc-1:residual:p1' };
    c.mark(residual, () => 8);
    c.alias(`${e.eventId}#undo`, residual.eventId);
    expect(c.isPending(`${e.eventId}#undo`)).toBe(false);
    expect(c.settle(e.eventId, undefined, () => 8, T0 + 5 * PER_PACKET * INTERVAL_MS)).toBe(50_200);
  });

  it('settleDeltas replaces only the pending deltas of that event', () => {
    const base = { sessionId: 's', sku: 'x', quantityDelta: 1, confidence: 1, settledAt: 0, emittedAt: 0 };
    const deltas: CartDelta[] = [
      { ...base, eventId: 'lc-1:5:p1/p1#0', settleArrivalMs: 10, settlePending: true },
      { ...base, eventId: 'lc-1:5:p1#undo', settleArrivalMs: 20 },
      { ...base, eventId: 'lc-1:6:p1', settleArrivalMs: 30, settlePending: true },
    ];
    expect(settleEventOf('lc-1:5:p1/p1#0@1')).toBe('lc-1:5:p1');
    settleDeltas(deltas, 'lc-1:5:p1', 99);
    expect(deltas.map((d) => [d.settleArrivalMs, d.settlePending])).toEqual([[99, undefined], [20, undefined], [30, true]]);
  });
});

/**
 * Wrists from pose cameras, end to end without a broker: the simulator's traffic
 * into perception (fusion-diag.ts). Each case compares against the same run with
 * the wrists dropped, so it fails if the wrists stop helping.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SCENARIO_DIR } from './paths.js';
import { diagnoseFusion } from './fusion-diag.js';

const at = (f: string): string => join(SCENARIO_DIR, f);
/** Units of a SKU charged over the run, or (truth) taken home. */
const count = (r: ReturnType<typeof diagnoseFusion>, sku: string, truth: boolean): number =>
  truth
    ? r.truth.sessions.flatMap((x) => x.basket).filter((b) => b.sku === sku).reduce((n, b) => n + b.quantity, 0)
    : r.deltas.filter((d) => d.sku === sku).reduce((n, d) => n + d.quantityDelta, 0);

describe('fusion with pose-camera wrists (broker-free)', () => {
  it('08-handoffs: hand-offs between separate payers move the item to the one who leaves with it', () => {
    const withHands = diagnoseFusion(at('08-handoffs.yaml'));
    const bodies = diagnoseFusion(at('08-handoffs.yaml'), { noHands: true });
    const receivers = (r: typeof withHands) => r.sessions.filter((s) => s.tags.includes('handoff-receiver') && s.ok).length;
    // Measured: 4 of 4 receivers exact and unreviewed with wrists (2 before the reach odds in
    // association.ts: one pick went to review between giver and receiver), 0 without.
    expect(receivers(withHands)).toBe(4);
    expect(receivers(bodies)).toBeLessThan(receivers(withHands));
    expect(withHands.precision).toBe(1);
  }, 60_000);

  it('02-twenty-concurrent and 07-group-one-payer: wrists with height decide who reached in', () => {
    for (const f of ['02-twenty-concurrent.yaml', '07-group-one-payer.yaml']) {
      const withHands = diagnoseFusion(at(f));
      const bodies = diagnoseFusion(at(f), { noHands: true });
      expect(withHands.cacc, f).toBeGreaterThanOrEqual(bodies.cacc + 0.3);
      expect(withHands.precision, f).toBeGreaterThanOrEqual(0.99);
    }
  }, 60_000);

  it('02-twenty-concurrent seed 303: the crest of a hand pressing before it takes a toothbrush is not a put-back', () => {
    // Nobody in 02 puts anything back. A rise is decided on the full window only
    // (perception.ts unambiguous): decided early, the crest of the press (+19.4 g)
    // passed for a put-back and the toothbrush was charged twice.
    const r = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 303 });
    expect(r.truth.events.filter((e) => e.kind === 'put')).toEqual([]);
    expect(r.reviews.filter((x) => x.deltaG > 0)).toEqual([]);
    const charged = r.deltas.filter((d) => d.sku === 'toothbrush').reduce((n, d) => n + d.quantityDelta, 0);
    const taken = r.truth.sessions.flatMap((x) => x.basket).filter((b) => b.sku === 'toothbrush').reduce((n, b) => n + b.quantity, 0);
    expect(charged).toBe(taken);
  }, 60_000);

  it('10-camera-faults seed 303: what the full window adds to an early cup noodle is not a toothbrush', () => {
    // Decided early at -79 g (a cup noodle, 95 g), then -21.8 g more on the full window:
    // together still one cup noodle (perception.ts absorbed), not a cup noodle and a toothbrush.
    const r = diagnoseFusion(at('10-camera-faults.yaml'), { seed: 303 });
    expect(r.stats['residualsAbsorbed']).toBeGreaterThanOrEqual(1);
    const taken = r.truth.sessions.flatMap((x) => x.basket).filter((b) => b.sku === 'toothbrush').reduce((n, b) => n + b.quantity, 0);
    expect(r.deltas.filter((d) => d.sku === 'toothbrush').reduce((n, d) => n + d.quantityDelta, 0)).toBe(taken);
    expect(r.precision).toBe(1);
  }, 60_000);

  it('10-camera-faults: wrists at rest and per-encounter identity doubt keep 25 cm box noise from swapping receipts', () => {
    // Measured over seeds 10, 101, 202, 303: 35 of 40 sessions exact, 4 reviewed, none wrong
    // (before: 20 of 40 exact, precision 0.75 on seed 101).
    let exact = 0;
    for (const seed of [101, 202]) {
      const r = diagnoseFusion(at('10-camera-faults.yaml'), { seed });
      expect(r.precision, String(seed)).toBe(1);
      exact += r.sessions.filter((x) => x.ok).length;
    }
    expect(exact).toBeGreaterThanOrEqual(16);
  }, 60_000);

  it('04-same-shelf seed 101: two hands on the gum plate are not decided early on a -9.5 g swing', () => {
    // Early at -9.5 g passed for one 32 g gum within two early sigmas; the rest, -54.3 g, became a
    // chocolate bar. An early level must be within a quarter of the item's weight (perception.ts).
    const r = diagnoseFusion(at('04-same-shelf.yaml'), { seed: 101 });
    for (const sku of ['gum-mint', 'chocolate-bar']) {
      const taken = r.truth.sessions.flatMap((x) => x.basket).filter((b) => b.sku === sku).reduce((n, b) => n + b.quantity, 0);
      expect(r.deltas.filter((d) => d.sku === sku).reduce((n, d) => n + d.quantityDelta, 0), sku).toBe(taken);
    }
    expect(r.precision).toBe(1);
    expect(r.reviews).toEqual([]);
  }, 60_000);

  it('02-twenty-concurrent seed 101: two shoppers take a coffee can each at once; the early can is decided again with the second', () => {
    // Decided early at -172.1 g with another shopper standing at the plate; the full window then
    // added -255.3 g. Once, the rest, re-measured as a can, went to the nearer shopper too. The
    // early can is charged to the nearer shopper (with a second hand possible), and when more
    // units come it is taken back (#undo) and decided with them (perception.ts reconcile): one
    // change of two cans, one for each.
    const r = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 101 });
    expect(r.stats['earlyCorrected']).toBeGreaterThanOrEqual(1);
    expect(r.deltas.some((d) => d.sku === 'coffee-can' && d.eventId.endsWith('#undo'))).toBe(true);
    const cans = r.truth.sessions.filter((x) => x.basket.some((b) => b.sku === 'coffee-can'));
    for (const c of cans) expect(r.sessions.find((x) => x.customerId === c.customerId)?.diff ?? [], c.customerId).toEqual([]);
    expect(r.reviews.filter((x) => x.skuCandidates[0]?.sku === 'coffee-can')).toEqual([]);
    expect(r.precision).toBe(1);
  }, 60_000);

  it('09-noise-drift seed 202: a settling swing hidden in 4x noise does not shorten a light pick', () => {
    // On cells four times noisier than their datasheet the spread test passed a window over the
    // settling swing's first half-period: a 55 g chocolate bar read -47.2 g, a 32 g gum -25.5 g,
    // a 25 g toothbrush -17.9 g, all three to review. The window's halves must agree and a noisy
    // plate holds its level for another window (plate-filter.ts level, NOISY_SCALE).
    const r = diagnoseFusion(at('09-noise-drift.yaml'), { seed: 202 });
    expect(r.reviews).toEqual([]);
    expect(r.cacc).toBe(1);
  }, 60_000);

  it('a wrist seen over the plate outweighs a nearer neighbour, unless its owner was walking past', () => {
    // 02 seed 101: the picker's wrist over the plate at 0.98, the nearer neighbour's at 0.21,
    // and the neighbour got 0.63. 02 seed 2 and 08 seed 8: the separation cap left the picker
    // at 0.61-0.71. The odds of reached now weigh each candidate and the cap (association.ts
    // reachOdds). 07 seed 101: a shopper walking past had a wrist over the plate at 0.91;
    // counted, he outweighed the one who took the onigiri (REACH_STANDING_MIN).
    const cases: [string, number | undefined][] = [['02-twenty-concurrent.yaml', undefined], ['02-twenty-concurrent.yaml', 101], ['08-handoffs.yaml', undefined], ['07-group-one-payer.yaml', 101]];
    for (const [f, seed] of cases) {
      const r = diagnoseFusion(at(f), seed === undefined ? {} : { seed });
      expect(r.cacc, `${f} ${seed ?? 'default'}`).toBe(1);
      expect(r.reviews, `${f} ${seed ?? 'default'}`).toEqual([]);
    }
  }, 60_000);

  it('11-busy-hour seed 101: an early level the plate comes back from is returned, not reviewed as an unknown weight', () => {
    // -601.4 g at +-81 g passed early for a 530 g water; the full window then read +601.5 g,
    // which fits nothing (UNKNOWN_WEIGHT) and left the water on a receipt. Together they are far
    // less than a water: the residual is re-measured as its return (perception.ts reconcile).
    const r = diagnoseFusion(at('11-busy-hour.yaml'), { seed: 101 });
    expect(r.reviews.filter((x) => x.reason === 'UNKNOWN_WEIGHT' && x.deltaG > 500)).toEqual([]);
    expect(r.sessions.find((x) => x.customerId === 'sim-busy-hour-101-0004')?.ok).toBe(true);
  }, 120_000);

  it('11-busy-hour seed 303: a beer put back where it was taken is that beer, though a hand made it read 25 g light', () => {
    // The full window confirmed the pick's level while the returning hand rested on the plate
    // (+25 g), so the put-back read +345.1 g: 8 sigmas from a 370 g beer, UNKNOWN_WEIGHT, and the
    // beer stayed on the receipt. The plate is back at its level before the pick (fusion.ts returnOf).
    const r = diagnoseFusion(at('11-busy-hour.yaml'), { seed: 303 });
    expect(r.reviews.filter((x) => x.reason === 'UNKNOWN_WEIGHT')).toEqual([]);
    expect(r.sessions.find((x) => x.customerId === 'sim-busy-hour-303-0101')?.ok).toBe(true);
  }, 120_000);

  it('11-busy-hour seed 202: a pair with a misplaced unit, and a press before a take, are what was taken', () => {
    const r = diagnoseFusion(at('11-busy-hour.yaml'), { seed: 202 });
    // -828.7 g on the beer plate: two beers and a cup noodle misplaced among them. The shelf camera
    // named each SKU once; scored against both SKUs, each hint sank the pair and the change went to
    // review as UNKNOWN_WEIGHT (hints.ts HintFactor).
    expect(r.reviews.filter((x) => x.reason === 'UNKNOWN_WEIGHT')).toEqual([]);
    expect(r.sessions.find((x) => x.customerId === 'sim-busy-hour-202-0009')?.ok).toBe(true);
    // A hand pressed +22.6 g before taking a 112.5 g onigiri; the crest, decided early, was dropped as
    // nothing, and the take was measured from it (-135.5 g, AMBIGUOUS_SKU). Now they are one change.
    expect(r.reviews.filter((x) => x.reason === 'AMBIGUOUS_SKU')).toEqual([]);
    expect(r.sessions.find((x) => x.customerId === 'sim-busy-hour-202-0042')?.ok).toBe(true);
  }, 120_000);

  it('09-noise-drift: noisy plates decide early too, and a residual on some of an early event\'s plates joins it', () => {
    // Seed 2: a baguette across two plates read -213.7 g early; the full window confirmed one
    // plate and moved the other by -33.5 g, which was charged as a gum (Perception.reconcile).
    const two = diagnoseFusion(at('09-noise-drift.yaml'), { seed: 2 });
    expect(two.precision).toBe(1);
    expect(two.stats['residualsAbsorbed']).toBeGreaterThan(0);
    // Seed 11: with a full window and another (NOISY_SCALE) a cup noodle read -103.7 g and went
    // to review; decided on the early window at -97.0 g, it is a cup noodle.
    const eleven = diagnoseFusion(at('09-noise-drift.yaml'), { seed: 11 });
    expect(eleven.reviews).toEqual([]);
    expect(eleven.cacc).toBe(1);
    expect(eleven.stats['earlyEvents']).toBeGreaterThan(eleven.stats['shelfEvents']! / 2);
  }, 60_000);

  it('02-twenty-concurrent seed 5: two shoppers passing at the entry keep their receipts when the camera switches their labels', () => {
    // One camera saw both; it switched their labels as they passed 0.5 m apart, and the two
    // labels' bonuses outweighed the positions (tracker.ts assign): every pick of each was
    // charged to the other, with no doubt kept.
    const r = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 5 });
    expect(r.precision).toBe(1);
    for (const c of ['sim-twenty-concurrent-5-0005', 'sim-twenty-concurrent-5-0018']) expect(r.sessions.find((x) => x.customerId === c)?.ok).toBe(true);
  }, 120_000);

  it('03-put-backs seeds 4 and 13: a put-back that waited for its full window is measured at the level that window confirmed', () => {
    // Seed 13: a water put back read +568.8 g on the early window, 32 g heavy; it waited (water or
    // green tea?), its full window confirmed the level within the early allowance, and it was then
    // decided on the early reading: review, and the water stayed on the receipt.
    for (const seed of [4, 13]) {
      const r = diagnoseFusion(at('03-put-backs.yaml'), { seed });
      expect(r.reviews, `seed ${seed}`).toEqual([]);
      expect(r.cacc, `seed ${seed}`).toBe(1);
    }
  }, 60_000);

  it('02-twenty-concurrent seed 303: three cup noodles on a tight early level go to the cart without waiting for the full window', () => {
    // -283 g at +-4 g early: three cup noodles at 0.96 against two egg sandwiches. Under the
    // early gate's 0.99 they waited for the full window, 400 ms after the weight settled; a tight
    // level now needs the full window's own confidence, and the full window verifies it.
    const r = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 303 });
    const triple = r.deltas.filter((d) => d.sku === 'cup-noodle' && d.quantityDelta === 3);
    expect(triple.length).toBeGreaterThan(0);
    for (const d of triple) expect(d.emittedAt - d.settleArrivalMs!).toBeLessThanOrEqual(100);
    expect(r.precision).toBe(1);
  }, 60_000);

  it('10-camera-faults: single picks on a level within a fifth of their weight go to the cart on the early window', () => {
    // A chocolate bar at -63.0 g +-9.6 g (0.976) and a chips bag at -61.1 g +-10.8 g (0.979):
    // not tight at 1/8 of their weight, they waited for the 0.99 gate, 133 ms after settling.
    const r = diagnoseFusion(at('10-camera-faults.yaml'));
    const picks = r.deltas.filter((d) => (d.sku === 'chocolate-bar' || d.sku === 'chips-consomme') && d.settleArrivalMs !== undefined);
    expect(picks.length).toBeGreaterThanOrEqual(2);
    for (const d of picks) expect(d.emittedAt - d.settleArrivalMs!, d.eventId).toBeLessThanOrEqual(100);
    expect(r.cacc).toBe(1);
  }, 60_000);

  it('02-twenty-concurrent seeds 1 and 7: an early chocolate bar that its residual makes a chips bag is taken back', () => {
    // Seed 7: -51.5 g early, a 55 g chocolate bar, charged; -12.2 g more came, together a chips
    // bag: the charge is undone and the two decided together. Seed 1: a chocolate bar read
    // -45.9 g beside a coffee can and waited; its -11.1 g rest joins it (not the whole event).
    const seven = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 7 });
    expect(seven.stats['earlyCorrected']).toBeGreaterThanOrEqual(1);
    expect(seven.deltas.some((d) => d.eventId.endsWith('#undo'))).toBe(true);
    for (const sku of ['chips-consomme', 'chocolate-bar']) expect(count(seven, sku, false), sku).toBe(count(seven, sku, true));
    expect(seven.cacc).toBe(1);
    const one = diagnoseFusion(at('02-twenty-concurrent.yaml'), { seed: 1 });
    expect(one.reviews.filter((x) => x.reason === 'AMBIGUOUS_SKU')).toEqual([]);
    expect(one.precision).toBe(1);
  }, 60_000);

  it('08-handoffs: an early pick with another shopper standing by goes to the cart without waiting for the full window', () => {
    // An egg sandwich read -167.0 g early while another shopper stood at the plate. It waited
    // for its full window in case a second hand's unit came, 450 ms after the weight settled;
    // it is charged now, and taken back only if more units come (the case above).
    const r = diagnoseFusion(at('08-handoffs.yaml'));
    const picks = r.deltas.filter((d) => d.sku === 'sandwich-egg' && d.settleArrivalMs !== undefined);
    expect(picks.length).toBeGreaterThanOrEqual(3);
    for (const d of picks) expect(d.emittedAt - d.settleArrivalMs!, d.eventId).toBeLessThanOrEqual(100);
    expect(r.stats['earlyCorrected']).toBe(0);
    expect(r.cacc).toBe(1);
  }, 60_000);

  it('04-same-shelf default seed and 202: two hands whose wrists were both seen over the plate are split at once', () => {
    // Each such pair waited for the second shopper's walk-off, 1.6-2.5 s after the weight settled,
    // and was then split the same way (two-hands.ts): the walk-off could not change it.
    for (const seed of [undefined, 202]) {
      const r = diagnoseFusion(at('04-same-shelf.yaml'), seed === undefined ? {} : { seed });
      const splits = r.deltas.filter((d) => /@\d$/.test(d.eventId) && d.settleArrivalMs !== undefined);
      expect(splits.length, `seed ${seed}`).toBeGreaterThanOrEqual(4);
      for (const d of splits) expect(d.emittedAt - d.settleArrivalMs!, d.eventId).toBeLessThanOrEqual(100);
      expect(r.cacc).toBe(1);
    }
  }, 60_000);

  it('11-busy-hour seed 101: two shoppers at one plate, at once or one after the other, each get their own unit', () => {
    const r = diagnoseFusion(at('11-busy-hour.yaml'), { seed: 101 });
    const units = (customerId: string, sku: string): { want: number; got: number } => {
      const s = r.sessions.find((x) => x.customerId === customerId)!;
      const want = r.truth.sessions.find((x) => x.customerId === customerId)!.basket.find((b) => b.sku === sku)?.quantity ?? 0;
      return { want, got: r.deltas.filter((d) => d.sessionId === s.sessionId && d.sku === sku).reduce((n, d) => n + d.quantityDelta, 0) };
    };
    // A cup noodle each at once. The second one's wrist was near the next plate's edge, and a
    // hand over either plate weighed even (0.73): not counted as a hand, both went to the first.
    // The next plate's weight never moved, so a hand there was less likely
    // (association.ts QUIET_PLATE_ODDS): 0.84, one cup noodle each.
    for (const id of ['sim-busy-hour-101-0016', 'sim-busy-hour-101-0017']) expect(units(id, 'cup-noodle'), id).toEqual({ want: 1, got: 1 });
    // An onigiri each, 0.9 s apart: the second came as the residual of the first's early event
    // and was weighed at the first one's reach (0.78 to the first shopper, review). Its window now
    // starts when the plate moved on from the early level (shelf-events.ts emitRun).
    for (const id of ['sim-busy-hour-101-0017', 'sim-busy-hour-101-0023']) expect(units(id, 'onigiri-salmon'), id).toEqual({ want: 1, got: 1 });
    expect(r.reviews.filter((x) => x.skuCandidates[0]?.sku === 'onigiri-salmon')).toEqual([]);
  }, 120_000);

  it('02-twenty-concurrent: two coffee cans do not wait for a water taken from the next plate a second later', () => {
    // The cans' plate and the water's were one busy run, decided when the water's plate came to
    // rest: the cans went to the cart 1.67 s after they settled (shelf-events.ts separateReaches).
    const r = diagnoseFusion(at('02-twenty-concurrent.yaml'));
    const cans = r.deltas.filter((d) => d.sku === 'coffee-can' && d.settleArrivalMs !== undefined);
    expect(cans.length).toBeGreaterThanOrEqual(1);
    for (const d of cans) expect(d.emittedAt - d.settleArrivalMs!, d.eventId).toBeLessThanOrEqual(200);
    expect(r.cacc).toBe(1);
  }, 60_000);

  it('04-same-shelf seeds 1 and 101: early events of two hands are settled part by part', () => {
    // Seed 1: a coffee can beside four chocolate bars read -460.2 g early, unsplit (two coffee
    // cans), and waited for a second hand; its full window is split by facing again, so the can
    // is charged. Seed 101: an egg sandwich read -116.2 g early beside a cup noodle; its -24.9 g
    // rest is reconciled with that part alone, not charged as a toothbrush.
    const one = diagnoseFusion(at('04-same-shelf.yaml'), { seed: 1 });
    expect(one.sessions.find((x) => x.customerId === 'sim-same-shelf-1-0003')?.ok).toBe(true);
    const r = diagnoseFusion(at('04-same-shelf.yaml'), { seed: 101 });
    expect(count(r, 'toothbrush', false)).toBe(count(r, 'toothbrush', true));
    expect(r.cacc).toBe(1);
  }, 60_000);
});

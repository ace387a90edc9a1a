import { Prng, type Credential } from '@tebura/contract';
import { Gallery } from '@tebura/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPalmMatcher } from './palm.js';

const DIM = 128;
const FORMAT = 'tebura-sim-palm-v1';
const PEOPLE = 5000;

function unit(prng: Prng): number[] {
  const v = Array.from({ length: DIM }, () => prng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
/** A scan: the enrolled template plus per-component gaussian noise, as scanners (and the simulator) produce. */
function scan(template: readonly number[], sigma: number, prng: Prng): Credential {
  return { kind: 'palm', format: FORMAT, template: template.map((x) => x + prng.normal(0, sigma)), quality: 0.9 };
}

let gallery: Gallery;
let templates: number[][];
const prng = new Prng(42);

beforeAll(() => {
  gallery = new Gallery({ dim: DIM, sizeMax: 10_000 });
  templates = Array.from({ length: PEOPLE }, () => unit(prng));
  templates.forEach((t, i) => gallery.upsert(`cust-${i}`, Float32Array.from(t), 1));
});
afterAll(() => gallery.close());

describe('palm matcher', () => {
  const matcher = (): ReturnType<typeof createPalmMatcher> => createPalmMatcher({ gallery, threshold: 0.7, formats: [FORMAT] });

  it('identifies noisy scans of enrolled palms (sigma 0.02 and 0.05)', async () => {
    const m = matcher();
    for (const sigma of [0.02, 0.05]) {
      for (let k = 0; k < 50; k++) {
        const i = prng.int(0, PEOPLE - 1);
        const r = await m.identify(scan(templates[i] as number[], sigma, prng), 0);
        expect(r).toMatchObject({ ok: true, customerId: `cust-${i}` });
        if (r.ok) expect(r.score).toBeGreaterThan(0.8);
      }
    }
  });

  it('denies palms that are not enrolled as UNKNOWN_PERSON', async () => {
    const m = matcher();
    for (let k = 0; k < 50; k++) {
      const r = await m.identify(scan(unit(prng), 0.02, prng), 0);
      expect(r).toMatchObject({ ok: false, reason: 'UNKNOWN_PERSON' });
    }
  });

  it('stops matching an erased customer', async () => {
    const m = matcher();
    const c = scan(templates[7] as number[], 0.02, prng);
    expect(await m.identify(c, 0)).toMatchObject({ ok: true, customerId: 'cust-7' });
    gallery.remove('cust-7', 2);
    expect(await m.identify(c, 0)).toMatchObject({ ok: false, reason: 'UNKNOWN_PERSON' });
  });

  it('never throws on bad input: answers a reason', async () => {
    const m = matcher();
    const good = templates[1] as number[];
    expect(await m.identify({ kind: 'app', token: 'x' }, 0)).toMatchObject({ ok: false, reason: 'METHOD_NOT_SUPPORTED' });
    expect(await m.identify({ kind: 'palm', format: 'other-vendor', template: good, quality: 0.9 }, 0)).toMatchObject({ ok: false, reason: 'METHOD_NOT_SUPPORTED' });
    expect(await m.identify({ kind: 'palm', format: FORMAT, template: good, quality: 0.1 }, 0)).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
    expect(await m.identify({ kind: 'palm', format: FORMAT, template: good.slice(0, 64), quality: 0.9 }, 0)).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
    expect(await m.identify({ kind: 'palm', format: FORMAT, template: new Array<number>(DIM).fill(0), quality: 0.9 }, 0)).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
    const nan = [...good];
    nan[3] = Number.NaN;
    expect(await m.identify({ kind: 'palm', format: FORMAT, template: nan, quality: 0.9 }, 0)).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
  });

  it('answers UNKNOWN_PERSON on an empty gallery', async () => {
    const empty = new Gallery({ dim: DIM, sizeMax: 10 });
    try {
      const m = createPalmMatcher({ gallery: empty });
      expect(await m.identify(scan(templates[0] as number[], 0.02, prng), 0)).toMatchObject({ ok: false, reason: 'UNKNOWN_PERSON', detail: 'gallery empty' });
    } finally {
      await empty.close();
    }
  });
});

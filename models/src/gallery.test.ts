import { Prng } from '@tebura/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { Gallery, GalleryError } from './gallery.js';

function unit(prng: Prng, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => prng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function cos(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

const open: Gallery[] = [];
const make = (dim: number, sizeMax: number, precision: 'int8' | 'f32' = 'int8'): Gallery => {
  const g = new Gallery({ dim, sizeMax, precision });
  open.push(g);
  return g;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

describe('Gallery', () => {
  for (const precision of ['int8', 'f32'] as const) {
    it(`finds each enrolled vector as its own best match (${precision}), scores within 0.01 of exact`, async () => {
      const prng = new Prng(1);
      const g = make(128, 5000, precision);
      const vecs = Array.from({ length: 3000 }, () => unit(prng, 128));
      vecs.forEach((v, i) => g.upsert(`c${i}`, v, 1));
      expect(g.size).toBe(3000);
      for (const i of [0, 1, 1234, 2999]) {
        const probe = vecs[i] as Float32Array;
        const [best, second] = await g.search(probe, 2);
        expect(best?.customerId).toBe(`c${i}`);
        expect(best?.score).toBeCloseTo(1, 2);
        const exact = cos(probe, vecs[Number(second?.customerId.slice(1))] as Float32Array);
        expect(Math.abs((second?.score ?? 0) - exact)).toBeLessThan(0.01);
      }
    });
  }

  it('removes by swapping the last row in, and search stays consistent', async () => {
    const prng = new Prng(2);
    const g = make(64, 100);
    const vecs = Array.from({ length: 10 }, () => unit(prng, 64));
    vecs.forEach((v, i) => g.upsert(`c${i}`, v));
    expect(g.remove('c3')).toBe(true);
    expect(g.remove('c3')).toBe(false);
    expect(g.size).toBe(9);
    expect(g.has('c3')).toBe(false);
    expect((await g.search(vecs[9] as Float32Array))[0]?.customerId).toBe('c9'); // c9 moved into row 3
    expect((await g.search(vecs[3] as Float32Array))[0]?.customerId).not.toBe('c3');
  });

  it('is versioned: replaces with newer entries, ignores stale ones, erasure beats a late stale add', async () => {
    const prng = new Prng(3);
    const g = make(32, 10);
    const a = unit(prng, 32);
    const b = unit(prng, 32);
    const v0 = g.version;
    expect(g.upsert('x', a, 5)).toBe(true);
    expect(g.upsert('x', b, 4)).toBe(false); // stale
    expect((await g.search(a))[0]?.score).toBeCloseTo(1, 2);
    expect(g.upsert('x', b, 6)).toBe(true);
    expect((await g.search(b))[0]?.score).toBeCloseTo(1, 2);
    expect(g.remove('x', 7)).toBe(true);
    expect(g.upsert('x', a, 6)).toBe(false); // the erasure (7) is newer than this enrolment
    expect(g.size).toBe(0);
    expect(g.upsert('x', a, 8)).toBe(true); // re-enrolment after erasure
    expect(g.version).toBe(v0 + 4);
  });

  it('is bounded: an add beyond sizeMax fails with E_GALLERY_FULL; replacing still works', () => {
    const prng = new Prng(4);
    const g = make(16, 3);
    for (let i = 0; i < 3; i++) g.upsert(`c${i}`, unit(prng, 16));
    expect(() => g.upsert('c3', unit(prng, 16))).toThrow(GalleryError);
    expect(() => g.upsert('c3', unit(prng, 16))).toThrow(/maximum of 3/);
    expect(g.upsert('c1', unit(prng, 16))).toBe(true);
  });

  it('rejects vectors of the wrong dimension and answers an empty search with no match', async () => {
    const g = make(16, 3);
    expect(() => g.upsert('a', new Float32Array(8))).toThrow(GalleryError);
    expect(() => g.upsert('a', new Float32Array(8))).toThrow(expect.objectContaining({ code: 'E_GALLERY_DIM', message: 'vector has 8 dims, gallery 16' }));
    await expect(g.search(new Float32Array(32).fill(0.25))).rejects.toMatchObject({ code: 'E_GALLERY_DIM' });
    expect(await g.search(new Float32Array(16).fill(0.25))).toEqual([]);
  });
});

describe('Gallery under concurrent change', () => {
  it('does not answer with an erased customer when the erasure lands during the search', async () => {
    const prng = new Prng(5);
    const g = make(64, 5000, 'f32');
    const vecs = Array.from({ length: 5000 }, () => unit(prng, 64));
    vecs.forEach((v, i) => g.upsert(`c${i}`, v));
    await g.search(vecs[0] as Float32Array); // session ready
    // The search is under way (awaiting onnxruntime) when sync erases the very customer it looks for.
    const pending = g.search(vecs[4999] as Float32Array, 1);
    g.remove('c4999');
    const [hit] = await pending;
    expect(hit?.customerId).toBeDefined();
    expect(hit?.customerId).not.toBe('c4999');
    expect(hit?.score ?? 1).toBeLessThan(0.9);
  });
});

/**
 * The face pipeline on real photos (../shared/data/faces) and crafted images:
 * each quality reason, and genuine versus impostor scores.
 */
import { readFileSync } from 'node:fs';
import { FACE_TEMPLATE } from '@tebura/contract';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadFacePipeline } from './pipeline.js';
import { useFacePipeline } from '../testing/use-face-pipeline.js';
import { dot } from './quality.js';

const FACES = new URL('../../../../shared/data/faces/', import.meta.url);
const photo = (rel: string): Buffer => readFileSync(new URL(rel, FACES));

const pipeline = useFacePipeline();

async function embedding(rel: string): Promise<Float32Array> {
  const r = await pipeline().embed(photo(rel));
  if (!r.ok) throw new Error(`${rel}: ${r.reason} ${r.detail ?? ''}`);
  return r.embedding;
}

describe('face pipeline: quality reasons', () => {
  it('a black image is TOO_DARK', async () => {
    const black = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } }).jpeg().toBuffer();
    const r = await pipeline().embed(black);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('TOO_DARK');
  });

  it('a bright image without a face is NO_FACE', async () => {
    const grey = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8a8a' } }).png().toBuffer();
    const r = await pipeline().embed(grey);
    expect(r).toMatchObject({ ok: false, reason: 'NO_FACE' });
  });

  it('a group photo is MULTIPLE_FACES', async () => {
    for (const f of ['set-a/_unlabelled/bbt1.jpg', 'set-a/_unlabelled/bbt4.jpg', 'set-c/_unlabelled/couple.jpg']) {
      const r = await pipeline().embed(photo(f));
      expect(r, f).toMatchObject({ ok: false, reason: 'MULTIPLE_FACES' });
    }
  });

  it('a face photographed from far away is FACE_TOO_SMALL', async () => {
    // One face in a large empty frame: the eyes end up a few pixels apart.
    const small = await sharp(photo('set-c/person_10/img46.jpg')).resize(48).toBuffer();
    const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#807060' } })
      .composite([{ input: small, left: 170, top: 160 }])
      .png()
      .toBuffer();
    const r = await pipeline().embed(big);
    expect(r).toMatchObject({ ok: false, reason: 'FACE_TOO_SMALL' });
  });

  it('a strongly blurred face is BLURRED', async () => {
    const blurred = await sharp(photo('set-c/person_01/img2.jpg')).blur(12).jpeg().toBuffer();
    const r = await pipeline().embed(blurred);
    expect(r).toMatchObject({ ok: false, reason: 'BLURRED' });
  });

  it('a face in a dim room is TOO_DARK', async () => {
    const dim = await sharp(photo('set-c/person_04/img13.jpg')).linear(0.12, 0).jpeg().toBuffer();
    const r = await pipeline().embed(dim);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['TOO_DARK', 'NO_FACE']).toContain(r.reason);
  });

  it('bytes that are not an image are LOW_QUALITY, not an exception', async () => {
    const r = await pipeline().embed(Buffer.from('definitely not a jpeg'));
    expect(r).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
  });

  it('a liveness score below the threshold is SPOOF_SUSPECTED', async () => {
    // No spoof photos are public here: this checks the wiring with an impossible threshold.
    const strict = await loadFacePipeline({ intraOpThreads: 1, thresholds: { livenessMin: 1.01 } });
    try {
      expect(await strict.embed(photo('set-c/person_02/img12.jpg'))).toMatchObject({ ok: false, reason: 'SPOOF_SUSPECTED' });
    } finally {
      await strict.close();
    }
  });
});

describe('face pipeline: embeddings on real photos', () => {
  it('opens a WEBP file named .jpg by content', async () => {
    const e = await embedding('set-c/person_03/img47.jpg');
    expect(e.length).toBe(pipeline().dim);
  });

  it('returns an L2-normalised embedding with its quality measures', async () => {
    const r = await pipeline().embed(photo('set-c/person_01/img1.jpg'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Math.abs(dot(r.embedding, r.embedding) - 1)).toBeLessThan(1e-4);
    // Template version 3: a lifted dlib descriptor, [x, 10] / |[x, 10]|, with |x| about 1.4.
    expect([pipeline().dim, pipeline().templateVersion, r.embedding.length]).toEqual([FACE_TEMPLATE.dim, FACE_TEMPLATE.version, FACE_TEMPLATE.dim]);
    const last = r.embedding[FACE_TEMPLATE.dim - 1] as number;
    const descriptorNorm = FACE_TEMPLATE.euclideanLift * Math.sqrt(1 / (last * last) - 1);
    expect(descriptorNorm).toBeGreaterThan(1.2);
    expect(descriptorNorm).toBeLessThan(1.7);
    expect(r.quality.detectorScore).toBeGreaterThan(0.6);
    expect(r.quality.eyeDistancePx).toBeGreaterThan(50);
  });

  it('scores each genuine pair above every impostor pair of its enrolment image (set-c)', async () => {
    const pairs: Array<[string, string]> = [
      ['person_01/img1.jpg', 'person_01/img2.jpg'],
      ['person_04/img13.jpg', 'person_04/img14.jpg'],
      ['person_10/img26.jpg', 'person_10/img42.jpg'],
      ['person_12/img34.jpg', 'person_12/img35.jpg'],
      ['person_05/img16.jpg', 'person_05/img17.jpg'],
    ];
    const emb = await Promise.all(pairs.map(async ([a, b]) => [await embedding(`set-c/${a}`), await embedding(`set-c/${b}`)] as const));
    const genuine = emb.map(([a, b]) => dot(a, b));
    const impostor: number[] = [];
    emb.forEach(([enrol], i) => {
      const worst = Math.max(...emb.filter((_, j) => j !== i).map(([, probe]) => dot(enrol, probe)));
      impostor.push(worst);
      expect(genuine[i], pairs[i]?.[0]).toBeGreaterThan(worst);
    });
    // Lifted scores: 0.9985 is a Euclidean distance of about 0.55, 0.998 about 0.64.
    expect(Math.min(...genuine)).toBeGreaterThan(0.9985);
    expect(Math.max(...impostor)).toBeLessThan(0.998);
  });
});

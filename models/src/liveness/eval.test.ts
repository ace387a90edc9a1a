/**
 * Liveness on real photos (../shared/data/faces): the live false-reject rate at
 * the configured threshold, and the SYNTHETIC attack generator.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useFacePipeline } from '../testing/use-face-pipeline.js';
import { decodeImage } from '../face/image.js';
import { synthesiseAttack } from './attacks.js';
import { formatLivenessReport, livenessEval } from './eval.js';

const FACES = (rel: string): string => fileURLToPath(new URL(`../../../../shared/data/faces/${rel}`, import.meta.url));

const pipeline = useFacePipeline();

describe('liveness on live photos', () => {
  it('rejects no more than 1 % of the 101 labelled live photos of set-a and set-c as spoofs', async () => {
    const r = await livenessEval({ dirs: [FACES('set-a'), FACES('set-c')], attacks: [], pipeline: pipeline() });
    expect(r.live.images).toBe(101);
    // Every photo reaches the liveness check (no quality gate stops a labelled photo first).
    expect(r.live.livenessScores.n).toBe(101);
    expect(r.live.falseRejectRate).toBeLessThanOrEqual(0.01);
    expect(r.livenessMin).toBe(0.2);
    expect(formatLivenessReport(r)).toMatch(/false-reject rate 0\.0 %/);
  }, 180_000);
});

describe('synthetic presentation attacks', () => {
  const photo = readFileSync(FACES('set-c/person_01/img1.jpg'));

  it('are deterministic per seed and differ between seeds and kinds', async () => {
    const a = await synthesiseAttack(photo, 'screen', 7);
    expect((await synthesiseAttack(photo, 'screen', 7)).equals(a)).toBe(true);
    expect((await synthesiseAttack(photo, 'screen', 8)).equals(a)).toBe(false);
    expect((await synthesiseAttack(photo, 'print', 7)).equals(a)).toBe(false);
  });

  it('frame a print in paper and a screen in its bezel, and keep a recapture the same size', async () => {
    const src = await decodeImage(photo);
    const print = await decodeImage(await synthesiseAttack(photo, 'print', 1));
    const screen = await decodeImage(await synthesiseAttack(photo, 'screen', 1));
    const recapture = await decodeImage(await synthesiseAttack(photo, 'recapture', 1));
    // Middle column: this photo is portrait, so borders are fractions of its height.
    const at = (img: typeof src, fy: number): number[] => {
      const i = 3 * (Math.floor(fy * img.height) * img.width + Math.floor(img.width / 2));
      return Array.from(img.data.subarray(i, i + 3));
    };
    expect(src.height).toBeGreaterThan(src.width);
    expect(Math.max(...at(screen, (0.2 + 0.025) / 1.5))).toBeLessThan(50); // black bezel
    expect(Math.min(...at(print, (0.25 + 0.03) / 1.62))).toBeGreaterThan(190); // white paper margin
    expect(Array.from(print.data.subarray(0, 3))).toEqual([92, 88, 80].map((v) => expect.closeTo(v, -1)));
    expect([recapture.width, recapture.height]).toEqual([src.width, src.height]);
  });

  it('pass through the whole pipeline and are counted per kind', async () => {
    const r = await livenessEval({ dirs: [FACES('set-a')], attacks: ['recapture'], pipeline: pipeline() });
    expect(r.attacks).toHaveLength(1);
    expect(r.attacks[0]).toMatchObject({ kind: 'recapture', images: 40 });
    const a = r.attacks[0]!;
    expect(a.accepted + a.spoofSuspected + Object.values(a.otherDenials).reduce((s, n) => s + n, 0)).toBe(40);
    expect(r.sweep.map((p) => p.livenessMin)).toEqual([0.2, 0.5, 0.8, 0.9, 0.95, 0.99]);
    expect(r.aucLiveAboveAttack).toBeGreaterThanOrEqual(0);
    expect(r.aucLiveAboveAttack).toBeLessThanOrEqual(1);
  }, 180_000);
});

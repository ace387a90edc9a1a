/** Second-pass keypoints on real photos (../shared/data/faces) and on a frame with no face. */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS_DIR, ensureModels } from '../build.js';
import { loadModel, type LoadedModel } from '../runtime.js';
import { eyeDistancePx } from './align.js';
import { detectFaces, type FaceBox } from './detect.js';
import { decodeImage } from './image.js';
import { refineCrop, refineKeypoints } from './refine.js';

const FACES = new URL('../../../../shared/data/faces/', import.meta.url);

let detector: LoadedModel;
beforeAll(async () => {
  await ensureModels({ outDir: DEFAULT_MODELS_DIR, only: ['blazeface'] });
  detector = await loadModel('blazeface', { dir: DEFAULT_MODELS_DIR, intraOpThreads: 1 });
}, 120_000);
afterAll(async () => {
  await detector.close();
});

const box = (x: number, y: number, w: number): FaceBox => ({ x, y, width: w, height: w, score: 0.9, keypoints: [[x + 0.3 * w, y + 0.4 * w], [x + 0.7 * w, y + 0.4 * w], [x + 0.5 * w, y + 0.6 * w], [x + 0.5 * w, y + 0.8 * w], [x, y + 0.5 * w], [x + w, y + 0.5 * w]] });

describe('refineCrop', () => {
  it('takes a square of twice the face box, centred on it', () => {
    expect(refineCrop({ data: new Uint8Array(0), width: 800, height: 600 }, box(300, 200, 100))).toEqual({ left: 250, top: 150, width: 200, height: 200 });
  });

  it('clips to the image at its edges and never goes empty', () => {
    const img = { data: new Uint8Array(0), width: 150, height: 150 };
    expect(refineCrop(img, box(-20, 10, 150))).toEqual({ left: 0, top: 0, width: 150, height: 150 });
    expect(refineCrop(img, box(400, 400, 10))).toMatchObject({ left: 149, top: 149, width: 1, height: 1 });
  });
});

describe('refineKeypoints', () => {
  it('moves each keypoint of a full photo by a fraction of the eye distance, not to another face', async () => {
    for (const f of ['set-c/person_01/img1.jpg', 'set-c/person_10/img46.jpg', 'set-a/sheldon/sheldon1.png']) {
      const img = await decodeImage(readFileSync(new URL(f, FACES)));
      const face = (await detectFaces(detector, img, { scoreMin: 0.6, iouMax: 0.3 }, 0.5)).sort((a, b) => b.width - a.width)[0];
      if (!face) throw new Error(`${f}: no face`);
      const refined = await refineKeypoints(detector, img, face);
      const eyes = eyeDistancePx(face.keypoints);
      expect(refined).toHaveLength(6);
      refined.slice(0, 4).forEach(([x, y], i) => {
        const [x0, y0] = face.keypoints[i] as [number, number];
        expect(Math.hypot(x - x0, y - y0), `${f} keypoint ${i}`).toBeLessThan(0.25 * eyes);
      });
    }
  });

  it('keeps the first pass keypoints when the crop shows no face', async () => {
    const grey = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#8a8a8a' } }).raw().toBuffer();
    const face = box(150, 150, 100);
    const kp = await refineKeypoints(detector, { data: new Uint8Array(grey), width: 400, height: 400 }, face);
    expect(kp).toEqual(face.keypoints);
  });
});

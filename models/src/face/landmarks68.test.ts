/** face-api's descriptor preprocessing (landmarks68.ts) against its TFJS ops and its alignDlib arithmetic. */
import { describe, expect, it } from 'vitest';
import { tfCpu } from '../testing/tfjs-reference.js';
import type { Point } from './detect.js';
import type { RgbImage } from './image.js';
import { clipBox, dlibChipBox, squareChip } from './landmarks68.js';

function image(width: number, height: number, seed = 3): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: width * height * 3 }, () => {
    s = (s * 16807) % 2147483647;
    return s % 256;
  });
  return { data, width, height };
}

describe('dlib chip preprocessing', () => {
  it('clips a box to the image and floors it, as face-api Box.clipAtImageBorders', () => {
    expect(clipBox({ x: -3.5, y: 2.7, width: 20, height: 200 }, 100, 50)).toEqual({ x: 0, y: 2, width: 16, height: 47 });
  });

  it('squareChip equals face-api: slice, padToSquare (centred), tf.image.resizeBilinear', async () => {
    const tf = await tfCpu();
    const img = image(40, 30);
    for (const box of [{ x: 3, y: 2, width: 25, height: 17 }, { x: 10, y: 0, width: 12, height: 29 }, { x: 0, y: 0, width: 40, height: 30 }]) {
      for (const size of [112, 150, 8]) {
        const ours = squareChip(img, box, size).data;
        const ref = tf.tidy(() => {
          const { height: h, width: w } = box;
          const t = tf.slice3d(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'), [box.y, box.x, 0], [h, w, 3]).toFloat();
          // padToSquare(centred): round(diff / 2) zeros after, the rest before, on the short axis.
          const diff = Math.abs(w - h);
          const after = Math.round(diff / 2);
          const short: [number, number] = [diff - after, after];
          const sq = tf.pad(t, h > w ? [[0, 0], short, [0, 0]] : [short, [0, 0], [0, 0]]);
          return tf.image.resizeBilinear(sq as Parameters<typeof tf.image.resizeBilinear>[0], [size, size], false, false).dataSync();
        });
        let m = 0;
        for (let i = 0; i < ours.length; i++) m = Math.max(m, Math.abs((ours[i] as number) - (ref[i] as number)));
        expect(m, `${JSON.stringify(box)} -> ${size}`).toBeLessThan(1e-3);
      }
    }
  });

  it('dlibChipBox: side = eye-to-mouth distance / 0.45, centred at (0.5, 0.43) of it on the three centres', () => {
    const pts: Point[] = Array.from({ length: 68 }, () => [0, 0]);
    for (let i = 36; i < 42; i++) pts[i] = [100, 100]; // one eye
    for (let i = 42; i < 48; i++) pts[i] = [140, 100]; // the other
    for (let i = 48; i < 68; i++) pts[i] = [120, 145]; // mouth
    const d = Math.hypot(20, 45);
    const size = Math.floor(d / 0.45);
    const cy = (100 + 100 + 145) / 3;
    expect(dlibChipBox(pts, 640, 480)).toEqual({ x: Math.floor(120 - 0.5 * size), y: Math.floor(cy - 0.43 * size), width: size, height: size });
    // Near the top-left corner the box is moved inside, not shrunk (face-api's Math.max(0, ...)).
    const shifted = pts.map(([x, y]): Point => [x - 90, y - 90]);
    expect(dlibChipBox(shifted, 640, 480)).toMatchObject({ x: 0, y: 0, width: size, height: size });
  });
});

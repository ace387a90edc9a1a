/**
 * face-api's descriptor preprocessing, reproduced for the dlib ResNet: 68 landmarks
 * from its FaceLandmark68Net on the detection box, then the box face-api's
 * `FaceLandmarks.align({ useDlibAlignment: true })` derives from them (no rotation),
 * cropped, zero-padded to a centred square and resized to 150 px. Each step follows
 * face-api's source (src/classes/FaceLandmarks.ts, src/dom/extractFaceTensors.ts,
 * src/ops/padToSquare.ts, tf.image.resizeBilinear without corner alignment): the
 * model was measured with that chip and separates far worse with our 5-point one
 * (docs/identity.md).
 */
import { DLIB_INPUT_SIZE } from '../onnx/dlib-resnet.js';
import { LANDMARK68_INPUT_SIZE } from '../onnx/face-landmark-68.js';
import type { LoadedModel } from '../runtime.js';
import type { Point } from './detect.js';
import type { RgbImage } from './image.js';

/** face-api's alignDlib constants: chip side = eye-to-mouth distance / 0.45, centre at (0.5, 0.43). */
const DLIB_REL_X = 0.5;
const DLIB_REL_Y = 0.43;
const DLIB_REL_SCALE = 0.45;

export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** face-api's Box.clipAtImageBorders: clipped to the image, then every field floored. */
export function clipBox(b: PixelBox, imgWidth: number, imgHeight: number): PixelBox {
  const x = Math.max(b.x, 0);
  const y = Math.max(b.y, 0);
  const width = Math.min(b.x + b.width - x, imgWidth - x);
  const height = Math.min(b.y + b.height - y, imgHeight - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(width), height: Math.floor(height) };
}

/**
 * The clipped box's pixels zero-padded to a centred square (the odd pixel of padding
 * goes after) and resized to `size` with tf.image.resizeBilinear's sampling
 * (source = destination * in / out, no half-pixel offset). NHWC RGB 0..255.
 * Also returns the square's side.
 */
export function squareChip(img: RgbImage, box: PixelBox, size: number): { data: Float32Array; side: number } {
  const { x, y, width: w, height: h } = box;
  const side = Math.max(w, h);
  const diff = Math.abs(w - h);
  const before = diff - Math.round(diff / 2);
  const padX = w < h ? before : 0;
  const padY = h < w ? before : 0;
  const out = new Float32Array(size * size * 3);
  const scale = side / size;
  const sample = (sy: number, sx: number, ch: number): number => {
    const ix = sx - padX;
    const iy = sy - padY;
    if (ix < 0 || iy < 0 || ix >= w || iy >= h) return 0;
    return img.data[3 * ((y + iy) * img.width + x + ix) + ch] as number;
  };
  for (let oy = 0; oy < size; oy++) {
    const fy = oy * scale;
    const y0 = Math.floor(fy);
    const y1 = Math.min(side - 1, Math.ceil(fy));
    const dy = fy - y0;
    for (let ox = 0; ox < size; ox++) {
      const fx = ox * scale;
      const x0 = Math.floor(fx);
      const x1 = Math.min(side - 1, Math.ceil(fx));
      const dx = fx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const top = sample(y0, x0, ch) + (sample(y0, x1, ch) - sample(y0, x0, ch)) * dx;
        const bottom = sample(y1, x0, ch) + (sample(y1, x1, ch) - sample(y1, x0, ch)) * dx;
        out[3 * (oy * size + ox) + ch] = top + (bottom - top) * dy;
      }
    }
  }
  return { data: out, side };
}

/** 68 landmarks in image pixels from the face-landmark-68 model run on the (clipped) detection box. */
export async function landmarks68(model: LoadedModel, img: RgbImage, detection: PixelBox): Promise<Point[]> {
  const box = clipBox(detection, img.width, img.height);
  const chip = squareChip(img, box, LANDMARK68_INPUT_SIZE);
  const out = (await model.run(chip.data))['landmarks']?.data;
  if (!out || out.length !== 136) throw new Error(`face-landmark-68 answered ${out?.length ?? 0} values, expected 136`);
  // Output is a fraction of the padded square. face-api's postProcess takes the
  // padding as exactly half the difference, not the whole pixels it padded with.
  const offX = box.width < box.height ? (box.height - box.width) / 2 : 0;
  const offY = box.height < box.width ? (box.width - box.height) / 2 : 0;
  const pts: Point[] = [];
  for (let i = 0; i < 68; i++) pts.push([box.x + (out[2 * i] as number) * chip.side - offX, box.y + (out[2 * i + 1] as number) * chip.side - offY]);
  return pts;
}

const centre = (pts: readonly Point[]): Point => {
  const s = pts.reduce<Point>((a, p) => [a[0] + p[0], a[1] + p[1]], [0, 0]);
  return [s[0] / pts.length, s[1] / pts.length];
};

/** face-api's alignDlib box: eyes (36-41, 42-47) and mouth (48-67) centres set its size and place; no rotation. */
export function dlibChipBox(pts: readonly Point[], imgWidth: number, imgHeight: number): PixelBox {
  const refs = [centre(pts.slice(36, 42)), centre(pts.slice(42, 48)), centre(pts.slice(48, 68))] as const;
  const [le, re, mouth] = refs;
  const dist = (a: Point): number => Math.hypot(mouth[0] - a[0], mouth[1] - a[1]);
  const size = Math.floor((dist(le) + dist(re)) / 2 / DLIB_REL_SCALE);
  const ref = centre(refs);
  const x = Math.floor(Math.max(0, ref[0] - DLIB_REL_X * size));
  const y = Math.floor(Math.max(0, ref[1] - DLIB_REL_Y * size));
  return { x, y, width: Math.min(size, imgWidth + x), height: Math.min(size, imgHeight + y) };
}

/** The dlib ResNet's 150 px input for the face in `detection`, as face-api would crop it. */
export async function dlibChip(landmarkModel: LoadedModel, img: RgbImage, detection: PixelBox): Promise<Float32Array> {
  const pts = await landmarks68(landmarkModel, img, detection);
  const box = clipBox(dlibChipBox(pts, img.width, img.height), img.width, img.height);
  if (box.width < 1 || box.height < 1) throw new Error('dlib chip box lies outside the image');
  return squareChip(img, box, DLIB_INPUT_SIZE).data;
}

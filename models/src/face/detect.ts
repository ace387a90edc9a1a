/**
 * BlazeFace (MediaPipe back-camera model, 256x256) decoding: anchors, boxes, six
 * keypoints, non-maximum suppression. Post-processing lives here in TypeScript,
 * not in the graph, as the converter cuts graphs before NMS.
 */
import sharp from 'sharp';
import type { LoadedModel } from '../runtime.js';
import type { RgbImage } from './image.js';

export const DETECTOR_INPUT_PX = 256;
/** Candidate boxes kept after NMS; a gate image never has more faces worth reporting. */
export const FACES_PER_IMAGE_MAX = 16;

export type Point = [number, number];
export interface FaceBox {
  /** Source-image pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** right eye, left eye (from the subject's view as MediaPipe names them), nose, mouth, right ear, left ear. */
  keypoints: Point[];
}

export interface DetectOptions {
  scoreMin: number;
  iouMax: number;
}

/** Anchor centres in input pixels: 16x16 grid with 2 anchors, then 8x8 with 6 (MediaPipe SSD config). */
function makeAnchors(size: number): Float32Array {
  const specs = [
    { stride: size / 16, count: 2 },
    { stride: size / 8, count: 6 },
  ];
  const out: number[] = [];
  for (const { stride, count } of specs) {
    const grid = Math.ceil(size / stride);
    for (let gy = 0; gy < grid; gy++)
      for (let gx = 0; gx < grid; gx++) for (let n = 0; n < count; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
  }
  return Float32Array.from(out);
}

const ANCHORS = makeAnchors(DETECTOR_INPUT_PX);
const ANCHOR_COUNT = ANCHORS.length / 2;

function iou(a: FaceBox, b: FaceBox): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Letterboxes the image into the detector's square input; returns the input and the scale used. */
async function letterbox(img: RgbImage, pad: number): Promise<{ input: Float32Array; scale: number; offset: number }> {
  // `pad` adds a black border (fraction of the longest side) so faces that fill the frame look like faces to an SSD.
  const side = Math.max(img.width, img.height) * (1 + 2 * pad);
  const scale = DETECTOR_INPUT_PX / side;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const offset = Math.round(pad * Math.max(img.width, img.height) * scale);
  const raw = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill' })
    .extend({ top: offset, left: offset, right: DETECTOR_INPUT_PX - w - offset, bottom: DETECTOR_INPUT_PX - h - offset, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  const input = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) input[i] = (raw[i] as number) / 127.5 - 1;
  return { input, scale, offset };
}

/** Splits BlazeFace's four outputs (512x1, 384x1, 512x16, 384x16) by size; they are not named usefully. */
function splitOutputs(out: Record<string, { data: Float32Array; dims: readonly number[] }>): { scores: Float32Array; boxes: Float32Array } {
  const list = Object.values(out).sort((a, b) => a.data.length - b.data.length);
  const [s384, s512, b384, b512] = list;
  if (!s384 || !s512 || !b384 || !b512 || s512.data.length !== 512 || b384.data.length !== 384 * 16) {
    throw new Error(`unexpected BlazeFace outputs: ${list.map((o) => o.dims.join('x')).join(', ')}`);
  }
  const scores = new Float32Array(ANCHOR_COUNT);
  scores.set(s512.data, 0);
  scores.set(s384.data, 512);
  const boxes = new Float32Array(ANCHOR_COUNT * 16);
  boxes.set(b512.data, 0);
  boxes.set(b384.data, 512 * 16);
  return { scores, boxes };
}

export async function detectFaces(model: LoadedModel, img: RgbImage, opts: DetectOptions, pad = 0): Promise<FaceBox[]> {
  const { input, scale, offset } = await letterbox(img, pad);
  const { scores, boxes } = splitOutputs(await model.run(input));
  const toSrc = (v: number): number => (v - offset) / scale;
  const cands: FaceBox[] = [];
  for (let i = 0; i < ANCHOR_COUNT; i++) {
    const score = 1 / (1 + Math.exp(-(scores[i] as number)));
    if (score < opts.scoreMin) continue;
    const ax = ANCHORS[2 * i] as number;
    const ay = ANCHORS[2 * i + 1] as number;
    const r = boxes.subarray(16 * i, 16 * i + 16);
    const cx = ax + (r[0] as number);
    const cy = ay + (r[1] as number);
    const w = r[2] as number;
    const h = r[3] as number;
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push([toSrc(ax + (r[4 + 2 * k] as number)), toSrc(ay + (r[5 + 2 * k] as number))]);
    cands.push({ x: toSrc(cx - w / 2), y: toSrc(cy - h / 2), width: w / scale, height: h / scale, score, keypoints });
  }
  cands.sort((a, b) => b.score - a.score);
  const kept: FaceBox[] = [];
  for (const c of cands) {
    if (kept.length >= FACES_PER_IMAGE_MAX) break;
    if (kept.every((k) => iou(k, c) <= opts.iouMax)) kept.push(c);
  }
  return kept;
}

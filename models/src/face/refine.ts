/**
 * Second-pass keypoints. On a full photo the first detection sees the face at a
 * few dozen pixels of BlazeFace's 256 px input (the whole image, letterboxed with
 * a 50 % border), so its eye/nose/mouth points are off by several source pixels,
 * which the alignment then bakes into the crop. Detecting again on a square crop
 * of twice the face box puts the face at ~85 px of the input; the keypoints from
 * that pass align the face more consistently (docs/identity.md: d' up on both
 * shared sets, set-a FNIR 37.5 -> 31.3 %) for one more BlazeFace run (about
 * 14 ms CPU, as much as the first pass).
 */
import sharp from 'sharp';
import type { LoadedModel } from '../runtime.js';
import { detectFaces, type FaceBox, type Point } from './detect.js';
import type { RgbImage } from './image.js';

/** Side of the re-detection crop, in face-box widths: 1.5 and 3 measured within one probe of 2. */
export const REFINE_CROP_BOX_RATIO = 2;
/** Border around the crop for the second pass: the face then fills about a third of the input. */
export const REFINE_PAD_FRACTION = 0.25;
/** The second pass may score lower than the first on a crop; below this it is not trusted. */
const REFINE_SCORE_MIN = 0.5;

/** The square crop around a face box, clipped to the image, in whole source pixels. */
export function refineCrop(img: RgbImage, face: FaceBox, boxRatio = REFINE_CROP_BOX_RATIO): { left: number; top: number; width: number; height: number } {
  const side = Math.max(face.width, face.height) * boxRatio;
  const left = Math.min(img.width - 1, Math.max(0, Math.round(face.x + face.width / 2 - side / 2)));
  const top = Math.min(img.height - 1, Math.max(0, Math.round(face.y + face.height / 2 - side / 2)));
  return { left, top, width: Math.max(1, Math.min(img.width - left, Math.round(side))), height: Math.max(1, Math.min(img.height - top, Math.round(side))) };
}

/**
 * Keypoints of `face` re-estimated on a crop around it, in source pixels. Falls
 * back to the first pass's keypoints when the crop shows no face (never seen on
 * the shared photos, but a detector can disagree with itself).
 */
export async function refineKeypoints(detector: LoadedModel, img: RgbImage, face: FaceBox): Promise<Point[]> {
  const c = refineCrop(img, face);
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).extract(c).raw().toBuffer();
  const sub: RgbImage = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: c.width, height: c.height };
  const found = await detectFaces(detector, sub, { scoreMin: REFINE_SCORE_MIN, iouMax: 0.3 }, REFINE_PAD_FRACTION);
  // The crop is centred on the face, so the widest detection is it (a neighbour's face is cut off at the edge).
  const main = found.sort((a, b) => b.width - a.width)[0];
  if (!main) return face.keypoints;
  return main.keypoints.map(([x, y]) => [x + c.left, y + c.top]);
}

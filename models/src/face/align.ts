/**
 * Face alignment: a least-squares similarity transform (rotation, uniform scale,
 * shift) from BlazeFace's eye, nose and mouth keypoints to a canonical template,
 * then a bilinear warp to the embedder's input size. Aligned crops make the same
 * face land on the same pixels whatever its roll and distance.
 */
import { warpAffine, type RgbImage } from './image.js';
import type { Point } from './detect.js';

/**
 * Canonical positions in a unit square: the ArcFace 5-point template (112 px)
 * with mouth corners averaged, in MediaPipe's order (image-left eye first).
 */
export const TEMPLATE_UNIT: readonly Point[] = [
  [38.2946 / 112, 51.6963 / 112],
  [73.5318 / 112, 51.5014 / 112],
  [56.0252 / 112, 71.7366 / 112],
  [56.1396 / 112, 92.2848 / 112],
];

export type Affine = [number, number, number, number, number, number];

/**
 * Least squares for src = [a -b; b a] * dst + t: maps template (output) pixels to
 * image pixels, which is the direction a backward warp needs.
 */
export function similarityFromTemplate(dst: readonly Point[], src: readonly Point[]): Affine {
  const n = dst.length;
  let mux = 0, muy = 0, msx = 0, msy = 0;
  for (let i = 0; i < n; i++) {
    const d = dst[i] as Point;
    const s = src[i] as Point;
    mux += d[0] / n; muy += d[1] / n; msx += s[0] / n; msy += s[1] / n;
  }
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (dst[i] as Point)[0] - mux, dy = (dst[i] as Point)[1] - muy;
    const sx = (src[i] as Point)[0] - msx, sy = (src[i] as Point)[1] - msy;
    num1 += dx * sx + dy * sy;
    num2 += dx * sy - dy * sx;
    den += dx * dx + dy * dy;
  }
  const a = den > 0 ? num1 / den : 1;
  const b = den > 0 ? num2 / den : 0;
  return [a, -b, msx - a * mux + b * muy, b, a, msy - b * mux - a * muy];
}

/** Template scaled to `size` px; zoom < 1 shows more context around the face. */
export function templatePx(size: number, zoom: number): Point[] {
  return TEMPLATE_UNIT.map(([x, y]) => [size * (0.5 + (x - 0.5) * zoom), size * (0.5 + (y - 0.5) * zoom)]);
}

/** The four alignment keypoints of a detection, eyes ordered left-to-right in the image. */
export function alignmentPoints(kp: readonly Point[]): Point[] {
  const [e1, e2, nose, mouth] = kp as [Point, Point, Point, Point];
  const [left, right] = e1[0] <= e2[0] ? [e1, e2] : [e2, e1];
  return [left, right, nose, mouth];
}

/** Aligned face crop, HWC float 0..255. */
export function alignFace(img: RgbImage, keypoints: readonly Point[], size: number, zoom: number): Float32Array {
  const m = similarityFromTemplate(templatePx(size, zoom), alignmentPoints(keypoints));
  return warpAffine(img, size, size, m);
}

/** Distance between the eyes in source pixels (the face-size measure used for FACE_TOO_SMALL). */
export function eyeDistancePx(keypoints: readonly Point[]): number {
  const [e1, e2] = keypoints as [Point, Point];
  return Math.hypot(e1[0] - e2[0], e1[1] - e2[1]);
}

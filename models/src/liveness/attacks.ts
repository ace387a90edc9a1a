/**
 * SYNTHETIC presentation attacks, made from genuine photos with sharp. No spoof
 * data set is available here, so this simulates what re-capturing a face shows
 * the gate camera, one physical cause per step:
 *
 * - `print`: a photo printed on paper and held up. Ink gamut (saturation and
 *   contrast compressed, blacks lifted by paper reflectance), a warm paper cast,
 *   the white margin of the sheet inside a background, and the camera's defocus
 *   on a flat sheet.
 * - `screen`: the photo shown on a phone or tablet. Moiré (the display's pixel
 *   grid beating with the camera's sensor grid: a sinusoidal grating at an
 *   angle), a cool backlight cast, a specular glare spot from the glass and the
 *   black bezel around the screen.
 * - `recapture`: a low-resolution copy re-shot: the face resampled down to a
 *   quarter and back up, blurred, and compressed hard (JPEG 40).
 *
 * These are models of attacks, not attacks: a real print or screen differs in
 * ways a few filters do not capture (paper texture, screen flicker, the hand
 * holding it, depth). Numbers from them are labelled synthetic everywhere.
 */
import sharp, { type Sharp } from 'sharp';
import { Prng } from '@tebura/contract';
import { decodeImage, type RgbImage } from '../face/image.js';

export type AttackKind = 'print' | 'screen' | 'recapture';
export const ATTACK_KINDS: readonly AttackKind[] = ['print', 'screen', 'recapture'];

const raw = (img: RgbImage) => sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
type Colour = { r: number; g: number; b: number };

/** An inner frame then an outer one; sharp keeps only the last extend() of a pipeline, so the first is materialised. */
async function framed(img: RgbImage, inner: number, innerColour: Colour, outer: number, outerColour: Colour): Promise<Sharp> {
  const e = (n: number, background: Colour) => ({ top: n, bottom: n, left: n, right: n, background });
  const { data, info } = await raw(img).extend(e(inner, innerColour)).raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).extend(e(outer, outerColour));
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Per-channel gain and offset, then saturation scaled about the pixel's luma. */
function tone(img: RgbImage, gain: readonly [number, number, number], offset: number, saturation: number): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i += 3) {
    const r = img.data[i] as number, g = img.data[i + 1] as number, b = img.data[i + 2] as number;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    out[i] = clamp(offset + gain[0] * (y + saturation * (r - y)));
    out[i + 1] = clamp(offset + gain[1] * (y + saturation * (g - y)));
    out[i + 2] = clamp(offset + gain[2] * (y + saturation * (b - y)));
  }
  return { ...img, data: out };
}

/** Moiré grating of `periodPx` at `angle` rad, contrast `depth`, plus a gaussian glare spot. */
function moireAndGlare(img: RgbImage, rng: Prng, depth: number): RgbImage {
  const angle = rng.next() * Math.PI;
  const periodPx = 3 + rng.next() * 4;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const gx = img.width * (0.2 + 0.6 * rng.next()), gy = img.height * (0.2 + 0.6 * rng.next());
  const gr = 0.15 * Math.max(img.width, img.height);
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const m = 1 + depth * Math.sin((2 * Math.PI * (c * x + s * y)) / periodPx);
      const glare = 110 * Math.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * gr * gr));
      const i = 3 * (y * img.width + x);
      for (let k = 0; k < 3; k++) out[i + k] = clamp((img.data[i + k] as number) * m + glare);
    }
  }
  return { ...img, data: out };
}

/** A synthetic attack image (JPEG bytes) from one genuine photo; deterministic for (photo, kind, seed). */
export async function synthesiseAttack(photo: Buffer, kind: AttackKind, seed: number): Promise<Buffer> {
  const rng = new Prng(seed).fork(kind);
  const img = await decodeImage(photo);
  const side = Math.max(img.width, img.height);
  if (kind === 'print') {
    // Black ink reflects ~15 %, warm paper ~90 %: 0..255 lands on 40..~230, blue lowest.
    const inked = tone(img, [0.78, 0.74, 0.64], 40, 0.65);
    const margin = Math.round(0.06 * side);
    const room = Math.round(0.25 * side);
    return (await framed(inked, margin, { r: 235, g: 228, b: 210 }, room, { r: 92, g: 88, b: 80 }))
      .blur(0.6 + 0.8 * rng.next())
      .jpeg({ quality: 85 })
      .toBuffer();
  }
  if (kind === 'screen') {
    const lit = moireAndGlare(tone(img, [0.9, 0.97, 1.12], 6, 0.9), rng, 0.12);
    const bezel = Math.round(0.05 * side);
    const room = Math.round(0.2 * side);
    return (await framed(lit, bezel, { r: 8, g: 8, b: 10 }, room, { r: 120, g: 115, b: 105 }))
      .blur(0.5)
      .jpeg({ quality: 85 })
      .toBuffer();
  }
  const small = await raw(img).resize(Math.max(8, Math.round(img.width / 4)), Math.max(8, Math.round(img.height / 4))).png().toBuffer();
  return sharp(small).resize(img.width, img.height, { kernel: 'cubic' }).blur(1.0).jpeg({ quality: 40 }).toBuffer();
}

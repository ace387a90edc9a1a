/**
 * Image decoding for the gate: bytes in (JPEG/PNG/WEBP, sniffed by content, not by
 * name), RGB pixels out, in memory only. Raw images are never written anywhere.
 */
import sharp from 'sharp';

/** Decoder refuses images above this many pixels (a 24 MP photo); bounds memory per request. */
export const IMAGE_PIXELS_MAX = 24_000_000;
/** Longest side after decode; detection runs at 256 px, so more only costs time. */
export const IMAGE_SIDE_PX_MAX = 800;

export interface RgbImage {
  /** Interleaved RGB, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export class ImageDecodeError extends Error {
  readonly code = 'E_IMAGE_DECODE';
}

/** Decodes, applies EXIF orientation, drops alpha, expands grey to RGB, caps size. */
export async function decodeImage(bytes: Buffer, sidePxMax = IMAGE_SIDE_PX_MAX): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: IMAGE_PIXELS_MAX, failOn: 'error' })
      .rotate()
      .resize({ width: sidePxMax, height: sidePxMax, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageDecodeError(`expected 3 channels after decode, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`cannot decode image: ${(e as Error).message}`);
  }
}

/** Mean luma (BT.601) over the whole image, 0..255. */
export function meanLuma(img: RgbImage): number {
  const d = img.data;
  let sum = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) sum += 0.299 * (d[3 * i] as number) + 0.587 * (d[3 * i + 1] as number) + 0.114 * (d[3 * i + 2] as number);
  return n > 0 ? sum / n : 0;
}

/**
 * Samples `src` through an affine map: output pixel (u, v) takes the source at
 * (a*u + b*v + c, d*u + e*v + f), bilinear, black outside. Returns HWC float 0..255.
 */
export function warpAffine(src: RgbImage, outW: number, outH: number, m: readonly [number, number, number, number, number, number]): Float32Array {
  const [a, b, c, d, e, f] = m;
  const out = new Float32Array(outW * outH * 3);
  const { width: W, height: H, data } = src;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      const x = a * u + b * v + c;
      const y = d * u + e * v + f;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const o = 3 * (v * outW + u);
      for (let k = 0; k < 3; k++) {
        let acc = 0;
        for (let j = 0; j < 2; j++) {
          const yy = y0 + j;
          if (yy < 0 || yy >= H) continue;
          const wy = j === 0 ? 1 - fy : fy;
          for (let i = 0; i < 2; i++) {
            const xx = x0 + i;
            if (xx < 0 || xx >= W) continue;
            const wx = i === 0 ? 1 - fx : fx;
            acc += wx * wy * (data[3 * (yy * W + xx) + k] as number);
          }
        }
        out[o + k] = acc;
      }
    }
  }
  return out;
}

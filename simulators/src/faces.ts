/**
 * Gate photos for face shoppers, read before the run (the engine is synchronous).
 * The mime type comes from the bytes, not the name: person_03/img47.jpg is a WEBP.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { FACE_IMAGE_B64_CHARS_MAX } from '@tebura/contract';
import type { FacePhoto } from './engine.js';
import type { ShopperIdentity } from './population.js';

/** Longest side of a photo we re-encode because it would not fit in one gate/entry message, px. */
const REENCODE_SIDE_PX_MAX = 1600;

export function sniffMime(buf: Uint8Array): FacePhoto['mime'] | null {
  if (buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) return 'image/png';
  if (Buffer.from(buf.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(buf.subarray(8, 12)).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** One photo as a gate camera would send it; photos too large for the contract are re-encoded as JPEG. */
export async function gatePhoto(path: string): Promise<FacePhoto> {
  let buf: Buffer = readFileSync(path);
  let mime = sniffMime(buf);
  if (mime === null || Math.ceil(buf.length / 3) * 4 > FACE_IMAGE_B64_CHARS_MAX) {
    buf = await sharp(buf).rotate().resize({ width: REENCODE_SIDE_PX_MAX, height: REENCODE_SIDE_PX_MAX, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 88 }).toBuffer();
    mime = 'image/jpeg';
  }
  return { mime, b64: buf.toString('base64') };
}

export async function loadFacePhotos(identities: readonly ShopperIdentity[]): Promise<Map<string, FacePhoto>> {
  const out = new Map<string, FacePhoto>();
  for (const id of identities) {
    if (id.method === 'face' && id.faceGatePhoto !== undefined) out.set(id.customerId, await gatePhoto(id.faceGatePhoto));
  }
  return out;
}

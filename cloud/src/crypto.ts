/** Biometric vectors at rest: AES-256-GCM, random 96-bit IV, stored as base64(iv | tag | ciphertext). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encryptVector(key: Buffer, v: Float32Array, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(Buffer.from(v.buffer, v.byteOffset, v.byteLength)), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

/** `aad` binds the ciphertext to its row (customer and kind), so rows cannot be swapped. */
export function decryptVector(key: Buffer, enc: string, aad: string): Float32Array {
  const raw = Buffer.from(enc, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  const plain = Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]);
  return new Float32Array(plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength));
}

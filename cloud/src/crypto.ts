/** Secrets at rest (biometric vectors, the token signing key): AES-256-GCM, random 96-bit IV, base64(iv | tag | ciphertext). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `aad` binds the ciphertext to its row (customer and kind, or key id), so rows cannot be swapped. */
export function encryptBytes(key: Buffer, plain: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function decryptBytes(key: Buffer, enc: string, aad: string): Buffer {
  const raw = Buffer.from(enc, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]);
}

export function encryptVector(key: Buffer, v: Float32Array, aad: string): string {
  return encryptBytes(key, Buffer.from(v.buffer, v.byteOffset, v.byteLength), aad);
}

export function decryptVector(key: Buffer, enc: string, aad: string): Float32Array {
  const plain = decryptBytes(key, enc, aad);
  return new Float32Array(plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength));
}

/**
 * App entry tokens: JWS ES256 with EntryTokenClaims. The key pair is made on
 * first start and kept in the database, so every cloud process signs with the
 * same key and the edge's cached JWKS stays valid across restarts. The
 * private key is stored encrypted with the same at-rest key as biometrics.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { ENTRY_TOKEN_ALG, type EntryTokenClaims } from '@tebura/contract';
import type { SqlDb } from '../db/sql.js';
import { decryptBytes, encryptBytes } from '../crypto.js';

type PrivateKey = Parameters<SignJWT['sign']>[0];

export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

export async function loadOrCreateSigningKey(db: SqlDb, secret: Buffer, now: number): Promise<SigningKey> {
  const select = 'SELECT kid, private_jwk, public_jwk FROM signing_keys WHERE alg = ? ORDER BY created_at, kid LIMIT 1';
  let row = (await db.all<{ kid: string; private_jwk: string; public_jwk: string }>(select, [ENTRY_TOKEN_ALG]))[0];
  if (row === undefined) {
    const pair = await generateKeyPair(ENTRY_TOKEN_ALG, { extractable: true });
    const kid = `k_${randomUUID()}`;
    await db.run('INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kid) DO NOTHING', [
      kid,
      ENTRY_TOKEN_ALG,
      encryptBytes(secret, Buffer.from(JSON.stringify(await exportJWK(pair.privateKey))), `signing-key:${kid}`),
      JSON.stringify(await exportJWK(pair.publicKey)),
      now,
    ]);
    // Another process may have made one first: everyone uses the oldest.
    row = (await db.all<{ kid: string; private_jwk: string; public_jwk: string }>(select, [ENTRY_TOKEN_ALG]))[0];
    if (row === undefined) throw new Error('signing key not persisted');
  }
  // Keys written before encryption at rest (plain JSON) still load, so older data dirs keep their tokens valid.
  const text = row.private_jwk.startsWith('{') ? row.private_jwk : decryptBytes(secret, row.private_jwk, `signing-key:${row.kid}`).toString('utf8');
  const jwk = JSON.parse(text) as JWK;
  const privateKey = (await importJWK(jwk, ENTRY_TOKEN_ALG)) as PrivateKey;
  return { kid: row.kid, privateKey, publicJwk: JSON.parse(row.public_jwk) as JWK };
}

export function jwksOf(key: SigningKey): { keys: JWK[] } {
  return { keys: [{ ...key.publicJwk, kid: key.kid, alg: ENTRY_TOKEN_ALG, use: 'sig' }] };
}

export async function issueEntryToken(key: SigningKey, customerId: string, storeId: string, nowMs: number, ttlS: number): Promise<{ token: string; expiresAt: number; jti: string }> {
  const iat = Math.floor(nowMs / 1000);
  const claims: EntryTokenClaims = { sub: customerId, store: storeId, jti: randomUUID(), iat, exp: iat + ttlS };
  const token = await new SignJWT({ store: claims.store })
    .setProtectedHeader({ alg: ENTRY_TOKEN_ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key.privateKey);
  return { token, expiresAt: claims.exp * 1000, jti: claims.jti };
}

/**
 * Customer credentials: the same key signs them, but with an audience entry
 * tokens do not carry, and without a `store` claim (so the edge's gate refuses
 * one as an entry token, and the cloud refuses an entry token as a credential).
 */
export const CUSTOMER_TOKEN_AUD = 'tebura-customer';

export async function issueCustomerToken(key: SigningKey, customerId: string, nowMs: number, ttlS: number): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(nowMs / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: ENTRY_TOKEN_ALG, kid: key.kid, typ: 'JWT' })
    .setAudience(CUSTOMER_TOKEN_AUD)
    .setSubject(customerId)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS)
    .sign(key.privateKey);
  return { token, expiresAt: (iat + ttlS) * 1000 };
}

const publicKeys = new WeakMap<SigningKey, Promise<Awaited<ReturnType<typeof importJWK>>>>();

/** The customer id of a valid, unexpired customer token; null for anything else (bad signature, entry token, expired). */
export async function verifyCustomerToken(key: SigningKey, token: string, nowMs: number): Promise<string | null> {
  let pub = publicKeys.get(key);
  if (pub === undefined) publicKeys.set(key, (pub = importJWK(key.publicJwk, ENTRY_TOKEN_ALG)));
  try {
    const { payload } = await jwtVerify(token, await pub, { audience: CUSTOMER_TOKEN_AUD, algorithms: [ENTRY_TOKEN_ALG], currentDate: new Date(nowMs) });
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null; // the reason is not told to the caller: 401 either way
  }
}

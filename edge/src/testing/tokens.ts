/** Entry-token keys and tokens for tests, made with jose as the cloud would. */
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface TestIssuer {
  jwks: { keys: JWK[] };
  sign(claims: { sub: string; store: string; jti: string; expS: number; iatS: number }): Promise<string>;
}

export async function testIssuer(kid = 'k1'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const key: CryptoKey = privateKey;
  return {
    jwks: { keys: [pub] },
    sign: (c) =>
      new SignJWT({ store: c.store })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(c.sub)
        .setJti(c.jti)
        .setIssuedAt(c.iatS)
        .setExpirationTime(c.expS)
        .sign(key),
  };
}

/**
 * Gate identity: a credential from a gate (app token, face image, palm template)
 * resolves to a customer or a denial with a stable reason code.
 */
import type { Credential } from '@tebura/contract';

export type DenyReason =
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_WRONG_STORE'
  | 'TOKEN_REUSED'
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'FACE_TOO_SMALL'
  | 'TOO_DARK'
  | 'BLURRED'
  | 'SPOOF_SUSPECTED'
  | 'LOW_QUALITY'
  | 'UNKNOWN_PERSON'
  | 'METHOD_NOT_SUPPORTED'
  | 'UNPAID_BALANCE'
  | 'OPEN_DISPUTE'
  | 'TOO_MANY_GUESTS'
  | 'INTERNAL_ERROR';

export type IdentityResult =
  | { ok: true; customerId: string; score: number }
  | { ok: false; reason: DenyReason; detail?: string };

export interface CredentialMatcher {
  readonly kind: Credential['kind'];
  /** Never throws for bad input: answers a denial with a reason. */
  identify(credential: Credential, ts: number): Promise<IdentityResult>;
}

/** A store's gallery entry as synced from the cloud (templates/embeddings only, never images). */
export interface GalleryEntry {
  customerId: string;
  kind: 'face' | 'palm';
  /** L2-normalised vector. */
  vector: Float32Array;
  version: number;
}

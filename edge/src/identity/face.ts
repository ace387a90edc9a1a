/**
 * Face at the gate: image -> embedding (models' face pipeline) -> 1:N search over
 * the store's gallery -> customer or a denial with a reason the gate can show.
 * The image is decoded in memory and dropped; only the decision leaves.
 */
import type { Credential } from '@tebura/contract';
import type { EmbedResult, Gallery } from '@tebura/models';
import type { CredentialMatcher, IdentityResult } from './api.js';

/**
 * Score threshold for face templates version 3 (contract FACE_TEMPLATE: dlib descriptor
 * of face-api's 68-landmark chip, flip-averaged, lifted so that the score is
 * 1 - d^2 / (2 (100 + |x|^2)) for Euclidean distance d), from `tebura identity eval` on
 * the shared photos: just above their highest impostor score (0.998343, set-c, about
 * d = 0.58; face-api's own cut-off d = 0.6 is about 0.99822), i.e. the lowest
 * threshold with FPIR <= 1e-3 there (docs/identity.md). Version 2 templates (faceres)
 * used 0.635, version 1 0.654.
 */
export const FACE_THRESHOLD_DEFAULT = 0.99835;

export interface FaceMatcherOptions {
  gallery: Gallery;
  /** The models' face pipeline (or anything with its embed()). */
  pipeline: { embed(image: Buffer): Promise<EmbedResult> };
  threshold?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function createFaceMatcher(opts: FaceMatcherOptions): CredentialMatcher {
  const threshold = opts.threshold ?? FACE_THRESHOLD_DEFAULT;
  return {
    kind: 'face',
    async identify(credential: Credential, _ts: number): Promise<IdentityResult> {
      if (credential.kind !== 'face') return { ok: false, reason: 'METHOD_NOT_SUPPORTED', detail: `face matcher got ${credential.kind}` };
      try {
        if (!BASE64.test(credential.imageB64)) return { ok: false, reason: 'LOW_QUALITY', detail: 'imageB64 is not base64' };
        const image = Buffer.from(credential.imageB64, 'base64');
        if (image.length === 0) return { ok: false, reason: 'LOW_QUALITY', detail: 'empty image' };
        const r = await opts.pipeline.embed(image);
        if (!r.ok) return r.detail !== undefined ? { ok: false, reason: r.reason, detail: r.detail } : { ok: false, reason: r.reason };
        if (r.embedding.length !== opts.gallery.dim) {
          // A pipeline of another template layout than the gallery's: refuse, never compare mismatched vectors.
          return { ok: false, reason: 'INTERNAL_ERROR', detail: `E_GALLERY_DIM: face template has ${r.embedding.length} values, the gallery ${opts.gallery.dim}` };
        }
        const [best] = await opts.gallery.search(r.embedding, 1);
        if (!best || best.score < threshold) {
          return { ok: false, reason: 'UNKNOWN_PERSON', detail: best ? `best score ${best.score.toFixed(5)} < ${threshold}` : 'gallery empty' };
        }
        return { ok: true, customerId: best.customerId, score: best.score };
      } catch (e) {
        return { ok: false, reason: 'INTERNAL_ERROR', detail: (e as Error).message };
      }
    },
  };
}

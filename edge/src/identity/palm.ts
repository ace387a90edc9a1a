/**
 * Palm at the gate. Palm-vein scanners (Fujitsu PalmSecure, Amazon One) hand the
 * host a template from their own SDK, never an image; no palm model or data set is
 * public, so the simulator makes templates with per-scan noise. We match 1:N by
 * cosine on L2-normalised templates against the store's gallery.
 */
import type { Credential } from '@tebura/contract';
import type { Gallery } from '@tebura/models';
import type { CredentialMatcher, IdentityResult } from './api.js';

/**
 * Random 128-D unit vectors reach ~0.5 cosine against the best of 1M others; a
 * scan with 0.05 noise per component still scores ~0.87 against its enrolment.
 */
export const PALM_THRESHOLD_DEFAULT = 0.7;
/** Scanner-reported quality below this is refused before matching (ask to scan again). */
export const PALM_QUALITY_MIN_DEFAULT = 0.3;

export interface PalmMatcherOptions {
  gallery: Gallery;
  threshold?: number;
  qualityMin?: number;
  /** Template formats this store's gallery was enrolled with; others cannot be compared. */
  formats?: readonly string[];
}

function normalised(template: readonly number[]): Float32Array | undefined {
  let s = 0;
  for (const x of template) {
    if (!Number.isFinite(x)) return undefined;
    s += x * x;
  }
  if (s === 0) return undefined;
  const n = Math.sqrt(s);
  return Float32Array.from(template, (x) => x / n);
}

export function createPalmMatcher(opts: PalmMatcherOptions): CredentialMatcher {
  const threshold = opts.threshold ?? PALM_THRESHOLD_DEFAULT;
  const qualityMin = opts.qualityMin ?? PALM_QUALITY_MIN_DEFAULT;
  return {
    kind: 'palm',
    async identify(credential: Credential, _ts: number): Promise<IdentityResult> {
      if (credential.kind !== 'palm') return { ok: false, reason: 'METHOD_NOT_SUPPORTED', detail: `palm matcher got ${credential.kind}` };
      try {
        if (opts.formats && !opts.formats.includes(credential.format)) {
          return { ok: false, reason: 'METHOD_NOT_SUPPORTED', detail: `template format ${credential.format} not enrolled here` };
        }
        if (!(credential.quality >= qualityMin)) return { ok: false, reason: 'LOW_QUALITY', detail: `scan quality ${credential.quality} < ${qualityMin}` };
        if (credential.template.length !== opts.gallery.dim) {
          return { ok: false, reason: 'LOW_QUALITY', detail: `template has ${credential.template.length} values, gallery ${opts.gallery.dim}` };
        }
        const v = normalised(credential.template);
        if (!v) return { ok: false, reason: 'LOW_QUALITY', detail: 'template is zero or not finite' };
        const [best] = await opts.gallery.search(v, 1);
        if (!best || best.score < threshold) {
          return { ok: false, reason: 'UNKNOWN_PERSON', detail: best ? `best score ${best.score.toFixed(3)} < ${threshold}` : 'gallery empty' };
        }
        return { ok: true, customerId: best.customerId, score: best.score };
      } catch (e) {
        return { ok: false, reason: 'INTERNAL_ERROR', detail: (e as Error).message };
      }
    },
  };
}

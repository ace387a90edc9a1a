/**
 * Layout of a face template as the gate, the edge gallery and the cloud exchange it.
 * Version 2: faceres run twice on the aligned 224 px crop (RGB 0..255, and BGR minus
 * the ImageNet mean as its upstream feeds it), each averaged with its mirror image and
 * L2-normalised, concatenated and scaled by 1/sqrt(2). The dot product of two templates
 * is then the mean of the two cosine scores (docs/identity.md). A template of any other
 * length is a different layout (version 1 was one 1024-D block) and is refused.
 */
export const FACE_TEMPLATE = Object.freeze({
  version: 2,
  layout: 'faceres-rgb255+faceres-bgr-caffe, flip-averaged, each L2, concat / sqrt(2)',
  /** Equal-length, individually unit-norm blocks (before the 1/sqrt(2) scale). */
  blocks: 2,
  blockDim: 1024,
  dim: 2048,
});

/**
 * Scales each block of `v` to norm 1/sqrt(blocks) (so the whole vector has norm 1 and a
 * dot product is the mean of the per-block cosines). Returns undefined for a zero block.
 */
export function normaliseBlocks(v: ArrayLike<number>, blocks: number): Float32Array | undefined {
  if (blocks < 1 || v.length % blocks !== 0) return undefined;
  const out = new Float32Array(v.length);
  const n = v.length / blocks;
  const scale = 1 / Math.sqrt(blocks);
  for (let b = 0; b < blocks; b++) {
    let s = 0;
    for (let i = b * n; i < (b + 1) * n; i++) s += (v[i] as number) ** 2;
    const norm = Math.sqrt(s);
    if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
    for (let i = b * n; i < (b + 1) * n; i++) out[i] = ((v[i] as number) / norm) * scale;
  }
  return out;
}

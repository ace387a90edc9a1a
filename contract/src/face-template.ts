/**
 * Layout of a face template as the gate, the edge gallery and the cloud exchange it.
 * Version 3: the dlib ResNet descriptor (128-D) of face-api's 68-landmark chip,
 * averaged with its mirror image's, with the constant 10 appended, L2-normalised. dlib
 * compares descriptors by Euclidean distance d; with the constant, the dot product of
 * two templates is 1 - d^2 / (2 (100 + |x|^2)), so the cosine gallery ranks and
 * thresholds by d (docs/identity.md). One block, so the cloud's mean of several
 * enrolment photos is renormalised whole. A template of any other length is a
 * different layout (version 2 was two 1024-D faceres blocks) and is refused.
 */
export const FACE_TEMPLATE = Object.freeze({
  version: 3,
  layout: 'dlib-resnet on the face-api 68-landmark chip, flip-averaged, [descriptor, 10], L2',
  /** Equal-length, individually unit-norm blocks (before the 1/sqrt(blocks) scale). */
  blocks: 1,
  blockDim: 129,
  dim: 129,
  /** The constant appended to the descriptor (see above). */
  euclideanLift: 10,
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

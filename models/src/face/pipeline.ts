/**
 * The gate's face pipeline: decode (sharp, in memory) -> BlazeFace detection ->
 * keypoint alignment -> quality checks -> passive liveness -> embedding.
 * Every failure is an answer with a stable reason, never an exception, so the
 * gate can tell the shopper what to fix. Images are never written anywhere.
 */
import { FACE_TEMPLATE, normaliseBlocks } from '@tebura/contract';
import { DEFAULT_MODELS_DIR, ensureModels } from '../build.js';
import { loadModel, type LoadedModel } from '../runtime.js';
import { alignFace, eyeDistancePx } from './align.js';
import { detectFaces, type FaceBox, type Point } from './detect.js';
import { dlibChip } from './landmarks68.js';
import { decodeImage, meanLuma, ImageDecodeError, type RgbImage } from './image.js';
import { RunGate } from './gate.js';
import { refineKeypoints } from './refine.js';
import { laplacianVariance, lumaPlane, mean } from './quality.js';

export type FaceDenyReason = 'NO_FACE' | 'MULTIPLE_FACES' | 'FACE_TOO_SMALL' | 'TOO_DARK' | 'BLURRED' | 'SPOOF_SUSPECTED' | 'LOW_QUALITY' | 'INTERNAL_ERROR';
export type FaceEmbedder = 'faceres' | 'dlib-resnet' | 'dlib-68';

export interface FaceQuality {
  detectorScore: number;
  eyeDistancePx: number;
  /** Mean luma of the aligned face, 0..255. */
  faceLuma: number;
  /** Laplacian variance of the aligned 112 px face. */
  sharpness: number;
  /** Liveness model's live probability, 0..1. */
  liveness: number;
  faces: number;
}

export type EmbedResult =
  | { ok: true; embedding: Float32Array; quality: FaceQuality }
  | { ok: false; reason: FaceDenyReason; detail?: string; quality?: Partial<FaceQuality> };

/** Calibrated on /work/shared/data/faces (see docs/identity.md): every genuine photo passes each gate. */
export interface FaceThresholds {
  detectorScoreMin: number;
  /** A second face this confident... */
  otherFaceScoreMin: number;
  /** ...and at least this wide relative to the main face means several people at the gate. */
  otherFaceSizeRatioMin: number;
  eyeDistancePxMin: number;
  imageLumaMin: number;
  faceLumaMin: number;
  sharpnessMin: number;
  livenessMin: number;
}

export const DEFAULT_FACE_THRESHOLDS: Readonly<FaceThresholds> = Object.freeze({
  detectorScoreMin: 0.6,
  otherFaceScoreMin: 0.7,
  otherFaceSizeRatioMin: 0.5,
  eyeDistancePxMin: 20,
  imageLumaMin: 25,
  faceLumaMin: 35,
  sharpnessMin: 120,
  livenessMin: 0.2,
});

export interface FacePipelineOptions {
  modelsDir?: string;
  /**
   * Chosen by measurement (docs/identity.md): dlib-68 (template version 3) separates the
   * shared photos best; faceres is template version 2, dlib-resnet on our 5-point crop is
   * the older, weaker use of the same dlib model. Only dlib-68 makes contract templates.
   */
  embedder?: FaceEmbedder;
  /** Average the embedding of the crop and its mirror image: halves FNIR at FPIR 1e-3 on set-c for one more inference. */
  flipAugment?: boolean;
  /** Re-detect on a crop around the face for finer alignment keypoints (refine.ts); default true. */
  refineKeypoints?: boolean;
  thresholds?: Partial<FaceThresholds>;
  intraOpThreads?: number;
  /** Longest image side after decode (default IMAGE_SIDE_PX_MAX). */
  imageSidePxMax?: number;
  /** Images processed at once (default 2, one per core). */
  inFlightMax?: number;
  /** Images waiting beyond those; more are refused at once with INTERNAL_ERROR "pipeline busy" (default 16). */
  queueLengthMax?: number;
}

export const IN_FLIGHT_MAX_DEFAULT = 2;
export const QUEUE_LENGTH_MAX_DEFAULT = 16;

export interface FacePipeline {
  readonly embedder: FaceEmbedder;
  /** Template length: FACE_TEMPLATE.dim for dlib-68, the embedder's own layout otherwise. */
  readonly dim: number;
  /** Template layout version (contract FACE_TEMPLATE.version for dlib-68; 2 for faceres; 0 for dlib-resnet). */
  readonly templateVersion: number;
  readonly thresholds: Readonly<FaceThresholds>;
  embed(image: Buffer): Promise<EmbedResult>;
  close(): Promise<void>;
}

/** Detection runs with a black border of this fraction around the image: tight crops then detect reliably. */
const DETECT_PAD_FRACTION = 0.5;
/**
 * An embedder runs once per input variant (each flip-averaged, then L2-normalised) and
 * the template is their concatenation scaled by 1/sqrt(variants): its dot product with
 * another template is the mean of the per-variant cosine scores. faceres gets RGB 0..255
 * (what @vladmandic/human feeds it) and BGR minus the ImageNet mean (what its upstream,
 * HSE_FaceRec_tf, feeds it): their mean score was the best faceres template (version 2,
 * docs/identity.md). dlib-68 has one variant and is compared by Euclidean distance (below).
 */
type InputVariant = (crop: Float32Array) => Float32Array;
const IMAGENET_MEAN_BGR = [103.939, 116.779, 123.68] as const;
const rgb255: InputVariant = (c) => c;
/** Channels reversed and the ImageNet mean subtracted ("caffe" preprocessing). */
export const bgrCaffe: InputVariant = (c) => {
  const o = new Float32Array(c.length);
  for (let i = 0; i < c.length; i += 3) {
    o[i] = (c[i + 2] as number) - IMAGENET_MEAN_BGR[0];
    o[i + 1] = (c[i + 1] as number) - IMAGENET_MEAN_BGR[1];
    o[i + 2] = (c[i] as number) - IMAGENET_MEAN_BGR[2];
  }
  return o;
};
interface EmbedderSpec {
  model: 'faceres' | 'dlib-resnet';
  size: number;
  zoom: number;
  output: string;
  /** Values per block of the template (with the lift constant, if any). */
  blockDim: number;
  variants: readonly InputVariant[];
  templateVersion: number;
  /** 'arcface': 5-point similarity warp (align.ts); 'dlib68': face-api's 68-landmark chip (landmarks68.ts). */
  chip: 'arcface' | 'dlib68';
  /** Euclidean descriptors: the mean of the runs with this constant appended (liftedTemplate). */
  lift?: number;
}
const EMBEDDERS: Readonly<Record<FaceEmbedder, EmbedderSpec>> = {
  // Template version 2 (two 1024-D blocks), before the dlib-68 chip.
  faceres: { model: 'faceres', size: 224, zoom: 1.0, output: 'global_pooling_Mean', blockDim: 1024, variants: [rgb255, bgrCaffe], templateVersion: 2, chip: 'arcface' },
  'dlib-resnet': { model: 'dlib-resnet', size: 150, zoom: 1.0, output: 'descriptor', blockDim: 128, variants: [rgb255], templateVersion: 0, chip: 'arcface' },
  'dlib-68': { model: 'dlib-resnet', size: 150, zoom: 1.0, output: 'descriptor', blockDim: FACE_TEMPLATE.blockDim, variants: [rgb255], templateVersion: FACE_TEMPLATE.version, chip: 'dlib68', lift: FACE_TEMPLATE.euclideanLift },
};

/**
 * The template from per-variant raw embeddings: each block L2-normalised and scaled by
 * 1/sqrt(blocks), so template . template = mean of the per-block cosines.
 * Undefined when a block is zero, not finite or of the wrong length.
 */
export function composeTemplate(blocks: readonly Float32Array[], blockDim: number): Float32Array | undefined {
  if (blocks.length === 0 || blocks.some((b) => b.length !== blockDim || b.some((v) => !Number.isFinite(v)))) return undefined;
  const all = new Float32Array(blocks.length * blockDim);
  blocks.forEach((b, i) => all.set(b, i * blockDim));
  return normaliseBlocks(all, blocks.length);
}
/**
 * Template version 3 from a dlib descriptor (already the mean of its runs): the lift
 * constant appended, then L2-normalised. Undefined if not finite.
 *
 * dlib's descriptors are compared by Euclidean distance (dlib, face-api: same person
 * below 0.6). Appending a constant c (FACE_TEMPLATE.euclideanLift, 10) and
 * L2-normalising makes the dot product of two templates 1 - d^2 / (2 (c^2 + |x|^2))
 * up to a term 1e-3 of that (descriptor norms are 1.3-1.5), so the cosine gallery
 * ranks and thresholds by Euclidean distance. A larger c would push the scores into
 * fp32 rounding (c = 100 moved a probe on the shared photos), a smaller one brings back
 * the norms (c = 1 behaves like the plain cosine).
 */
export function liftedTemplate(descriptor: Float32Array, lift: number): Float32Array | undefined {
  const v = new Float32Array(descriptor.length + 1);
  v.set(descriptor);
  v[descriptor.length] = lift;
  return composeTemplate([v], v.length);
}
const LIVENESS_SIZE_PX = 32;
const LIVENESS_ZOOM = 0.7;
const QUALITY_SIZE_PX = 112;

function mirror(c: Float32Array, size: number): Float32Array {
  const o = new Float32Array(c.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const s = 3 * (y * size + size - 1 - x);
      const d = 3 * (y * size + x);
      o[d] = c[s] as number;
      o[d + 1] = c[s + 1] as number;
      o[d + 2] = c[s + 2] as number;
    }
  return o;
}

/** Picks the main face or says why there is none usable. */
function mainFace(faces: FaceBox[], t: FaceThresholds): { face: FaceBox } | { reason: 'NO_FACE' | 'MULTIPLE_FACES'; detail: string } {
  const usable = faces.filter((f) => f.score >= t.detectorScoreMin).sort((a, b) => b.width - a.width);
  const main = usable[0];
  if (!main) return { reason: 'NO_FACE', detail: `no face scored >= ${t.detectorScoreMin}` };
  const others = usable.slice(1).filter((f) => f.score >= t.otherFaceScoreMin && f.width >= t.otherFaceSizeRatioMin * main.width);
  if (others.length > 0) return { reason: 'MULTIPLE_FACES', detail: `${others.length + 1} faces of similar size` };
  return { face: main };
}

interface AnalyseContext {
  detector: LoadedModel;
  /** face-landmark-68, loaded for the dlib-68 embedder only. */
  landmarks?: LoadedModel;
  embedModel: LoadedModel;
  liveness: LoadedModel;
  t: FaceThresholds;
  spec: (typeof EMBEDDERS)[FaceEmbedder];
  flip: boolean;
  refine: boolean;
}

/** Raw embedding of one input variant of the crop, summed with its mirror image's when asked (one more run). */
async function embedVariant(c: AnalyseContext, crop: Float32Array, variant: InputVariant): Promise<Float32Array> {
  const { spec } = c;
  const raw = Float32Array.from((await c.embedModel.run(variant(crop)))[spec.output]?.data ?? []);
  if (c.flip) {
    const m = (await c.embedModel.run(variant(mirror(crop, spec.size))))[spec.output]?.data ?? new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) raw[i] = (raw[i] as number) + (m[i] as number);
  }
  return raw;
}

/** The crop's template: one block per input variant (composeTemplate); undefined if a block is unusable. */
async function embedCrop(c: AnalyseContext, crop: Float32Array): Promise<Float32Array | undefined> {
  const blocks: Float32Array[] = [];
  for (const v of c.spec.variants) blocks.push(await embedVariant(c, crop, v));
  const { lift } = c.spec;
  if (lift === undefined) return composeTemplate(blocks, c.spec.blockDim);
  const runs = c.flip ? 2 : 1;
  const [sum] = blocks;
  return sum && blocks.length === 1 ? liftedTemplate(sum.map((v) => v / runs), lift) : undefined;
}

/** The embedder's input: face-api's chip from 68 landmarks on the detection box, or the 5-point warp. */
async function embedderCrop(c: AnalyseContext, img: RgbImage, face: FaceBox, kp: Point[]): Promise<Float32Array> {
  const { spec } = c;
  if (spec.chip === 'arcface') return alignFace(img, kp, spec.size, spec.zoom);
  if (!c.landmarks) throw new Error('face-landmark-68 not loaded');
  return dlibChip(c.landmarks, img, face);
}

/** Quality gates in order of cost, then the embedding; the first failing gate answers. */
async function analyse(c: AnalyseContext, img: RgbImage): Promise<EmbedResult> {
  const { t } = c;
  const imageLuma = meanLuma(img);
  if (imageLuma < t.imageLumaMin) return { ok: false, reason: 'TOO_DARK', detail: `image luma ${imageLuma.toFixed(0)} < ${t.imageLumaMin}` };
  const faces = await detectFaces(c.detector, img, { scoreMin: Math.min(t.detectorScoreMin, t.otherFaceScoreMin), iouMax: 0.3 }, DETECT_PAD_FRACTION);
  const pick = mainFace(faces, t);
  if (!('face' in pick)) return { ok: false, reason: pick.reason, detail: pick.detail, quality: { faces: faces.length } };
  const { face } = pick;
  const q: FaceQuality = { detectorScore: face.score, eyeDistancePx: eyeDistancePx(face.keypoints), faceLuma: 0, sharpness: 0, liveness: 0, faces: 1 };
  if (q.eyeDistancePx < t.eyeDistancePxMin) return { ok: false, reason: 'FACE_TOO_SMALL', detail: `eyes ${q.eyeDistancePx.toFixed(0)} px apart < ${t.eyeDistancePxMin}`, quality: q };
  // Size is judged on the first pass (its calibration); everything aligned uses the refined points.
  const kp = c.refine ? await refineKeypoints(c.detector, img, face) : face.keypoints;
  const luma = lumaPlane(alignFace(img, kp, QUALITY_SIZE_PX, 1), QUALITY_SIZE_PX);
  q.faceLuma = mean(luma);
  if (q.faceLuma < t.faceLumaMin) return { ok: false, reason: 'TOO_DARK', detail: `face luma ${q.faceLuma.toFixed(0)} < ${t.faceLumaMin}`, quality: q };
  q.sharpness = laplacianVariance(luma, QUALITY_SIZE_PX);
  if (q.sharpness < t.sharpnessMin) return { ok: false, reason: 'BLURRED', detail: `sharpness ${q.sharpness.toFixed(0)} < ${t.sharpnessMin}`, quality: q };
  const live = alignFace(img, kp, LIVENESS_SIZE_PX, LIVENESS_ZOOM).map((v) => v / 255);
  q.liveness = (await c.liveness.run(live))['Identity']?.data[0] ?? 0;
  if (q.liveness < t.livenessMin) return { ok: false, reason: 'SPOOF_SUSPECTED', detail: `liveness ${q.liveness.toFixed(2)} < ${t.livenessMin}`, quality: q };
  const template = await embedCrop(c, await embedderCrop(c, img, face, kp));
  if (template === undefined) return { ok: false, reason: 'INTERNAL_ERROR', detail: 'embedding not finite, zero or of the wrong length' };
  return { ok: true, embedding: template, quality: q };
}

/** Never throws: undecodable bytes are LOW_QUALITY, anything unexpected INTERNAL_ERROR. */
async function decodeAndAnalyse(ctx: AnalyseContext, image: Buffer, sidePxMax: number | undefined): Promise<EmbedResult> {
  let img: RgbImage;
  try {
    img = await decodeImage(image, sidePxMax);
  } catch (e) {
    const detail = e instanceof ImageDecodeError ? e.message : String(e);
    return { ok: false, reason: 'LOW_QUALITY', detail };
  }
  try {
    return await analyse(ctx, img);
  } catch (e) {
    return { ok: false, reason: 'INTERNAL_ERROR', detail: (e as Error).message };
  }
}

export async function loadFacePipeline(opts: FacePipelineOptions = {}): Promise<FacePipeline> {
  const dir = opts.modelsDir ?? DEFAULT_MODELS_DIR;
  const embedder = opts.embedder ?? 'dlib-68';
  const spec = EMBEDDERS[embedder];
  const flip = opts.flipAugment ?? true;
  const t: FaceThresholds = { ...DEFAULT_FACE_THRESHOLDS, ...opts.thresholds };
  await ensureModels({ outDir: dir, only: ['blazeface', spec.model, 'liveness', ...(spec.chip === 'dlib68' ? (['face-landmark-68'] as const) : [])] });
  const threads = opts.intraOpThreads !== undefined ? { intraOpThreads: opts.intraOpThreads } : {};
  const models: LoadedModel[] = [];
  const load = async (name: string): Promise<LoadedModel> => {
    const m = await loadModel(name, { dir, ...threads });
    models.push(m);
    return m;
  };
  try {
    const detector = await load('blazeface');
    const embedModel = await load(spec.model);
    const liveness = await load('liveness');
    const landmarks = spec.chip === 'dlib68' ? await load('face-landmark-68') : undefined;

    const ctx: AnalyseContext = { detector, embedModel, liveness, t, spec, flip, refine: opts.refineKeypoints ?? true, ...(landmarks ? { landmarks } : {}) };
    const gate = new RunGate(opts.inFlightMax ?? IN_FLIGHT_MAX_DEFAULT, opts.queueLengthMax ?? QUEUE_LENGTH_MAX_DEFAULT);

    return {
      embedder,
      dim: spec.blockDim * spec.variants.length,
      templateVersion: spec.templateVersion,
      thresholds: Object.freeze({ ...t }),
      embed(image: Buffer): Promise<EmbedResult> {
        return gate.run(
          () => decodeAndAnalyse(ctx, image, opts.imageSidePxMax),
          () => ({ ok: false, reason: 'INTERNAL_ERROR', detail: `pipeline busy: ${gate.inFlightMax} running, ${gate.queueLengthMax} queued` }),
        );
      },
      async close(): Promise<void> {
        await Promise.all(models.map((m) => m.close()));
      },
    };
  } catch (e) {
    await Promise.all(models.map((m) => m.close()));
    throw e;
  }
}

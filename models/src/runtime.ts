/**
 * Loads one ONNX model through its manifest: checks the file's sha256, checks the
 * session's input name against the manifest, runs one warm-up inference (first
 * runs allocate and are several times slower), then serves inferences.
 */
import * as ort from 'onnxruntime-node';
import { ManifestError, readManifest, readVerifiedModel, type ModelManifest } from './manifest.js';

/** onnxruntime threads per session: the gate box has 2 cores and runs other work too. */
export const INTRA_OP_THREADS_DEFAULT = 2;

/** onnxruntime session config entry `session.intra_op.allow_spinning = 0`. */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

export interface LoadedModel {
  readonly manifest: ModelManifest;
  /** Runs the model on one NHWC input of the manifest's shape; outputs by name. */
  run(input: Float32Array): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  close(): Promise<void>;
}

export interface LoadModelOptions {
  dir: string;
  intraOpThreads?: number;
}

export async function loadModel(name: string, opts: LoadModelOptions): Promise<LoadedModel> {
  const manifest = readManifest(opts.dir, name);
  const bytes = readVerifiedModel(opts.dir, manifest);
  const session = await ort.InferenceSession.create(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    intraOpNumThreads: opts.intraOpThreads ?? INTRA_OP_THREADS_DEFAULT,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle worker threads spin by default; on a 2-core box shared with the node that burns the other core.
    extra: NO_SPINNING,
  });
  if (!session.inputNames.includes(manifest.input.name)) {
    await session.release();
    throw new ManifestError(`model ${name}: session inputs ${session.inputNames.join(',')} lack manifest input ${manifest.input.name}`);
  }
  const shape = manifest.input.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const run = async (input: Float32Array): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> => {
    if (input.length !== size) throw new Error(`model ${name}: input has ${input.length} values, manifest shape ${shape.join('x')} needs ${size}`);
    const out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', input, shape) });
    const res: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [k, t] of Object.entries(out)) res[k] = { data: t.data as Float32Array, dims: t.dims };
    return res;
  };
  await run(new Float32Array(size));
  return { manifest, run, close: () => session.release() };
}

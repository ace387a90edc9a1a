/**
 * Reference inference with TFJS on the cpu backend, for converter parity tests only.
 * The runtime never loads TFJS: it is 100x slower than onnxruntime here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TfjsGraphModelJson } from '../onnx/tfjs-graph.js';
import { weightsFromManifest } from '../onnx/weights.js';

let backendReady: Promise<boolean> | undefined;

export async function tfCpu(): Promise<typeof tf> {
  backendReady ??= tf.setBackend('cpu');
  await backendReady;
  return tf;
}

/** TFJS on the cpu backend and a tensor getter over a face-api style weights manifest. */
export async function tfWeights(manifestPath: string): Promise<{ tf: typeof tf; t: (name: string) => tf.Tensor }> {
  const tfc = await tfCpu();
  const get = weightsFromManifest(manifestPath);
  const t = (name: string): tf.Tensor => {
    const w = get(name);
    return tfc.tensor(w.data as Float32Array, w.shape);
  };
  return { tf: tfc, t };
}

/** Loads a TFJS graph model from disk without fetch (file:// is not supported by tfjs in Node). */
export async function loadTfjsGraph(modelJsonPath: string): Promise<tf.GraphModel> {
  await tfCpu();
  const model = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as TfjsGraphModelJson & Record<string, unknown>;
  const dir = dirname(modelJsonPath);
  const specs = model.weightsManifest.flatMap((g) => g.weights);
  const buf = Buffer.concat(model.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const weightData = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: model.modelTopology,
        weightSpecs: specs as tf.io.WeightsManifestEntry[],
        weightData,
        format: model.format,
        signature: model.signature,
      } as tf.io.ModelArtifacts),
  });
}

/** Runs a graph model on one NHWC float input and returns the named outputs' data. */
export async function runTfjsGraph(model: tf.GraphModel, input: Float32Array, shape: number[], outputs: string[]): Promise<Float32Array[]> {
  const x = tf.tensor(input, shape);
  try {
    const res = (await model.executeAsync(x, outputs)) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(res) ? res : [res];
    const data = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(list);
    return data;
  } finally {
    x.dispose();
  }
}

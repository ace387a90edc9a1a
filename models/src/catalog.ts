/**
 * The models Tebura builds, where their weights come from (npm packages only),
 * and how each is fed. One entry per ONNX file; the manifest is derived from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelInputSpec, ModelOutputSpec, ModelTask } from './manifest.js';
import { convertTfjsGraph } from './onnx/tfjs-graph.js';
import { convertDlibResnet } from './onnx/dlib-resnet.js';
import { convertFaceLandmark68 } from './onnx/face-landmark-68.js';

export type ModelName = 'blazeface' | 'faceres' | 'dlib-resnet' | 'face-landmark-68' | 'antispoof' | 'liveness';

export interface CatalogEntry {
  name: ModelName;
  task: ModelTask;
  package: '@vladmandic/human' | '@vladmandic/face-api';
  /** Source files inside the package; the first is the model description the converter reads. */
  files: string[];
  licence: string;
  upstream: string;
  input: ModelInputSpec;
  outputs: ModelOutputSpec[];
  parityToleranceAbs: number;
  convert(mainFile: string, meta: Record<string, string>): Buffer;
}

/** Bumped whenever a converter's output changes, so stale builds are redone. */
export const CONVERTER_VERSION = 1;

const rgb = (name: string, size: number, scale: number, offset: number, note: string): ModelInputSpec => ({
  name,
  layout: 'NHWC',
  shape: [1, size, size, 3],
  pixelFormat: 'RGB',
  dtype: 'float32',
  normalisation: { scale, offset, note },
});

export const CATALOG: readonly CatalogEntry[] = Object.freeze([
  {
    name: 'blazeface',
    task: 'face-detection',
    package: '@vladmandic/human',
    files: ['models/blazeface.json', 'models/blazeface.bin'],
    licence: 'Apache-2.0 (MediaPipe BlazeFace back-camera model); packaging MIT (@vladmandic/human)',
    upstream: 'google/mediapipe face_detection_back via @vladmandic/human',
    input: rgb('input', 256, 1 / 127.5, -1, 'pixels to [-1, 1]'),
    outputs: [
      { name: 'Identity', description: 'scores or boxes of one anchor grid; identify the four outputs by size (512x1, 384x1, 512x16, 384x16)' },
      { name: 'Identity_1', description: 'see Identity' },
      { name: 'Identity_2', description: 'see Identity' },
      { name: 'Identity_3', description: 'see Identity' },
    ],
    parityToleranceAbs: 2e-3,
    convert: (f, meta) => convertTfjsGraph(f, { batch: 1, meta }),
  },
  {
    name: 'faceres',
    task: 'face-embedding',
    package: '@vladmandic/human',
    files: ['models/faceres.json', 'models/faceres.bin'],
    licence: 'upstream licence not verified (HSE-asavchenko/HSE_FaceRec_tf); packaging MIT (@vladmandic/human)',
    upstream: 'HSE_FaceRec_tf MobileNet face descriptor via @vladmandic/human',
    input: rgb('input_1', 224, 1, 0, 'raw 0..255, as human feeds it'),
    outputs: [{ name: 'global_pooling_Mean', description: '1024-D descriptor (not normalised)' }],
    parityToleranceAbs: 1e-4,
    convert: (f, meta) => convertTfjsGraph(f, { batch: 1, outputs: ['global_pooling/Mean'], meta }),
  },
  {
    name: 'dlib-resnet',
    task: 'face-embedding',
    package: '@vladmandic/face-api',
    files: ['model/face_recognition_model-weights_manifest.json', 'model/face_recognition_model.bin'],
    licence: 'dlib ResNet weights public domain (CC0, Davis King); port MIT (@vladmandic/face-api)',
    upstream: 'dlib_face_recognition_resnet_model_v1 via face-api.js',
    input: rgb('input', 150, 1, 0, 'raw 0..255; mean subtraction and /255 happen in-graph'),
    outputs: [{ name: 'descriptor', description: '128-D descriptor (not normalised)' }],
    parityToleranceAbs: 1e-4,
    convert: (f, meta) => convertDlibResnet(f, meta),
  },
  {
    name: 'face-landmark-68',
    task: 'face-landmarks',
    package: '@vladmandic/face-api',
    files: ['model/face_landmark_68_model-weights_manifest.json', 'model/face_landmark_68_model.bin'],
    licence: 'MIT as distributed with face-api.js (Vincent Muehler) and @vladmandic/face-api; training data licence not verified',
    upstream: 'face-api.js FaceLandmark68Net',
    input: rgb('input', 112, 1, 0, 'raw 0..255, face crop zero-padded to a centred square; mean subtraction and /255 happen in-graph'),
    outputs: [{ name: 'landmarks', description: '68 (x, y) pairs as fractions of the 112 px input' }],
    parityToleranceAbs: 1e-4,
    convert: (f, meta) => convertFaceLandmark68(f, meta),
  },
  {
    name: 'antispoof',
    task: 'face-antispoof',
    package: '@vladmandic/human',
    files: ['models/antispoof.json', 'models/antispoof.bin'],
    licence: 'upstream licence not verified; packaging MIT (@vladmandic/human)',
    upstream: 'human anti-spoofing CNN (face crop 128x128)',
    input: rgb('conv2d_input', 128, 1 / 255, 0, 'pixels to [0, 1]'),
    outputs: [{ name: 'Identity', description: 'real-face score in [0, 1]' }],
    parityToleranceAbs: 1e-5,
    convert: (f, meta) => convertTfjsGraph(f, { batch: 1, meta }),
  },
  {
    name: 'liveness',
    task: 'face-liveness',
    package: '@vladmandic/human',
    files: ['models/liveness.json', 'models/liveness.bin'],
    licence: 'upstream licence not verified; packaging MIT (@vladmandic/human)',
    upstream: 'human liveness CNN (face crop 32x32)',
    input: rgb('conv2d_1_input', 32, 1 / 255, 0, 'pixels to [0, 1]'),
    outputs: [{ name: 'Identity', description: 'softmax [live, not live] as human reads index 0' }],
    parityToleranceAbs: 1e-5,
    convert: (f, meta) => convertTfjsGraph(f, { batch: 1, meta }),
  },
]);

export function catalogEntry(name: ModelName): CatalogEntry {
  const e = CATALOG.find((c) => c.name === name);
  if (!e) throw new Error(`unknown model ${name}`);
  return e;
}

/** Finds an installed package's folder by walking node_modules upwards (exports maps hide package.json). */
export function packageDir(pkg: string, from = dirname(fileURLToPath(import.meta.url))): { dir: string; version: string } {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(candidate)) {
      const version = (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
      return { dir: dirname(candidate), version };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`npm package ${pkg} is not installed (run npm ci)`);
    dir = up;
  }
}

/**
 * face-api's FaceRecognitionNet (dlib's ResNet-29 face descriptor, 128-D) rebuilt
 * directly in ONNX: the npm package ships weights only, the graph lives in its
 * JavaScript. Each conv is followed by a per-channel scale layer (dlib's affine
 * layer); we fold it into the conv's weights and bias, exact up to fp32 rounding.
 * Input NHWC RGB 0..255 (like face-api); mean subtraction and /255 are in-graph.
 */
import { GraphBuilder, attr, hwioToOihw } from './builder.js';
import { weightsFromManifest } from './weights.js';

/** dlib's training-set mean (RGB), from face-api's normalize(). */
export const DLIB_MEAN_RGB = [122.782, 117.001, 104.298] as const;
export const DLIB_INPUT_SIZE = 150;

const outSize = (n: number, k: number, s: number): number => Math.ceil((n - k + 1) / s);

export function convertDlibResnet(manifestPath: string, meta: Record<string, string> = {}): Buffer {
  const get = weightsFromManifest(manifestPath);
  const g = new GraphBuilder('face_recognition_model');
  const size = DLIB_INPUT_SIZE;
  let hw = size;

  const conv = (x: string, p: string, stride: number, relu: boolean, pad: 'same' | 'valid'): string => {
    const f = get(`${p}/conv/filters`);
    const b = get(`${p}/conv/bias`).data;
    const s = get(`${p}/scale/weights`).data;
    const sb = get(`${p}/scale/biases`).data;
    const { data, dims } = hwioToOihw(f.data, f.shape, s);
    const bias = Array.from(b, (v, o) => v * (s[o] as number) + (sb[o] as number));
    const y = g.op('Conv', [x, g.initFloat(g.tmp('W'), dims, data), g.initFloat(g.tmp('B'), [bias.length], bias)], [
      attr.ints('strides', [stride, stride]),
      attr.ints('kernel_shape', [dims[2] ?? 1, dims[3] ?? 1]),
      pad === 'same' ? attr.str('auto_pad', 'SAME_UPPER') : attr.ints('pads', [0, 0, 0, 0]),
    ]);
    return relu ? g.op('Relu', [y]) : y;
  };
  const residual = (x: string, p: string): string =>
    g.op('Relu', [g.op('Add', [conv(conv(x, `${p}/conv1`, 1, true, 'same'), `${p}/conv2`, 1, false, 'same'), x])]);
  // Down-sampling block: the shortcut is a 2x2 average pool, zero-padded in channels
  // (and spatially when the strided conv comes out one smaller), as face-api does.
  const residualDown = (x: string, p: string, cin: number): string => {
    let out = conv(conv(x, `${p}/conv1`, 2, true, 'valid'), `${p}/conv2`, 1, false, 'same');
    const cout = get(`${p}/conv2/conv/filters`).shape[3] ?? cin;
    const convHW = outSize(hw, 3, 2);
    const poolHW = outSize(hw, 2, 2);
    if (convHW !== poolHW) out = g.op('Pad', [out, g.constInt64([0, 0, 0, 0, 0, 0, poolHW - convHW, poolHW - convHW])]);
    let pooled = g.op('AveragePool', [x], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
    if (cin !== cout) pooled = g.op('Pad', [pooled, g.constInt64([0, 0, 0, 0, 0, cout - cin, 0, 0])]);
    hw = poolHW;
    return g.op('Relu', [g.op('Add', [pooled, out])]);
  };

  g.addInput('input', [1, size, size, 3]);
  let x = g.op('Sub', ['input', g.constFloat([...DLIB_MEAN_RGB])]);
  x = g.op('Div', [x, g.constFloat([255], [])]);
  x = g.op('Transpose', [x], [attr.ints('perm', [0, 3, 1, 2])]);
  x = conv(x, 'conv32_down', 2, true, 'valid');
  hw = outSize(size, 7, 2);
  x = g.op('MaxPool', [x], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2])]);
  hw = outSize(hw, 3, 2);
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, p);
  x = residualDown(x, 'conv64_down', 32);
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, p);
  x = residualDown(x, 'conv128_down', 64);
  for (const p of ['conv128_1', 'conv128_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down', 128);
  for (const p of ['conv256_1', 'conv256_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down_out', 256);
  x = g.op('ReduceMean', [x], [attr.ints('axes', [2, 3]), attr.int('keepdims', 0)]);
  const fc = get('fc');
  g.op('MatMul', [x, g.initFloat('fc', fc.shape, fc.data)], [], 'descriptor');
  g.addOutput('descriptor', [1, 128]);
  return g.encode('tebura-dlib-resnet', meta);
}

/**
 * face-api's FaceLandmark68Net (68 facial landmarks) rebuilt directly in ONNX: like
 * the dlib ResNet, the npm package ships weights only and the graph lives in its
 * JavaScript (src/faceFeatureExtractor, src/faceLandmarkNet). Four dense blocks of
 * depthwise-separable convolutions, a 7x7 average pool and one fully connected layer.
 * Input NHWC RGB 0..255, the face crop zero-padded to a centred square and resized to
 * 112 px (as face-api does); mean subtraction and /255 are in-graph. Output: 68 (x, y)
 * pairs as fractions of the 112 px input.
 */
import { GraphBuilder, attr, hwioToOihw } from './builder.js';
import { weightsFromManifest, type Weight } from './weights.js';
import { DLIB_MEAN_RGB } from './dlib-resnet.js';

export const LANDMARK68_INPUT_SIZE = 112;

export function convertFaceLandmark68(manifestPath: string, meta: Record<string, string> = {}): Buffer {
  const get = weightsFromManifest(manifestPath);
  const g = new GraphBuilder('face_landmark_68_model');
  const init = (w: Weight): string => {
    const { data, dims } = hwioToOihw(w.data, w.shape);
    return g.initFloat(g.tmp('W'), dims, data);
  };
  const bias = (p: string): string => {
    const b = get(`${p}/bias`);
    return g.initFloat(g.tmp('B'), b.shape, b.data);
  };
  // TF 'same' padding puts the odd pixel at the end, as ONNX SAME_UPPER does.
  const same = attr.str('auto_pad', 'SAME_UPPER');
  const conv = (x: string, p: string, stride: number): string => {
    const f = get(`${p}/filters`);
    return g.op('Conv', [x, init(f), bias(p)], [attr.ints('strides', [stride, stride]), attr.ints('kernel_shape', [f.shape[0] ?? 3, f.shape[1] ?? 3]), same]);
  };
  // tf.separableConv2d: depthwise (one filter per channel, [kh,kw,c,1] -> group conv) then pointwise.
  const sepConv = (x: string, p: string, stride: number): string => {
    const dw = get(`${p}/depthwise_filter`);
    const [kh = 3, kw = 3, c = 1] = dw.shape;
    const dwOihw = hwioToOihw(dw.data, [kh, kw, 1, c]);
    const d = g.op('Conv', [x, g.initFloat(g.tmp('DW'), dwOihw.dims, dwOihw.data)], [
      attr.ints('strides', [stride, stride]),
      attr.ints('kernel_shape', [kh, kw]),
      attr.int('group', c),
      same,
    ]);
    return g.op('Conv', [d, init(get(`${p}/pointwise_filter`)), bias(p)], [attr.ints('kernel_shape', [1, 1])]);
  };
  const add = (...xs: string[]): string => xs.reduce((a, b) => g.op('Add', [a, b]));
  const denseBlock = (x: string, p: string, first: boolean): string => {
    const out1 = g.op('Relu', [first ? conv(x, `${p}/conv0`, 2) : sepConv(x, `${p}/conv0`, 2)]);
    const out2 = sepConv(out1, `${p}/conv1`, 1);
    const out3 = sepConv(g.op('Relu', [add(out1, out2)]), `${p}/conv2`, 1);
    const out4 = sepConv(g.op('Relu', [add(out1, out2, out3)]), `${p}/conv3`, 1);
    return g.op('Relu', [add(out1, out2, out3, out4)]);
  };

  const size = LANDMARK68_INPUT_SIZE;
  g.addInput('input', [1, size, size, 3]);
  let x = g.op('Sub', ['input', g.constFloat([...DLIB_MEAN_RGB])]);
  x = g.op('Div', [x, g.constFloat([255], [])]);
  x = g.op('Transpose', [x], [attr.ints('perm', [0, 3, 1, 2])]);
  x = denseBlock(x, 'dense0', true);
  for (const p of ['dense1', 'dense2', 'dense3']) x = denseBlock(x, p, false);
  // 7x7 map, 7x7 valid pool: one value per channel (the stride 2 never applies).
  x = g.op('AveragePool', [x], [attr.ints('kernel_shape', [7, 7]), attr.ints('strides', [2, 2])]);
  x = g.op('Flatten', [x]);
  const fw = get('fc/weights');
  const fb = get('fc/bias');
  x = g.op('MatMul', [x, g.initFloat('fc_weights', fw.shape, fw.data)]);
  g.op('Add', [x, g.initFloat('fc_bias', fb.shape, fb.data)], [], 'landmarks');
  g.addOutput('landmarks', [1, 136]);
  return g.encode('tebura-face-landmark-68', meta);
}

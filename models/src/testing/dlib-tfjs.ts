/**
 * face-api's FaceRecognitionNet forward pass written with TFJS ops (NHWC, unfused
 * scale layers), following face-api's src/faceRecognitionNet. The bundled face-api
 * builds cannot load here (one needs tfjs-node, one the wasm backend, one breaks
 * on Node's TextEncoder), so the parity test compares our ONNX graph with this.
 */
import type * as TF from '@tensorflow/tfjs';
import { DLIB_MEAN_RGB } from '../onnx/dlib-resnet.js';
import { tfWeights } from './tfjs-reference.js';

export async function dlibTfjsDescriptor(manifestPath: string, rgb150: Float32Array): Promise<Float32Array> {
  const { tf, t } = await tfWeights(manifestPath);
  const out = tf.tidy(() => {
    const convLayer = (x: TF.Tensor4D, p: string, stride: number, relu: boolean, pad: 'same' | 'valid'): TF.Tensor4D => {
      let y = tf.conv2d(x, t(`${p}/conv/filters`) as TF.Tensor4D, stride, pad);
      y = tf.add(y, t(`${p}/conv/bias`)) as TF.Tensor4D;
      y = tf.add(tf.mul(y, t(`${p}/scale/weights`)), t(`${p}/scale/biases`)) as TF.Tensor4D;
      return relu ? tf.relu(y) : y;
    };
    const residual = (x: TF.Tensor4D, p: string): TF.Tensor4D =>
      tf.relu(tf.add(convLayer(convLayer(x, `${p}/conv1`, 1, true, 'same'), `${p}/conv2`, 1, false, 'same'), x) as TF.Tensor4D);
    const residualDown = (x: TF.Tensor4D, p: string): TF.Tensor4D => {
      let out = convLayer(convLayer(x, `${p}/conv1`, 2, true, 'valid'), `${p}/conv2`, 1, false, 'same');
      let pooled = tf.avgPool(x, 2, 2, 'valid');
      const [, ph = 0, , pc = 0] = pooled.shape;
      const [, oh = 0, , oc = 0] = out.shape;
      if (oh !== ph) out = tf.pad(out, [[0, 0], [0, ph - oh], [0, ph - oh], [0, 0]]);
      if (oc !== pc) pooled = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, oc - pc]]);
      return tf.relu(tf.add(pooled, out) as TF.Tensor4D);
    };
    let x = tf.div(tf.sub(tf.tensor4d(rgb150, [1, 150, 150, 3]), tf.tensor1d([...DLIB_MEAN_RGB])), 255) as TF.Tensor4D;
    x = convLayer(x, 'conv32_down', 2, true, 'valid');
    x = tf.maxPool(x, 3, 2, 'valid');
    for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, p);
    x = residualDown(x, 'conv64_down');
    for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, p);
    x = residualDown(x, 'conv128_down');
    for (const p of ['conv128_1', 'conv128_2']) x = residual(x, p);
    x = residualDown(x, 'conv256_down');
    for (const p of ['conv256_1', 'conv256_2']) x = residual(x, p);
    x = residualDown(x, 'conv256_down_out');
    const pooled = tf.mean(x, [1, 2]) as TF.Tensor2D;
    return tf.matMul(pooled, t('fc') as TF.Tensor2D);
  });
  const data = Float32Array.from(await out.data());
  out.dispose();
  return data;
}

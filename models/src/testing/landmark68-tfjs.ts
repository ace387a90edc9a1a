/**
 * face-api's FaceLandmark68Net forward pass written with TFJS ops, following its
 * src/faceFeatureExtractor (denseBlock4, depthwiseSeparableConv) and
 * src/faceProcessor (fully connected layer). Reference for the ONNX parity test,
 * for the same reason as dlib-tfjs.ts: the bundled face-api builds cannot load here.
 */
import type * as TF from '@tensorflow/tfjs';
import { DLIB_MEAN_RGB } from '../onnx/dlib-resnet.js';
import { tfWeights } from './tfjs-reference.js';

export async function landmark68Tfjs(manifestPath: string, rgb112: Float32Array): Promise<Float32Array> {
  const { tf, t } = await tfWeights(manifestPath);
  const out = tf.tidy(() => {
    const sep = (x: TF.Tensor4D, p: string, stride: 1 | 2): TF.Tensor4D =>
      tf.add(tf.separableConv2d(x, t(`${p}/depthwise_filter`) as TF.Tensor4D, t(`${p}/pointwise_filter`) as TF.Tensor4D, stride, 'same'), t(`${p}/bias`)) as TF.Tensor4D;
    const dense = (x: TF.Tensor4D, p: string, first: boolean): TF.Tensor4D => {
      const out1 = tf.relu(first ? tf.add(tf.conv2d(x, t(`${p}/conv0/filters`) as TF.Tensor4D, 2, 'same'), t(`${p}/conv0/bias`)) : sep(x, `${p}/conv0`, 2)) as TF.Tensor4D;
      const out2 = sep(out1, `${p}/conv1`, 1);
      const out3 = sep(tf.relu(tf.add(out1, out2)) as TF.Tensor4D, `${p}/conv2`, 1);
      const out4 = sep(tf.relu(tf.add(out1, tf.add(out2, out3))) as TF.Tensor4D, `${p}/conv3`, 1);
      return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4)))) as TF.Tensor4D;
    };
    let x = tf.div(tf.sub(tf.tensor4d(rgb112, [1, 112, 112, 3]), tf.tensor1d([...DLIB_MEAN_RGB])), 255) as TF.Tensor4D;
    x = dense(x, 'dense0', true);
    for (const p of ['dense1', 'dense2', 'dense3']) x = dense(x, p, false);
    const pooled = tf.avgPool(x, [7, 7], [2, 2], 'valid');
    return tf.add(tf.matMul(tf.reshape(pooled, [1, -1]) as TF.Tensor2D, t('fc/weights') as TF.Tensor2D), t('fc/bias'));
  });
  const data = Float32Array.from(await out.data());
  out.dispose();
  return data;
}

// The TensorFlow.js side of the VAE benchmark: the variational autoencoder our package builds for
// `new VariationalAutoencoder(inputDim, latentDim, { hidden, activation: 'relu', outputActivation: 'sigmoid',
// optimizer: { name: 'adam' }, weightInit: 'glorot' })`, written against TF.js (call useTfBackend first).
import * as tf from '@tensorflow/tfjs';
import { sliceBatches, stepper, type TfAutoencoder } from './tfjs.js';

export interface TfVaeOptions {
  /** rows × inputDim, row-major, values in [0, 1]. */
  data: Float32Array;
  rows: number;
  inputDim: number;
  hidden: number[];
  latentDim: number;
  batchSize: number;
  /** Default 0.001. */
  learningRate?: number;
}

/**
 * Encoder relu layers, linear heads z_mean and z_log_var, z = mean + exp(logVar/2)·ε with ε drawn every step, relu
 * decoder, sigmoid output; loss = mean over rows of (Σ binary cross-entropy from the logits + KL); Glorot-normal
 * weights, zero biases, tf.train.adam(lr, 0.9, 0.999, 1e-8); sequential pre-sliced batches.
 */
export function makeTfVae(opts: TfVaeOptions): TfAutoencoder {
  const { data, rows, inputDim, hidden, latentDim, batchSize, learningRate = 0.001 } = opts;
  const batches = sliceBatches(data, rows, inputDim, batchSize);
  let seed = 1;
  const dense = (inp: number, out: number): [tf.Variable, tf.Variable] =>
    tf.tidy(() => [tf.variable(tf.randomNormal([inp, out], 0, Math.sqrt(2 / (inp + out)), 'float32', seed++)), tf.variable(tf.zeros([out]))]);
  const widths = [inputDim, ...hidden];
  const encoder = hidden.map((out, l) => dense(widths[l]!, out));
  const top = widths.at(-1)!;
  const [meanHead, logVarHead] = [dense(top, latentDim), dense(top, latentDim)];
  const decoderWidths = [latentDim, ...[...hidden].reverse(), inputDim];
  const decoder = decoderWidths.slice(1).map((out, l) => dense(decoderWidths[l]!, out));
  const params = [...encoder, meanHead, logVarHead, ...decoder].flat();
  const optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
  const apply = (x: tf.Tensor2D, [W, b]: [tf.Variable, tf.Variable]) => tf.add(tf.matMul(x, W as tf.Tensor2D), b) as tf.Tensor2D;
  const loss = (x: tf.Tensor2D): tf.Scalar => {
    const h = encoder.reduce((y, layer) => tf.relu(apply(y, layer)), x);
    const mean = apply(h, meanHead), logVar = apply(h, logVarHead);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mean.shape)));
    const logits = decoder.reduce((y, layer, l) => (l === decoder.length - 1 ? apply(y, layer) : tf.relu(apply(y, layer))), z as tf.Tensor2D);
    const bce = tf.sub(tf.add(tf.relu(logits), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))), tf.mul(logits, x));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar)), 1));
    return tf.mean(tf.add(tf.sum(bce, 1), kl)) as tf.Scalar;
  };
  return stepper(batches, optimizer, params, loss);
}

// The TensorFlow.js side of the side-by-side benchmark: the same autoencoder our package trains, written
// against TF.js (wasm or cpu backend), plus a bare tf.matMul for the sgemm comparison.
//
// Import '@tensorflow/tfjs' (core + gradients + cpu backend), not '@tensorflow/tfjs-core': the CommonJS
// build of core registers no gradients, so optimizer.minimize fails ("gradient function not found").

import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'wasm' | 'cpu';

/** Directory holding tfjs-backend-wasm's .wasm binaries, as setWasmPaths wants it (a prefix ending in '/'). */
const WASM_DIR =
  path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') +
  path.sep;

let wasmPathsSet = false;

/**
 * Runs fn with console.warn filtered of TF.js's "install tfjs-node" banner (which the cpu backend prints on
 * its first tensor write under Node); every other warning passes through.
 */
async function withoutNodeBanner<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (args.some((a) => typeof a === 'string' && a.includes('tfjs-node'))) return;
    warn.apply(console, args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/**
 * Makes `backend` TF.js's current backend and waits until it is ready. Under Node, TF.js-wasm runs on one
 * thread (SIMD, no threads) whatever setThreadsCount says.
 */
export async function useTfBackend(backend: TfBackend): Promise<void> {
  if (backend === 'wasm' && !wasmPathsSet) {
    setWasmPaths(WASM_DIR);
    wasmPathsSet = true;
  }
  await withoutNodeBanner(async () => {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialize`);
    await tf.ready();
    // The first write to a backend is when the cpu backend prints its banner: get it over with here.
    tf.tidy(() => {
      tf.scalar(0).dataSync();
    });
  });
  if (tf.getBackend() !== backend) throw new Error(`TF.js backend is '${tf.getBackend()}', wanted '${backend}'`);
}

export interface TfAutoencoder {
  /** One RMSProp step on the next batch; returns once the step has really run (its loss has been read). */
  step(): void;
  /** Loss (RMSE of the reconstruction, before the update) of the last step; NaN before the first. */
  readonly lastLoss: number;
  /** Frees the batches, the parameters and the optimizer's slots. */
  dispose(): void;
}

export interface TfAutoencoderOptions {
  /** rows×inputDim, row-major. */
  data: Float32Array;
  rows: number;
  inputDim: number;
  hiddenDim: number;
  batchSize: number;
  /** RMSProp learning rate; default 0.001. */
  learningRate?: number;
  /** Seed of W1 (W2 uses seed + 1); default 1. */
  seed?: number;
}

/**
 * The autoencoder our package trains, in TF.js on the current backend (call useTfBackend first):
 * h = tanh(x·W1 + b1), y = h·W2 + b2, W ~ N(0, 1), b = 0, loss = sqrt(mean((x − y)²)) over the batch,
 * tf.train.rmsprop(lr, 0.9, 0, 1e-10).
 *
 * Batches are as in the package's sequential training: batch b is rows [b·size, b·size + size), wrapping
 * around after a pass (the last batch of a pass is shorter when batchSize does not divide rows). They are
 * sliced into tensors once, here, so a step times training only.
 */
export function makeTfAutoencoder(opts: TfAutoencoderOptions): TfAutoencoder {
  const { data, rows, inputDim, hiddenDim, batchSize, learningRate = 0.001, seed = 1 } = opts;
  for (const [name, v] of Object.entries({ rows, inputDim, hiddenDim, batchSize })) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (batchSize > rows) throw new RangeError(`batchSize ${batchSize} exceeds rows ${rows}`);
  if (data.length < rows * inputDim) {
    throw new RangeError(`data holds ${data.length} values, fewer than rows×inputDim = ${rows * inputDim}`);
  }

  // tf.variable shares the initial tensor's data; tidy frees the initial tensor itself.
  const [W1, b1, W2, b2] = tf.tidy(() => [
    tf.variable(tf.randomNormal([inputDim, hiddenDim], 0, 1, 'float32', seed)),
    tf.variable(tf.zeros([hiddenDim])),
    tf.variable(tf.randomNormal([hiddenDim, inputDim], 0, 1, 'float32', seed + 1)),
    tf.variable(tf.zeros([inputDim])),
  ]);
  const loss = (x: tf.Tensor2D): tf.Scalar => {
    const h = tf.tanh(tf.add(tf.matMul(x, W1), b1));
    const y = tf.add(tf.matMul(h, W2), b2);
    return tf.sqrt(tf.mean(tf.squaredDifference(x, y))) as tf.Scalar;
  };
  return stepper(sliceBatches(data, rows, inputDim, batchSize), tf.train.rmsprop(learningRate, 0.9, 0, 1e-10), [W1, b1, W2, b2], loss);
}

/**
 * One C = op(A)·op(B) with tf.matMul (C M×N, op(A) M×K, op(B) K×N) on tensors made once here: A is stored
 * K×M when transposeA, else M×K; B is stored N×K when transposeB, else K×N. run() reads the result
 * (dataSync) so it returns only once the product is done, then frees it.
 */
export function tfSgemm(opts: { M: number; N: number; K: number; transposeA: boolean; transposeB: boolean; seed?: number }): {
  run(): void;
  dispose(): void;
} {
  const { M, N, K, transposeA, transposeB, seed = 1 } = opts;
  const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', seed) as tf.Tensor2D;
  const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1, 'float32', seed + 1) as tf.Tensor2D;
  let disposed = false;
  return {
    run() {
      if (disposed) throw new Error('tfSgemm used after dispose()');
      const c = tf.matMul(a, b, transposeA, transposeB);
      c.dataSync(); // synchronous: the product is really there (this copies it out, M×N floats)
      c.dispose();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([a, b]);
    },
  };
}

export interface TfDeepOptions {
  /** rows × dims[0], row-major. */
  data: Float32Array;
  rows: number;
  /** Encoder widths from the input to the code, e.g. [784, 256, 64]; the decoder mirrors them. */
  dims: number[];
  batchSize: number;
  /** Default 0.001. */
  learningRate?: number;
}

/**
 * A deep autoencoder as ours builds it for `new Autoencoder(dims[0], dims.slice(1), { activation: 'relu',
 * optimizer: { name: 'adam' }, weightInit: 'glorot' })`: relu on every layer but the linear output, Glorot-normal
 * weights, zero biases, RMSE loss, tf.train.adam(lr, 0.9, 0.999, 1e-8); sequential pre-sliced batches.
 */
export function makeTfDeepAutoencoder(opts: TfDeepOptions): TfAutoencoder {
  const { data, rows, dims, batchSize, learningRate = 0.001 } = opts;
  const batches = sliceBatches(data, rows, dims[0]!, batchSize);
  const widths = [...dims, ...dims.slice(0, -1).reverse()];
  const params = tf.tidy(() =>
    widths.slice(1).flatMap((out, l) => {
      const inp = widths[l]!;
      return [tf.variable(tf.randomNormal([inp, out], 0, Math.sqrt(2 / (inp + out)), 'float32', l + 1)), tf.variable(tf.zeros([out]))];
    }),
  );
  const optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
  const loss = (x: tf.Tensor2D): tf.Scalar => {
    let y: tf.Tensor2D = x;
    for (let l = 0; l < params.length / 2; l++) {
      const z = tf.add(tf.matMul(y, params[2 * l] as tf.Tensor2D), params[2 * l + 1]!) as tf.Tensor2D;
      y = l === params.length / 2 - 1 ? z : tf.relu(z);
    }
    return tf.sqrt(tf.mean(tf.squaredDifference(x, y))) as tf.Scalar;
  };
  return stepper(batches, optimizer, params, loss);
}

/**
 * A TfAutoencoder over pre-sliced batches taken in turn: each step minimises `loss` of the next batch with
 * `optimizer` and reads the loss back (so the step has really run); dispose frees the optimizer, params and batches.
 */
export function stepper(batches: tf.Tensor2D[], optimizer: tf.Optimizer, params: tf.Variable[], loss: (x: tf.Tensor2D) => tf.Scalar): TfAutoencoder {
  let next = 0;
  let lastLoss = NaN;
  let disposed = false;
  return {
    step() {
      if (disposed) throw new Error('TfAutoencoder used after dispose()');
      const x = batches[next]!;
      next = next + 1 === batches.length ? 0 : next + 1;
      tf.tidy(() => {
        lastLoss = optimizer.minimize(() => loss(x), true, params)!.dataSync()[0]!;
      });
    },
    get lastLoss() {
      return lastLoss;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      optimizer.dispose();
      tf.dispose([...params, ...batches]);
    },
  };
}

/** rows × inputDim values cut into tensors of `batchSize` rows (the last may be shorter), once, before timing. */
export function sliceBatches(data: Float32Array, rows: number, inputDim: number, batchSize: number): tf.Tensor2D[] {
  const batches: tf.Tensor2D[] = [];
  for (let first = 0; first < rows; first += batchSize) {
    const n = Math.min(batchSize, rows - first);
    batches.push(tf.tensor2d(data.subarray(first * inputDim, (first + n) * inputDim), [n, inputDim]));
  }
  return batches;
}

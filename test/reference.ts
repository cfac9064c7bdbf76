/**
 * Float64 reference implementation of a stack of dense layers trained with
 * TensorFlow-1 optimizers, written as plain naive loops so that it is easy
 * to read and obviously correct. Tests use it to check the fast WebAssembly
 * implementation step by step.
 *
 * Math (n = rows*cols of the output, t = target, x itself by default):
 * - layer l: z_l = a_{l-1}·W_l + b_l, a_l = act(z_l), a_{-1} = x; y = a_last.
 * - losses:
 *     mse  L = sum_{r,c} (y - t)^2 / n                       dL/dy = 2(y - t) / n
 *     rmse L = sqrt(mse)                                     dL/dy = (y - t) / (n*L), or 0 when L == 0
 *     bce  L = sum_{r,c} max(z,0) - z*t + log(1 + e^-|z|) / n, z = z_last (sigmoid output only)
 *                                                            dL/dz = (sigmoid(z) - t) / n
 * - optimizers, per parameter w with gradient g (TF1 formulas):
 *     RMSProp (tf.train.RMSPropOptimizer, non-centered; ms starts at 1, mom at 0):
 *       ms = decay*ms + (1-decay)*g^2;  mom = momentum*mom + lr*g/sqrt(ms+eps);  w -= mom
 *     Adam (tf.train.AdamOptimizer; m, v start at 0, step count s from 1):
 *       lr_s = lr*sqrt(1-beta2^s)/(1-beta1^s);  m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g^2
 *       w -= lr_s*m/(sqrt(v)+eps)
 *     SGD (tf.train.MomentumOptimizer; accum starts at 0):
 *       a = momentum*a + g;  w -= lr*a,  or with nesterov w -= lr*(g + momentum*a)
 */

/** Activation function of a layer. */
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'linear' | 'leakyRelu' | 'elu';

/** Loss comparing the last layer's output with the target. */
export type RefLoss = 'rmse' | 'mse' | 'bce';

/** A dense layer: forward is act(x·W + b), with W stored row-major as inDim×outDim. */
export interface RefLayer {
  W: Float64Array;
  b: Float64Array;
  inDim: number;
  outDim: number;
  activation: Activation;
}

/** RMSProp hyper-parameters, with the meaning of `tf.train.RMSPropOptimizer`. `name` may be omitted. */
export interface RefOptimizer {
  name?: 'rmsprop';
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

/** Adam hyper-parameters, with the meaning of `tf.train.AdamOptimizer`. */
export interface RefAdam {
  name: 'adam';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Momentum SGD hyper-parameters, with the meaning of `tf.train.MomentumOptimizer` (nesterov defaults to false). */
export interface RefSgd {
  name: 'sgd';
  learningRate: number;
  momentum: number;
  nesterov?: boolean;
}

/** Any of the optimizers; no `name` means RMSProp. */
export type RefOptimizerSpec = RefOptimizer | RefAdam | RefSgd;

/** Options of `ReferenceAutoencoder` besides the optimizer. */
export interface RefOptions {
  /** Default 'rmse'. 'bce' needs a sigmoid last layer. */
  loss?: RefLoss;
}

/** One Float64Array per layer for the weights and for the biases. */
export interface ParamArrays {
  W: Float64Array[];
  b: Float64Array[];
}

/** Per layer l and row r: pre-activations z[l][r] and outputs a[l][r] = act(z[l][r]). */
interface ForwardPass {
  preActivations: number[][][];
  activations: number[][][];
}

function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'relu':
      return z > 0 ? z : 0;
    case 'linear':
      return z;
    case 'leakyRelu':
      return z > 0 ? z : 0.01 * z;
    case 'elu':
      return z > 0 ? z : Math.expm1(z); // e^z - 1
  }
}

/** Derivative of the activation, expressed from its output a = act(z). */
function activateDerivative(activation: Activation, a: number): number {
  switch (activation) {
    case 'tanh':
      return 1 - a * a;
    case 'sigmoid':
      return a * (1 - a);
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'linear':
      return 1;
    case 'leakyRelu':
      return a > 0 ? 1 : 0.01;
    case 'elu':
      return a > 0 ? 1 : a + 1; // e^z = a + 1 for z <= 0
  }
}

function copyLayer(layer: RefLayer): RefLayer {
  return {
    W: Float64Array.from(layer.W),
    b: Float64Array.from(layer.b),
    inDim: layer.inDim,
    outDim: layer.outDim,
    activation: layer.activation,
  };
}

/** ParamArrays shaped like `layers`, every entry set to `value`. */
function filledParams(layers: RefLayer[], value: number): ParamArrays {
  return {
    W: layers.map((layer) => new Float64Array(layer.W.length).fill(value)),
    b: layers.map((layer) => new Float64Array(layer.b.length).fill(value)),
  };
}

/** bce needs y = sigmoid(z) in the last layer; the other losses take any activation. */
function checkLossFits(layers: RefLayer[], loss: RefLoss): void {
  const last = layers[layers.length - 1].activation;
  if (loss === 'bce' && last !== 'sigmoid') throw new Error(`bce loss needs a sigmoid last layer, not ${last}`);
}

/** z_l = a_{l-1}·W_l + b_l and a_l = act(z_l) for every layer and row. */
export function forwardLayers(layers: RefLayer[], x: number[][]): ForwardPass {
  const preActivations: number[][][] = [];
  const activations: number[][][] = [];
  let input = x;
  for (const layer of layers) {
    const zs: number[][] = [];
    const output: number[][] = [];
    for (const row of input) {
      const zRow: number[] = [];
      const out: number[] = [];
      for (let j = 0; j < layer.outDim; j++) {
        let z = layer.b[j];
        for (let i = 0; i < layer.inDim; i++) z += row[i] * layer.W[i * layer.outDim + j];
        zRow.push(z);
        out.push(activate(layer.activation, z));
      }
      zs.push(zRow);
      output.push(out);
    }
    preActivations.push(zs);
    activations.push(output);
    input = output;
  }
  return { preActivations, activations };
}

/** One element's contribution: (t - y)^2 for rmse/mse, max(z,0) - z*t + log1p(e^-|z|) for bce. */
export function elementLoss(loss: RefLoss, z: number, y: number, t: number): number {
  if (loss === 'bce') return Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
  const d = t - y;
  return d * d;
}

/** Mean of the element losses over all rows and columns; its square root for rmse. */
function meanLoss(loss: RefLoss, z: number[][], y: number[][], t: number[][]): number {
  const rows = t.length;
  const cols = t[0].length;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) sum += elementLoss(loss, z[r][c], y[r][c], t[r][c]);
  }
  const mean = sum / (rows * cols);
  return loss === 'rmse' ? Math.sqrt(mean) : mean;
}

/** The loss of the last layer's output against t. */
function lossOf(layers: RefLayer[], x: number[][], t: number[][], loss: RefLoss): number {
  const { preActivations, activations } = forwardLayers(layers, x);
  return meanLoss(loss, preActivations[layers.length - 1], activations[layers.length - 1], t);
}

/**
 * dL/dz of the last layer: dL/dy * act'(y) for rmse/mse, (y - t)/n directly for bce
 * (y = sigmoid(z)). `value` is the loss L of the same forward pass.
 */
function outputDelta(loss: RefLoss, activation: Activation, y: number[][], t: number[][], value: number): number[][] {
  const n = t.length * t[0].length;
  return y.map((row, r) =>
    row.map((a, c) => {
      const diff = a - t[r][c];
      if (loss === 'bce') return diff / n;
      const dLdy = loss === 'mse' ? (2 * diff) / n : value === 0 ? 0 : diff / (n * value);
      return dLdy * activateDerivative(activation, a);
    }),
  );
}

/** Analytic gradients by backprop, plus the loss of the same forward pass. */
function backprop(layers: RefLayer[], x: number[][], t: number[][], loss: RefLoss): ParamArrays & { loss: number } {
  const { preActivations, activations } = forwardLayers(layers, x);
  const lastIndex = layers.length - 1;
  const last = activations[lastIndex];
  const value = meanLoss(loss, preActivations[lastIndex], last, t);
  const rows = x.length;

  // delta = dL/dz of the current layer, starting from the loss.
  let delta = outputDelta(loss, layers[lastIndex].activation, last, t, value);

  const { W, b } = filledParams(layers, 0);

  for (let l = lastIndex; l >= 0; l--) {
    const layer = layers[l];
    const aPrev = l === 0 ? x : activations[l - 1];

    // dL/dW = aPrev^T · delta, dL/db = column sums of delta.
    for (let i = 0; i < layer.inDim; i++) {
      for (let j = 0; j < layer.outDim; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += aPrev[r][i] * delta[r][j];
        W[l][i * layer.outDim + j] = sum;
      }
    }
    for (let j = 0; j < layer.outDim; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += delta[r][j];
      b[l][j] = sum;
    }

    if (l === 0) break;
    // dL/daPrev = delta · W^T, then delta_prev = dL/daPrev * act'(z_prev), with act' computed from aPrev.
    const previous = layers[l - 1];
    const deltaPrev: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const d: number[] = [];
      for (let i = 0; i < layer.inDim; i++) {
        let sum = 0;
        for (let j = 0; j < layer.outDim; j++) sum += delta[r][j] * layer.W[i * layer.outDim + j];
        d.push(sum * activateDerivative(previous.activation, aPrev[r][i]));
      }
      deltaPrev.push(d);
    }
    delta = deltaPrev;
  }

  return { W, b, loss: value };
}

/** RMSProp: ms = decay*ms + (1-decay)*g^2; mom = momentum*mom + lr*g/sqrt(ms+eps); w -= mom. */
function rmspropUpdate(opt: RefOptimizer, w: Float64Array, g: Float64Array, ms: Float64Array, mom: Float64Array): void {
  const { learningRate, decay, momentum, epsilon } = opt;
  for (let k = 0; k < w.length; k++) {
    ms[k] = decay * ms[k] + (1 - decay) * g[k] * g[k];
    mom[k] = momentum * mom[k] + (learningRate * g[k]) / Math.sqrt(ms[k] + epsilon);
    w[k] -= mom[k];
  }
}

/** Adam at step s: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= lr*sqrt(1-b2^s)/(1-b1^s) * m/(sqrt(v)+eps). */
function adamUpdate(opt: RefAdam, s: number, w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array): void {
  const { learningRate, beta1, beta2, epsilon } = opt;
  const lrS = (learningRate * Math.sqrt(1 - beta2 ** s)) / (1 - beta1 ** s);
  for (let k = 0; k < w.length; k++) {
    m[k] = beta1 * m[k] + (1 - beta1) * g[k];
    v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k];
    w[k] -= (lrS * m[k]) / (Math.sqrt(v[k]) + epsilon);
  }
}

/** Momentum SGD: a = momentum*a + g; w -= lr*a, or w -= lr*(g + momentum*a) with nesterov. */
function sgdUpdate(opt: RefSgd, w: Float64Array, g: Float64Array, accum: Float64Array): void {
  const { learningRate, momentum, nesterov = false } = opt;
  for (let k = 0; k < w.length; k++) {
    accum[k] = momentum * accum[k] + g[k];
    w[k] -= nesterov ? learningRate * (g[k] + momentum * accum[k]) : learningRate * accum[k];
  }
}

/**
 * Float64 reference autoencoder: a stack of dense layers trained on an
 * rmse/mse/bce loss (against x, or a separate target) with a TensorFlow-1
 * optimizer (RMSProp, Adam or momentum SGD). Everything is naive loops.
 */
export class ReferenceAutoencoder {
  /** Current parameters (owned copies of the constructor's arrays). */
  layers: RefLayer[];
  /** Optimizer hyper-parameters. */
  readonly opt: RefOptimizerSpec;
  /** The loss that `loss`, `gradients`, `step` and `rowLosses` use. */
  readonly lossType: RefLoss;
  /** RMSProp mean-square slot per parameter; starts at 1.0 as in TF1. */
  readonly ms: ParamArrays;
  /** RMSProp momentum slot per parameter; starts at 0. */
  readonly mom: ParamArrays;
  /** Adam first-moment slot per parameter; starts at 0. */
  readonly m: ParamArrays;
  /** Adam second-moment slot per parameter; starts at 0. */
  readonly v: ParamArrays;
  /** Momentum SGD accumulator slot per parameter; starts at 0. */
  readonly accum: ParamArrays;
  /** Adam steps taken so far (the next step uses t + 1). */
  t = 0;

  /**
   * Copies `layers` (and their arrays) and `opt`; initialises every optimizer
   * slot (ms to 1.0, the others to 0). Only the chosen optimizer's slots change.
   */
  constructor(layers: RefLayer[], opt: RefOptimizerSpec, options: RefOptions = {}) {
    this.layers = layers.map(copyLayer);
    this.opt = { ...opt };
    this.lossType = options.loss ?? 'rmse';
    checkLossFits(this.layers, this.lossType);
    this.ms = filledParams(this.layers, 1);
    this.mom = filledParams(this.layers, 0);
    this.m = filledParams(this.layers, 0);
    this.v = filledParams(this.layers, 0);
    this.accum = filledParams(this.layers, 0);
  }

  /** Forward pass: `activations[l][r]` is the output of layer l for row r of x, `preActivations[l][r]` its z. */
  forward(x: number[][]): { activations: number[][][]; preActivations: number[][][] } {
    return forwardLayers(this.layers, x);
  }

  /** The loss of the last layer's output against `target` (default x), over all rows and columns. */
  loss(x: number[][], target: number[][] = x): number {
    return lossOf(this.layers, x, target, this.lossType);
  }

  /** Each row's own loss against the same row of `target` (default x): the loss of a one-row batch. */
  rowLosses(x: number[][], target: number[][] = x): number[] {
    const { preActivations, activations } = forwardLayers(this.layers, x);
    const z = preActivations[this.layers.length - 1];
    const y = activations[this.layers.length - 1];
    return target.map((t, r) => meanLoss(this.lossType, [z[r]], [y[r]], [t]));
  }

  /** Analytic dL/dW and dL/db by backprop, with the loss of the same forward pass. */
  gradients(x: number[][], target: number[][] = x): { W: Float64Array[]; b: Float64Array[]; loss: number } {
    return backprop(this.layers, x, target, this.lossType);
  }

  /**
   * One optimizer step on this batch. All gradients are computed from the
   * parameters before the step, then every parameter is updated.
   * @returns the loss computed before the update (same forward pass as the gradients).
   */
  step(x: number[][], target: number[][] = x): number {
    const grads = backprop(this.layers, x, target, this.lossType);
    if (this.opt.name === 'adam') this.t += 1;
    for (let l = 0; l < this.layers.length; l++) {
      this.update(this.layers[l].W, grads.W[l], 'W', l);
      this.update(this.layers[l].b, grads.b[l], 'b', l);
    }
    return grads.loss;
  }

  /** Applies the chosen optimizer to one parameter array w (layer l's W or b) with its slots. */
  private update(w: Float64Array, g: Float64Array, kind: 'W' | 'b', l: number): void {
    const opt = this.opt;
    switch (opt.name) {
      case 'adam':
        return adamUpdate(opt, this.t, w, g, this.m[kind][l], this.v[kind][l]);
      case 'sgd':
        return sgdUpdate(opt, w, g, this.accum[kind][l]);
      default:
        return rmspropUpdate(opt, w, g, this.ms[kind][l], this.mom[kind][l]);
    }
  }
}

/**
 * Gradients of the loss (default rmse against x) by central differences,
 * (L(p+h) - L(p-h)) / (2h), one parameter at a time, in float64. Does not
 * modify `layers`.
 */
export function finiteDifferenceGradients(
  layers: RefLayer[],
  x: number[][],
  h = 1e-5,
  target: number[][] = x,
  loss: RefLoss = 'rmse',
): { W: Float64Array[]; b: Float64Array[] } {
  checkLossFits(layers, loss);
  const work = layers.map(copyLayer);
  const derivative = (params: Float64Array, k: number): number => {
    const saved = params[k];
    params[k] = saved + h;
    const plus = lossOf(work, x, target, loss);
    params[k] = saved - h;
    const minus = lossOf(work, x, target, loss);
    params[k] = saved;
    return (plus - minus) / (2 * h);
  };
  const W = work.map((layer) => layer.W.map((_, k) => derivative(layer.W, k)));
  const b = work.map((layer) => layer.b.map((_, k) => derivative(layer.b, k)));
  return { W, b };
}

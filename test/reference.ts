/**
 * Float64 reference implementation of a dense autoencoder trained with
 * TensorFlow-1-style RMSProp, written as plain naive loops so that it is
 * easy to read and obviously correct. Tests use it to check the fast
 * WebAssembly implementation step by step.
 *
 * Math:
 * - layer l: z_l = a_{l-1}·W_l + b_l, a_l = act(z_l), a_{-1} = x.
 * - loss L = sqrt( sum_{r,c} (x[r][c] - a_last[r][c])^2 / (rows*cols) ).
 * - dL/da_last = (a_last - x) / (rows*cols*L), or 0 when L == 0.
 * - RMSProp (tf.train.RMSPropOptimizer, non-centered), per parameter w with gradient g:
 *     ms  = decay*ms + (1-decay)*g^2          (ms starts at 1.0)
 *     mom = momentum*mom + lr*g/sqrt(ms+eps)  (mom starts at 0)
 *     w  -= mom
 */

/** Activation function of a layer. */
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'linear';

/** A dense layer: forward is act(x·W + b), with W stored row-major as inDim×outDim. */
export interface RefLayer {
  W: Float64Array;
  b: Float64Array;
  inDim: number;
  outDim: number;
  activation: Activation;
}

/** RMSProp hyper-parameters, with the meaning of `tf.train.RMSPropOptimizer`. */
export interface RefOptimizer {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

/** One Float64Array per layer for the weights and for the biases. */
export interface ParamArrays {
  W: Float64Array[];
  b: Float64Array[];
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

/** activations[l][r][j] = output j of layer l for row r. */
function forwardLayers(layers: RefLayer[], x: number[][]): number[][][] {
  const activations: number[][][] = [];
  let input = x;
  for (const layer of layers) {
    const output: number[][] = [];
    for (const row of input) {
      const out: number[] = [];
      for (let j = 0; j < layer.outDim; j++) {
        let z = layer.b[j];
        for (let i = 0; i < layer.inDim; i++) z += row[i] * layer.W[i * layer.outDim + j];
        out.push(activate(layer.activation, z));
      }
      output.push(out);
    }
    activations.push(output);
    input = output;
  }
  return activations;
}

/** Root mean squared reconstruction error of xhat against x. */
function rmse(x: number[][], xhat: number[][]): number {
  const rows = x.length;
  const cols = x[0].length;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = x[r][c] - xhat[r][c];
      sum += d * d;
    }
  }
  return Math.sqrt(sum / (rows * cols));
}

function lossOf(layers: RefLayer[], x: number[][]): number {
  const activations = forwardLayers(layers, x);
  return rmse(x, activations[activations.length - 1]);
}

/** Analytic gradients by backprop, plus the loss of the same forward pass. */
function backprop(layers: RefLayer[], x: number[][]): ParamArrays & { loss: number } {
  const activations = forwardLayers(layers, x);
  const last = activations[activations.length - 1];
  const loss = rmse(x, last);
  const rows = x.length;
  const cols = x[0].length;

  // dL/da_last = (a_last - x) / (rows*cols*L), or 0 when L == 0.
  let dA: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const g: number[] = [];
    for (let c = 0; c < cols; c++) g.push(loss === 0 ? 0 : (last[r][c] - x[r][c]) / (rows * cols * loss));
    dA.push(g);
  }

  const W: Float64Array[] = layers.map((layer) => new Float64Array(layer.inDim * layer.outDim));
  const b: Float64Array[] = layers.map((layer) => new Float64Array(layer.outDim));

  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    const a = activations[l];
    const aPrev = l === 0 ? x : activations[l - 1];

    // delta = dL/dz = dL/da * act'(z), with act' computed from a.
    const delta: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const d: number[] = [];
      for (let j = 0; j < layer.outDim; j++) d.push(dA[r][j] * activateDerivative(layer.activation, a[r][j]));
      delta.push(d);
    }

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

    // dL/daPrev = delta · W^T.
    const dPrev: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const d: number[] = [];
      for (let i = 0; i < layer.inDim; i++) {
        let sum = 0;
        for (let j = 0; j < layer.outDim; j++) sum += delta[r][j] * layer.W[i * layer.outDim + j];
        d.push(sum);
      }
      dPrev.push(d);
    }
    dA = dPrev;
  }

  return { W, b, loss };
}

/**
 * Float64 reference autoencoder: a stack of dense layers trained on the RMSE
 * reconstruction loss with TensorFlow-1 RMSProp. Everything is naive loops.
 */
export class ReferenceAutoencoder {
  /** Current parameters (owned copies of the constructor's arrays). */
  layers: RefLayer[];
  /** Optimizer hyper-parameters. */
  readonly opt: RefOptimizer;
  /** RMSProp mean-square slot per parameter; starts at 1.0 as in TF1. */
  readonly ms: ParamArrays;
  /** RMSProp momentum slot per parameter; starts at 0. */
  readonly mom: ParamArrays;

  /** Copies `layers` (and their arrays) and `opt`; initialises ms to 1.0 and mom to 0. */
  constructor(layers: RefLayer[], opt: RefOptimizer) {
    this.layers = layers.map(copyLayer);
    this.opt = { ...opt };
    this.ms = {
      W: this.layers.map((layer) => new Float64Array(layer.W.length).fill(1)),
      b: this.layers.map((layer) => new Float64Array(layer.b.length).fill(1)),
    };
    this.mom = {
      W: this.layers.map((layer) => new Float64Array(layer.W.length)),
      b: this.layers.map((layer) => new Float64Array(layer.b.length)),
    };
  }

  /** Forward pass: `activations[l][r]` is the output of layer l for row r of x. */
  forward(x: number[][]): { activations: number[][][] } {
    return { activations: forwardLayers(this.layers, x) };
  }

  /** sqrt(mean over all rows and columns of (x - xhat)^2), xhat = last layer's output. */
  loss(x: number[][]): number {
    return lossOf(this.layers, x);
  }

  /** Analytic dL/dW and dL/db by backprop, with the loss of the same forward pass. */
  gradients(x: number[][]): { W: Float64Array[]; b: Float64Array[]; loss: number } {
    return backprop(this.layers, x);
  }

  /**
   * One RMSProp step on this batch. All gradients are computed from the
   * parameters before the step, then every parameter is updated.
   * @returns the loss computed before the update (same forward pass as the gradients).
   */
  step(x: number[][]): number {
    const grads = backprop(this.layers, x);
    for (let l = 0; l < this.layers.length; l++) {
      this.update(this.layers[l].W, grads.W[l], this.ms.W[l], this.mom.W[l]);
      this.update(this.layers[l].b, grads.b[l], this.ms.b[l], this.mom.b[l]);
    }
    return grads.loss;
  }

  private update(w: Float64Array, g: Float64Array, ms: Float64Array, mom: Float64Array): void {
    const { learningRate, decay, momentum, epsilon } = this.opt;
    for (let k = 0; k < w.length; k++) {
      ms[k] = decay * ms[k] + (1 - decay) * g[k] * g[k];
      mom[k] = momentum * mom[k] + (learningRate * g[k]) / Math.sqrt(ms[k] + epsilon);
      w[k] -= mom[k];
    }
  }
}

/**
 * Gradients of the loss by central differences, (L(p+h) - L(p-h)) / (2h),
 * one parameter at a time, in float64. Does not modify `layers`.
 */
export function finiteDifferenceGradients(
  layers: RefLayer[],
  x: number[][],
  h = 1e-5,
): { W: Float64Array[]; b: Float64Array[] } {
  const work = layers.map(copyLayer);
  const derivative = (params: Float64Array, k: number): number => {
    const saved = params[k];
    params[k] = saved + h;
    const plus = lossOf(work, x);
    params[k] = saved - h;
    const minus = lossOf(work, x);
    params[k] = saved;
    return (plus - minus) / (2 * h);
  };
  const W = work.map((layer) => layer.W.map((_, k) => derivative(layer.W, k)));
  const b = work.map((layer) => layer.b.map((_, k) => derivative(layer.b, k)));
  return { W, b };
}

// Shared test helpers: a model's weights as float64 reference layers, and small seeded data.
import type { Autoencoder } from '../../src/entries/index.js';
import assert from 'node:assert/strict';
import { ReferenceAutoencoder, finiteDifferenceGradients, type Activation, type RefLayer, type RefLoss } from '../reference.js';

/** The layer names of a model with `depth` hidden layers, input to output: encode, encode_1, …, decode, decode_1, …. */
export function layerNames(depth: number): string[] {
  const scope = (base: string, k: number) => (k === 0 ? base : `${base}_${k}`);
  return [...Array.from({ length: depth }, (_, k) => scope('encode', k)), ...Array.from({ length: depth }, (_, k) => scope('decode', k))];
}

/** The model's current parameters as float64 layers for the reference implementation. */
export function referenceLayers(ae: Autoencoder): RefLayer[] {
  const w = ae.getWeights() as Record<string, { rows: number; cols: number; data: Float32Array }>;
  const depth = ae.hidden.length;
  return layerNames(depth).map((name, l) => {
    const W = w[`${name}/weights`]!;
    return {
      W: Float64Array.from(W.data), b: Float64Array.from(w[`${name}/biases`]!.data), inDim: W.rows, outDim: W.cols,
      activation: l === 2 * depth - 1 ? ae.options.outputActivation : ae.options.activation,
    };
  });
}

/** mulberry32: a tiny seeded generator for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows × cols values uniform in [low, high). */
export function randomRows(rows: number, cols: number, seed: number, low = -1, high = 1): number[][] {
  const random = seeded(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => low + (high - low) * random()));
}

/** |a − b| / max(|b|, floor): relative error with a floor for values near zero. */
export function relativeError(a: number, b: number, floor = 1e-3): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

/**
 * Asserts |actual − expected| ≤ 1e-5 · max(1, |expected|) element for element, as the exchange formats' tests ask
 * of another runtime's outputs; `pair` words a failing element's two values.
 */
export function assertWithin1e5(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, pair: (actual: number, expected: number) => string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k]!, e = expected[k]!;
    assert.ok(Math.abs(a - e) <= 1e-5 * Math.max(1, Math.abs(e)), `${what}[${k}]: ${pair(a, e)}`);
  }
}

/** A float64 reference net of sizes dims[0] → dims[1] → …, weights and biases uniform in [-1, 1). */
export function randomNet(rand: () => number, dims: number[], activations: Activation[]): RefLayer[] {
  return activations.map((activation, l) => {
    const inDim = dims[l]!;
    const outDim = dims[l + 1]!;
    const W = Float64Array.from({ length: inDim * outDim }, () => 2 * rand() - 1);
    const b = Float64Array.from({ length: outDim }, () => 2 * rand() - 1);
    return { W, b, inDim, outDim, activation };
  });
}

/** rows × cols values uniform in [0, 1) (valid bce targets too). */
export function randomBatch(rand: () => number, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rand()));
}

/**
 * Relative agreement within 1e-6, with a 1e-10 absolute floor so that gradients that are exactly 0 (e.g. dead relu
 * units) compare equal to the O(1e-12) round-off the central difference produces there.
 */
function assertClose(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k]!;
    const e = expected[k]!;
    const tol = 1e-6 * Math.max(Math.abs(a), Math.abs(e)) + 1e-10;
    assert.ok(Math.abs(a - e) <= tol, `${what}[${k}]: analytic ${a} vs finite difference ${e}`);
  }
}

/** The reference's backprop gradients (and loss) of `layers` on x against central finite differences. */
export function checkReferenceGradients(layers: RefLayer[], x: number[][], target: number[][] = x, loss: RefLoss = 'rmse'): void {
  const ref = new ReferenceAutoencoder(layers, { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-10 }, { loss });
  const analytic = ref.gradients(x, target);
  const numeric = finiteDifferenceGradients(layers, x, 1e-5, target, loss);
  assert.equal(analytic.loss, ref.loss(x, target));
  for (let l = 0; l < layers.length; l++) {
    assertClose(analytic.W[l]!, numeric.W[l]!, `W[${l}]`);
    assertClose(analytic.b[l]!, numeric.b[l]!, `b[${l}]`);
  }
}

// Shared test helpers: a model's weights as float64 reference layers, and small seeded data.
import type { Autoencoder } from '../../src/entries/index.js';
import type { RefLayer } from '../reference.js';

/** The model's current parameters as float64 layers for the reference implementation. */
export function referenceLayers(ae: Autoencoder): RefLayer[] {
  const w = ae.getWeights();
  return [
    { W: Float64Array.from(w['encode/weights'].data), b: Float64Array.from(w['encode/biases'].data), inDim: ae.inputDim, outDim: ae.hiddenDim, activation: ae.options.activation },
    { W: Float64Array.from(w['decode/weights'].data), b: Float64Array.from(w['decode/biases'].data), inDim: ae.hiddenDim, outDim: ae.inputDim, activation: 'linear' },
  ];
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

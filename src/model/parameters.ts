import type { Matrix } from '../matrix.js';
import type { LayerSpec } from '../runtime/network.js';
import type { ResolvedOptions } from './options.js';

/**
 * Parameter names, as TensorFlow 1's uniquified name scopes name them: encoder layers from the input inward are
 * `encode`, `encode_1`, `encode_2`, …; decoder layers from the code outward are `decode`, `decode_1`, …; each
 * has `/weights` (in × out; forward is x·W + b) and `/biases` (1 × out).
 */
export type ParameterName = `${'encode' | 'decode'}${'' | `_${number}`}/${'weights' | 'biases'}`;

/** The parameters by name (a model has the names of its own layers). */
export type Weights = Record<ParameterName, Matrix<Float32Array>>;

/** TF1's uniquified scope: `base`, then `base_1`, `base_2`, …. */
export function scope(base: string, index: number): string {
  return index === 0 ? base : `${base}_${index}`;
}

/**
 * The layers of an autoencoder of inputDim → hidden[0] → … → hidden[L−1] and back: the encoder applies
 * `activation` everywhere (the code layer too), the decoder mirrors it with `activation` on its inner layers and
 * `outputActivation` on the output layer.
 */
export function autoencoderLayers(inputDim: number, hidden: readonly number[], options: Pick<ResolvedOptions, 'activation' | 'outputActivation'>): LayerSpec[] {
  const widths = [inputDim, ...hidden];
  const depth = hidden.length;
  const encoder = hidden.map((outDim, k) => ({ name: scope('encode', k), inDim: widths[k]!, outDim, activation: options.activation }));
  const decoder = hidden.map((_, k) => {
    const inDim = widths[depth - k]!, outDim = widths[depth - k - 1]!;
    return { name: scope('decode', k), inDim, outDim, activation: k === depth - 1 ? options.outputActivation : options.activation };
  });
  return [...encoder, ...decoder];
}

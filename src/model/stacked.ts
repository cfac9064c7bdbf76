import { checkData, type MatrixLike } from '../matrix.js';
import { Autoencoder } from './autoencoder.js';
import { resolveOptions, type AutoencoderOptions } from './options.js';
import type { TrainOptions } from './training.js';

/**
 * Greedy layer-wise pre-training of a deep autoencoder (a stacked autoencoder): stage 1 is
 * `new Autoencoder(inputDim, hidden[0], options)` trained on `data`; stage k ≥ 2 is
 * `new Autoencoder(hidden[k−2], hidden[k−1], { ...options, seed: seed + k − 1, outputActivation: activation, loss })`
 * (`'bce'` becomes `'mse'`: codes are not probabilities) trained on the codes of stage k−1, each with the same
 * `trainOptions` (a corruption too: a stacked denoising autoencoder). Stage k's encoder becomes layer `encode_{k−1}`
 * of the returned model and its decoder the mirrored layer `decode_{L−k}`. Nothing is fine-tuned: train the result
 * end to end afterwards.
 *
 * @example
 * ```ts
 * const ae = pretrainStacked(images, [256, 64], { activation: 'relu' }, { epochs: 10, batchSize: 32 });
 * ae.train(images, { epochs: 10, batchSize: 32 });   // fine-tuning
 * ```
 */
export function pretrainStacked(data: MatrixLike, hidden: readonly number[], options: AutoencoderOptions = {}, trainOptions: TrainOptions = {}): Autoencoder {
  const { cols: inputDim } = checkData(data, undefined);
  if (trainOptions.target !== undefined) throw new RangeError('pretrainStacked trains each stage on its own input: it takes no target');
  if (trainOptions.validation !== undefined && typeof trainOptions.validation !== 'number') {
    throw new RangeError('pretrainStacked takes validation as a fraction only (each stage holds out the last rows of its input)');
  }
  const deep = new Autoencoder(inputDim, hidden, options);
  const { seed, activation, loss } = resolveOptions(options);
  const depth = deep.hidden.length;
  let input: MatrixLike = data;
  try {
    for (let k = 1; k <= depth; k++) {
      const inDim = k === 1 ? inputDim : deep.hidden[k - 2]!;
      const stageOptions = k === 1 ? options : { ...options, seed: seed + k - 1, outputActivation: activation, loss: loss === 'bce' ? 'mse' : loss };
      const stage = new Autoencoder(inDim, deep.hidden[k - 1]!, stageOptions);
      try {
        stage.train(input, trainOptions);
        const w = stage.getWeights();
        const encoder = k === 1 ? 'encode' : `encode_${k - 1}`;
        const decoder = k === depth ? 'decode' : `decode_${depth - k}`;
        deep.setWeights({
          [`${encoder}/weights`]: w['encode/weights'], [`${encoder}/biases`]: w['encode/biases'],
          [`${decoder}/weights`]: w['decode/weights'], [`${decoder}/biases`]: w['decode/biases'],
        });
        if (k < depth) input = stage.encode(input);
      } finally {
        stage.dispose();
      }
    }
  } catch (error) {
    deep.dispose();
    throw error;
  }
  return deep;
}

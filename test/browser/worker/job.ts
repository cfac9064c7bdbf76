// One training job shared by the worker page and the Node side of its test: 3072 → 32 → 16 (and back), Adam,
// denoising, with a validation split, on 400 pseudo-random rows; long enough (a second or so) to click around while
// it runs.
import type { Matrix, WorkerTrainOptions } from 'wasm-autoencoder';

export { weightsHex } from '../bits.js';

export const EPOCHS = 6;

export function jobData(): Matrix<Float32Array> {
  const rows = 400, cols = 3072;
  const data = new Float32Array(rows * cols);
  for (let i = 0, x = 1; i < data.length; i++) data[i] = ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24) / 255;
  return { rows, cols, data };
}

export const JOB = {
  hidden: [32, 16],
  model: { seed: 99, weightInit: 'glorot', activation: 'elu', optimizer: { name: 'adam' } },
  epochs: EPOCHS,
  batchSize: 10,
  corruption: { type: 'mask', fraction: 0.1 },
  validation: 0.1,
} satisfies Omit<WorkerTrainOptions, 'onEpoch' | 'signal' | 'worker'>;

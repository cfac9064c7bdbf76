import type { AutoencoderOptions } from '../options.js';
import type { Matrix } from '../matrix.js';

/** What the page sends the training worker. */
export interface TrainRequest {
  type: 'train';
  data: Matrix;
  hiddenDim: number;
  model: AutoencoderOptions;
  train: { epochs?: number; batchSize?: number; batchesPerEpoch?: number; shuffle?: boolean };
  /** Continue from this checkpoint instead of a new model. */
  checkpoint?: Uint8Array;
}

/** What the training worker answers: progress after every epoch, then the result or an error. */
export type TrainReply =
  | { type: 'epoch'; epoch: number; loss: number }
  | { type: 'done'; checkpoint: Uint8Array; history: number[] }
  | { type: 'error'; name: string; message: string };

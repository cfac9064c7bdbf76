import type { AutoencoderOptions } from '../model/options.js';
import type { Matrix } from '../matrix.js';
import type { TrainOptions } from '../model/training.js';

/** What the page sends the training worker. */
export interface TrainRequest {
  type: 'train';
  data: Matrix;
  hiddenDim: number;
  model: AutoencoderOptions;
  train: Pick<TrainOptions, 'epochs' | 'batchSize' | 'batchesPerEpoch' | 'shuffle'>;
  /** Continue from this checkpoint instead of a new model. */
  checkpoint?: Uint8Array;
}

/** An error as it crosses from the worker: its class name, message, and the fields our errors carry. */
export interface ErrorReply {
  type: 'error';
  name: string;
  message: string;
  history?: number[];
  file?: string;
}

/** What the training worker answers: progress after every epoch, then the result or an error. */
export type TrainReply =
  | { type: 'epoch'; epoch: number; loss: number }
  | { type: 'done'; checkpoint: Uint8Array; history: number[] }
  | ErrorReply;

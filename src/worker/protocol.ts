import type { AutoencoderOptions } from '../model/options.js';
import type { Matrix } from '../matrix.js';
import type { TrainOptions } from '../model/training.js';

/** The train options that cross to the worker (the data as matrices: they are copied once, as the data is). */
export type WorkerTrainSettings = Pick<TrainOptions, 'epochs' | 'batchSize' | 'batchesPerEpoch' | 'shuffle' | 'corruption' | 'earlyStopping'> & {
  target?: Matrix;
  validation?: number | { data: Matrix; target?: Matrix };
};

/** What the page sends the training worker. */
export interface TrainRequest {
  type: 'train';
  data: Matrix;
  hidden: number | readonly number[];
  model: AutoencoderOptions;
  train: WorkerTrainSettings;
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
  | { type: 'epoch'; epoch: number; loss: number; validationLoss?: number }
  | { type: 'done'; checkpoint: Uint8Array; history: number[]; validation?: number[] }
  | ErrorReply;

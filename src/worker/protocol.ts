import type { AutoencoderOptions } from '../model/options.js';
import type { VariationalAutoencoderOptions } from '../model/vae-options.js';
import type { Matrix } from '../matrix.js';
import type { EpochInfo, TrainOptions } from '../model/training.js';

/** The train options that cross to the worker (the data as matrices: they are copied once, as the data is). */
export type WorkerTrainSettings = Pick<TrainOptions, 'epochs' | 'batchSize' | 'batchesPerEpoch' | 'shuffle' | 'corruption' | 'earlyStopping'> & {
  target?: Matrix;
  validation?: number | { data: Matrix; target?: Matrix };
};

/** The model the worker trains: an Autoencoder or a VariationalAutoencoder, new or from `checkpoint`. */
export type ModelRequest =
  | { kind: 'autoencoder'; hidden: number | readonly number[]; model: AutoencoderOptions }
  | { kind: 'vae'; latentDim: number; model: VariationalAutoencoderOptions };

/** What the page sends the training worker. */
export type TrainRequest = ModelRequest & {
  type: 'train';
  data: Matrix;
  train: WorkerTrainSettings;
  /** Continue from this checkpoint (of the model `kind`) instead of a new model. */
  checkpoint?: Uint8Array;
};

/** An error as it crosses from the worker: its class name, message, and the fields our errors carry. */
export interface ErrorReply {
  type: 'error';
  name: string;
  message: string;
  history?: number[];
  file?: string;
}

/** An epoch's progress as it crosses from the worker: `onEpoch`'s info without the batch losses (a VAE's with its terms). */
export type EpochReply = { type: 'epoch' } & Omit<EpochInfo, 'batchLosses'>;

/** What the training worker answers: progress after every epoch, then the result or an error. */
export type TrainReply =
  | EpochReply
  | { type: 'done'; checkpoint: Uint8Array; history: number[]; validation?: number[] }
  | ErrorReply;

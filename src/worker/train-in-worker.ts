import { Autoencoder } from '../autoencoder.js';
import { asMatrix, checkData, type Matrix, type MatrixLike } from '../matrix.js';
import type { AutoencoderOptions } from '../options.js';
import type { TrainReply, TrainRequest } from './protocol.js';

/** Options of `trainInWorker`. */
export interface WorkerTrainOptions {
  /** Code size (ignored when `checkpoint` is given). */
  hiddenDim: number;
  /** Model options, as for `new Autoencoder`. */
  model?: AutoencoderOptions;
  /** Continue training this checkpoint (`toBytes()`) instead of a new model. */
  checkpoint?: Uint8Array;
  epochs?: number;
  batchSize?: number;
  batchesPerEpoch?: number;
  shuffle?: boolean;
  /** Called on the main thread after every epoch. */
  onEpoch?: (info: { epoch: number; loss: number }) => void;
  /** Aborting stops the worker at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The worker to use (one job at a time); default: a new module worker running the package's training worker. */
  worker?: Worker;
}

/** What `trainInWorker` resolves with: the trained model (on this thread), its checkpoint and the loss history. */
export interface WorkerTrainResult {
  model: Autoencoder;
  checkpoint: Uint8Array;
  history: number[];
}

/**
 * Trains in a Web Worker so the page stays responsive: the data is sent once, progress comes back after every
 * epoch, and the trained model is rebuilt here from its checkpoint (same bits as training on this thread).
 *
 * @example
 * ```ts
 * const { model, history } = await trainInWorker(pixels, {
 *   hiddenDim: 64, epochs: 50, batchSize: 10,
 *   onEpoch: ({ epoch, loss }) => progress.value = epoch,
 * });
 * const { reconstructed } = model.test(pixels);
 * ```
 */
export function trainInWorker(data: MatrixLike, options: WorkerTrainOptions): Promise<WorkerTrainResult> {
  const { rows, cols } = checkData(data, undefined);
  const matrix: Matrix = asMatrix(data);
  if (!options.worker && typeof Worker === 'undefined') {
    throw new TypeError('trainInWorker needs Web Workers (browsers, Deno, Bun); in Node, use train or trainAsync');
  }
  const worker = options.worker ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const request: TrainRequest = {
    type: 'train',
    data: { rows, cols, data: matrix.data.slice() },
    hiddenDim: options.hiddenDim,
    model: options.model ?? {},
    train: { epochs: options.epochs, batchSize: options.batchSize, batchesPerEpoch: options.batchesPerEpoch, shuffle: options.shuffle },
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
  return new Promise((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(options.signal!.reason);
    };
    if (options.signal?.aborted) return stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    const finish = () => {
      options.signal?.removeEventListener('abort', stop);
      if (!options.worker) worker.terminate();
    };
    worker.addEventListener('message', ({ data: reply }: MessageEvent<TrainReply>) => {
      if (reply.type === 'epoch') return options.onEpoch?.({ epoch: reply.epoch, loss: reply.loss });
      finish();
      if (reply.type === 'done') resolve({ model: Autoencoder.fromBytes(reply.checkpoint), checkpoint: reply.checkpoint, history: reply.history });
      else reject(revive(reply.name, reply.message));
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      finish();
      reject(new Error(`the training worker failed: ${event.message}`));
    });
    worker.postMessage(request, [request.data.data.buffer as ArrayBuffer]);
  });
}

/** The worker's error as the same kind of error here (RangeError and TypeError keep their class). */
function revive(name: string, message: string): Error {
  if (name === 'RangeError') return new RangeError(message);
  if (name === 'TypeError') return new TypeError(message);
  return Object.assign(new Error(message), { name });
}

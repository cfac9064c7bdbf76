import { Autoencoder } from '../model/autoencoder.js';
import { asMatrix, checkData, type Matrix, type MatrixLike } from '../matrix.js';
import type { AutoencoderOptions } from '../model/options.js';
import type { Corruption } from '../model/corruption.js';
import type { EarlyStopping, TrainHistory } from '../model/training.js';
import { CheckpointError, DataFormatError, DisposedError, DivergenceError, WasmNotReadyError } from '../errors.js';
import type { ErrorReply, TrainReply, TrainRequest, WorkerTrainSettings } from './protocol.js';

/** Options of `trainInWorker`. */
export interface WorkerTrainOptions {
  /** The hidden layer widths, as `new Autoencoder(inputDim, hidden)` takes them (ignored when `checkpoint` is given). */
  hidden: number | readonly number[];
  /** Model options, as for `new Autoencoder`. */
  model?: AutoencoderOptions;
  /** Continue training this checkpoint (`toBytes()`) instead of a new model. */
  checkpoint?: Uint8Array;
  epochs?: number;
  batchSize?: number;
  batchesPerEpoch?: number;
  shuffle?: boolean;
  /** As `train`'s: what each row should map to. */
  target?: MatrixLike;
  /** As `train`'s: corrupt each batch's inputs (a denoising autoencoder). */
  corruption?: Corruption;
  /** As `train`'s: a fraction of the data to hold out, or validation data (and its target). */
  validation?: number | MatrixLike | { data: MatrixLike; target?: MatrixLike };
  /** As `train`'s. */
  earlyStopping?: EarlyStopping;
  /** Called on the main thread after every epoch. */
  onEpoch?: (info: { epoch: number; loss: number; validationLoss?: number }) => void;
  /** Aborting terminates the worker at once (a supplied one too); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The worker to use (one job at a time); default: a new module worker running the package's training worker. */
  worker?: Worker;
}

/** What `trainInWorker` resolves with: the trained model (on this thread), its checkpoint and the loss history. */
export interface WorkerTrainResult {
  model: Autoencoder;
  checkpoint: Uint8Array;
  history: TrainHistory;
}

/**
 * Trains in a Web Worker so the page stays responsive: the data is sent once, progress comes back after every
 * epoch, and the trained model is rebuilt here from its checkpoint (same bits as training on this thread), to run
 * with the `threads` and `precision` of `options.model`.
 *
 * @example
 * ```ts
 * const { model, history } = await trainInWorker(pixels, {
 *   hidden: 64, epochs: 50, batchSize: 10,
 *   onEpoch: ({ epoch, loss }) => progress.value = epoch,
 * });
 * const { reconstructed } = model.test(pixels);
 * ```
 */
export async function trainInWorker(data: MatrixLike, options: WorkerTrainOptions): Promise<WorkerTrainResult> {
  const { rows, cols } = checkData(data, undefined);
  const matrix: Matrix = asMatrix(data);
  options.signal?.throwIfAborted();
  if (!options.worker && typeof Worker === 'undefined') {
    throw new TypeError('trainInWorker needs Web Workers (browsers, Deno, Bun); in Node, use train or trainAsync');
  }
  if (options.worker && busy.has(options.worker)) throw new RangeError('this worker is already training: one job at a time per worker');
  const train = workerSettings(options); // before a worker exists: bad data throws here, with nothing to clean up
  const worker = options.worker ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  busy.add(worker);
  const request: TrainRequest = {
    type: 'train',
    data: { rows, cols, data: matrix.data.slice() },
    hidden: options.hidden,
    model: options.model ?? {},
    train,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
  return new Promise<WorkerTrainResult>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      options.signal?.removeEventListener('abort', onAbort);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onError);
      busy.delete(worker);
      if (!options.worker) worker.terminate();
      outcome();
    };
    // Stopping mid-epoch means stopping the thread: the worker is terminated, a supplied one too.
    const onAbort = () => {
      worker.terminate();
      finish(() => reject(options.signal!.reason));
    };
    const onError = (event: Event) => finish(() => reject(new Error(`the training worker failed: ${(event as ErrorEvent).message ?? event.type}`)));
    const onMessage = ({ data: reply }: MessageEvent<TrainReply>) => {
      if (reply.type === 'epoch') return options.onEpoch?.({ epoch: reply.epoch, loss: reply.loss, ...(reply.validationLoss === undefined ? {} : { validationLoss: reply.validationLoss }) });
      finish(() => {
        if (reply.type === 'error') return reject(revive(reply));
        try {
          const history: TrainHistory = reply.history;
          if (reply.validation) history.validation = reply.validation;
          resolve({ model: Autoencoder.fromBytes(reply.checkpoint, { threads: options.model?.threads, precision: options.model?.precision }), checkpoint: reply.checkpoint, history });
        } catch (error) {
          reject(error);
        }
      });
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onError);
    worker.postMessage(request, [request.data.data.buffer as ArrayBuffer]);
  });
}

const busy = new WeakSet<Worker>();

/** The train options as they cross to the worker: data as matrices (copies, checked where the worker will check them). */
function workerSettings(options: WorkerTrainOptions): WorkerTrainSettings {
  const { epochs, batchSize, batchesPerEpoch, shuffle, corruption, earlyStopping, target, validation } = options;
  const copy = (m: MatrixLike, what: string): Matrix => {
    checkData(m, undefined, what);
    const { rows, cols, data } = asMatrix(m, what);
    return { rows, cols, data: data.slice() };
  };
  const settings: WorkerTrainSettings = { epochs, batchSize, batchesPerEpoch, shuffle, corruption, earlyStopping };
  if (target !== undefined) settings.target = copy(target, 'target');
  if (typeof validation === 'number') settings.validation = validation;
  else if (validation !== undefined) {
    if (typeof validation !== 'object' || validation === null) throw new TypeError('validation must be a fraction in (0, 1), data, or { data, target }');
    const given = Array.isArray(validation) || 'cols' in validation ? { data: validation as MatrixLike } : (validation as { data: MatrixLike; target?: MatrixLike });
    settings.validation = { data: copy(given.data, 'validation data'), ...(given.target === undefined ? {} : { target: copy(given.target, 'validation target') }) };
  }
  return settings;
}

/** The worker's error as the same class here, with the fields our errors carry (history, file). */
function revive({ name, message, history, file }: ErrorReply): Error {
  switch (name) {
    case 'RangeError': return new RangeError(message);
    case 'TypeError': return new TypeError(message);
    case 'DivergenceError': return new DivergenceError(message, history ?? []);
    case 'DataFormatError': return Object.assign(new DataFormatError(file ?? '', ''), { message });
    case 'CheckpointError': return new CheckpointError(message);
    case 'DisposedError': return new DisposedError(message);
    case 'WasmNotReadyError': return new WasmNotReadyError(message);
    default: return Object.assign(new Error(message), { name });
  }
}

import type { Autoencoder } from '../model/autoencoder.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { asMatrix, checkData, type Matrix, type MatrixLike } from '../matrix.js';
import type { AutoencoderOptions } from '../model/options.js';
import { resolveVaeOptions, type VariationalAutoencoderOptions } from '../model/vae-options.js';
import type { Corruption } from '../model/corruption.js';
import type { EarlyStopping, EpochInfo, TrainHistory } from '../model/training.js';
import { checkpointKind } from '../model/checkpoint.js';
import { loadModel } from '../model/load-model.js';
import { CheckpointError, DataFormatError, DisposedError, DivergenceError, WasmNotReadyError } from '../errors.js';
import type { ErrorReply, ModelRequest, TrainReply, TrainRequest, WorkerTrainSettings } from './protocol.js';

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

/** Options of `trainInWorker` for a `VariationalAutoencoder`: the same training options, with `latentDim` instead of `hidden`. */
export interface VaeWorkerTrainOptions extends Omit<WorkerTrainOptions, 'hidden' | 'model' | 'onEpoch'> {
  /** The code's width, as `new VariationalAutoencoder(inputDim, latentDim)` takes it (with `checkpoint`: the checkpoint's). */
  latentDim: number;
  /** Not here: a VariationalAutoencoder's hidden layers are `model.hidden`, e.g. `{ latentDim: 2, model: { hidden: [256] } }`. */
  hidden?: never;
  /** Model options, as for `new VariationalAutoencoder` (the hidden layers among them). */
  model?: VariationalAutoencoderOptions;
  /** Called on the main thread after every epoch, with the loss's two terms (`kl` not weighted). */
  onEpoch?: (info: { epoch: number; loss: number; validationLoss?: number; reconstruction: number; kl: number }) => void;
}

/** What `trainInWorker` resolves with for a `VariationalAutoencoder`. */
export interface VaeWorkerTrainResult {
  model: VariationalAutoencoder;
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
export function trainInWorker(data: MatrixLike, options: WorkerTrainOptions): Promise<WorkerTrainResult>;
/**
 * Trains a `VariationalAutoencoder` in a Web Worker, as the `hidden` form trains an `Autoencoder`: `latentDim`
 * asks for one (its hidden layers are `model.hidden`), `onEpoch` also gets the loss's `reconstruction` and `kl`
 * terms, and the model is rebuilt here, with the `threads` and `precision` of `options.model`.
 *
 * @example
 * ```ts
 * const { model, history } = await trainInWorker(pixels, {   // pixels scaled to [0, 1]
 *   latentDim: 2, epochs: 20, batchSize: 100,
 *   model: { hidden: [256], activation: 'relu', outputActivation: 'sigmoid', optimizer: { name: 'adam' } },
 *   onEpoch: ({ epoch, reconstruction, kl }) => console.log(epoch, reconstruction, kl),
 * });
 * const samples = model.sample(16);
 * ```
 */
export function trainInWorker(data: MatrixLike, options: VaeWorkerTrainOptions): Promise<VaeWorkerTrainResult>;
export async function trainInWorker(data: MatrixLike, options: WorkerTrainOptions | VaeWorkerTrainOptions): Promise<TrainedInWorker> {
  const { rows, cols } = checkData(data, undefined);
  const matrix: Matrix = asMatrix(data);
  const model = modelRequest(options); // the call's own mistakes, in every runtime
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
    ...model,
    train,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
  // A VAE's worker sends its loss's terms too: each epoch's info as its model's onEpoch got it.
  const onEpoch = options.onEpoch as ((info: Omit<EpochInfo, 'batchLosses'>) => void) | undefined;
  return new Promise<TrainedInWorker>((resolve, reject) => {
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
      if (reply.type === 'epoch') {
        const { type: _type, ...info } = reply;
        return onEpoch?.(info);
      }
      finish(() => {
        if (reply.type === 'error') return reject(revive(reply));
        try {
          const history: TrainHistory = reply.history;
          if (reply.validation) history.validation = reply.validation;
          resolve({ model: loadModel(reply.checkpoint, { threads: options.model?.threads, precision: options.model?.precision }), checkpoint: reply.checkpoint, history });
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

/** What the implementation resolves with: each overload's result. */
interface TrainedInWorker {
  model: Autoencoder | VariationalAutoencoder;
  checkpoint: Uint8Array;
  history: TrainHistory;
}

const BOTH_FORMS = "an Autoencoder's hidden layer widths (e.g. { hidden: 64 }) or a VariationalAutoencoder's latentDim (e.g. { latentDim: 2, model: { hidden: [256] } })";

/**
 * The model the options ask for, checked before a worker exists: an Autoencoder (`hidden`) or a
 * VariationalAutoencoder (`latentDim`), and a checkpoint of that kind.
 */
function modelRequest(options: WorkerTrainOptions | VaeWorkerTrainOptions): ModelRequest {
  const request: ModelRequest = asksForVae(options) ? vaeRequest(options) : { kind: 'autoencoder', hidden: options.hidden, model: options.model ?? {} };
  if (options.checkpoint) checkCheckpoint(options.checkpoint, request);
  else if (request.kind === 'autoencoder' && request.hidden === undefined) throw new TypeError(`trainInWorker needs ${BOTH_FORMS}`);
  return request;
}

/** `latentDim` marks the VariationalAutoencoder form (from JavaScript, `hidden` may come with it: vaeRequest refuses that). */
function asksForVae(options: WorkerTrainOptions | VaeWorkerTrainOptions): options is VaeWorkerTrainOptions {
  return (options as VaeWorkerTrainOptions).latentDim !== undefined;
}

function vaeRequest(options: VaeWorkerTrainOptions): ModelRequest {
  if (options.hidden !== undefined) throw new TypeError(`trainInWorker takes ${BOTH_FORMS}, not both: a VariationalAutoencoder's hidden layers go in model.hidden`);
  const { latentDim } = options;
  if (typeof latentDim !== 'number' || !Number.isInteger(latentDim) || latentDim < 1) {
    throw new RangeError(`latentDim must be a positive integer, the width of the VariationalAutoencoder's code (e.g. { latentDim: 2 }), got ${String(latentDim)}`);
  }
  resolveVaeOptions(options.model); // throws naming a bad option, e.g. hidden: 64 for hidden: [64]
  return { kind: 'vae', latentDim, model: options.model ?? {} };
}

/** Refuses a checkpoint of the other kind of model, or a VAE's of another code width, saying what to pass. */
function checkCheckpoint(checkpoint: Uint8Array, request: ModelRequest): void {
  const { kind, checkpoint: decoded } = checkpointKind(checkpoint); // refuses corrupt and foreign bytes
  const stored = decoded.header;
  if (kind === 'vae' && request.kind === 'autoencoder') {
    throw new CheckpointError(`this checkpoint holds a VariationalAutoencoder, not an Autoencoder: pass its latentDim instead of hidden, e.g. { latentDim: ${String(stored.latentDim)}, checkpoint }`);
  }
  if (kind === 'autoencoder' && request.kind === 'vae') {
    throw new CheckpointError(`this checkpoint holds an Autoencoder, not a VariationalAutoencoder: pass its hidden instead of latentDim, e.g. { hidden: ${JSON.stringify(stored.hidden ?? stored.hiddenDim)}, checkpoint }`);
  }
  if (request.kind === 'vae' && stored.latentDim !== request.latentDim) {
    throw new RangeError(`latentDim is ${request.latentDim}, but the checkpoint's VariationalAutoencoder has latentDim ${String(stored.latentDim)}: pass { latentDim: ${String(stored.latentDim)}, checkpoint }`);
  }
}

/** The train options as they cross to the worker: data as matrices (copies, checked where the worker will check them). */
function workerSettings(options: WorkerTrainOptions | VaeWorkerTrainOptions): WorkerTrainSettings {
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

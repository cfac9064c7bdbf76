import { BoundData, bindData } from '../data/bound-data.js';
import { DivergenceError } from '../errors.js';
import { checkData, type MatrixLike } from '../matrix.js';
import type { Network } from '../runtime/network.js';
import { corruptionSettings, type Corruption } from './corruption.js';
import { checkCount, checkDimension, checkKeys } from './options.js';

/** Validation data: inputs, and the targets they should map to (default: the inputs themselves). */
export interface ValidationData {
  data: MatrixLike | BoundData;
  target?: MatrixLike | BoundData;
}

/** Stop training once the validation loss has not improved for `patience` epochs (as Keras's EarlyStopping). */
export interface EarlyStopping {
  /** Epochs without improvement after which training stops (≥ 1). */
  patience: number;
  /** An epoch improves when its validation loss is below the best so far minus `minDelta`. Default 0. */
  minDelta?: number;
  /**
   * When training ends (all epochs run, or stopped early), keep the weights of the best epoch. Default true. An
   * abort (`signal`) or a `DivergenceError` leaves the weights as they are then.
   */
  restoreBest?: boolean;
}

/** Options of `train`. */
export interface TrainOptions {
  /** Epochs to run now. Default: the constructor's `epochs` (250). */
  epochs?: number;
  /** Rows per step. 1 (default) is the chapter's per-sample loop in data order. */
  batchSize?: number;
  /** Steps per epoch. Default: enough batches to cover the data once (⌈rows / batchSize⌉). */
  batchesPerEpoch?: number;
  /**
   * Draw each batch at random, its rows without replacement (the chapter's `get_batch`); otherwise batches are
   * consecutive rows, continuing where the previous epoch stopped. Default: `batchSize > 1`.
   */
  shuffle?: boolean;
  /** What each row of `data` should map to (same rows, inputDim values each). Default: the row itself. */
  target?: MatrixLike | BoundData;
  /**
   * Corrupt the inputs of every batch afresh (drawn by the model's generator) while the loss compares the
   * reconstruction with the clean rows: a denoising autoencoder.
   */
  corruption?: Corruption;
  /**
   * Data to compute a validation loss on after every epoch (no corruption, no update): a fraction in (0, 1) holds
   * out the last ⌈fraction·rows⌉ rows of `data` (and of `target`) from training, as Keras's `validation_split`.
   */
  validation?: number | MatrixLike | BoundData | ValidationData;
  /** Stop when the validation loss stops improving (needs `validation`). */
  earlyStopping?: EarlyStopping;
  /** Called after every epoch. */
  onEpoch?: (info: EpochInfo) => void;
  /** Print `epoch i: loss = …` every `logEvery` epochs, like the chapter; 0 turns it off. Default 10. */
  logEvery?: number;
  /**
   * Stops training when aborted: checked between epochs, and inside long epochs between calls into the kernels,
   * which each do a bounded amount of work (some tens of milliseconds). Throws the signal's reason (an
   * `AbortError` DOMException unless `abort()` was given another); when the reason is an object, its `history`
   * property holds the history of the finished epochs, as a `DivergenceError`'s does.
   */
  signal?: AbortSignal;
  /** Hand a checkpoint to `onCheckpoint` every N epochs (the chapter's `Saver`). */
  checkpointEvery?: number;
  /**
   * Receives `toBytes()` and `epochsTrained` every `checkpointEvery` epochs, e.g. `checkpointTo('model.ae')`
   * from `wasm-autoencoder/node`.
   */
  onCheckpoint?: (checkpoint: Uint8Array, epochsTrained: number) => void;
}

const TRAIN_OPTIONS: readonly (keyof TrainOptions)[] = [
  'epochs', 'batchSize', 'batchesPerEpoch', 'shuffle', 'target', 'corruption', 'validation', 'earlyStopping', 'onEpoch', 'logEvery',
  'signal', 'checkpointEvery', 'onCheckpoint',
];

/** What `onEpoch` receives. */
export interface EpochInfo {
  /** Index of the epoch within this `train` call, from 0. */
  epoch: number;
  /** Mean of the epoch's batch losses. */
  loss: number;
  /** The loss of every step of the epoch, each computed before that step's update. */
  batchLosses: Float32Array;
  /** The model's loss on the validation data after the epoch (with `validation`; a VAE's with z = mean). */
  validationLoss?: number;
  /** A variational autoencoder's reconstruction term: the mean over the epoch's steps. */
  reconstruction?: number;
  /** A variational autoencoder's KL term (not weighted): the mean over the epoch's steps. */
  kl?: number;
}

/** The mean loss of every epoch; with `validation`, also the validation loss of every epoch. */
export type TrainHistory = number[] & { validation?: number[] };

/** What training needs of a model. */
export interface Trainee {
  readonly network: Network;
  readonly defaultEpochs: number;
  /** Epochs trained so far, over all calls. */
  epochsTrained(): number;
  /** Throws if the model was disposed. */
  checkAlive(): void;
  /** Counts one more finished epoch. */
  countEpoch(): void;
  toBytes(): Uint8Array;
}

// Rows per forward call when the validation loss is computed (at least; a larger training capacity is reused).
const VALIDATION_CHUNK = 128;
// Work of one call into the kernels, in flops (~10–40 ms on one core): between calls, trainAsync yields and a signal
// is heard, however long an epoch is. A step counts as MIN_STEP_WORK at least (its fixed cost).
const WORK_PER_CALL = 2 ** 28;
const MIN_STEP_WORK = 2 ** 12;
// An epoch whose mean loss is this many times the call's first batch loss has diverged, finite or not.
const DIVERGED_GROWTH = 1e4;

interface Plan {
  rows: number;
  batchSize: number;
  batches: number;
  /** Steps per call into the kernels. */
  stepsPerCall: number;
  epochs: number;
  shuffle: boolean;
  logEvery: number;
  checkpointEvery: number;
  /** Rows held out at the end of the data (a validation fraction), else 0. */
  heldOut: number;
  earlyStopping: Required<EarlyStopping> | undefined;
}

/** Rows in wasm memory for one train call: the caller's BoundData, or copies bound here (listed in `owned`). */
interface Bound {
  data: BoundData;
  target: BoundData | undefined;
  validation: { data: BoundData; target: BoundData | undefined } | undefined;
  owned: BoundData[];
}

/**
 * Checks everything, then returns a generator that trains when stepped: it yields between calls into the kernels
 * (every epoch, and inside long ones) and pushes each epoch's mean loss onto `history`.
 */
export function trainEpochs(model: Trainee, data: MatrixLike | BoundData, options: TrainOptions, history: TrainHistory): Generator<void, void> {
  model.checkAlive();
  const plan = planTraining(model, data, options);
  const corruption = options.corruption === undefined ? undefined : corruptionSettings(options.corruption);
  if (options.validation !== undefined) history.validation = [];
  return runEpochs(model, data, options, plan, corruption, history);
}

function* runEpochs(
  model: Trainee, data: MatrixLike | BoundData, options: TrainOptions, plan: Plan, corruption: ReturnType<typeof corruptionSettings> | undefined,
  history: TrainHistory,
): Generator<void, void> {
  const { network } = model;
  const trainRows = plan.rows - plan.heldOut;
  let bound: Bound | undefined;
  let idxPtr: number | undefined;
  let lossPtr: number | undefined;
  let klPtr: number | undefined;
  let best: { loss: number; weights: Float32Array[] | undefined } = { loss: Infinity, weights: undefined };
  try {
    bound = bindAll(data, options);
    const validationRows = bound.validation ? bound.validation.data.rows : plan.heldOut;
    network.ensureCapacity(Math.max(plan.batchSize, Math.min(validationRows, VALIDATION_CHUNK)));
    // Batches of several rows may update RMSProp's weights in a sweep over their gradient (assembly/train.ts).
    if (plan.batchSize > 1) network.ensureGradients();
    idxPtr = network.allocF32(trainRows);
    lossPtr = network.allocF32(plan.batches);
    const klWeight = network.lossSettings.klWeight;
    if (network.samplingLayer >= 0) klPtr = network.allocF32(plan.batches);
    const perPass = Math.ceil(trainRows / plan.batchSize);
    const governor = network.governorFor(plan.batchSize);
    let sinceBest = 0;
    let firstLoss: number | undefined;
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      throwIfAborted(options.signal, history);
      model.checkAlive(); // a callback or an awaited pause may have disposed the model or the data
      network.saveState();
      const firstBatch = (epoch * plan.batches) % perPass;
      // The epoch in calls of bounded work, the first fresh: the same bits as one call (train_steps says why).
      let steps = 0;
      while (steps < plan.batches) {
        if (steps > 0) {
          yield;
          throwIfAborted(options.signal, history);
          model.checkAlive();
        }
        const count = Math.min(plan.stepsPerCall, plan.batches - steps);
        const { dataPtr, targetPtr, kinds } = pointers(bound);
        // Set for this call into the kernels only, so that another training of the model (an overlapping
        // trainAsync) never runs with this one's corruption.
        if (corruption) network.setCorruption(corruption.kind, corruption.a, corruption.b, corruption.c);
        if (klPtr !== undefined) network.setKlLog(klPtr + 4 * steps);
        const threads = governor.next();
        const started = performance.now();
        let done: number;
        try {
          done = network.trainSteps(
            threads, dataPtr, targetPtr, trainRows, idxPtr, plan.batchSize, count, (firstBatch + steps) % perPass, plan.shuffle,
            steps === 0, lossPtr + 4 * steps, kinds,
          );
        } finally {
          network.setKlLog(0); // its buffer is this call's: nothing else may write there
        }
        governor.record(threads, (performance.now() - started) / 1000 / Math.max(1, done));
        if (corruption) network.setCorruption('none');
        steps += done;
        if (done < count) break;
      }
      const batchLosses = network.f32(lossPtr, plan.batches).slice(0, steps + (steps < plan.batches ? 1 : 0));
      if (steps < plan.batches || !network.parametersFinite()) throw divergence(network, epoch, steps, batchLosses[steps], history);
      const loss = batchLosses.reduce((sum, l) => sum + l, 0) / steps;
      firstLoss ??= batchLosses[0]!;
      if (firstLoss > 0 && loss > DIVERGED_GROWTH * firstLoss) {
        network.restoreState();
        throw new DivergenceError(
          `training diverged: the mean loss grew from ${firstLoss} (the first step) to ${loss} in epoch ${epoch}, more than ${DIVERGED_GROWTH}-fold; ` +
            `the model was put back to its state at the start of epoch ${epoch} (try a smaller learningRate, or scale the data)`,
          history,
        );
      }
      history.push(loss);
      model.countEpoch();
      let validationLoss: number | undefined;
      if (history.validation) {
        const given = bound.validation;
        // A validation fraction is the rows after the training rows, in data and target alike.
        const { dataPtr, targetPtr, kinds } = given ? pointers(given) : pointers(bound, trainRows);
        validationLoss = network.evaluate(dataPtr, targetPtr, given ? given.data.rows : plan.heldOut, kinds);
        history.validation.push(validationLoss);
      }
      if (plan.logEvery > 0 && epoch % plan.logEvery === 0) {
        console.log(`epoch ${epoch}: loss = ${loss}${validationLoss === undefined ? '' : `, validation loss = ${validationLoss}`}`);
      }
      const terms = klPtr === undefined ? {} : vaeTerms(network.f32(klPtr, steps), loss, klWeight);
      options.onEpoch?.({ epoch, loss, batchLosses, ...(validationLoss === undefined ? {} : { validationLoss }), ...terms });
      if (plan.checkpointEvery > 0 && (epoch + 1) % plan.checkpointEvery === 0) options.onCheckpoint!(model.toBytes(), model.epochsTrained());
      if (plan.earlyStopping && validationLoss !== undefined) {
        model.checkAlive(); // onEpoch or onCheckpoint may have disposed the model
        if (validationLoss < best.loss - plan.earlyStopping.minDelta) {
          best = { loss: validationLoss, weights: plan.earlyStopping.restoreBest ? network.parameters.map((p) => network.view(p, 'value').slice()) : undefined };
          sinceBest = 0;
        } else if (++sinceBest >= plan.earlyStopping.patience) {
          break;
        }
      }
      yield;
    }
    model.checkAlive();
    if (best.weights) network.parameters.forEach((p, i) => network.view(p, 'value').set(best.weights![i]!));
  } finally {
    if (klPtr !== undefined) network.release(klPtr, plan.batches);
    if (lossPtr !== undefined) network.release(lossPtr, plan.batches);
    if (idxPtr !== undefined) network.release(idxPtr, trainRows);
    for (const copy of bound?.owned ?? []) copy.dispose();
  }
}

/** A VAE epoch's terms: the mean KL of its steps, and the reconstruction that leaves of the mean loss. */
function vaeTerms(stepKl: Float32Array, loss: number, klWeight: number): { reconstruction: number; kl: number } {
  const kl = stepKl.reduce((sum, k) => sum + k, 0) / stepKl.length;
  return { reconstruction: loss - klWeight * kl, kl };
}

/**
 * Byte offsets of the data and its targets (the data itself when there are none), `skip` rows in, and the kernels'
 * `kinds` word saying which of them are stored as bytes (DATA_BYTES 1, TARGET_BYTES 2 in assembly/train.ts).
 */
function pointers(rows: { data: BoundData; target?: BoundData | undefined }, skip = 0): { dataPtr: number; targetPtr: number; kinds: number } {
  const at = (bound: BoundData) => bound.pointer() + skip * bound.cols * bound.bytesPerValue;
  const dataPtr = at(rows.data);
  const target = rows.target ?? rows.data;
  return { dataPtr, targetPtr: rows.target ? at(rows.target) : dataPtr, kinds: (rows.data.bytesPerValue === 1 ? 1 : 0) | (target.bytesPerValue === 1 ? 2 : 0) };
}

/** Binds what is not bound yet: data, target, validation data and its target. */
function bindAll(data: MatrixLike | BoundData, options: TrainOptions): Bound {
  const owned: BoundData[] = [];
  const asBound = (rows: MatrixLike | BoundData): BoundData => {
    if (rows instanceof BoundData) return rows;
    const copy = bindData(rows);
    owned.push(copy);
    return copy;
  };
  try {
    const validation = validationData(options.validation);
    return {
      data: asBound(data),
      target: options.target === undefined ? undefined : asBound(options.target),
      validation: validation && { data: asBound(validation.data), target: validation.target === undefined ? undefined : asBound(validation.target) },
      owned,
    };
  } catch (error) {
    for (const copy of owned) copy.dispose();
    throw error;
  }
}

/** The validation option as data and target, or undefined for none or a fraction. */
function validationData(validation: TrainOptions['validation']): ValidationData | undefined {
  if (validation === undefined || typeof validation === 'number') return undefined;
  if (typeof validation !== 'object' || validation === null) throw new TypeError('validation must be a fraction in (0, 1), data, or { data, target }');
  if (validation instanceof BoundData || Array.isArray(validation) || 'cols' in validation) return { data: validation as MatrixLike | BoundData };
  return validation as ValidationData;
}

/** Throws the signal's reason when it is aborted, with `history` on it (when it is an object) as on our errors. */
function throwIfAborted(signal: AbortSignal | undefined, history: TrainHistory): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (typeof reason === 'object' && reason !== null) {
    Object.defineProperty(reason, 'history', { value: history, configurable: true, writable: true, enumerable: false });
  }
  throw reason;
}

/**
 * The error for a non-finite loss or non-finite weights. Weights that are still finite are kept (those of the
 * last finite step); otherwise the model is put back to its state at the start of the epoch.
 */
function divergence(network: Network, epoch: number, step: number, loss: number | undefined, history: number[]): DivergenceError {
  const what = loss === undefined ? `the weights became non-finite in epoch ${epoch}` : `the loss became ${loss} in epoch ${epoch}, step ${step}`;
  const kept = network.parametersFinite()
    ? 'the weights of the last finite step were kept'
    : (network.restoreState(), `the weights overflowed, so the model was put back to its state at the start of epoch ${epoch}`);
  return new DivergenceError(`training diverged: ${what}; ${kept} (try a smaller learningRate, or scale the data)`, history);
}

function planTraining(model: Trainee, data: MatrixLike | BoundData, options: TrainOptions): Plan {
  checkKeys(options, TRAIN_OPTIONS, 'train options');
  const { network } = model;
  const { rows } = checkRows(model, data, network.inputDim, 'data');
  if (options.target !== undefined) {
    const target = checkRows(model, options.target, network.outputDim, 'target');
    if (target.rows !== rows) throw new RangeError(`target has ${target.rows} rows, data has ${rows}: each row of data needs its target row`);
  }
  const heldOut = checkValidation(model, options, rows);
  const batchSize = checkDimension(options.batchSize ?? 1, 'batchSize');
  if (batchSize > rows - heldOut) {
    throw new RangeError(`batchSize ${batchSize} is larger than the data (${rows - heldOut} rows${heldOut ? ' after the validation rows are held out' : ''})`);
  }
  const checkpointEvery = checkCount(options.checkpointEvery ?? 0, 'checkpointEvery');
  if (checkpointEvery > 0 && typeof options.onCheckpoint !== 'function') {
    throw new TypeError('checkpointEvery needs an onCheckpoint(bytes, epochsTrained) function to hand the checkpoints to');
  }
  const stepWork = 6 * batchSize * network.layers.reduce((sum, layer) => sum + layer.inDim * layer.outDim, 0);
  return {
    rows,
    batchSize,
    batches: checkDimension(options.batchesPerEpoch ?? Math.ceil((rows - heldOut) / batchSize), 'batchesPerEpoch'),
    stepsPerCall: Math.max(1, Math.floor(WORK_PER_CALL / Math.max(MIN_STEP_WORK, stepWork))),
    epochs: checkCount(options.epochs ?? model.defaultEpochs, 'epochs'),
    shuffle: options.shuffle ?? batchSize > 1,
    logEvery: checkCount(options.logEvery ?? 10, 'logEvery'),
    checkpointEvery,
    heldOut,
    earlyStopping: checkEarlyStopping(options),
  };
}

/** The rows held out of `data` by a validation fraction (0 otherwise), after checking any validation data. */
function checkValidation(model: Trainee, options: TrainOptions, rows: number): number {
  const { validation } = options;
  if (validation === undefined) return 0;
  if (typeof validation === 'number') {
    if (!(validation > 0 && validation < 1)) throw new RangeError(`validation must be a fraction in (0, 1) or data, got ${validation}`);
    const heldOut = Math.ceil(validation * rows);
    if (heldOut >= rows) throw new RangeError(`validation ${validation} holds out ${heldOut} of ${rows} rows and leaves none to train on`);
    return heldOut;
  }
  const given = validationData(validation)!;
  if (typeof given !== 'object' || given === null || given.data === undefined) throw new TypeError('validation must be a fraction, data, or { data, target }');
  checkKeys(given, ['data', 'target'], 'validation');
  const { rows: validationRows } = checkRows(model, given.data, model.network.inputDim, 'validation data');
  if (given.target !== undefined) {
    const target = checkRows(model, given.target, model.network.outputDim, 'validation target');
    if (target.rows !== validationRows) throw new RangeError(`validation target has ${target.rows} rows, validation data has ${validationRows}`);
  }
  return 0;
}

function checkEarlyStopping(options: TrainOptions): Required<EarlyStopping> | undefined {
  const { earlyStopping } = options;
  if (earlyStopping === undefined) return undefined;
  checkKeys(earlyStopping, ['patience', 'minDelta', 'restoreBest'], 'earlyStopping options');
  if (options.validation === undefined) throw new RangeError('earlyStopping needs validation data: pass validation (a fraction such as 0.1, or data)');
  const patience = checkDimension(earlyStopping.patience, 'earlyStopping.patience');
  const minDelta = earlyStopping.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new RangeError(`earlyStopping.minDelta must be a finite number ≥ 0, got ${String(minDelta)}`);
  const restoreBest = earlyStopping.restoreBest ?? true;
  if (typeof restoreBest !== 'boolean') throw new TypeError(`earlyStopping.restoreBest must be true or false, got ${String(restoreBest)}`);
  return { patience, minDelta, restoreBest };
}

function checkRows(model: Trainee, data: MatrixLike | BoundData, cols: number, what: string): { rows: number } {
  if (!(data instanceof BoundData)) return checkData(data, cols, what);
  data.pointer();
  if (data.kernels !== model.network.kernels) throw new RangeError(`bound ${what} belongs to another WebAssembly instance; bind it again`);
  if (data.cols !== cols) throw new RangeError(`bound ${what} has ${data.cols} values per row, the model expects ${cols}`);
  return data;
}

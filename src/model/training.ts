import { BoundData, bindData } from '../data/bound-data.js';
import { DivergenceError } from '../errors.js';
import { checkData, type MatrixLike } from '../matrix.js';
import { checkCount, checkDimension, checkKeys } from './options.js';
import type { DenseStack } from '../runtime/layout.js';

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
  /** Called after every epoch. */
  onEpoch?: (info: EpochInfo) => void;
  /** Print `epoch i: loss = …` every `logEvery` epochs, like the chapter; 0 turns it off. Default 10. */
  logEvery?: number;
  /** Stops training between epochs when aborted (throws the signal's reason). */
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
  'epochs', 'batchSize', 'batchesPerEpoch', 'shuffle', 'onEpoch', 'logEvery', 'signal', 'checkpointEvery', 'onCheckpoint',
];

/** What `onEpoch` receives. */
export interface EpochInfo {
  /** Index of the epoch within this `train` call, from 0. */
  epoch: number;
  /** Mean of the epoch's batch losses. */
  loss: number;
  /** The loss of every step of the epoch, each computed before that step's update. */
  batchLosses: Float32Array;
}

/** What training needs of a model. */
export interface Trainee {
  readonly stack: DenseStack;
  readonly inputDim: number;
  readonly defaultEpochs: number;
  /** Epochs trained so far, over all calls. */
  epochsTrained(): number;
  /** Throws if the model was disposed. */
  checkAlive(): void;
  /** Counts one more finished epoch. */
  countEpoch(): void;
  toBytes(): Uint8Array;
}

interface Plan {
  rows: number;
  batchSize: number;
  batches: number;
  epochs: number;
  shuffle: boolean;
  logEvery: number;
  checkpointEvery: number;
}

/**
 * Checks everything, then returns a generator that runs one epoch per `next()` (one call into the kernels each)
 * and pushes each epoch's mean loss onto `history`.
 */
export function trainEpochs(model: Trainee, data: MatrixLike | BoundData, options: TrainOptions, history: number[]): Generator<void, void> {
  model.checkAlive();
  const plan = planTraining(model, data, options);
  return runEpochs(model, data, options, plan, history);
}

function* runEpochs(model: Trainee, data: MatrixLike | BoundData, options: TrainOptions, plan: Plan, history: number[]): Generator<void, void> {
  const { stack } = model;
  const { kernels } = stack;
  let bound: BoundData | undefined;
  let idxPtr: number | undefined;
  let lossPtr: number | undefined;
  try {
    stack.ensureCapacity(plan.batchSize);
    bound = data instanceof BoundData ? data : bindData(data);
    idxPtr = stack.allocF32(plan.rows);
    lossPtr = stack.allocF32(plan.batches);
    const perPass = Math.ceil(plan.rows / plan.batchSize);
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      options.signal?.throwIfAborted();
      model.checkAlive(); // a callback or an awaited pause may have disposed the model or the data
      const dataPtr = bound.pointer();
      stack.saveState();
      const firstBatch = (epoch * plan.batches) % perPass;
      const steps = kernels.train_steps(stack.desc, dataPtr, plan.rows, idxPtr, plan.batchSize, plan.batches, firstBatch, plan.shuffle, lossPtr);
      const batchLosses = stack.f32(lossPtr, plan.batches).slice(0, steps + (steps < plan.batches ? 1 : 0));
      if (steps < plan.batches || !stack.parametersFinite()) throw divergence(stack, epoch, steps, batchLosses[steps], history);
      const loss = batchLosses.reduce((sum, l) => sum + l, 0) / steps;
      history.push(loss);
      model.countEpoch();
      if (plan.logEvery > 0 && epoch % plan.logEvery === 0) console.log(`epoch ${epoch}: loss = ${loss}`);
      options.onEpoch?.({ epoch, loss, batchLosses });
      if (plan.checkpointEvery > 0 && (epoch + 1) % plan.checkpointEvery === 0) options.onCheckpoint!(model.toBytes(), model.epochsTrained());
      yield;
    }
  } finally {
    if (lossPtr !== undefined) stack.release(lossPtr, plan.batches);
    if (idxPtr !== undefined) stack.release(idxPtr, plan.rows);
    if (bound !== undefined && bound !== data) bound.dispose();
  }
}

/**
 * The error for a non-finite loss or non-finite weights. Weights that are still finite are kept (those of the
 * last finite step); otherwise the model is put back to its state at the start of the epoch.
 */
function divergence(stack: DenseStack, epoch: number, step: number, loss: number | undefined, history: number[]): DivergenceError {
  const what = loss === undefined ? `the weights became non-finite in epoch ${epoch}` : `the loss became ${loss} in epoch ${epoch}, step ${step}`;
  const kept = stack.parametersFinite()
    ? 'the weights of the last finite step were kept'
    : (stack.restoreState(), `the weights overflowed, so the model was put back to its state at the start of epoch ${epoch}`);
  return new DivergenceError(`training diverged: ${what}; ${kept} (try a smaller learningRate, or scale the data)`, history);
}

function planTraining(model: Trainee, data: MatrixLike | BoundData, options: TrainOptions): Plan {
  checkKeys(options, TRAIN_OPTIONS, 'train options');
  const { rows } = data instanceof BoundData ? checkBound(model, data) : checkData(data, model.inputDim);
  const batchSize = checkDimension(options.batchSize ?? 1, 'batchSize');
  if (batchSize > rows) throw new RangeError(`batchSize ${batchSize} is larger than the data (${rows} rows)`);
  const checkpointEvery = checkCount(options.checkpointEvery ?? 0, 'checkpointEvery');
  if (checkpointEvery > 0 && typeof options.onCheckpoint !== 'function') {
    throw new TypeError('checkpointEvery needs an onCheckpoint(bytes, epochsTrained) function to hand the checkpoints to');
  }
  return {
    rows,
    batchSize,
    batches: checkDimension(options.batchesPerEpoch ?? Math.ceil(rows / batchSize), 'batchesPerEpoch'),
    epochs: checkCount(options.epochs ?? model.defaultEpochs, 'epochs'),
    shuffle: options.shuffle ?? batchSize > 1,
    logEvery: checkCount(options.logEvery ?? 10, 'logEvery'),
    checkpointEvery,
  };
}

function checkBound(model: Trainee, data: BoundData): { rows: number } {
  data.pointer();
  if (data.kernels !== model.stack.kernels) throw new RangeError('bound data belongs to another WebAssembly instance; bind it again');
  if (data.cols !== model.inputDim) throw new RangeError(`bound data has ${data.cols} values per row, the model expects ${model.inputDim}`);
  return data;
}

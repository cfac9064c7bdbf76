import { BoundData, bindData } from './bound-data.js';
import { DivergenceError } from './errors.js';
import { checkData, writeRows, type Matrix, type MatrixLike } from './matrix.js';
import { checkCount, checkDimension, optimizerSettings, resolveOptions, type AutoencoderOptions, type ResolvedOptions } from './options.js';
import { DenseStack, type LayerArray } from './runtime/layout.js';
import { readCheckpoint, writeCheckpoint } from './model-checkpoint.js';
import { PARAMETERS, type ParameterName, type Weights } from './parameters.js';

/** Options of `train`. */
export interface TrainOptions {
  /** Epochs to run now. Default: the constructor's `epochs` (250). */
  epochs?: number;
  /** Rows per step. 1 (default) is the chapter's per-sample loop in data order. */
  batchSize?: number;
  /** Steps per epoch. Default: enough batches to cover the data once (⌈rows / batchSize⌉). */
  batchesPerEpoch?: number;
  /** Draw each batch at random without replacement (the chapter's `get_batch`); default: `batchSize > 1`. */
  shuffle?: boolean;
  /** Called after every epoch. */
  onEpoch?: (info: EpochInfo) => void;
  /** Print `epoch i: loss = …` every `logEvery` epochs, like the chapter; 0 turns it off. Default 10. */
  logEvery?: number;
  /** Stops training between epochs when aborted (throws the signal's reason). */
  signal?: AbortSignal;
  /** Hand a checkpoint to `onCheckpoint` every N epochs (the chapter's `Saver`). */
  checkpointEvery?: number;
  /** Receives `toBytes()` every `checkpointEvery` epochs, e.g. `checkpointTo('model.ae')` from `wasm-autoencoder/node`. */
  onCheckpoint?: (checkpoint: Uint8Array, epoch: number) => void;
}

/** What `onEpoch` receives. */
export interface EpochInfo {
  /** Index of the epoch within this `train` call, from 0. */
  epoch: number;
  /** Mean of the epoch's batch losses. */
  loss: number;
  /** The loss of every step of the epoch, each computed before that step's update. */
  batchLosses: Float32Array;
}

/** What `test` returns. */
export interface TestResult {
  /** The codes: rows × hiddenDim. */
  hidden: Matrix<Float32Array>;
  /** The reconstructions: rows × inputDim. */
  reconstructed: Matrix<Float32Array>;
  /** sqrt(mean((x − x̂)²)) over all rows and columns. */
  loss: number;
}

// Rows per forward call in test/encode/decode (at least; a larger training capacity is reused): enough rows to
// keep the matrix kernels at full speed without growing the activation buffers much.
const EVAL_CHUNK = 128;

/**
 * An autoencoder with one hidden layer: `hidden = f(x·W₁ + b₁)`, `x̂ = hidden·W₂ + b₂`, trained with RMSProp
 * on the RMSE loss, entirely inside WebAssembly. Defaults follow the chapter (TensorFlow 1).
 *
 * @example
 * ```ts
 * import { Autoencoder } from 'wasm-autoencoder';
 * import { iris } from 'wasm-autoencoder/datasets';
 * const ae = new Autoencoder(4, 1);               // epochs 250, learningRate 0.001, tanh, RMSProp
 * ae.train(iris);                                 // one sample at a time; logs the loss every 10 epochs
 * const { hidden, reconstructed } = ae.test([[8, 4, 6, 2]]);
 * ae.dispose();
 * ```
 */
export class Autoencoder {
  readonly inputDim: number;
  readonly hiddenDim: number;
  /** The options in force, defaults applied. */
  readonly options: ResolvedOptions;
  private readonly stack: DenseStack;
  private trainedEpochs = 0;

  constructor(inputDim: number, hiddenDim: number, options: AutoencoderOptions = {}) {
    this.inputDim = checkDimension(inputDim, 'inputDim');
    this.hiddenDim = checkDimension(hiddenDim, 'hiddenDim');
    this.options = resolveOptions(options);
    this.stack = new DenseStack(
      [
        { inDim: inputDim, outDim: hiddenDim, activation: this.options.activation },
        { inDim: hiddenDim, outDim: inputDim, activation: 'linear' },
      ],
      optimizerSettings(this.options),
    );
    const { kernels, rngState } = this.stack;
    kernels.rng_seed(rngState, this.options.seed % 2 ** 32, Math.floor(this.options.seed / 2 ** 32));
    for (let l = 0; l < 2; l++) {
      const W = this.stack.view(l, 'W');
      kernels.rng_normal(rngState, W.byteOffset, W.length, 0, 1);
      this.stack.view(l, 'b').fill(0);
      this.stack.view(l, 'msW').fill(1);
      this.stack.view(l, 'msb').fill(1);
      if (this.stack.hasMomentum()) {
        this.stack.view(l, 'momW').fill(0);
        this.stack.view(l, 'momb').fill(0);
      }
    }
  }

  /** Epochs trained so far, over all `train` calls (kept in checkpoints). */
  get epochsTrained(): number {
    return this.trainedEpochs;
  }

  /**
   * Trains on `data` (rows of inputDim values), continuing from the current weights and optimizer state.
   * The data is copied into WebAssembly memory once per call (or never, given `bindData(data)`); each epoch is
   * one call into the kernels.
   * Returns the loss history: the mean batch loss of every epoch.
   *
   * @example
   * ```ts
   * const history = ae.train(data, { epochs: 50, batchSize: 10, logEvery: 0 });
   * ```
   */
  train(data: MatrixLike | BoundData, options: TrainOptions = {}): number[] {
    const run = this.epochs(data, options);
    for (let step = run.next(); !step.done; step = run.next());
    return run.history;
  }

  /**
   * Like `train`, but yields to the event loop between epochs, so timers, UI events and `signal` can act.
   *
   * @example
   * ```ts
   * const history = await ae.trainAsync(data, { signal: AbortSignal.timeout(5000) });
   * ```
   */
  async trainAsync(data: MatrixLike | BoundData, options: TrainOptions = {}): Promise<number[]> {
    const run = this.epochs(data, options);
    for (let step = run.next(); !step.done; step = run.next()) await new Promise((resolve) => setTimeout(resolve, 0));
    return run.history;
  }

  private epochs(data: MatrixLike | BoundData, options: TrainOptions): Iterator<number, void> & { history: number[] } {
    this.checkAlive();
    const plan = this.planTraining(data, options);
    const history: number[] = [];
    const self = this;
    const iterator = (function* (): Generator<number, void> {
      const { stack } = self;
      const { kernels } = stack;
      stack.ensureCapacity(plan.batchSize);
      const bound = data instanceof BoundData ? data : bindData(data);
      const idxPtr = stack.allocF32(plan.rows);
      const lossPtr = stack.allocF32(plan.batches);
      try {
        const dataPtr = bound.pointer();
        for (let epoch = 0; epoch < plan.epochs; epoch++) {
          options.signal?.throwIfAborted();
          stack.saveState();
          const steps = kernels.train_steps(stack.desc, dataPtr, plan.rows, idxPtr, plan.batchSize, plan.batches, plan.shuffle, lossPtr);
          const batchLosses = stack.f32(lossPtr, plan.batches).slice(0, steps + (steps < plan.batches ? 1 : 0));
          if (steps < plan.batches || !stack.parametersFinite()) throw self.divergence(epoch, steps, batchLosses[steps], history);
          const loss = batchLosses.reduce((sum, l) => sum + l, 0) / steps;
          history.push(loss);
          self.trainedEpochs++;
          if (plan.logEvery > 0 && epoch % plan.logEvery === 0) console.log(`epoch ${epoch}: loss = ${loss}`);
          options.onEpoch?.({ epoch, loss, batchLosses });
          if (plan.checkpointEvery > 0 && (epoch + 1) % plan.checkpointEvery === 0) options.onCheckpoint!(self.toBytes(), epoch + 1);
          yield epoch;
        }
      } finally {
        stack.release(lossPtr, plan.batches);
        stack.release(idxPtr, plan.rows);
        if (bound !== data) bound.dispose();
      }
    })();
    return Object.assign(iterator, { history });
  }

  /**
   * The error for a non-finite loss or non-finite weights. Weights that are still finite are kept (those of the
   * last finite step); otherwise the model is put back to its state at the start of the epoch.
   */
  private divergence(epoch: number, step: number, loss: number | undefined, history: number[]): DivergenceError {
    const what = loss === undefined ? `the weights became non-finite in epoch ${epoch}` : `the loss became ${loss} in epoch ${epoch}, step ${step}`;
    const kept = this.stack.parametersFinite()
      ? 'the weights of the last finite step were kept'
      : (this.stack.restoreState(), `the weights overflowed, so the model was put back to its state at the start of epoch ${epoch}`);
    return new DivergenceError(`training diverged: ${what}; ${kept} (try a smaller learningRate, or scale the data)`, history);
  }

  private planTraining(data: MatrixLike | BoundData, options: TrainOptions) {
    const { rows } = data instanceof BoundData ? this.checkBound(data) : checkData(data, this.inputDim);
    const batchSize = checkDimension(options.batchSize ?? 1, 'batchSize');
    if (batchSize > rows) throw new RangeError(`batchSize ${batchSize} is larger than the data (${rows} rows)`);
    const batches = checkDimension(options.batchesPerEpoch ?? Math.ceil(rows / batchSize), 'batchesPerEpoch');
    const checkpointEvery = checkCount(options.checkpointEvery ?? 0, 'checkpointEvery');
    if (checkpointEvery > 0 && typeof options.onCheckpoint !== 'function') {
      throw new TypeError('checkpointEvery needs an onCheckpoint(bytes, epoch) function to hand the checkpoints to');
    }
    return {
      rows,
      batchSize,
      batches,
      checkpointEvery,
      epochs: checkCount(options.epochs ?? this.options.epochs, 'epochs'),
      shuffle: options.shuffle ?? batchSize > 1,
      logEvery: checkCount(options.logEvery ?? 10, 'logEvery'),
    };
  }

  private checkBound(data: BoundData): { rows: number } {
    data.pointer();
    if (data.cols !== this.inputDim) throw new RangeError(`bound data has ${data.cols} values per row, the model expects ${this.inputDim}`);
    return data;
  }

  /**
   * Encodes and reconstructs `data`; returns the codes, the reconstructions and the RMSE loss.
   *
   * @example
   * ```ts
   * const { hidden, reconstructed, loss } = ae.test([[8, 4, 6, 2]]);
   * ```
   */
  test(data: MatrixLike): TestResult {
    const { rows } = checkData(data, this.inputDim);
    const hidden = new Float32Array(rows * this.hiddenDim);
    const reconstructed = new Float32Array(rows * this.inputDim);
    let squared = 0;
    this.forEachChunk(data, rows, this.inputDim, 0, 1, (start, count, input) => {
      hidden.set(this.stack.output(0, count), start * this.hiddenDim);
      reconstructed.set(this.stack.output(1, count), start * this.inputDim);
      squared += this.stack.kernels.sum_squared_error(this.stack.output(1, count).byteOffset, input, count * this.inputDim);
    });
    return {
      hidden: { rows, cols: this.hiddenDim, data: hidden },
      reconstructed: { rows, cols: this.inputDim, data: reconstructed },
      loss: Math.sqrt(squared / (rows * this.inputDim)),
    };
  }

  /**
   * The codes of `data`: rows × hiddenDim.
   *
   * @example
   * ```ts
   * const codes = ae.encode([[5.1, 3.5, 1.4, 0.2]]);   // { rows: 1, cols: 1, data: Float32Array [...] }
   * ```
   */
  encode(data: MatrixLike): Matrix<Float32Array> {
    const { rows } = checkData(data, this.inputDim);
    const out = new Float32Array(rows * this.hiddenDim);
    this.forEachChunk(data, rows, this.inputDim, 0, 0, (start, count) => out.set(this.stack.output(0, count), start * this.hiddenDim));
    return { rows, cols: this.hiddenDim, data: out };
  }

  /**
   * Reconstructions from codes (rows × hiddenDim): rows × inputDim.
   *
   * @example
   * ```ts
   * const x = ae.decode(ae.encode(data));
   * ```
   */
  decode(codes: MatrixLike): Matrix<Float32Array> {
    const { rows } = checkData(codes, this.hiddenDim, 'codes');
    const out = new Float32Array(rows * this.inputDim);
    this.forEachChunk(codes, rows, this.hiddenDim, 1, 1, (start, count) => out.set(this.stack.output(1, count), start * this.inputDim));
    return { rows, cols: this.inputDim, data: out };
  }

  /** Runs layers first..last over `data` in chunks; `visit` reads the outputs of each chunk (input: its offset). */
  private forEachChunk(
    data: MatrixLike, rows: number, cols: number, first: number, last: number,
    visit: (start: number, count: number, input: number) => void,
  ): void {
    this.checkAlive();
    const chunk = Math.min(rows, Math.max(this.stack.capacity, EVAL_CHUNK));
    this.stack.ensureCapacity(chunk);
    const input = this.stack.allocF32(chunk * cols);
    try {
      for (let start = 0; start < rows; start += chunk) {
        const count = Math.min(chunk, rows - start);
        writeRows(data, start, count, this.stack.f32(input, count * cols));
        this.stack.kernels.forward(this.stack.desc, input, count, first, last);
        visit(start, count, input);
      }
    } finally {
      this.stack.release(input, chunk * cols);
    }
  }

  /**
   * The loss of `data` taken as one batch and its gradient with respect to every parameter, by backprop in
   * WebAssembly; nothing is updated. Useful for checking the model against finite differences.
   *
   * @example
   * ```ts
   * const { loss, gradients } = ae.gradients([[1, 2, 3, 4]]);
   * gradients['encode/weights'];   // Matrix 4 × hiddenDim
   * ```
   */
  gradients(data: MatrixLike): { loss: number; gradients: Weights } {
    this.checkAlive();
    const { rows } = checkData(data, this.inputDim);
    this.stack.ensureCapacity(rows);
    this.stack.ensureGradients();
    const input = this.stack.allocF32(rows * this.inputDim);
    try {
      writeRows(data, 0, rows, this.stack.f32(input, rows * this.inputDim));
      const loss = this.stack.kernels.gradients(this.stack.desc, input, rows);
      return { loss, gradients: this.collect({ W: 'gradW', b: 'gradB' }) };
    } finally {
      this.stack.release(input, rows * this.inputDim);
    }
  }

  /**
   * A copy of every parameter, by name.
   *
   * @example
   * ```ts
   * const { 'encode/weights': W } = ae.getWeights();   // Matrix inputDim × hiddenDim
   * ```
   */
  getWeights(): Weights {
    this.checkAlive();
    return this.collect({ W: 'W', b: 'b' });
  }

  /**
   * Replaces any subset of the parameters (each a `Matrix` or rows of numbers of the shape `getWeights` gives).
   * Optimizer state is kept.
   *
   * @example
   * ```ts
   * ae.setWeights({ 'decode/biases': [[0, 0, 0, 0]] });
   * ```
   */
  setWeights(weights: Partial<Record<ParameterName, MatrixLike>>): void {
    this.checkAlive();
    const entries = Object.entries(weights).filter(([, value]) => value !== undefined) as [ParameterName, MatrixLike][];
    for (const [name, value] of entries) this.checkParameter(name, value);
    for (const [name, value] of entries) {
      const { layer, array } = PARAMETERS[name];
      const target = this.stack.view(layer, array);
      writeRows(value, 0, this.shapeOf(name).rows, target);
    }
  }

  /** The shape of a parameter. */
  shapeOf(name: ParameterName): { rows: number; cols: number } {
    const { layer, array } = PARAMETERS[name];
    const spec = this.stack.layers[layer]!;
    return array === 'W' ? { rows: spec.inDim, cols: spec.outDim } : { rows: 1, cols: spec.outDim };
  }

  private checkParameter(name: string, value: MatrixLike): void {
    if (!(name in PARAMETERS)) {
      throw new RangeError(`unknown parameter '${name}': expected one of ${Object.keys(PARAMETERS).map((n) => `'${n}'`).join(', ')}`);
    }
    const shape = this.shapeOf(name as ParameterName);
    const got = checkData(value, shape.cols, name);
    if (got.rows !== shape.rows) throw new RangeError(`${name} has ${got.rows} rows, expected ${shape.rows}×${shape.cols}`);
  }

  private collect(arrays: { W: LayerArray; b: LayerArray }): Weights {
    const out = {} as Weights;
    for (const name of Object.keys(PARAMETERS) as ParameterName[]) {
      const { layer, array } = PARAMETERS[name];
      out[name] = { ...this.shapeOf(name), data: this.stack.view(layer, arrays[array]).slice() };
    }
    return out;
  }

  /**
   * The whole model (options, parameters, optimizer state, generator state) as checkpoint bytes.
   *
   * @example
   * ```ts
   * const bytes = ae.toBytes();
   * const copy = Autoencoder.fromBytes(bytes);
   * ```
   */
  toBytes(): Uint8Array {
    this.checkAlive();
    return writeCheckpoint(this, this.stack, this.trainedEpochs);
  }

  /**
   * Rebuilds a model from `toBytes()`; training continues exactly where it stopped. Throws `CheckpointError`
   * on corrupt, truncated or foreign bytes.
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Autoencoder {
    return readCheckpoint(bytes, (inputDim, hiddenDim, options, restore) => {
      const ae = new Autoencoder(inputDim, hiddenDim, options);
      try {
        ae.trainedEpochs = restore(ae.stack);
      } catch (error) {
        ae.dispose();
        throw error;
      }
      return ae;
    });
  }

  /** Gives the model's WebAssembly memory back; the model cannot be used afterwards. */
  dispose(): void {
    this.stack.dispose();
  }

  private checkAlive(): void {
    if (this.stack.isDisposed) throw new Error('this Autoencoder was disposed; create a new one');
  }
}

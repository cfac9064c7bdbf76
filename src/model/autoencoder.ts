import type { BoundData } from '../data/bound-data.js';
import { DisposedError } from '../errors.js';
import { checkData, writeRows, type Matrix, type MatrixLike } from '../matrix.js';
import { Network, type ParameterRange } from '../runtime/network.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { checkDimension, checkHidden, checkKeys, checkRunOptions, optimizerSettings, resolveOptions, type AutoencoderOptions, type Precision, type ResolvedOptions, type RunOptions } from './options.js';
import { autoencoderLayers, type ParameterName, type Weights } from './parameters.js';
import { summaryTable } from './summary.js';
import { checkThreshold, flagAbove, type Detection } from './anomaly.js';
import { trainEpochs, type Trainee, type TrainHistory, type TrainOptions } from './training.js';

/** What `test` returns. */
export interface TestResult {
  /** The codes: rows × hiddenDim. */
  hidden: Matrix<Float32Array>;
  /** The reconstructions: rows × inputDim. */
  reconstructed: Matrix<Float32Array>;
  /** The model's loss (its `loss` option: RMSE by default) over all rows and columns. */
  loss: number;
  /** Each row's own loss: its anomaly score (rows the model reconstructs badly are unlike its training data). */
  rowLosses: Float64Array;
}

/** Options of `test` and `gradients`. */
export interface TargetOptions {
  /** What each row of data should map to (same rows, inputDim values). Default: the row itself. */
  target?: MatrixLike;
}

// Rows per forward call in test/encode/decode (at least; a larger training capacity is reused): enough rows to
// keep the matrix kernels at full speed without growing the activation buffers much.
const EVAL_CHUNK = 128;

/**
 * An autoencoder: an encoder of dense layers inputDim → hidden[0] → … → hidden[L−1] (the code), and a decoder that
 * mirrors it back to inputDim, trained entirely inside WebAssembly. With one hidden width it is the chapter's
 * model, `hidden = f(x·W₁ + b₁)`, `x̂ = hidden·W₂ + b₂`, trained with RMSProp on the RMSE loss; defaults follow
 * the chapter (TensorFlow 1).
 *
 * @example
 * ```ts
 * import { Autoencoder } from 'wasm-autoencoder';
 * import { iris } from 'wasm-autoencoder/datasets';
 * const ae = new Autoencoder(4, 1);               // epochs 250, learningRate 0.001, tanh, RMSProp
 * ae.train(iris);                                 // one sample at a time; logs the loss every 10 epochs
 * const { hidden, reconstructed } = ae.test([[8, 4, 6, 2]]);
 * ae.dispose();
 * const deep = new Autoencoder(784, [256, 64], { activation: 'relu', optimizer: { name: 'adam' } });
 * ```
 */
export class Autoencoder {
  readonly inputDim: number;
  /** The encoder's layer widths, the code last. */
  readonly hidden: readonly number[];
  /** The code's width: the last of `hidden`. */
  readonly hiddenDim: number;
  /** The options in force, defaults applied. */
  readonly options: ResolvedOptions;
  /**
   * Anything of yours that belongs with the model (how its data was scaled, label names, a version): a plain
   * object, kept in checkpoints as `JSON.stringify` writes it (so NaN becomes null, a Date a string).
   *
   * @example
   * ```ts
   * ae.metadata.scale = 1 / 255;
   * Autoencoder.fromBytes(ae.toBytes()).metadata;   // { scale: 0.00392… }
   * ```
   */
  metadata: Record<string, unknown> = {};
  private readonly network: Network;
  private trainedEpochs = 0;

  constructor(inputDim: number, hidden: number | readonly number[], options: AutoencoderOptions = {}) {
    this.inputDim = checkDimension(inputDim, 'inputDim');
    this.hidden = Object.freeze(checkHidden(hidden));
    this.hiddenDim = this.hidden.at(-1)!;
    this.options = resolveOptions(options);
    const { threads, precision } = checkRunOptions(options);
    this.network = new Network(autoencoderLayers(this.inputDim, this.hidden, this.options), this.options.loss, optimizerSettings(this.options));
    try {
      this.network.initialize(this.options.seed, this.options.weightInit);
      this.network.useThreads(threads);
      this.network.usePrecision(precision);
    } catch (error) {
      this.network.dispose();
      throw error;
    }
  }

  /**
   * The threads this model's steps are split among now: what `threads` asked for where the threaded build runs
   * (Node; cross-origin-isolated pages and workers, once their workers have started), 1 elsewhere. Results are the
   * same bits whatever it is.
   *
   * @example
   * ```ts
   * const ae = new Autoencoder(3072, 100, { threads: 'auto' });
   * ae.threads;   // 2 on a two-core machine in Node; 1 in a page that is not cross-origin isolated
   * ```
   */
  get threads(): number {
    return this.network.threads;
  }

  /**
   * The products' rounding in effect: `'fast'` where the model asked for it and the runtime has relaxed SIMD,
   * `'exact'` otherwise (see {@link Precision}).
   *
   * @example
   * ```ts
   * const ae = new Autoencoder(3072, 100, { precision: 'fast' });
   * ae.precision;   // 'fast' in Chrome or Node 22; 'exact' in Node 20 without --experimental-wasm-relaxed-simd
   * ```
   */
  get precision(): Precision {
    return this.network.precision;
  }

  /**
   * Epochs trained so far, over all `train` calls (kept in checkpoints).
   *
   * @example
   * ```ts
   * ae.train(iris, { epochs: 5 });
   * ae.epochsTrained;   // 5
   * ```
   */
  get epochsTrained(): number {
    return this.trainedEpochs;
  }

  /**
   * Trains on `data` (rows of inputDim values), continuing from the current weights and optimizer state.
   * The data is copied into WebAssembly memory once per call (or never, given `bindData(data)`); steps run in
   * the kernels, many to a call (an epoch, or some tens of milliseconds of work), at any depth. Returns the loss history: the mean batch loss of every epoch (and,
   * with `validation`, `history.validation`: the validation loss of every epoch).
   *
   * @example
   * ```ts
   * const history = ae.train(data, { epochs: 50, batchSize: 10, logEvery: 0 });
   * ae.train(noisy, { target: clean });                                   // fit(x, y)
   * ae.train(data, { corruption: { type: 'gaussian', stddev: 0.3 } });    // denoising
   * ae.train(data, { validation: 0.1, earlyStopping: { patience: 5 } });
   * ```
   */
  train(data: MatrixLike | BoundData, options: TrainOptions = {}): TrainHistory {
    const history: TrainHistory = [];
    const run = trainEpochs(this.trainee(), data, options, history);
    for (let epoch = run.next(); !epoch.done; epoch = run.next());
    return history;
  }

  /**
   * Like `train`, but yields to the event loop between calls into the kernels (every epoch, and every few tens of
   * milliseconds inside a long one), so timers, UI events and `signal` can act.
   *
   * @example
   * ```ts
   * const history = await ae.trainAsync(data, { signal: AbortSignal.timeout(5000) });
   * ```
   */
  async trainAsync(data: MatrixLike | BoundData, options: TrainOptions = {}): Promise<TrainHistory> {
    const history: TrainHistory = [];
    const run = trainEpochs(this.trainee(), data, options, history);
    for (let epoch = run.next(); !epoch.done; epoch = run.next()) await yieldToEventLoop();
    return history;
  }

  private trainee(): Trainee {
    return {
      network: this.network,
      defaultEpochs: this.options.epochs,
      epochsTrained: () => this.trainedEpochs,
      checkAlive: () => this.checkAlive(),
      countEpoch: () => this.trainedEpochs++,
      toBytes: () => this.toBytes(),
    };
  }

  /** Index of the code layer (the encoder's last) and of the output layer. */
  private get codeLayer(): number {
    return this.hidden.length - 1;
  }

  private get outputLayer(): number {
    return 2 * this.hidden.length - 1;
  }

  /**
   * Encodes and reconstructs `data`; returns the codes, the reconstructions, the model's loss against the data (or
   * `target`), and each row's loss (an anomaly score).
   *
   * @example
   * ```ts
   * const { hidden, reconstructed, loss, rowLosses } = ae.test([[8, 4, 6, 2]]);
   * ```
   */
  test(data: MatrixLike, options: TargetOptions = {}): TestResult {
    const { rows } = checkData(data, this.inputDim);
    const target = checkTarget(options, rows, this.inputDim);
    const hidden = new Float32Array(rows * this.hiddenDim);
    const reconstructed = new Float32Array(rows * this.inputDim);
    const rowLosses = new Float64Array(rows);
    const total = this.lossesOf(data, rows, target, rowLosses, (start, count, output) => {
      hidden.set(this.network.output(this.codeLayer, count), start * this.hiddenDim);
      reconstructed.set(output, start * this.inputDim);
    });
    return {
      hidden: { rows, cols: this.hiddenDim, data: hidden },
      reconstructed: { rows, cols: this.inputDim, data: reconstructed },
      loss: this.network.lossValue(total, rows * this.inputDim),
      rowLosses,
    };
  }

  /**
   * Each row's loss against itself (or `target`): its anomaly score, as `test`'s rowLosses, without keeping the
   * codes and reconstructions. Pick a threshold from the scores of normal rows with `anomalyThreshold`.
   *
   * @example
   * ```ts
   * const scores = ae.anomalyScores([[8, 4, 6, 2], [80, 4, 6, 2]]);   // Float64Array(2), the second larger
   * ```
   */
  anomalyScores(data: MatrixLike, options: TargetOptions = {}): Float64Array {
    const { rows } = checkData(data, this.inputDim);
    const target = checkTarget(options, rows, this.inputDim);
    const scores = new Float64Array(rows);
    this.lossesOf(data, rows, target, scores);
    return scores;
  }

  /**
   * Scores every row of `data` (as `anomalyScores`) and flags those above `threshold` (from `anomalyThreshold`
   * on scores of normal rows).
   *
   * @example
   * ```ts
   * const threshold = anomalyThreshold(ae.anomalyScores(normalRows), { quantile: 0.99 });
   * const { scores, anomalies } = ae.detect(newRows, threshold);   // anomalies[i] is 1 where scores[i] > threshold
   * ```
   */
  detect(data: MatrixLike, threshold: number): Detection {
    checkThreshold(threshold);
    return flagAbove(this.anomalyScores(data), threshold);
  }

  /**
   * Runs the model on `data` in chunks and writes each row's loss into `losses`; `onChunk` sees each chunk's
   * output before the next overwrites it. Returns the sum of the loss terms over all rows.
   */
  private lossesOf(
    data: MatrixLike, rows: number, target: MatrixLike | undefined, losses: Float64Array,
    onChunk?: (start: number, count: number, output: Float32Array) => void,
  ): number {
    let total = 0;
    const rowBytes = this.inputDim * Float32Array.BYTES_PER_ELEMENT;
    this.forEachChunk(data, rows, this.inputDim, [0, this.outputLayer], target, (start, count, input, targetAt) => {
      const output = this.network.output(this.outputLayer, count);
      onChunk?.(start, count, output);
      const pre = this.network.outputPreActivation;
      for (let row = 0; row < count; row++) {
        const at = row * rowBytes;
        const sum = this.network.lossSum(output.byteOffset + at, pre && pre + at, (targetAt ?? input) + at, this.inputDim);
        losses[start + row] = this.network.lossValue(sum, this.inputDim);
        total += sum;
      }
    });
    return total;
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
    this.forEachChunk(data, rows, this.inputDim, [0, this.codeLayer], undefined, (start, count) => {
      out.set(this.network.output(this.codeLayer, count), start * this.hiddenDim);
    });
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
    this.forEachChunk(codes, rows, this.hiddenDim, [this.codeLayer + 1, this.outputLayer], undefined, (start, count) => {
      out.set(this.network.output(this.outputLayer, count), start * this.inputDim);
    });
    return { rows, cols: this.inputDim, data: out };
  }

  /**
   * Copies `data` (and `target`) into WebAssembly memory in chunks that fit the activation buffers, runs layers
   * first..last on each when `layers` is given, and lets `visit` use the chunk (input, targetAt: offsets).
   */
  private forEachChunk(
    data: MatrixLike, rows: number, cols: number, layers: readonly [first: number, last: number] | undefined, target: MatrixLike | undefined,
    visit: (start: number, count: number, input: number, targetAt: number | undefined) => void,
  ): void {
    this.checkAlive();
    const chunk = Math.min(rows, Math.max(this.network.capacity, EVAL_CHUNK));
    this.network.ensureCapacity(chunk);
    const input = this.network.allocF32(chunk * cols);
    let targetAt: number | undefined;
    try {
      if (target !== undefined) targetAt = this.network.allocF32(chunk * this.inputDim);
      for (let start = 0; start < rows; start += chunk) {
        const count = Math.min(chunk, rows - start);
        writeRows(data, start, count, this.network.f32(input, count * cols));
        if (target !== undefined) writeRows(target, start, count, this.network.f32(targetAt!, count * this.inputDim));
        if (layers) this.network.forward(input, count, layers[0], layers[1]);
        visit(start, count, input, targetAt);
      }
    } finally {
      if (targetAt !== undefined) this.network.release(targetAt, chunk * this.inputDim);
      this.network.release(input, chunk * cols);
    }
  }

  /**
   * The loss of `data` (against `target`, or itself) taken as one batch and its gradient with respect to every
   * parameter, by backprop in WebAssembly; nothing is updated. Useful for checking the model against finite
   * differences. Large data is taken in chunks whose gradients are combined in float64, so memory does not grow
   * with it.
   *
   * @example
   * ```ts
   * const { loss, gradients } = ae.gradients([[1, 2, 3, 4]]);
   * gradients['encode/weights'];   // Matrix 4 × hidden[0]
   * ```
   */
  gradients(data: MatrixLike, options: TargetOptions = {}): { loss: number; gradients: Weights } {
    this.checkAlive();
    const { rows } = checkData(data, this.inputDim);
    const target = checkTarget(options, rows, this.inputDim);
    this.network.ensureGradients();
    const { parameters } = this.network;
    let sums: Float64Array[] | undefined;
    let whole: { loss: number; gradients: Weights } | undefined;
    let total = 0;
    // RMSE is not a mean over values: with S the summed squares over N values, loss = √(S/N) and
    // d loss = Σ (N_c/N)(loss_c/loss) d loss_c. The other losses are means: d loss = Σ (N_c/N) d loss_c.
    const rmse = this.options.loss === 'rmse';
    this.forEachChunk(data, rows, this.inputDim, undefined, target, (_, count, input, targetAt) => {
      const loss = this.network.gradients(input, targetAt ?? input, count);
      if (count === rows) return void (whole = { loss, gradients: this.collect('grad') });
      const pre = this.network.outputPreActivation;
      const chunkSum = this.network.lossSum(this.network.output(this.outputLayer, count).byteOffset, pre, targetAt ?? input, count * this.inputDim);
      total += chunkSum;
      sums ??= parameters.map((p) => new Float64Array(p.rows * p.cols));
      const chunkLoss = this.network.lossValue(chunkSum, count * this.inputDim);
      const weight = (count / rows) * (rmse ? chunkLoss : 1);
      parameters.forEach((p, k) => {
        const chunkGradient = this.network.view(p, 'grad');
        const sum = sums![k]!;
        for (let i = 0; i < sum.length; i++) sum[i]! += weight * chunkGradient[i]!;
      });
    });
    if (whole) return whole;
    const loss = this.network.lossValue(total, rows * this.inputDim);
    // As the kernel: no gradient at a perfect or infinite RMSE.
    const scale = !rmse ? 1 : loss > 0 && Number.isFinite(loss) ? 1 / loss : 0;
    const gradients = {} as Weights;
    parameters.forEach((p, k) => (gradients[p.name as ParameterName] = { rows: p.rows, cols: p.cols, data: Float32Array.from(sums![k]!, (v) => v * scale) }));
    return { loss, gradients };
  }

  /**
   * A copy of every parameter, by name (`encode/weights`, `encode/biases`, …, `decode/biases`).
   *
   * @example
   * ```ts
   * const { 'encode/weights': W } = ae.getWeights();   // Matrix inputDim × hidden[0]
   * ```
   */
  getWeights(): Weights {
    this.checkAlive();
    return this.collect('value');
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
    const entries = Object.entries(weights).filter(([, value]) => value !== undefined) as [string, MatrixLike][];
    const ranges = entries.map(([name, value]) => this.checkParameter(name, value));
    entries.forEach(([, value], i) => writeRows(value, 0, ranges[i]!.rows, this.network.view(ranges[i]!, 'value')));
  }

  private checkParameter(name: string, value: MatrixLike): ParameterRange {
    const range = this.network.parameters.find((p) => p.name === name);
    if (!range) {
      throw new RangeError(`unknown parameter '${name}': expected one of ${this.network.parameters.map((p) => `'${p.name}'`).join(', ')}`);
    }
    const got = checkData(value, range.cols, name);
    if (got.rows !== range.rows) throw new RangeError(`${name} has ${got.rows} rows, expected ${range.rows}×${range.cols}`);
    return range;
  }

  private collect(what: 'value' | 'grad'): Weights {
    const out = {} as Weights;
    for (const p of this.network.parameters) out[p.name as ParameterName] = { rows: p.rows, cols: p.cols, data: this.network.view(p, what).slice() };
    return out;
  }

  /**
   * A printable table of the layers: name, shape, activation and parameter count, with the total.
   *
   * @example
   * ```ts
   * console.log(new Autoencoder(784, [256, 64]).summary());
   * ```
   */
  summary(): string {
    return summaryTable(this.network.layers, this.options);
  }

  /**
   * The whole model (options, parameters, optimizer state, generator state, metadata) as checkpoint bytes.
   * Throws a TypeError when `metadata` is not a plain object or JSON cannot write it (a cycle, a BigInt).
   *
   * @example
   * ```ts
   * const bytes = ae.toBytes();
   * const copy = Autoencoder.fromBytes(bytes);
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    this.checkAlive();
    return writeCheckpoint(this, this.network, this.trainedEpochs);
  }

  /**
   * Rebuilds a model from `toBytes()` (or a version-1 checkpoint of earlier releases); training continues exactly
   * where it stopped, on `options.threads` threads (default 1) in `options.precision` (default `'exact'`). Throws `CheckpointError` on corrupt, truncated or foreign bytes, before any memory is
   * allocated for them.
   *
   * @example
   * ```ts
   * const copy = Autoencoder.fromBytes(ae.toBytes());
   * ```
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, options: RunOptions = {}): Autoencoder {
    checkKeys(options, ['threads', 'precision'], 'fromBytes option');
    const run = checkRunOptions(options);
    return readCheckpoint(
      bytes,
      (inputDim, hidden, modelOptions) => new Autoencoder(inputDim, hidden, { ...modelOptions, ...run }),
      (ae) => ({ network: ae.network, setEpochsTrained: (epochs) => (ae.trainedEpochs = epochs), setMetadata: (metadata) => (ae.metadata = metadata) }),
    );
  }

  /**
   * Gives the model's WebAssembly memory back; using the model afterwards throws a `DisposedError`.
   *
   * @example
   * ```ts
   * const ae = new Autoencoder(4, 2);
   * try { ae.train(data); } finally { ae.dispose(); }
   * ```
   */
  dispose(): void {
    this.network.dispose();
  }

  private checkAlive(): void {
    if (this.network.isDisposed) throw new DisposedError('this Autoencoder was disposed; create a new one');
  }
}

function checkTarget(options: TargetOptions, rows: number, cols: number): MatrixLike | undefined {
  if (options.target === undefined) return undefined;
  const target = checkData(options.target, cols, 'target');
  if (target.rows !== rows) throw new RangeError(`target has ${target.rows} rows, data has ${rows}: each row of data needs its target row`);
  return options.target;
}

/**
 * A macrotask boundary: lets timers, I/O and UI events run. MessageChannel where there is one (setTimeout is
 * clamped to 4 ms in browsers); edge runtimes such as Vercel's have none.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = newMessageChannel();
    if (channel === undefined) return void setTimeout(resolve, 0);
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function newMessageChannel(): MessageChannel | undefined {
  try {
    return new MessageChannel();
  } catch {
    return undefined; // missing, or (in Next.js's edge sandbox) a stub that throws
  }
}

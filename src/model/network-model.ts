import type { BoundData } from '../data/bound-data.js';
import { DisposedError } from '../errors.js';
import { checkData, writeRows, type Matrix, type MatrixLike } from '../matrix.js';
import type { Network, ParameterRange } from '../runtime/network.js';
import type { Precision, ResolvedOptions, RunOptions } from './options.js';
import type { ResolvedVaeOptions } from './vae-options.js';
import { checkThreshold, flagAbove, type Detection } from './anomaly.js';
import { writeCheckpoint } from './checkpoint.js';
import { trainEpochs, type Trainee, type TrainHistory, type TrainOptions } from './training.js';

// Rows per forward call in test/encode/decode (at least; a larger training capacity is reused): enough rows to
// keep the matrix kernels at full speed without growing the activation buffers much.
const EVAL_CHUNK = 128;
/** The most values a method that decodes returns at once (1 GiB of f32). */
const MAX_OUTPUT_VALUES = 2 ** 28;

/**
 * What every model shares: a network of layers in WebAssembly memory, training (`train`, `trainAsync`), its
 * parameters by name, metadata, and `dispose`. `Name` is the model's parameter names.
 */
export abstract class NetworkModel<Name extends string> {
  /** Values in each input row. */
  abstract readonly inputDim: number;
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
  protected trainedEpochs = 0;

  protected constructor(protected readonly network: Network) {}

  /** The encoder's hidden layer widths. */
  abstract readonly hidden: readonly number[];
  /** The options in force, defaults applied. */
  abstract readonly options: ResolvedOptions | ResolvedVaeOptions;

  /** The class's name, for errors. */
  protected abstract get modelName(): string;

  /** Each row's anomaly score (its loss). */
  abstract anomalyScores(data: MatrixLike): Float64Array;

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

  /** What training needs of this model. */
  protected trainee(): Trainee {
    return {
      network: this.network,
      defaultEpochs: this.defaultEpochs,
      epochsTrained: () => this.trainedEpochs,
      checkAlive: () => this.checkAlive(),
      countEpoch: () => this.trainedEpochs++,
      toBytes: () => this.toBytes(),
    };
  }

  /** Epochs of a `train` call that does not say. */
  protected get defaultEpochs(): number {
    return this.options.epochs;
  }

  /**
   * Copies `data` (and `target`) into WebAssembly memory in chunks that fit the activation buffers, runs layers
   * first..last on each when `layers` is given, and lets `visit` use the chunk (input, targetAt: offsets).
   */
  protected forEachChunk(
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
   * The loss of `data` (against `target`, or itself) taken as one batch, and every parameter's gradient, by backprop
   * in WebAssembly; nothing is updated. Large data is taken in chunks whose gradients are combined in float64, so
   * memory does not grow with it. With `noise` (rows × the sampling layer's width), a sampling layer takes its ε
   * from it; without, it draws ε from the model's generator.
   */
  protected gradientsOf(
    data: MatrixLike, rows: number, target: MatrixLike | undefined, noise?: MatrixLike,
  ): { loss: number; gradients: Record<Name, Matrix<Float32Array>> } {
    this.network.ensureGradients();
    const { parameters } = this.network;
    let sums: Float64Array[] | undefined;
    let whole: { loss: number; gradients: Record<Name, Matrix<Float32Array>> } | undefined;
    let total = 0;
    // RMSE is not a mean over values: with S the summed squares over N values, loss = √(S/N) and
    // d loss = Σ (N_c/N)(loss_c/loss) d loss_c. The other losses are means: d loss = Σ (N_c/N) d loss_c.
    const rmse = this.network.loss === 'rmse';
    this.forEachChunk(data, rows, this.inputDim, undefined, target, (start, count, input, targetAt) => {
      if (noise !== undefined) writeRows(noise, start, count, this.network.noise(count)!);
      const loss = this.network.gradients(input, targetAt ?? input, count, noise === undefined ? 'draw' : 'given');
      if (count === rows) return void (whole = { loss, gradients: this.collect('grad') });
      const chunkSum = this.network.outputLossSum(0, count, targetAt ?? input);
      total += chunkSum;
      sums ??= parameters.map((p) => new Float64Array(p.rows * p.cols));
      const weight = (count / rows) * (rmse ? this.network.lossValue(chunkSum, count * this.inputDim) : 1);
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
    const gradients = {} as Record<Name, Matrix<Float32Array>>;
    parameters.forEach((p, k) => (gradients[p.name as Name] = { rows: p.rows, cols: p.cols, data: Float32Array.from(sums![k]!, (v) => v * scale) }));
    return { loss, gradients };
  }

  /**
   * A copy of every parameter, by name (`encode/weights`, `encode/biases`, …).
   *
   * @example
   * ```ts
   * const { 'encode/weights': W } = ae.getWeights();   // Matrix inputDim × hidden[0]
   * ```
   */
  getWeights(): Record<Name, Matrix<Float32Array>> {
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
  setWeights(weights: Partial<Record<Name, MatrixLike>>): void {
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

  /** Every parameter's values or gradient, copied out by name. */
  protected collect(what: 'value' | 'grad'): Record<Name, Matrix<Float32Array>> {
    const out = {} as Record<Name, Matrix<Float32Array>>;
    for (const p of this.network.parameters) out[p.name as Name] = { rows: p.rows, cols: p.cols, data: this.network.view(p, what).slice() };
    return out;
  }

  /** Throws unless `rows` output rows of `width` values fit in MAX_OUTPUT_VALUES, before they are allocated. */
  protected checkOutputRows(rows: number, width: number, what: string): void {
    const values = rows * width;
    if (values > MAX_OUTPUT_VALUES) throw new RangeError(`${what} would make ${values} values; at most ${MAX_OUTPUT_VALUES} at a time (ask for fewer rows)`);
  }

  /** What a checkpoint reader needs to fill this model. */
  protected restorer(): { network: Network; setEpochsTrained(epochs: number): void; setMetadata(metadata: Record<string, unknown>): void } {
    return { network: this.network, setEpochsTrained: (epochs) => (this.trainedEpochs = epochs), setMetadata: (metadata) => (this.metadata = metadata) };
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

  protected checkAlive(): void {
    if (this.network.isDisposed) throw new DisposedError(`this ${this.modelName} was disposed; create a new one`);
  }
}

/**
 * Seeds and initializes a new network's parameters and sets how it runs (threads, precision); disposes of it when
 * that fails.
 */
export function startNetwork(network: Network, options: Pick<ResolvedOptions, 'seed' | 'weightInit'>, run: Required<RunOptions>): Network {
  try {
    network.initialize(options.seed, options.weightInit);
    network.useThreads(run.threads);
    network.usePrecision(run.precision);
    return network;
  } catch (error) {
    network.dispose();
    throw error;
  }
}

/** Throws unless `options.target` is absent or has a row of `cols` values for each of the `rows` rows of data. */
export function checkTarget(options: { target?: MatrixLike }, rows: number, cols: number): MatrixLike | undefined {
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

import type { BoundData } from '../data/bound-data.js';
import { DisposedError } from '../errors.js';
import { checkData, writeRows, type Matrix, type MatrixLike } from '../matrix.js';
import { checkDimension, optimizerSettings, resolveOptions, type AutoencoderOptions, type ResolvedOptions } from './options.js';
import { DenseStack, type LayerArray } from '../runtime/layout.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { PARAMETERS, PARAMETER_NAMES, isParameterName, parameterShape, type ParameterName, type Weights } from './parameters.js';
import { trainEpochs, type Trainee, type TrainOptions } from './training.js';

/** What `test` returns. */
export interface TestResult {
  /** The codes: rows × hiddenDim. */
  hidden: Matrix<Float32Array>;
  /** The reconstructions: rows × inputDim. */
  reconstructed: Matrix<Float32Array>;
  /** sqrt(mean((x − x̂)²)) over all rows and columns. */
  loss: number;
  /** Each row's own RMSE: its anomaly score (rows the model reconstructs badly are unlike its training data). */
  rowLosses: Float64Array;
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
    this.stack.initialize(this.options.seed, this.options.weightInit);
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
   * The data is copied into WebAssembly memory once per call (or never, given `bindData(data)`); each epoch is
   * one call into the kernels. Returns the loss history: the mean batch loss of every epoch.
   *
   * @example
   * ```ts
   * const history = ae.train(data, { epochs: 50, batchSize: 10, logEvery: 0 });
   * ```
   */
  train(data: MatrixLike | BoundData, options: TrainOptions = {}): number[] {
    const history: number[] = [];
    const run = trainEpochs(this.trainee(), data, options, history);
    for (let epoch = run.next(); !epoch.done; epoch = run.next());
    return history;
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
    const history: number[] = [];
    const run = trainEpochs(this.trainee(), data, options, history);
    for (let epoch = run.next(); !epoch.done; epoch = run.next()) await yieldToEventLoop();
    return history;
  }

  private trainee(): Trainee {
    return {
      stack: this.stack,
      inputDim: this.inputDim,
      defaultEpochs: this.options.epochs,
      epochsTrained: () => this.trainedEpochs,
      checkAlive: () => this.checkAlive(),
      countEpoch: () => this.trainedEpochs++,
      toBytes: () => this.toBytes(),
    };
  }

  /**
   * Encodes and reconstructs `data`; returns the codes, the reconstructions, the RMSE loss, and each row's RMSE
   * (an anomaly score).
   *
   * @example
   * ```ts
   * const { hidden, reconstructed, loss, rowLosses } = ae.test([[8, 4, 6, 2]]);
   * ```
   */
  test(data: MatrixLike): TestResult {
    const { rows } = checkData(data, this.inputDim);
    const hidden = new Float32Array(rows * this.hiddenDim);
    const reconstructed = new Float32Array(rows * this.inputDim);
    const rowLosses = new Float64Array(rows);
    let squared = 0;
    const rowBytes = this.inputDim * Float32Array.BYTES_PER_ELEMENT;
    this.forEachChunk(data, rows, this.inputDim, [0, 1], (start, count, input) => {
      const output = this.stack.output(1, count);
      hidden.set(this.stack.output(0, count), start * this.hiddenDim);
      reconstructed.set(output, start * this.inputDim);
      for (let row = 0; row < count; row++) {
        const rowSquared = this.stack.kernels.sum_squared_error(output.byteOffset + row * rowBytes, input + row * rowBytes, this.inputDim);
        rowLosses[start + row] = Math.sqrt(rowSquared / this.inputDim);
        squared += rowSquared;
      }
    });
    return {
      hidden: { rows, cols: this.hiddenDim, data: hidden },
      reconstructed: { rows, cols: this.inputDim, data: reconstructed },
      loss: Math.sqrt(squared / (rows * this.inputDim)),
      rowLosses,
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
    this.forEachChunk(data, rows, this.inputDim, [0, 0], (start, count) => out.set(this.stack.output(0, count), start * this.hiddenDim));
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
    this.forEachChunk(codes, rows, this.hiddenDim, [1, 1], (start, count) => out.set(this.stack.output(1, count), start * this.inputDim));
    return { rows, cols: this.inputDim, data: out };
  }

  /**
   * Copies `data` into WebAssembly memory in chunks that fit the activation buffers, runs layers first..last on
   * each when `layers` is given, and lets `visit` use the chunk (input: its offset).
   */
  private forEachChunk(
    data: MatrixLike, rows: number, cols: number, layers: readonly [first: number, last: number] | undefined,
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
        if (layers) this.stack.kernels.forward(this.stack.desc, input, count, layers[0], layers[1]);
        visit(start, count, input);
      }
    } finally {
      this.stack.release(input, chunk * cols);
    }
  }

  /**
   * The loss of `data` taken as one batch and its gradient with respect to every parameter, by backprop in
   * WebAssembly; nothing is updated. Useful for checking the model against finite differences. Large data
   * is taken in chunks whose gradients are combined in float64, so memory does not grow with it.
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
    this.stack.ensureGradients();
    const gradientOf = (name: ParameterName) => this.stack.view(PARAMETERS[name].layer, PARAMETERS[name].array === 'W' ? 'gradW' : 'gradB');
    let sums: Float64Array[] | undefined;
    let whole: { loss: number; gradients: Weights } | undefined;
    let squared = 0;
    this.forEachChunk(data, rows, this.inputDim, undefined, (_, count, input) => {
      const loss = this.stack.kernels.gradients(this.stack.desc, input, count);
      if (count === rows) return void (whole = { loss, gradients: this.collect({ W: 'gradW', b: 'gradB' }) });
      // More rows than one chunk. With S the squared error over N values, loss = √(S/N) and
      // d loss = Σ (N_c/N)(loss_c/loss) d loss_c; S_c is summed again in f64 from the chunk's output.
      const chunkSquared = this.stack.kernels.sum_squared_error(this.stack.output(1, count).byteOffset, input, count * this.inputDim);
      squared += chunkSquared;
      sums ??= PARAMETER_NAMES.map((name) => new Float64Array(gradientOf(name).length));
      const weight = (count / rows) * Math.sqrt(chunkSquared / (count * this.inputDim));
      PARAMETER_NAMES.forEach((name, k) => {
        const chunkGradient = gradientOf(name);
        const sum = sums![k]!;
        for (let i = 0; i < sum.length; i++) sum[i]! += weight * chunkGradient[i]!;
      });
    });
    if (whole) return whole;
    const loss = Math.sqrt(squared / (rows * this.inputDim));
    const scale = loss > 0 && Number.isFinite(loss) ? 1 / loss : 0; // as the kernel: no gradient at a perfect or infinite loss
    const gradients = {} as Weights;
    PARAMETER_NAMES.forEach((name, k) => (gradients[name] = { ...this.shapeOf(name), data: Float32Array.from(sums![k]!, (v) => v * scale) }));
    return { loss, gradients };
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

  private shapeOf(name: ParameterName): { rows: number; cols: number } {
    return parameterShape(name, this.inputDim, this.hiddenDim);
  }

  private checkParameter(name: string, value: MatrixLike): void {
    if (!isParameterName(name)) {
      throw new RangeError(`unknown parameter '${name}': expected one of ${PARAMETER_NAMES.map((n) => `'${n}'`).join(', ')}`);
    }
    const shape = this.shapeOf(name);
    const got = checkData(value, shape.cols, name);
    if (got.rows !== shape.rows) throw new RangeError(`${name} has ${got.rows} rows, expected ${shape.rows}×${shape.cols}`);
  }

  private collect(arrays: { W: LayerArray; b: LayerArray }): Weights {
    const out = {} as Weights;
    for (const name of PARAMETER_NAMES) {
      const { layer, array } = PARAMETERS[name];
      out[name] = { ...this.shapeOf(name), data: this.stack.view(layer, arrays[array]).slice() };
    }
    return out;
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
    return writeCheckpoint(this, this.stack, this.trainedEpochs);
  }

  /**
   * Rebuilds a model from `toBytes()`; training continues exactly where it stopped. Throws `CheckpointError`
   * on corrupt, truncated or foreign bytes, before any memory is allocated for them.
   *
   * @example
   * ```ts
   * const copy = Autoencoder.fromBytes(ae.toBytes());
   * ```
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Autoencoder {
    return readCheckpoint(
      bytes,
      (inputDim, hiddenDim, options) => new Autoencoder(inputDim, hiddenDim, options),
      (ae) => ({ stack: ae.stack, setEpochsTrained: (epochs) => (ae.trainedEpochs = epochs), setMetadata: (metadata) => (ae.metadata = metadata) }),
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
    this.stack.dispose();
  }

  private checkAlive(): void {
    if (this.stack.isDisposed) throw new DisposedError('this Autoencoder was disposed; create a new one');
  }
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

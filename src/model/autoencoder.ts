import { checkData, type Matrix, type MatrixLike } from '../matrix.js';
import { Network } from '../runtime/network.js';
import { decodeCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { readCheckpoint } from './checkpoint.js';
import { checkDimension, checkHidden, checkKeys, checkRunOptions, optimizerSettings, resolveOptions, type AutoencoderOptions, type ResolvedOptions, type RunOptions } from './options.js';
import { autoencoderLayers, type ParameterName, type Weights } from './parameters.js';
import { summaryTable } from './summary.js';
import { NetworkModel, checkTarget, startNetwork } from './network-model.js';

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
export class Autoencoder extends NetworkModel<ParameterName> {
  readonly inputDim: number;
  /** The encoder's layer widths, the code last. */
  readonly hidden: readonly number[];
  /** The code's width: the last of `hidden`. */
  readonly hiddenDim: number;
  /** The options in force, defaults applied. */
  readonly options: ResolvedOptions;

  constructor(inputDim: number, hidden: number | readonly number[], options: AutoencoderOptions = {}) {
    const checkedInput = checkDimension(inputDim, 'inputDim');
    const widths = Object.freeze(checkHidden(hidden));
    const resolved = resolveOptions(options);
    const run = checkRunOptions(options); // before the network takes memory
    const network = new Network(autoencoderLayers(checkedInput, widths, resolved), resolved.loss, optimizerSettings(resolved));
    super(startNetwork(network, resolved, run));
    this.inputDim = checkedInput;
    this.hidden = widths;
    this.hiddenDim = widths.at(-1)!;
    this.options = resolved;
  }

  protected get modelName(): string {
    return 'Autoencoder';
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
   * Runs the model on `data` in chunks and writes each row's loss into `losses`; `onChunk` sees each chunk's
   * output before the next overwrites it. Returns the sum of the loss terms over all rows.
   */
  private lossesOf(
    data: MatrixLike, rows: number, target: MatrixLike | undefined, losses: Float64Array,
    onChunk?: (start: number, count: number, output: Float32Array) => void,
  ): number {
    let total = 0;
    this.forEachChunk(data, rows, this.inputDim, [0, this.outputLayer], target, (start, count, input, targetAt) => {
      onChunk?.(start, count, this.network.output(this.outputLayer, count));
      for (let row = 0; row < count; row++) {
        const sum = this.network.reconstructionSum(row, 1, targetAt ?? input);
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
    this.checkOutputRows(rows, this.inputDim, `decode of ${rows} codes`);
    const out = new Float32Array(rows * this.inputDim);
    this.forEachChunk(codes, rows, this.hiddenDim, [this.codeLayer + 1, this.outputLayer], undefined, (start, count) => {
      out.set(this.network.output(this.outputLayer, count), start * this.inputDim);
    });
    return { rows, cols: this.inputDim, data: out };
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
    return this.gradientsOf(data, rows, checkTarget(options, rows, this.inputDim));
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
    return Autoencoder.fromCheckpoint(decodeCheckpoint(bytes), checkRunOptions(options));
  }

  /** @internal The model a decoded checkpoint holds, to run as `run` says (`fromBytes` and `loadModel` decode once). */
  static fromCheckpoint(checkpoint: Checkpoint, run: RunOptions): Autoencoder {
    return readCheckpoint(
      checkpoint,
      (inputDim, hidden, modelOptions) => new Autoencoder(inputDim, hidden, { ...modelOptions, ...run }),
      (ae) => ae.restorer(),
    );
  }
}

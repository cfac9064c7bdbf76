import { checkData, type Matrix, type MatrixLike } from '../matrix.js';
import { Network } from '../runtime/network.js';
import { decodeCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { readVaeCheckpoint } from './checkpoint.js';
import { NetworkModel, checkTarget, startNetwork } from './network-model.js';
import { checkDimension, checkKeys, checkRunOptions, optimizerSettings, type RunOptions } from './options.js';
import { summaryTable } from './summary.js';
import { resolveVaeOptions, vaeLayers, type ResolvedVaeOptions, type VaeParameterName, type VariationalAutoencoderOptions } from './vae-options.js';

/** Normals `sample` draws per call into the module (even, so the calls draw one call's values). */
const NORMALS_PER_CALL = 2 ** 20;

/** The parameters of a variational autoencoder by name. */
export type VaeWeights = Record<VaeParameterName, Matrix<Float32Array>>;

/** What `VariationalAutoencoder.encode` returns: each row's distribution over codes, N(mean, exp(logVar)). */
export interface Encoding {
  /** rows × latentDim. */
  mean: Matrix<Float32Array>;
  /** rows × latentDim: the log of each code value's variance. */
  logVar: Matrix<Float32Array>;
}

/** What `VariationalAutoencoder.evaluate` returns, with z = mean (no sampling), so it is deterministic. */
export interface Evaluation {
  /** reconstruction + klWeight · kl. */
  loss: number;
  /** The reconstruction term (summed over each row's values), averaged over rows. */
  reconstruction: number;
  /** The KL term, averaged over rows, not weighted. */
  kl: number;
  /** Each row's reconstruction + klWeight · KL: its anomaly score. */
  rowLosses: Float64Array;
}

/** Options of `VariationalAutoencoder.gradients`. */
export interface VaeGradientOptions {
  /** What each row of data should map to. Default: the row itself. */
  target?: MatrixLike;
  /** ε, rows × latentDim: z = mean + exp(logVar/2)·ε. Default: drawn by the model's generator (which advances). */
  noise?: MatrixLike;
}

/**
 * A variational autoencoder (the chapter's last variant): the encoder gives each input a distribution over codes,
 * N(mean, exp(logVar)), from two linear heads `z_mean` and `z_log_var`; training decodes a code drawn from it,
 * z = mean + exp(logVar/2)·ε with ε ~ N(0, I) drawn inside WebAssembly by the model's seeded generator, and
 * minimises, averaged over the batch's rows, the reconstruction term (summed over the row) plus klWeight times
 * KL(N(mean, exp(logVar)) ‖ N(0, I)) = −½ Σⱼ (1 + logVarⱼ − meanⱼ² − exp(logVarⱼ)). Decoding codes drawn from
 * N(0, I) makes new data; decoding between two codes morphs one input into another.
 *
 * @example
 * ```ts
 * import { VariationalAutoencoder } from 'wasm-autoencoder';
 * const vae = new VariationalAutoencoder(784, 2, { hidden: [256], activation: 'relu', outputActivation: 'sigmoid', optimizer: { name: 'adam' } });
 * vae.train(pixels, { epochs: 20, batchSize: 100 });   // pixels scaled to [0, 1]
 * const samples = vae.sample(16);                      // 16 × 784 new images
 * const morph = vae.interpolate(pixels.data.subarray(0, 784), pixels.data.subarray(784, 1568), 8);
 * vae.dispose();
 * ```
 */
export class VariationalAutoencoder extends NetworkModel<VaeParameterName> {
  readonly inputDim: number;
  /** The code's width. */
  readonly latentDim: number;
  /** The encoder's hidden layer widths (mirrored in the decoder). */
  readonly hidden: readonly number[];
  /** The options in force, defaults applied. */
  readonly options: ResolvedVaeOptions;

  constructor(inputDim: number, latentDim: number, options: VariationalAutoencoderOptions = {}) {
    const checkedInput = checkDimension(inputDim, 'inputDim');
    const checkedLatent = checkDimension(latentDim, 'latentDim');
    const resolved = resolveVaeOptions(options);
    const run = checkRunOptions(options); // before the network takes memory
    const network = new Network(vaeLayers(checkedInput, checkedLatent, resolved), resolved.reconstruction, optimizerSettings(resolved), {
      rowSum: true,
      klWeight: resolved.klWeight,
    });
    super(startNetwork(network, resolved, run));
    this.inputDim = checkedInput;
    this.latentDim = checkedLatent;
    this.hidden = resolved.hidden;
    this.options = resolved;
  }

  protected get modelName(): string {
    return 'VariationalAutoencoder';
  }

  /** Indexes of the layers: the mean head, the log-variance head, the sampling layer, the output. */
  private get meanLayer(): number {
    return this.hidden.length;
  }

  private get samplingLayer(): number {
    return this.hidden.length + 2;
  }

  private get outputLayer(): number {
    return 2 * this.hidden.length + 3;
  }

  /**
   * Each row's distribution over codes: `mean` and `logVar`, rows × latentDim each.
   *
   * @example
   * ```ts
   * const { mean, logVar } = vae.encode(pixels);
   * ```
   */
  encode(data: MatrixLike): Encoding {
    const { rows } = checkData(data, this.inputDim);
    const d = this.latentDim;
    const mean = new Float32Array(rows * d), logVar = new Float32Array(rows * d);
    this.forEachChunk(data, rows, this.inputDim, [0, this.meanLayer + 1], undefined, (start, count) => {
      mean.set(this.network.output(this.meanLayer, count), start * d);
      logVar.set(this.network.output(this.meanLayer + 1, count), start * d);
    });
    return { mean: { rows, cols: d, data: mean }, logVar: { rows, cols: d, data: logVar } };
  }

  /**
   * The decoder's output for codes (rows × latentDim): rows × inputDim.
   *
   * @example
   * ```ts
   * const images = vae.decode([[0, 0], [1.5, -0.5]]);
   * ```
   */
  decode(codes: MatrixLike): Matrix<Float32Array> {
    const { rows } = checkData(codes, this.latentDim, 'codes');
    this.checkOutputRows(rows, Math.max(this.inputDim, this.latentDim), `decode of ${rows} codes`);
    const out = new Float32Array(rows * this.inputDim);
    this.forEachChunk(codes, rows, this.latentDim, [this.samplingLayer + 1, this.outputLayer], undefined, (start, count) => {
      out.set(this.network.output(this.outputLayer, count), start * this.inputDim);
    });
    return { rows, cols: this.inputDim, data: out };
  }

  /**
   * Decodes `n` codes drawn from N(0, I): new data like the training data. With `seed`, the codes come from a
   * generator of their own (the same seed, the same samples); without, from the model's, which advances.
   *
   * @example
   * ```ts
   * const images = vae.sample(16, 7);   // 16 × inputDim
   * ```
   */
  sample(n: number, seed?: number): Matrix<Float32Array> {
    this.checkAlive();
    checkDimension(n, 'n');
    if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) throw new RangeError(`seed must be a non-negative integer, got ${String(seed)}`);
    this.checkOutputRows(n, Math.max(this.inputDim, this.latentDim), `sample(${n})`);
    const values = n * this.latentDim;
    const codes = this.network.allocF32(values + 4);
    try {
      const { kernels } = this.network;
      let state = this.network.statePointer;
      if (seed !== undefined) {
        state = codes + 4 * values;
        kernels.rng_seed(state, seed % 2 ** 32, Math.floor(seed / 2 ** 32));
      }
      // In even chunks (normals come in pairs), the values of one call, each call a bounded amount of work.
      for (let at = 0; at < values; at += NORMALS_PER_CALL) kernels.rng_normal(state, codes + 4 * at, Math.min(NORMALS_PER_CALL, values - at), 0, 1);
      return this.decode({ rows: n, cols: this.latentDim, data: this.network.f32(codes, values).slice() });
    } finally {
      this.network.release(codes, values + 4);
    }
  }

  /**
   * The decodings of `steps` codes evenly spaced from the mean code of `a` to that of `b` (t = 0, 1/(steps−1), …, 1):
   * one input turning into another. `steps = 3` gives the chapter's average of two codes as its middle row.
   *
   * @example
   * ```ts
   * const strip = vae.interpolate(shoe, shirt, 8);   // 8 × inputDim, the first like the shoe, the last like the shirt
   * ```
   */
  interpolate(a: readonly number[] | Float32Array | Matrix, b: readonly number[] | Float32Array | Matrix, steps: number): Matrix<Float32Array> {
    this.checkAlive();
    const ends = [singleRow(a, this.inputDim, 'a'), singleRow(b, this.inputDim, 'b')];
    if (!Number.isSafeInteger(steps) || steps < 2) throw new RangeError(`steps must be an integer ≥ 2, got ${String(steps)}`);
    this.checkOutputRows(steps, Math.max(this.inputDim, this.latentDim), `interpolate with ${steps} steps`);
    const { mean } = this.encode([ends[0]!, ends[1]!]);
    const d = this.latentDim;
    const codes = new Float32Array(steps * d);
    for (let i = 0; i < steps; i++) {
      const t = i / (steps - 1);
      for (let j = 0; j < d; j++) codes[i * d + j] = mean.data[j]! + t * (mean.data[d + j]! - mean.data[j]!);
    }
    return this.decode({ rows: steps, cols: d, data: codes });
  }

  /**
   * The loss and its two terms on `data` (against `target`, or itself) with z = mean, so it is deterministic;
   * `rowLosses` is each row's own loss, an anomaly score.
   *
   * @example
   * ```ts
   * const { loss, reconstruction, kl } = vae.evaluate(testPixels);
   * ```
   */
  evaluate(data: MatrixLike, options: { target?: MatrixLike } = {}): Evaluation {
    const { rows } = checkData(data, this.inputDim);
    const target = checkTarget(options, rows, this.inputDim);
    const rowLosses = new Float64Array(rows);
    const { klWeight } = this.network.lossSettings; // β as the kernels hold it (f32), so evaluate is training's loss
    let reconstruction = 0, kl = 0;
    this.forEachChunk(data, rows, this.inputDim, [0, this.outputLayer], target, (start, count, input, targetAt) => {
      for (let row = 0; row < count; row++) {
        const rowReconstruction = this.network.reconstructionSum(row, 1, targetAt ?? input), rowKl = this.network.klSum(row, 1);
        rowLosses[start + row] = rowReconstruction + klWeight * rowKl;
        reconstruction += rowReconstruction;
        kl += rowKl;
      }
    });
    reconstruction /= rows;
    kl /= rows;
    return { loss: reconstruction + klWeight * kl, reconstruction, kl, rowLosses };
  }

  /**
   * Each row's loss (as `evaluate`'s rowLosses): its anomaly score. Pick a threshold from the scores of normal
   * rows with `anomalyThreshold`.
   *
   * @example
   * ```ts
   * const scores = vae.anomalyScores(rows);
   * ```
   */
  anomalyScores(data: MatrixLike, options: { target?: MatrixLike } = {}): Float64Array {
    return this.evaluate(data, options).rowLosses;
  }

  /**
   * The loss of `data` taken as one batch and every parameter's gradient, for the noise ε given (rows × latentDim)
   * or drawn; nothing is updated. For checking the model against finite differences.
   *
   * @example
   * ```ts
   * const { loss, gradients } = vae.gradients(rows, { noise: { rows: rows.length, cols: 2, data: new Float32Array(rows.length * 2) } });
   * gradients['z_log_var/weights'];
   * ```
   */
  gradients(data: MatrixLike, options: VaeGradientOptions = {}): { loss: number; gradients: VaeWeights } {
    this.checkAlive();
    checkKeys(options, ['target', 'noise'], 'gradients options');
    const { rows } = checkData(data, this.inputDim);
    const target = checkTarget(options, rows, this.inputDim);
    if (options.noise !== undefined) {
      const noise = checkData(options.noise, this.latentDim, 'noise');
      if (noise.rows !== rows) throw new RangeError(`noise has ${noise.rows} rows, data has ${rows}: each row needs its ε (rows × ${this.latentDim})`);
    }
    return this.gradientsOf(data, rows, target, options.noise);
  }

  /**
   * A printable table of the layers (the sampling layer `z` among them) and the loss.
   *
   * @example
   * ```ts
   * console.log(new VariationalAutoencoder(784, 2, { hidden: [256] }).summary());
   * ```
   */
  summary(): string {
    const { reconstruction, klWeight, optimizer } = this.options;
    return summaryTable(this.network.layers, { loss: `${reconstruction} (summed over each row) + ${klWeight} × KL`, optimizer });
  }

  /**
   * Rebuilds a variational autoencoder from `toBytes()`; training continues exactly where it stopped. Throws
   * `CheckpointError` on corrupt, truncated or foreign bytes (an `Autoencoder`'s too), before any memory is
   * allocated for them.
   *
   * @example
   * ```ts
   * const copy = VariationalAutoencoder.fromBytes(vae.toBytes());
   * ```
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, options: RunOptions = {}): VariationalAutoencoder {
    checkKeys(options, ['threads', 'precision'], 'fromBytes option');
    return VariationalAutoencoder.fromCheckpoint(decodeCheckpoint(bytes), checkRunOptions(options));
  }

  /** @internal The model a decoded checkpoint holds, to run as `run` says (`fromBytes` and `loadModel` decode once). */
  static fromCheckpoint(checkpoint: Checkpoint, run: RunOptions): VariationalAutoencoder {
    return readVaeCheckpoint(
      checkpoint,
      (inputDim, latentDim, modelOptions) => new VariationalAutoencoder(inputDim, latentDim, { ...modelOptions, ...run }),
      (vae) => vae.restorer(),
    );
  }
}

/** One row of `cols` numbers, from an array of numbers, a Float32Array, or a 1 × cols Matrix. */
function singleRow(row: readonly number[] | Float32Array | Matrix, cols: number, what: string): readonly number[] {
  const values = row instanceof Float32Array || Array.isArray(row) ? Array.from(row as ArrayLike<number>) : undefined;
  if (values !== undefined) {
    checkData([values], cols, what);
    return values;
  }
  const matrix = row as Matrix;
  const { rows } = checkData(matrix, cols, what);
  if (rows !== 1) throw new RangeError(`${what} must be one row of ${cols} values, got ${rows} rows`);
  return Array.from(matrix.data);
}

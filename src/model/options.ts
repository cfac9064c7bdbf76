import { ACTIVATION_NAMES, LOSS_NAMES, type ActivationName, type LossName } from '../runtime/abi.js';
import type { OptimizerSettings } from '../runtime/network.js';

/** How initial weights are drawn (see `AutoencoderOptions.weightInit`). */
export type WeightInit = 'normal' | 'glorot';

/** Activation of the hidden layers: tanh, sigmoid, relu, leaky relu (slope 0.01 below 0) or elu (α = 1). */
export type Activation = Exclude<ActivationName, 'linear'>;

/** Activation of the output layer: `'linear'` (the chapter's) or any hidden-layer activation. */
export type OutputActivation = ActivationName;

/**
 * The loss: `'rmse'` = √(mean (x̂ − t)²) (the chapter's), `'mse'` = mean (x̂ − t)², `'bce'` = mean binary
 * cross-entropy (with `outputActivation: 'sigmoid'` only; computed from the pre-activation, so it stays finite
 * for saturated outputs). Means are over the batch's rows and all columns.
 */
export type Loss = LossName;

/** RMSProp (the default), as TensorFlow 1 computes it; its defaults are TF1's. */
export interface RMSPropOptions {
  name?: 'rmsprop';
  /** Discount of the mean-square history (TF1 `decay`). Default 0.9. */
  decay?: number;
  /** Momentum (TF1 `momentum`). Default 0. */
  momentum?: number;
  /** Added inside the square root (TF1 `epsilon`), > 0. Default 1e-10. */
  epsilon?: number;
}

/** Adam, as TensorFlow 1's AdamOptimizer computes it; its defaults are TF1's. */
export interface AdamOptions {
  name: 'adam';
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to √v, > 0. Default 1e-8. */
  epsilon?: number;
}

/** Gradient descent with (optional) momentum, as TensorFlow 1's MomentumOptimizer computes it. */
export interface SGDOptions {
  name: 'sgd';
  /** Default 0: plain gradient descent. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

export type OptimizerOptions = RMSPropOptions | AdamOptions | SGDOptions;

/** The optimizer options after defaults: every field present. */
export type ResolvedOptimizer =
  | Readonly<Required<RMSPropOptions>>
  | Readonly<Required<AdamOptions>>
  | Readonly<Required<SGDOptions>>;

/** Options of `new Autoencoder(inputDim, hidden, options)`; defaults follow the chapter. */
export interface AutoencoderOptions {
  /** Epochs per `train` call. Default 250. */
  epochs?: number;
  /** The optimizer's learning rate. Default 0.001. */
  learningRate?: number;
  /** Activation of every encoder layer (the code layer included) and every inner decoder layer. Default `'tanh'`. */
  activation?: Activation;
  /** Activation of the output layer. Default `'linear'`. */
  outputActivation?: OutputActivation;
  /** Default `'rmse'`. */
  loss?: Loss;
  /** Seed of the generator that draws initial weights, batches and corruption. Default 1. */
  seed?: number;
  /**
   * Initial weights: `'normal'` draws N(0, 1) (the chapter's `tf.random_normal`); `'glorot'` draws
   * N(0, 2/(fan_in + fan_out)), which keeps wide layers out of saturation. Default `'normal'`.
   */
  weightInit?: WeightInit;
  /** Default `{ name: 'rmsprop' }` with TF1's settings (decay 0.9, momentum 0, epsilon 1e-10). */
  optimizer?: OptimizerOptions;
  /**
   * Threads that share each training step, `encode`, `test` and `gradients` (see {@link Threads}). Default 1.
   * The results are the same bits with any number of threads. Not kept in checkpoints: it is how this process
   * runs the model, not part of it.
   */
  threads?: Threads;
  /** The products' rounding (see {@link Precision}). Default `'exact'`. Not kept in checkpoints, as `threads`. */
  precision?: Precision;
}

/**
 * `'auto'`: as many threads as the machine has cores; or a number from 1 to 64. Threads need the threaded build,
 * which the package loads in Node and in cross-origin-isolated pages and workers (shared WebAssembly.Memory);
 * elsewhere (other pages, edge runtimes) a model runs one thread whatever it asks for, and its `threads` property
 * says so.
 */
export type Threads = 'auto' | number;

/**
 * `'exact'`: every multiply-add of the matrix products is a rounded product then a rounded sum, so a seed gives
 * the same bits on every machine and runtime. `'fast'`: their SIMD multiply-adds are fused (relaxed SIMD's
 * `f32x4.relaxed_madd`; scalar edges stay as they are), one rounding instead of two; the last bits then depend on
 * the machine. Fast needs a runtime with relaxed SIMD (Chromium, Node 22 and later, Node 20 with
 * `--experimental-wasm-relaxed-simd`) and the build that uses it, which the package loads there by itself (with
 * `init({ wasm })`, pass `wasm-autoencoder/wasm-fast`); elsewhere a model runs exact whatever it asks for, and its
 * `precision` property says so.
 */
export type Precision = 'exact' | 'fast';

/** How this process runs a model, not part of it (never kept in checkpoints). */
export interface RunOptions {
  threads?: Threads;
  precision?: Precision;
}

/** `threads` and `precision` as given, checked (defaults 1 and 'exact'). */
export function checkRunOptions(options: RunOptions): Required<RunOptions> {
  const { threads = 1, precision = 'exact' } = options;
  if (threads !== 'auto' && !(Number.isSafeInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new RangeError(`threads must be 'auto' or an integer from 1 to 64, got ${typeof threads === 'string' ? `'${threads}'` : String(threads)}`);
  }
  if (precision !== 'exact' && precision !== 'fast') {
    throw new RangeError(`precision must be 'exact' or 'fast', got ${typeof precision === 'string' ? `'${precision}'` : String(precision)}`);
  }
  return { threads, precision };
}

/** Options after defaults were applied and every value was checked. */
export interface ResolvedOptions {
  readonly epochs: number;
  readonly learningRate: number;
  readonly activation: Activation;
  readonly outputActivation: OutputActivation;
  readonly loss: Loss;
  readonly seed: number;
  readonly weightInit: WeightInit;
  readonly optimizer: ResolvedOptimizer;
}

const DEFAULTS: Omit<ResolvedOptions, 'optimizer'> = {
  epochs: 250,
  learningRate: 0.001,
  activation: 'tanh',
  outputActivation: 'linear',
  loss: 'rmse',
  seed: 1,
  weightInit: 'normal',
};

const OPTIMIZER_DEFAULTS = {
  rmsprop: { name: 'rmsprop', decay: 0.9, momentum: 0, epsilon: 1e-10 },
  adam: { name: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  sgd: { name: 'sgd', momentum: 0, nesterov: false },
} as const;

export const ACTIVATIONS = ACTIVATION_NAMES.filter((name): name is Activation => name !== 'linear');

/** Applies defaults and checks every option, throwing a RangeError/TypeError that names the bad one. The result is frozen. */
export function resolveOptions(options: AutoencoderOptions = {}): ResolvedOptions {
  checkKeys(options, [...Object.keys(DEFAULTS), 'optimizer', 'threads', 'precision'], 'options');
  const o = { ...DEFAULTS, ...stripUndefined({ ...options, threads: undefined, precision: undefined }) };
  oneOf(o.activation, ACTIVATIONS, 'activation');
  oneOf(o.outputActivation, ACTIVATION_NAMES, 'outputActivation');
  oneOf(o.loss, LOSS_NAMES, 'loss');
  if (o.loss === 'bce' && o.outputActivation !== 'sigmoid') {
    throw new RangeError(`loss 'bce' needs outputActivation 'sigmoid' (outputs in (0, 1)), got '${o.outputActivation}'`);
  }
  oneOf(o.weightInit, ['normal', 'glorot'], 'weightInit');
  checkCount(o.epochs, 'epochs');
  checkPositive(o.learningRate, 'learningRate');
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${String(o.seed)}`);
  return Object.freeze({ ...o, optimizer: resolveOptimizer(options.optimizer ?? {}) });
}

function resolveOptimizer(options: OptimizerOptions): ResolvedOptimizer {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError('optimizer options must be an object');
  const name = options.name ?? 'rmsprop';
  oneOf(name, Object.keys(OPTIMIZER_DEFAULTS), 'optimizer');
  const defaults = OPTIMIZER_DEFAULTS[name];
  checkKeys(options, Object.keys(defaults), 'optimizer options');
  const o = { ...defaults, ...stripUndefined(options) } as Required<OptimizerOptions>;
  if (o.name === 'rmsprop') {
    checkUnit(o.decay, 'optimizer.decay');
    checkUnit(o.momentum, 'optimizer.momentum');
    // ε = 0 would divide 0 by 0 for a parameter whose gradient and mean square both reach 0.
    checkPositive(o.epsilon, 'optimizer.epsilon');
  } else if (o.name === 'adam') {
    checkUnit(o.beta1, 'optimizer.beta1');
    checkUnit(o.beta2, 'optimizer.beta2');
    checkPositive(o.epsilon, 'optimizer.epsilon');
  } else {
    checkUnit(o.momentum, 'optimizer.momentum');
    if (typeof o.nesterov !== 'boolean') throw new TypeError(`optimizer.nesterov must be true or false, got ${String(o.nesterov)}`);
  }
  return Object.freeze(o);
}

/** Throws a RangeError unless `value` is one of `allowed`, naming them. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`unknown ${what} '${String(value)}': expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
}

/** Throws a TypeError unless `value` is an object, and a RangeError naming any key outside `known`. */
export function checkKeys(value: unknown, known: readonly string[], what: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} must be an object`);
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new RangeError(`unknown ${what} ${unknown.map((k) => `'${k}'`).join(', ')}: expected ${known.map((k) => `'${k}'`).join(', ')}`);
  }
}

/** The optimizer settings the kernels read. */
export function optimizerSettings(o: Pick<ResolvedOptions, 'learningRate' | 'optimizer'>): OptimizerSettings {
  return { learningRate: o.learningRate, ...o.optimizer };
}

/** Throws unless n is a positive integer. */
export function checkDimension(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(n)}`);
  if (n > MAX_WIDTH) throw new RangeError(`${name} is ${n}; at most ${MAX_WIDTH} is supported`);
  return n;
}

/** Layers an encoder may have. */
export const MAX_DEPTH = 64;
/** The widest a layer (or any dimension) may be. */
export const MAX_WIDTH = 1 << 24;

/** The hidden widths as an array: a number is one hidden layer. */
export function checkHidden(hidden: number | readonly number[]): number[] {
  if (!Array.isArray(hidden)) return [checkDimension(hidden, 'hiddenDim')];
  if (hidden.length < 1 || hidden.length > MAX_DEPTH) {
    throw new RangeError(`hidden must be a layer width or an array of 1 to ${MAX_DEPTH} widths, e.g. [256, 64]; got ${String(hidden)}`);
  }
  return Array.from({ length: hidden.length }, (_, k) => checkDimension(hidden[k], `hidden[${k}]`)); // holes too
}

/** Throws unless n is an integer ≥ 0. */
export function checkCount(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${String(n)}`);
  return n;
}

function checkPositive(n: unknown, name: string): void {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${String(n)}`);
}

function checkUnit(n: unknown, name: string): void {
  if (typeof n !== 'number' || !(n >= 0 && n < 1)) throw new RangeError(`${name} must be a number in [0, 1), got ${String(n)}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

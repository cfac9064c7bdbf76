import type { LayerActivation, OptimizerSettings } from '../runtime/layout.js';

/** How initial weights are drawn (see `AutoencoderOptions.weightInit`). */
export type WeightInit = 'normal' | 'glorot';

/** Encoder activation. The decoder is linear, as in the chapter. */
export type Activation = Exclude<LayerActivation, 'linear'>;

/** RMSProp settings; defaults are TensorFlow 1's. */
export interface RMSPropOptions {
  /** Discount of the mean-square history (TF1 `decay`). Default 0.9. */
  decay?: number;
  /** Momentum (TF1 `momentum`). Default 0. */
  momentum?: number;
  /** Added inside the square root (TF1 `epsilon`), > 0. Default 1e-10. */
  epsilon?: number;
}

/** Options of `new Autoencoder(inputDim, hiddenDim, options)`; defaults follow the chapter. */
export interface AutoencoderOptions {
  /** Epochs per `train` call. Default 250. */
  epochs?: number;
  /** RMSProp learning rate. Default 0.001. */
  learningRate?: number;
  /** Encoder activation. Default `'tanh'`. */
  activation?: Activation;
  /** Seed of the generator that draws initial weights and batches. Default 1. */
  seed?: number;
  /**
   * Initial weights: `'normal'` draws N(0, 1) (the chapter's `tf.random_normal`); `'glorot'` draws
   * N(0, 2/(fan_in + fan_out)), which keeps wide layers out of saturation. Default `'normal'`.
   */
  weightInit?: WeightInit;
  /** RMSProp settings (TF1 defaults: decay 0.9, momentum 0, epsilon 1e-10). */
  optimizer?: RMSPropOptions;
}

/** Options after defaults were applied and every value was checked. */
export interface ResolvedOptions {
  readonly epochs: number;
  readonly learningRate: number;
  readonly activation: Activation;
  readonly seed: number;
  readonly weightInit: WeightInit;
  readonly optimizer: Readonly<Required<RMSPropOptions>>;
}

const DEFAULTS: ResolvedOptions = {
  epochs: 250,
  learningRate: 0.001,
  activation: 'tanh',
  seed: 1,
  weightInit: 'normal',
  optimizer: { decay: 0.9, momentum: 0, epsilon: 1e-10 },
};

const ACTIVATIONS: readonly Activation[] = ['tanh', 'sigmoid', 'relu'];

/** Applies defaults and checks every option, throwing a RangeError/TypeError that names the bad one. The result is frozen. */
export function resolveOptions(options: AutoencoderOptions = {}): ResolvedOptions {
  checkKeys(options, Object.keys(DEFAULTS), 'options');
  checkKeys(options.optimizer ?? {}, Object.keys(DEFAULTS.optimizer), 'optimizer options');
  const o = { ...DEFAULTS, ...stripUndefined(options), optimizer: { ...DEFAULTS.optimizer, ...stripUndefined(options.optimizer ?? {}) } };
  if (!ACTIVATIONS.includes(o.activation)) {
    throw new RangeError(`unknown activation '${String(o.activation)}': expected one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
  }
  if (o.weightInit !== 'normal' && o.weightInit !== 'glorot') {
    throw new RangeError(`unknown weightInit '${String(o.weightInit)}': expected 'normal' or 'glorot'`);
  }
  checkCount(o.epochs, 'epochs');
  checkPositive(o.learningRate, 'learningRate');
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${String(o.seed)}`);
  checkUnit(o.optimizer.decay, 'optimizer.decay');
  checkUnit(o.optimizer.momentum, 'optimizer.momentum');
  // ε = 0 would divide 0 by 0 for a parameter whose gradient and mean square both reach 0.
  checkPositive(o.optimizer.epsilon, 'optimizer.epsilon');
  return Object.freeze({ ...o, optimizer: Object.freeze(o.optimizer) });
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
export function optimizerSettings(o: ResolvedOptions): OptimizerSettings {
  return { learningRate: o.learningRate, ...o.optimizer };
}

/** Throws unless n is a positive integer. */
export function checkDimension(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(n)}`);
  if (n > 1 << 24) throw new RangeError(`${name} is ${n}; at most ${1 << 24} is supported`);
  return n;
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

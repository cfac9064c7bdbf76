import type { LayerSpec } from '../runtime/network.js';
import { MAX_DEPTH, checkDimension, checkKeys, resolveOptions, type AutoencoderOptions, type ResolvedOptions } from './options.js';
import { autoencoderLayers, type ParameterName } from './parameters.js';

/** A variational autoencoder's reconstruction term: `'bce'` (with a sigmoid output) or `'mse'`, each summed over a row's values. */
export type Reconstruction = 'bce' | 'mse';

/** Options of `new VariationalAutoencoder(inputDim, latentDim, options)`: `Autoencoder`'s, with these instead of `loss`. */
export interface VariationalAutoencoderOptions extends Omit<AutoencoderOptions, 'loss'> {
  /** Widths of the encoder's hidden layers, input side first, mirrored in the decoder. Default `[]`. */
  hidden?: readonly number[];
  /**
   * The reconstruction term of each row: the sum over its values of the binary cross-entropy (`'bce'`, from the
   * pre-activation; needs `outputActivation: 'sigmoid'`) or of the squared error (`'mse'`). Default `'bce'` with a
   * sigmoid output, `'mse'` otherwise.
   */
  reconstruction?: Reconstruction;
  /** β, the weight of the KL term in the loss (≥ 0; 1 is the usual ELBO). Default 1. */
  klWeight?: number;
  /**
   * As `Autoencoder`'s, but the default is `'glorot'`: with the chapter's N(0, 1) weights, log-variances of order
   * √width make exp(logVar) overflow the KL term from the first step.
   */
  weightInit?: AutoencoderOptions['weightInit'];
}

/** A variational autoencoder's options after defaults were applied and every value was checked. */
export interface ResolvedVaeOptions extends Omit<ResolvedOptions, 'loss'> {
  readonly hidden: readonly number[];
  readonly reconstruction: Reconstruction;
  readonly klWeight: number;
}

/** A variational autoencoder's parameter names: the encoder's and decoder's, and the heads `z_mean` and `z_log_var`. */
export type VaeParameterName = ParameterName | `${'z_mean' | 'z_log_var'}/${'weights' | 'biases'}`;

const VAE_KEYS = ['hidden', 'reconstruction', 'klWeight'];
/** The largest β: the kernels hold it as an f32, and far below its overflow. */
export const MAX_KL_WEIGHT = 1e30;

/** Applies defaults and checks every option, throwing a RangeError/TypeError that names the bad one. The result is frozen. */
export function resolveVaeOptions(options: VariationalAutoencoderOptions = {}): ResolvedVaeOptions {
  checkKeys(options, ['epochs', 'learningRate', 'activation', 'outputActivation', 'seed', 'weightInit', 'optimizer', 'threads', 'precision', ...VAE_KEYS], 'options');
  const { hidden = [], reconstruction, klWeight = 1, ...rest } = options;
  if (!Array.isArray(hidden) || hidden.length > MAX_DEPTH) throw new RangeError(`hidden must be an array of 0 to ${MAX_DEPTH} layer widths, e.g. [256]; got ${String(hidden)}`);
  const widths = Array.from({ length: hidden.length }, (_, k) => checkDimension(hidden[k], `hidden[${k}]`));
  const sigmoid = (rest.outputActivation ?? 'linear') === 'sigmoid';
  const term = reconstruction ?? (sigmoid ? 'bce' : 'mse');
  if (term !== 'bce' && term !== 'mse') throw new RangeError(`unknown reconstruction '${String(term)}': expected 'bce' or 'mse'`);
  if (term === 'bce' && !sigmoid) {
    throw new RangeError(`reconstruction 'bce' needs outputActivation 'sigmoid' (outputs in (0, 1)), got '${String(rest.outputActivation ?? 'linear')}'`);
  }
  if (typeof klWeight !== 'number' || !(klWeight >= 0 && klWeight <= MAX_KL_WEIGHT)) throw new RangeError(`klWeight must be a number from 0 to ${MAX_KL_WEIGHT}, got ${String(klWeight)}`);
  const { loss: _loss, ...resolved } = resolveOptions({ ...rest, weightInit: rest.weightInit ?? 'glorot', loss: term });
  return Object.freeze({ ...resolved, hidden: Object.freeze(widths), reconstruction: term, klWeight });
}

/**
 * The layers of a variational autoencoder: the encoder's hidden layers (`activation`), the heads z_mean and
 * z_log_var (linear, both reading the last hidden layer or the input), the sampling layer `z`, and the decoder
 * mirroring the encoder (`activation` inside, `outputActivation` on the output layer).
 */
export function vaeLayers(inputDim: number, latentDim: number, options: Pick<ResolvedVaeOptions, 'hidden' | 'activation' | 'outputActivation'>): LayerSpec[] {
  const { hidden } = options;
  const k = hidden.length;
  // An autoencoder whose code is the latent width has this encoder (its first k layers) and this decoder (its last k + 1).
  const mirrored = autoencoderLayers(inputDim, [...hidden, latentDim], options);
  const top = [inputDim, ...hidden][k]!;
  const heads: LayerSpec[] = [
    { name: 'z_mean', inDim: top, outDim: latentDim, activation: 'linear', source: k - 1, visit: 'last' },
    { name: 'z_log_var', inDim: top, outDim: latentDim, activation: 'linear', source: k - 1, visit: 'first' },
  ];
  const sampling: LayerSpec = { name: 'z', kind: 'sampling', inDim: latentDim, outDim: latentDim, activation: 'linear', source: k, source2: k + 1 };
  return [...mirrored.slice(0, k), ...heads, sampling, ...mirrored.slice(k + 1)];
}

// A model as the interchange formats see it: its kind, its dense layers in order (weights in × out, as ours are
// stored, and biases) with their activations, and the options that rebuild it. Every exporter (ONNX, safetensors,
// TF.js layers) writes from a description and every importer reads into one, so the rules of what our models can
// be (an encoder mirrored by its decoder; one activation inside, one on the output) live here once.
import type { ActivationName } from '../runtime/abi.js';
import { Autoencoder } from '../model/autoencoder.js';
import { VariationalAutoencoder } from '../model/vae.js';
import type { Activation, OutputActivation, Loss } from '../model/options.js';
import type { Reconstruction } from '../model/vae-options.js';

/** One dense layer: out = activation(in·W + b), W row-major in × out. */
export interface DenseLayerData {
  /** Our parameter scope: `encode`, `encode_1`, …, `z_mean`, `z_log_var`, `decode`, …. */
  readonly name: string;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: ActivationName;
  /** inDim × outDim, row-major (forward is x·W + b). */
  readonly weights: Float32Array;
  readonly biases: Float32Array;
}

/** What rebuilds an `Autoencoder`: its layers are `encode…` then `decode…`, the decoder mirroring the encoder. */
export interface AutoencoderDescription {
  readonly kind: 'autoencoder';
  readonly inputDim: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly outputActivation: OutputActivation;
  readonly loss: Loss;
  readonly layers: readonly DenseLayerData[];
}

/** What rebuilds a `VariationalAutoencoder`: encoder layers, the heads, then the decoder layers. */
export interface VaeDescription {
  readonly kind: 'vae';
  readonly inputDim: number;
  readonly latentDim: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly outputActivation: OutputActivation;
  readonly reconstruction: Reconstruction;
  readonly klWeight: number;
  readonly encoder: readonly DenseLayerData[];
  readonly mean: DenseLayerData;
  readonly logVar: DenseLayerData;
  readonly decoder: readonly DenseLayerData[];
}

export type ModelDescription = AutoencoderDescription | VaeDescription;

/** The dense layers a description holds, in forward order (a VAE's: encoder, z_mean, z_log_var, decoder). */
export function denseLayers(description: ModelDescription): DenseLayerData[] {
  if (description.kind === 'autoencoder') return [...description.layers];
  return [...description.encoder, description.mean, description.logVar, ...description.decoder];
}

/** A model's description: copies of its weights, its layers' activations, and the options that rebuild it. */
export function describeModel(model: Autoencoder | VariationalAutoencoder): ModelDescription {
  const weights = model.getWeights() as Record<string, { data: Float32Array; rows: number; cols: number }>;
  const layer = (name: string, activation: ActivationName): DenseLayerData => {
    const W = weights[`${name}/weights`]!;
    return { name, inDim: W.rows, outDim: W.cols, activation, weights: W.data, biases: weights[`${name}/biases`]!.data };
  };
  const { activation, outputActivation } = model.options;
  const depth = model.hidden.length;
  const scope = (base: string, k: number) => (k === 0 ? base : `${base}_${k}`);
  const encoder = model.hidden.map((_, k) => layer(scope('encode', k), activation));
  if (model instanceof Autoencoder) {
    const decoder = model.hidden.map((_, k) => layer(scope('decode', k), k === depth - 1 ? outputActivation : activation));
    return { kind: 'autoencoder', inputDim: model.inputDim, hidden: [...model.hidden], activation, outputActivation, loss: model.options.loss, layers: [...encoder, ...decoder] };
  }
  const decoder = [...model.hidden, 0].map((_, k) => layer(scope('decode', k), k === depth ? outputActivation : activation));
  return {
    kind: 'vae', inputDim: model.inputDim, latentDim: model.latentDim, hidden: [...model.hidden], activation, outputActivation,
    reconstruction: model.options.reconstruction, klWeight: model.options.klWeight,
    encoder, mean: layer('z_mean', 'linear'), logVar: layer('z_log_var', 'linear'), decoder,
  };
}

/**
 * The model a description holds, its weights set bit for bit and its optimizer state fresh (the options' defaults).
 * Throws a RangeError naming the first layer whose shape or activation our models cannot have.
 */
export function buildModel(description: ModelDescription): Autoencoder | VariationalAutoencoder {
  checkShapes(description);
  const model =
    description.kind === 'autoencoder'
      ? new Autoencoder(description.inputDim, description.hidden, { activation: description.activation, outputActivation: description.outputActivation, loss: description.loss })
      : new VariationalAutoencoder(description.inputDim, description.latentDim, {
        hidden: description.hidden, activation: description.activation, outputActivation: description.outputActivation,
        reconstruction: description.reconstruction, klWeight: description.klWeight,
      });
  try {
    const weights: Record<string, { rows: number; cols: number; data: Float32Array }> = {};
    for (const layer of denseLayers(description)) {
      weights[`${layer.name}/weights`] = { rows: layer.inDim, cols: layer.outDim, data: layer.weights };
      weights[`${layer.name}/biases`] = { rows: 1, cols: layer.outDim, data: layer.biases };
    }
    model.setWeights(weights as never);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Throws unless every layer has the shape and activation the description's kind gives it, and its arrays their lengths. */
function checkShapes(description: ModelDescription): void {
  const expected = expectedLayers(description);
  const layers = denseLayers(description);
  if (layers.length !== expected.length) throw new RangeError(`a ${description.kind} of hidden [${description.hidden}] has ${expected.length} dense layers, got ${layers.length}`);
  layers.forEach((layer, l) => {
    const want = expected[l]!;
    if (layer.name !== want.name || layer.inDim !== want.inDim || layer.outDim !== want.outDim) {
      throw new RangeError(`layer ${l} is ${layer.name} ${layer.inDim} → ${layer.outDim}, expected ${want.name} ${want.inDim} → ${want.outDim}`);
    }
    if (layer.activation !== want.activation) throw new RangeError(`layer ${layer.name} has activation '${layer.activation}', expected '${want.activation}' (one activation inside, one on the output)`);
    if (layer.weights.length !== layer.inDim * layer.outDim) throw new RangeError(`${layer.name}/weights holds ${layer.weights.length} values, expected ${layer.inDim}×${layer.outDim}`);
    if (layer.biases.length !== layer.outDim) throw new RangeError(`${layer.name}/biases holds ${layer.biases.length} values, expected ${layer.outDim}`);
  });
}

/** The layers (name, shape, activation) a description's kind, sizes and activations make. */
function expectedLayers(d: ModelDescription): Pick<DenseLayerData, 'name' | 'inDim' | 'outDim' | 'activation'>[] {
  const scope = (base: string, k: number) => (k === 0 ? base : `${base}_${k}`);
  const widths = [d.inputDim, ...d.hidden];
  const encoder = d.hidden.map((out, k) => ({ name: scope('encode', k), inDim: widths[k]!, outDim: out, activation: d.activation as ActivationName }));
  const mirrored = (sizes: number[]) =>
    sizes.slice(1).map((out, k) => ({ name: scope('decode', k), inDim: sizes[k]!, outDim: out, activation: (k === sizes.length - 2 ? d.outputActivation : d.activation) as ActivationName }));
  if (d.kind === 'autoencoder') return [...encoder, ...mirrored([...widths].reverse())];
  const top = widths.at(-1)!;
  return [
    ...encoder,
    { name: 'z_mean', inDim: top, outDim: d.latentDim, activation: 'linear' },
    { name: 'z_log_var', inDim: top, outDim: d.latentDim, activation: 'linear' },
    ...mirrored([d.latentDim, ...[...d.hidden].reverse(), d.inputDim]),
  ];
}

// A model as the interchange formats see it: its kind, its dense layers in order (weights in × out, as ours are
// stored, and biases) with their activations, and the options that rebuild it. Every exporter (ONNX, safetensors,
// TF.js layers) writes from a description and every importer reads into one, so the rules of what our models can
// be (an encoder mirrored by its decoder; one activation inside, one on the output) live here once.
import type { ActivationName } from '../runtime/abi.js';
import { Autoencoder } from '../model/autoencoder.js';
import { VariationalAutoencoder } from '../model/vae.js';
import type { Activation, OutputActivation, Loss } from '../model/options.js';
import type { Reconstruction } from '../model/vae-options.js';
import { autoencoderLayers } from '../model/parameters.js';
import type { LayerSpec } from '../runtime/network.js';
import { vaeLayers } from '../model/vae-options.js';

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
  if (model instanceof Autoencoder) {
    const layers = autoencoderLayers(model.inputDim, model.hidden, model.options).map((spec) => layer(spec.name, spec.activation));
    return { kind: 'autoencoder', inputDim: model.inputDim, hidden: [...model.hidden], activation, outputActivation, loss: model.options.loss, layers };
  }
  const layers = denseSpecs(vaeLayers(model.inputDim, model.latentDim, model.options)).map((spec) => layer(spec.name, spec.activation));
  return {
    kind: 'vae', inputDim: model.inputDim, latentDim: model.latentDim, hidden: [...model.hidden], activation, outputActivation,
    reconstruction: model.options.reconstruction, klWeight: model.options.klWeight,
    encoder: layers.slice(0, depth), mean: layers[depth]!, logVar: layers[depth + 1]!, decoder: layers.slice(depth + 2),
  };
}

/**
 * The model a description holds, its weights set bit for bit and its optimizer state fresh (the options' defaults).
 * Throws a RangeError naming the first layer whose shape or activation our models cannot have, or which holds a value
 * that is not finite.
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
    for (const [what, values] of [['weights', layer.weights], ['biases', layer.biases]] as const) {
      // A checkpoint refuses such values when it loads: a model built from them could be saved but never loaded.
      const at = values.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) throw new RangeError(`${layer.name}/${what} holds ${values[at]} at ${at}: a model's weights and biases must be finite`);
    }
  });
}

/** The dense layers (name, shape, activation) a description's kind, sizes and activations make, as the models lay them out. */
function expectedLayers(d: ModelDescription): Pick<DenseLayerData, 'name' | 'inDim' | 'outDim' | 'activation'>[] {
  if (d.kind === 'autoencoder') return autoencoderLayers(d.inputDim, d.hidden, d);
  return denseSpecs(vaeLayers(d.inputDim, d.latentDim, d));
}

/** A VAE's layers without its sampling layer: its dense layers, in the order of `denseLayers`. */
function denseSpecs(layers: LayerSpec[]): LayerSpec[] {
  return layers.filter((layer) => layer.kind !== 'sampling');
}

/**
 * TensorFlow.js layers models, the `model.json` + `weights.bin` pair that `tf.loadLayersModel` loads, written and
 * read by hand (plain JSON and little-endian float32 bytes: the package does not depend on TF.js).
 *
 * An `Autoencoder` is a `tf.sequential` of `Dense` layers named as our parameter scopes (`encode`, `encode_1`, …,
 * `decode`, `decode_1`, …), kernels in × out as ours are stored; a leaky ReLU (slope 0.01), which TF.js has no
 * activation name for, is a linear `Dense` then a `LeakyReLU` layer of alpha 0.01 (named `<dense>_leaky_relu`).
 * A `VariationalAutoencoder` is a functional model: input → encoder → the heads `z_mean` and `z_log_var`, and the
 * decoder applied to `z_mean`; its outputs are `[z_mean, z_log_var, reconstruction]`, so `predict(x)` gives what
 * `encode(x)` and `decode(encode(x).mean)` give. `{ part: 'encoder' }` and `{ part: 'decoder' }` export either half
 * alone (a VAE's encoder is functional with outputs `[z_mean, z_log_var]`; every other half a `tf.sequential`), e.g.
 * a decoder to generate from codes in TF.js.
 *
 * Web-standard APIs only. Reading is hostile-input safe: sizes and shapes are checked against the bytes given
 * before anything is allocated, and anything our models cannot be is refused with a `DataFormatError` that names
 * the layer or tensor.
 *
 * @module
 */

import { DataFormatError } from '../errors.js';
import type { Autoencoder } from '../model/autoencoder.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { LOSS_NAMES, type ActivationName, type LossName } from '../runtime/abi.js';
import type { Reconstruction } from '../model/vae-options.js';
import { buildModel, describeModel, type DenseLayerData, type ModelDescription } from './description.js';
import { MAX_DEPTH, MAX_WIDTH, checkKeys } from '../model/options.js';
import { MAX_KL_WEIGHT } from '../model/vae-options.js';
import { scope } from '../model/parameters.js';
import { exceedsJsonNesting } from './json-limits.js';
import { fromLittleEndian, littleEndianBytes } from './little-endian.js';

/** One tensor of a weights manifest. */
export interface TfjsWeightsEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** One group of a weights manifest: the files (shards) its tensors are in, one after the other. */
export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightsEntry[];
}

/** A Keras layer as `model.json` holds it (`name` and `inbound_nodes` in functional models only). */
export interface TfjsLayerJson {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown[];
}

/** What this package writes into `userDefinedMetadata['wasm-autoencoder']`: the options no Keras layer holds. */
export type TfjsMetadata =
  | { kind: 'autoencoder'; part: TfjsPart; activation: ActivationName; outputActivation: ActivationName; loss: LossName }
  | { kind: 'vae'; part: TfjsPart; activation: ActivationName; outputActivation: ActivationName; reconstruction: Reconstruction; klWeight: number };

/** The contents of a `model.json`: a TF.js layers model whose weights are in `weights.bin`. */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    keras_version: string;
    backend: string;
    model_config: { class_name: 'Sequential' | 'Model'; config: Record<string, unknown> };
  };
  weightsManifest: TfjsWeightsGroup[];
  userDefinedMetadata: { 'wasm-autoencoder': TfjsMetadata };
}

/** A model as TF.js layers: `model.json`'s contents and `weights.bin`'s bytes. */
export interface TfjsLayers {
  modelJson: TfjsModelJson;
  /** The float32 values of every tensor of the manifest, in its order, little-endian. */
  weightData: ArrayBuffer;
}

/** The whole model, or one half of it. */
export type TfjsPart = 'autoencoder' | 'encoder' | 'decoder';

/** Options of {@link toTfjsLayers}. */
export interface TfjsLayersOptions {
  /**
   * `'autoencoder'` (default): the whole model. `'encoder'`: input → codes (a VAE's: `[z_mean, z_log_var]`).
   * `'decoder'`: codes → reconstructions. A half is for TF.js only: {@link fromTfjsLayers} reads whole models.
   */
  part?: TfjsPart;
}

/** Options of {@link fromTfjsLayers}. */
export interface FromTfjsLayersOptions {
  /** What errors call the model (e.g. its path). Default `'TF.js model'`. */
  name?: string;
}

/** The file the manifest names, written beside `model.json` by `writeTfjsLayers`. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';
/** The key of our options in `userDefinedMetadata`. */
const METADATA_KEY = 'wasm-autoencoder';
/** The layers format (tfjs-layers' own `keras_version`) the JSON follows. */
const KERAS_VERSION = 'tfjs-layers 4.22.0';
/** Our leaky ReLU's slope below 0. */
const LEAKY_SLOPE = 0.01;
/** Keras' activation names of ours (leaky ReLU has none: a LeakyReLU layer). */
const KERAS_ACTIVATIONS: Partial<Record<ActivationName, string>> = { linear: 'linear', tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu', elu: 'elu' };
const OUR_ACTIVATIONS: Record<string, ActivationName> = { linear: 'linear', tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu', elu: 'elu' };

/**
 * The longest model.json read. Ours are a few hundred bytes a layer (at most 2 × 64 Dense layers each way, each
 * with a LeakyReLU, plus the manifest: well under 200 KB); even MAX_LAYERS layers as TF.js saves them (its
 * initializers and constraints included, under 1 KB each) fit.
 */
export const MAX_TFJS_JSON_BYTES = 2 ** 20;
/**
 * The deepest nesting of arrays and objects read. A model.json nests about 10 deep (a Keras 3 inbound node about
 * 12); the limit only stops hostile input from making JSON.parse build a megabyte of nested arrays.
 */
const MAX_JSON_NESTING = 32;
/** Layers a model may list: 2 × 64 hidden layers each way, each with a LeakyReLU, the heads and an input. */
const MAX_LAYERS = 1024;
/** Tensors a weights manifest may list, and groups. */
const MAX_TENSORS = 1024;
const MAX_GROUPS = 1024;
/** Names longer than this are refused (ours are a few characters). */
const MAX_NAME = 256;


// ---------------------------------------------------------------------------------------------------------------
// Writing

/**
 * A model as a TF.js layers model: `modelJson` is `model.json`'s contents (write it with `JSON.stringify`), and
 * `weightData` the bytes of the `weights.bin` its manifest names. `tf.loadLayersModel` loads the pair, and its
 * `predict` gives what the model's `test` (an `Autoencoder`'s reconstructions) or `encode` and `decode` (a VAE's
 * `[z_mean, z_log_var, reconstruction of z_mean]`) give, to float32 rounding. The options no layer holds (loss,
 * reconstruction term, β) travel in `userDefinedMetadata`, for {@link fromTfjsLayers}.
 *
 * @example
 * ```ts
 * const { modelJson, weightData } = toTfjsLayers(ae);
 * // in TF.js:
 * const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
 * const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
 * ```
 */
export function toTfjsLayers(model: Autoencoder | VariationalAutoencoder, options: TfjsLayersOptions = {}): TfjsLayers {
  checkKeys(options, ['part'], 'option');
  const part = options.part ?? 'autoencoder';
  if (part !== 'autoencoder' && part !== 'encoder' && part !== 'decoder') throw new RangeError(`part is ${String(part)}, expected 'autoencoder', 'encoder' or 'decoder'`);
  const d = describeModel(model);
  const { config, className, layers } = d.kind === 'autoencoder' ? autoencoderTopology(d, part) : vaeTopology(d, part);
  const metadata: TfjsMetadata =
    d.kind === 'autoencoder'
      ? { kind: 'autoencoder', part, activation: d.activation, outputActivation: d.outputActivation, loss: d.loss }
      : { kind: 'vae', part, activation: d.activation, outputActivation: d.outputActivation, reconstruction: d.reconstruction, klWeight: d.klWeight };
  const weights: TfjsWeightsEntry[] = layers.flatMap((layer) => [
    { name: `${layer.name}/kernel`, shape: [layer.inDim, layer.outDim], dtype: 'float32' as const },
    { name: `${layer.name}/bias`, shape: [layer.outDim], dtype: 'float32' as const },
  ]);
  const bytes = new Uint8Array(4 * layers.reduce((sum, layer) => sum + layer.weights.length + layer.biases.length, 0));
  let at = 0;
  for (const layer of layers) {
    for (const values of [layer.weights, layer.biases]) {
      bytes.set(littleEndianBytes(values), at);
      at += values.byteLength;
    }
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'wasm-autoencoder',
      convertedBy: null,
      modelTopology: { keras_version: KERAS_VERSION, backend: 'tensor_flow.js', model_config: { class_name: className, config } },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights }],
      userDefinedMetadata: { [METADATA_KEY]: metadata } as TfjsModelJson['userDefinedMetadata'],
    },
    weightData: bytes.buffer,
  };
}

interface Topology {
  className: 'Sequential' | 'Model';
  config: Record<string, unknown>;
  /** The dense layers whose weights the model holds, in manifest order. */
  layers: DenseLayerData[];
}

function autoencoderTopology(d: Extract<ModelDescription, { kind: 'autoencoder' }>, part: TfjsPart): Topology {
  const depth = d.hidden.length;
  const layers = part === 'encoder' ? d.layers.slice(0, depth) : part === 'decoder' ? d.layers.slice(depth) : [...d.layers];
  const name = part === 'autoencoder' ? 'autoencoder' : `autoencoder_${part}`;
  return { className: 'Sequential', config: { name, layers: sequentialLayers(layers) }, layers };
}

function vaeTopology(d: Extract<ModelDescription, { kind: 'vae' }>, part: TfjsPart): Topology {
  if (part === 'decoder') return { className: 'Sequential', config: { name: 'vae_decoder', layers: sequentialLayers([...d.decoder]) }, layers: [...d.decoder] };
  const layers: TfjsLayerJson[] = [
    { name: 'input', class_name: 'InputLayer', config: { name: 'input', batch_input_shape: [null, d.inputDim], dtype: 'float32', sparse: false }, inbound_nodes: [] },
  ];
  const top = chain(d.encoder, 'input', layers);
  chain([d.mean], top, layers);
  chain([d.logVar], top, layers);
  const outputs = [[d.mean.name, 0, 0], [d.logVar.name, 0, 0]];
  if (part === 'autoencoder') outputs.push([chain(d.decoder, d.mean.name, layers), 0, 0]);
  const dense = part === 'autoencoder' ? [...d.encoder, d.mean, d.logVar, ...d.decoder] : [...d.encoder, d.mean, d.logVar];
  return {
    className: 'Model',
    config: { name: part === 'autoencoder' ? 'vae' : 'vae_encoder', layers, input_layers: [['input', 0, 0]], output_layers: outputs },
    layers: dense,
  };
}

/** A tf.sequential's layers: the first Dense says the input width. */
function sequentialLayers(layers: readonly DenseLayerData[]): TfjsLayerJson[] {
  return layers.flatMap((layer, l) => kerasLayers(layer, l === 0 ? layer.inDim : undefined));
}

/** Appends `layers` to a functional model's list, the first reading `source`; returns the name of the last one. */
function chain(layers: readonly DenseLayerData[], source: string, out: TfjsLayerJson[]): string {
  let from = source;
  for (const layer of layers) {
    for (const { class_name, config } of kerasLayers(layer)) {
      const name = config['name'] as string;
      out.push({ name, class_name, config, inbound_nodes: [[[from, 0, 0, {}]]] });
      from = name;
    }
  }
  return from;
}

/** A dense layer as Keras layers: a Dense, then a LeakyReLU for our leaky ReLU. */
function kerasLayers(layer: DenseLayerData, inputDim?: number): TfjsLayerJson[] {
  const leaky = layer.activation === 'leakyRelu';
  const dense: TfjsLayerJson = {
    class_name: 'Dense',
    config: {
      name: layer.name, trainable: true, dtype: 'float32', ...(inputDim === undefined ? {} : { batch_input_shape: [null, inputDim] }),
      units: layer.outDim, activation: leaky ? 'linear' : KERAS_ACTIVATIONS[layer.activation], use_bias: true,
    },
  };
  if (!leaky) return [dense];
  return [dense, { class_name: 'LeakyReLU', config: { name: `${layer.name}_leaky_relu`, trainable: true, dtype: 'float32', alpha: LEAKY_SLOPE } }];
}


// ---------------------------------------------------------------------------------------------------------------
// Reading

/**
 * Rebuilds a model from a TF.js layers model: `model.json` (its text, its bytes, or the parsed object) and its
 * weights (`weights.bin`'s bytes, or its shards in the manifest's order), with fresh optimizer state. Reads the
 * shapes this package exports, whoever wrote them (`model.save` in TF.js, Keras through the converter): a
 * `tf.sequential` (or a functional model with one output) of `Dense` layers whose widths read the same both ways
 * (an `Autoencoder`: one activation inside, any on the output), or a functional model with outputs `z_mean`,
 * `z_log_var` and the reconstruction decoded from `z_mean` (a `VariationalAutoencoder`); activations linear, tanh,
 * sigmoid, relu, elu, and leaky ReLU as a linear `Dense` then a `LeakyReLU` of alpha 0.01. Our
 * `userDefinedMetadata` gives back the loss, reconstruction term and β; without it they are the defaults.
 *
 * Anything else is refused with a `DataFormatError` naming the layer or tensor: other layer classes, `use_bias`
 * false, other activations, non-float32 or quantized tensors, a manifest whose shapes disagree with the layers or
 * whose sizes disagree with the bytes given (checked before anything is allocated), our `userDefinedMetadata`
 * contradicting the layers (its kind or activations not theirs), malformed JSON, model.json text over 1 MiB or
 * nested deeper than 32 levels (checked before parsing), a half exported with `{ part }`.
 *
 * @example
 * ```ts
 * const copy = fromTfjsLayers(JSON.stringify(modelJson), weightData) as Autoencoder;
 * ```
 */
export function fromTfjsLayers(
  modelJson: string | Uint8Array | ArrayBuffer | object,
  weightData: ArrayBuffer | ArrayBufferView | readonly ArrayBuffer[],
  options: FromTfjsLayersOptions = {},
): Autoencoder | VariationalAutoencoder {
  const file = typeof options?.name === 'string' && options.name.length > 0 ? options.name : 'TF.js model';
  const fail: Fail = (problem) => {
    throw new DataFormatError(file, problem);
  };
  const json = record(parseTfjsJson(modelJson, file), () => fail(`is not a JSON object (a model.json holds one), got ${describe(modelJson)}`));
  if (json['format'] !== undefined && json['format'] !== null && json['format'] !== 'layers-model') {
    fail(`has format ${describe(json['format'])}, expected 'layers-model' (graph models are not read)`);
  }
  const metadata = readMetadata(json, fail);
  if (metadata?.part === 'encoder' || metadata?.part === 'decoder') {
    fail(`holds the ${metadata.part} of ${metadata.kind === 'vae' ? 'a VAE' : 'an autoencoder'} alone (exported with { part: '${metadata.part}' }): only whole models are read back`);
  }
  const shards = weightShards(weightData, fail);
  const tensors = readManifest(json, shards.reduce((sum, shard) => sum + shard.length, 0), fail);
  const graph = readTopology(json, fail);
  const store = new Tensors(tensors, shards, fail);
  const description = graph.kind === 'autoencoder' ? autoencoderOf(graph, metadata, store, fail) : vaeOf(graph, metadata, store, fail);
  const unused = store.unused();
  if (unused.length > 0) fail(`tensor ${describe(unused[0])} of the weights manifest belongs to no layer of the model`);
  // Every check is done: only now are the weights copied out and the model allocated (no larger than the bytes given).
  const built = materialize(description, store);
  try {
    return buildModel(built);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) fail(error.message);
    throw error;
  }
}

/**
 * The model.json's value: parsed from text or UTF-8 bytes (at most {@link MAX_TFJS_JSON_BYTES}, nested at most
 * MAX_JSON_NESTING deep, both checked before parsing), or an object as is.
 * @internal
 */
export function parseTfjsJson(input: unknown, file: string): unknown {
  const fail: Fail = (problem) => {
    throw new DataFormatError(file, problem);
  };
  let text: string;
  if (typeof input === 'string') {
    if (input.length > MAX_TFJS_JSON_BYTES) fail(`is ${input.length} characters of JSON; at most ${MAX_TFJS_JSON_BYTES} are read`);
    if (exceedsJsonNesting(input, MAX_JSON_NESTING)) fail(`is JSON nested deeper than ${MAX_JSON_NESTING} levels (a model.json nests about 10)`);
    text = input;
  } else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    if (input.byteLength > MAX_TFJS_JSON_BYTES) fail(`is ${input.byteLength} bytes of JSON; at most ${MAX_TFJS_JSON_BYTES} are read`);
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (exceedsJsonNesting(bytes, MAX_JSON_NESTING)) fail(`is JSON nested deeper than ${MAX_JSON_NESTING} levels (a model.json nests about 10)`);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail('is not UTF-8 text (a model.json is JSON)');
    }
  } else {
    return input;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${error instanceof Error ? error.message.slice(0, 200) : 'parse error'})`);
  }
}

/**
 * The shard files a model.json's weights manifest names, in order, each a plain file name (no folder part; a
 * leading `./`, as `tf.io.browserDownloads` writes, is dropped), none twice.
 * @internal
 */
export function tfjsWeightPaths(json: unknown, file: string): string[] {
  const fail: Fail = (problem) => {
    throw new DataFormatError(file, problem);
  };
  const top = record(json, () => fail('is not a JSON object (a model.json holds one)'));
  const groups = list(top['weightsManifest'], MAX_GROUPS, () => fail(`has no weightsManifest (an array of at most ${MAX_GROUPS} groups)`));
  const paths: string[] = [];
  groups.forEach((group, g) => {
    const entries = list(record(group, () => fail(`weightsManifest[${g}] is not an object`))['paths'], MAX_GROUPS, () => fail(`weightsManifest[${g}].paths is not an array of file names`));
    for (const path of entries) {
      // tf.io.browserDownloads names its shards './name.weights.bin': the same plain name.
      const name = typeof path === 'string' && path.startsWith('./') ? path.slice(2) : path;
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME || /[/\\\0]/.test(name) || name === '.' || name === '..') {
        fail(`weightsManifest[${g}] names the weights file ${describe(path)}: only a plain file name beside model.json is read`);
      }
      if (paths.includes(name)) fail(`weightsManifest[${g}] names the weights file ${describe(path)} a second time: each shard is read once`);
      paths.push(name);
      if (paths.length > MAX_GROUPS) fail(`names more than ${MAX_GROUPS} weights files`);
    }
  });
  return paths;
}

type Fail = (problem: string) => never;

/** A JSON object (not an array), or what `orElse` gives. */
function record(value: unknown, orElse: () => never): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return orElse();
  return value as Record<string, unknown>;
}

/** An array of at most `max` items, or what `orElse` gives. */
function list(value: unknown, max: number, orElse: () => never): readonly unknown[] {
  if (!Array.isArray(value) || value.length > max) return orElse();
  return value;
}

/** A short, safe rendering of an untrusted value for a message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) {
    return value.length <= 4 && value.every((item) => typeof item === 'number' || item === null) ? `[${value.map(String).join(', ')}]` : `an array of ${value.length} items`;
  }
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Our options from `userDefinedMetadata`, checked; undefined when another tool wrote the model. */
function readMetadata(json: Record<string, unknown>, fail: Fail): TfjsMetadata | undefined {
  const all = json['userDefinedMetadata'];
  if (all === undefined || all === null) return undefined;
  const ours = record(all, () => fail('has userDefinedMetadata that is not an object'))[METADATA_KEY];
  if (ours === undefined) return undefined;
  const m = record(ours, () => fail(`has userDefinedMetadata['${METADATA_KEY}'] that is not an object`));
  const bad = (key: string): never => fail(`has userDefinedMetadata['${METADATA_KEY}'].${key} ${describe(m[key])}, which is not one of ours`);
  const kind = m['kind'] === 'autoencoder' || m['kind'] === 'vae' ? m['kind'] : bad('kind');
  const part = m['part'] === undefined ? 'autoencoder' : m['part'] === 'autoencoder' || m['part'] === 'encoder' || m['part'] === 'decoder' ? m['part'] : bad('part');
  const activation = activationOf(m['activation'], () => bad('activation'));
  const outputActivation = activationOf(m['outputActivation'], () => bad('outputActivation'));
  if (activation === 'linear') bad('activation');
  if (kind === 'autoencoder') {
    const loss = (LOSS_NAMES as readonly unknown[]).includes(m['loss']) ? (m['loss'] as LossName) : bad('loss');
    return { kind, part, activation, outputActivation, loss };
  }
  const reconstruction = m['reconstruction'] === 'bce' || m['reconstruction'] === 'mse' ? m['reconstruction'] : bad('reconstruction');
  const klWeight = m['klWeight'];
  if (typeof klWeight !== 'number' || !(klWeight >= 0 && klWeight <= MAX_KL_WEIGHT)) bad('klWeight');
  return { kind, part, activation, outputActivation, reconstruction, klWeight: klWeight as number };
}

function activationOf(value: unknown, orElse: () => never): ActivationName {
  return value === 'leakyRelu' ? 'leakyRelu' : typeof value === 'string' && Object.hasOwn(OUR_ACTIVATIONS, value) ? OUR_ACTIVATIONS[value]! : orElse();
}

/** The weight bytes as views of the caller's (nothing is copied yet): one array, or the shards in order. */
function weightShards(data: unknown, fail: Fail): Uint8Array[] {
  if (data instanceof ArrayBuffer) return [new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) return [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  if (Array.isArray(data) && data.length <= MAX_GROUPS && data.every((shard) => shard instanceof ArrayBuffer)) {
    return (data as ArrayBuffer[]).map((shard) => new Uint8Array(shard));
  }
  return fail(`weight data is ${describe(data)}, expected an ArrayBuffer, a typed array or an array of at most ${MAX_GROUPS} ArrayBuffers`);
}

interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the weight data. */
  offset: number;
}

/**
 * The number of weight bytes a model.json's manifest announces, all shards together, checked as
 * {@link fromTfjsLayers} checks it (float32 tensors, sizes that fit), refused when it is more than `maxBytes`: what
 * a reader of the shard files may read, at most.
 * @internal
 */
export function tfjsWeightBytes(json: unknown, file: string, maxBytes: number): number {
  const fail: Fail = (problem) => {
    throw new DataFormatError(file, problem);
  };
  const top = record(json, () => fail('is not a JSON object (a model.json holds one)'));
  return manifestEntries(top, maxBytes, `the ${maxBytes} bytes of weights read at most`, fail).total;
}

/**
 * The manifest's tensors by name, each with its offset: float32 only, every size checked against the `available`
 * bytes as it is added (so no product can overflow and nothing is allocated), and the total equal to them.
 */
function readManifest(json: Record<string, unknown>, available: number, fail: Fail): Map<string, TensorEntry> {
  const { tensors, total } = manifestEntries(json, available, `the ${available} bytes of weight data given (the manifest announces more: the data is too short, or the shape is not the data's)`, fail);
  if (total !== available) fail(`weight data holds ${available} bytes but the weights manifest announces ${total} (${available - total} bytes too many)`);
  return tensors;
}

/** The manifest's tensors and their total size, each tensor refused as soon as it ends past `limit` (`limitWhat`). */
function manifestEntries(json: Record<string, unknown>, limit: number, limitWhat: string, fail: Fail): { tensors: Map<string, TensorEntry>; total: number } {
  let entries: readonly unknown[];
  if (json['weightsManifest'] !== undefined) {
    const groups = list(json['weightsManifest'], MAX_GROUPS, () => fail(`has a weightsManifest that is not an array of at most ${MAX_GROUPS} groups`));
    const all: unknown[] = [];
    groups.forEach((group, g) => {
      const weights = list(record(group, () => fail(`weightsManifest[${g}] is not an object`))['weights'], MAX_TENSORS, () => fail(`weightsManifest[${g}].weights is not an array of at most ${MAX_TENSORS} tensors`));
      if (all.length + weights.length > MAX_TENSORS) fail(`lists more than ${MAX_TENSORS} tensors`);
      all.push(...weights);
    });
    entries = all;
  } else {
    // The shape of tf.io's ModelArtifacts (what a save handler is given): weightSpecs, one flat list.
    entries = list(json['weightSpecs'], MAX_TENSORS, () => fail(`has no weightsManifest (or weightSpecs): an array of at most ${MAX_TENSORS} tensors`));
  }
  const tensors = new Map<string, TensorEntry>();
  let offset = 0;
  entries.forEach((entry, t) => {
    const spec = record(entry, () => fail(`tensor ${t} of the weights manifest is not an object`));
    const name = spec['name'];
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) fail(`tensor ${t} of the weights manifest has name ${describe(name)}, expected a string of 1 to ${MAX_NAME} characters`);
    const label = `tensor ${describe(name)}`;
    if (tensors.has(name as string)) fail(`${label} is listed twice in the weights manifest`);
    if (spec['dtype'] !== 'float32') fail(`${label} has dtype ${describe(spec['dtype'])}: only float32 tensors are read`);
    if (spec['quantization'] !== undefined && spec['quantization'] !== null) fail(`${label} is quantized: only float32 tensors are read`);
    const shape = list(spec['shape'], 8, () => fail(`${label} has shape ${describe(spec['shape'])}, expected an array of at most 8 sizes`));
    let bytes = 4;
    for (const size of shape) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) fail(`${label} has shape ${describe(shape)}: sizes are integers ≥ 0`);
      bytes *= size as number;
      if (offset + bytes > limit) fail(`${label} of shape ${describe(shape)} ends past ${limitWhat}`);
    }
    tensors.set(name as string, { name: name as string, shape: shape as number[], offset });
    offset += bytes;
  });
  return { tensors, total: offset };
}

/** A Keras layer we read: an input, a Dense, or a LeakyReLU of slope 0.01. */
type Layer =
  | { kind: 'input'; name: string; inputDim: number }
  | { kind: 'dense'; name: string; units: number; activation: ActivationName; inputDim: number | undefined }
  | { kind: 'leaky'; name: string };

/** A Dense with the activation it ends up with (a following LeakyReLU makes it leaky). */
interface Unit {
  name: string;
  units: number;
  activation: ActivationName;
}

/** What the topology is: a dense stack (an autoencoder), or a VAE's encoder, heads and decoder. */
type Graph =
  | { kind: 'autoencoder'; inputDim: number | undefined; units: Unit[] }
  | { kind: 'vae'; inputDim: number | undefined; encoder: Unit[]; mean: Unit; logVar: Unit; decoder: Unit[] };

function readTopology(json: Record<string, unknown>, fail: Fail): Graph {
  let topology = record(json['modelTopology'], () => fail('has no modelTopology object'));
  if (topology['model_config'] !== undefined && topology['model_config'] !== null) {
    topology = record(topology['model_config'], () => fail('has a modelTopology.model_config that is not an object'));
  }
  const className = topology['class_name'];
  if (className === 'Sequential') return sequentialOf(topology['config'], fail);
  if (className === 'Model' || className === 'Functional') return functionalOf(topology['config'], fail);
  return fail(`has a model of class_name ${describe(className)}: only Sequential and functional (Model) layers models are read`);
}

function sequentialOf(config: unknown, fail: Fail): Graph {
  // tfjs and Keras 2 write { name, layers }; Keras 1 the list alone.
  const entries = Array.isArray(config) ? config : record(config, () => fail('has a Sequential model without a config object'))['layers'];
  const layers = list(entries, MAX_LAYERS, () => fail(`has a Sequential model whose layers are not an array of at most ${MAX_LAYERS}`)).map((entry, l) => layerOf(entry, l, fail));
  const names = new Set<string>();
  for (const layer of layers) {
    if (names.has(layer.name)) fail(`has two layers named ${describe(layer.name)}`);
    names.add(layer.name);
  }
  const input = layers[0]?.kind === 'input' ? layers[0] : undefined;
  const units = unitsOf(input ? layers.slice(1) : layers, fail);
  const first = layers[input ? 1 : 0];
  const declared = first?.kind === 'dense' ? first.inputDim : undefined;
  if (input && declared !== undefined && declared !== input.inputDim) fail(`layer '${first!.name}' says rows of ${declared} values but the input layer '${input.name}' ${input.inputDim}`);
  return { kind: 'autoencoder', inputDim: input?.inputDim ?? declared, units };
}

function functionalOf(config: unknown, fail: Fail): Graph {
  const c = record(config, () => fail('has a functional model without a config object'));
  const entries = list(c['layers'], MAX_LAYERS, () => fail(`has a functional model whose layers are not an array of at most ${MAX_LAYERS}`));
  const byName = new Map<string, { layer: Layer; source: string | undefined }>();
  entries.forEach((entry, l) => {
    const layer = layerOf(entry, l, fail);
    if (byName.has(layer.name)) fail(`has two layers named ${describe(layer.name)}`);
    const nodes = (entry as Record<string, unknown>)['inbound_nodes'];
    let source: string | undefined;
    if (layer.kind === 'input') {
      if (nodes !== undefined && !(Array.isArray(nodes) && nodes.length === 0)) fail(`input layer '${layer.name}' has inbound nodes`);
    } else {
      const list1 = list(nodes, MAX_LAYERS, () => fail(`layer '${layer.name}' has no inbound_nodes array`));
      if (list1.length !== 1) fail(list1.length === 0 ? `layer '${layer.name}' is not connected to anything` : `layer '${layer.name}' is applied ${list1.length} times (shared layers are not read)`);
      const node = list1[0];
      if (!Array.isArray(node)) fail(`layer '${layer.name}' has inbound_nodes in a format not read (Keras 3 writes objects; TF.js and Keras 2 write [[[name, 0, 0, {}]]])`);
      if ((node as unknown[]).length !== 1) fail(`layer '${layer.name}' takes ${(node as unknown[]).length} inputs: our layers take one`);
      source = tensorRef((node as unknown[])[0], `layer '${layer.name}''s input`, fail);
    }
    byName.set(layer.name, { layer, source });
  });
  const inputs = list(c['input_layers'], 1, () => fail('has a functional model with other than one input'));
  const inputName = inputs.length === 1 ? tensorRef(inputs[0], 'input_layers[0]', fail) : fail('has a functional model with no input');
  const input = byName.get(inputName)?.layer;
  if (input?.kind !== 'input') fail(`has input ${describe(inputName)}, which is no InputLayer of the model`);
  const outputs = list(c['output_layers'], MAX_LAYERS, () => fail('has a functional model without output_layers'));
  if (outputs.length !== 1 && outputs.length !== 3) {
    fail(`has ${outputs.length} outputs: our models have 1 (an autoencoder's reconstruction) or 3 (a VAE's z_mean, z_log_var and reconstruction)`);
  }
  const used = new Set<string>([inputName]);
  /** The layers from the input (excluded) to `name`, in forward order. */
  const path = (name: string): Layer[] => {
    const out: Layer[] = [];
    let at: string | undefined = name;
    while (at !== inputName) {
      const node: { layer: Layer; source: string | undefined } | undefined = at === undefined ? undefined : byName.get(at);
      if (!node) return fail(`layer ${describe(at)} is read by the model but is none of its layers`);
      if (node.layer.kind === 'input') return fail(`has a second input layer '${node.layer.name}'`);
      if (out.length >= entries.length) return fail(`has a cycle through layer '${node.layer.name}'`);
      out.push(node.layer);
      used.add(node.layer.name);
      at = node.source;
    }
    return out.reverse();
  };
  const paths = outputs.map((output, o) => path(tensorRef(output, `output_layers[${o}]`, fail)));
  const unusedLayer = [...byName.keys()].find((name) => !used.has(name));
  if (unusedLayer !== undefined) fail(`layer ${describe(unusedLayer)} leads to no output`);
  const inputDim = (input as Extract<Layer, { kind: 'input' }>).inputDim;
  const firstDense = paths[0]![0];
  if (firstDense?.kind === 'dense' && firstDense.inputDim !== undefined && firstDense.inputDim !== inputDim) {
    fail(`layer '${firstDense.name}' says rows of ${firstDense.inputDim} values but the input layer '${inputName}' ${inputDim}`);
  }
  if (paths.length === 1) return { kind: 'autoencoder', inputDim, units: unitsOf(paths[0]!, fail) };
  const [toMean, toLogVar, toOutput] = paths as [Layer[], Layer[], Layer[]];
  const n = toMean.length;
  const shared = (a: Layer[], b: Layer[], count: number) => a.length >= count && b.length >= count && a.slice(0, count).every((layer, k) => layer === b[k]);
  if (n === 0 || toLogVar.length !== n || !shared(toMean, toLogVar, n - 1) || toMean[n - 1] === toLogVar[n - 1] || toOutput.length <= n || !shared(toMean, toOutput, n)) {
    fail('has 3 outputs but not as our VAEs: z_mean and z_log_var, two Dense layers reading the encoder\'s last layer, then the reconstruction decoded from z_mean');
  }
  const head = (layer: Layer, what: string): Unit => {
    if (layer.kind !== 'dense') return fail(`output ${what} is layer '${layer.name}', a ${layer.kind === 'leaky' ? 'LeakyReLU' : 'input'} layer: the heads are Dense`);
    if (layer.activation !== 'linear') fail(`layer '${layer.name}' (${what}) has activation '${layer.activation}': the heads are linear`);
    return { name: layer.name, units: layer.units, activation: 'linear' };
  };
  return {
    kind: 'vae', inputDim, encoder: unitsOf(toMean.slice(0, n - 1), fail), mean: head(toMean[n - 1]!, 'z_mean'), logVar: head(toLogVar[n - 1]!, 'z_log_var'),
    decoder: unitsOf(toOutput.slice(n), fail),
  };
}

/** The layer name of a `[name, 0, 0]` (or `[name, 0, 0, {kwargs}]`) tensor reference. */
function tensorRef(value: unknown, what: string, fail: Fail): string {
  if (!Array.isArray(value) || value.length < 3 || value.length > 4 || typeof value[0] !== 'string' || value[0].length > MAX_NAME) {
    return fail(`${what} is ${describe(value)}, expected a tensor reference [layer name, 0, 0]`);
  }
  if (value[1] !== 0 || value[2] !== 0) fail(`${what} refers to tensor ${describe(value[1])}/${describe(value[2])} of layer ${describe(value[0])}: our layers have one`);
  return value[0];
}

function layerOf(entry: unknown, index: number, fail: Fail): Layer {
  const layer = record(entry, () => fail(`layer ${index} is not an object`));
  const className = layer['class_name'];
  if (typeof className !== 'string') fail(`layer ${index} has no class_name`);
  const config = record(layer['config'], () => fail(`layer ${index} (${describe(className)}) has no config object`));
  const name = config['name'] ?? layer['name'];
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) fail(`layer ${index} (${describe(className)}) has name ${describe(name)}, expected a string of 1 to ${MAX_NAME} characters`);
  if (layer['name'] !== undefined && layer['name'] !== name) fail(`layer ${index} is named both ${describe(layer['name'])} and ${describe(name)}`);
  const label = `layer ${describe(name)}`;
  const dtype = config['dtype'];
  if (dtype !== undefined && dtype !== null && dtype !== 'float32') fail(`${label} has dtype ${describe(dtype)}: only float32 layers are read`);
  switch (className) {
    case 'Dense': {
      const units = config['units'];
      if (!isWidth(units)) fail(`${label} (Dense) has units ${describe(units)}, expected an integer from 1 to ${MAX_WIDTH}`);
      const useBias = config['use_bias'];
      if (useBias === false) fail(`${label} (Dense) has use_bias false: our layers all have biases`);
      if (useBias !== undefined && useBias !== true) fail(`${label} (Dense) has use_bias ${describe(useBias)}`);
      const given = config['activation'] ?? 'linear';
      if (typeof given !== 'string' || !Object.hasOwn(OUR_ACTIVATIONS, given)) {
        fail(`${label} (Dense) has activation ${describe(given)}, which is not read: expected linear, tanh, sigmoid, relu or elu (a leaky ReLU of slope 0.01 as a linear Dense then a LeakyReLU layer)`);
      }
      return { kind: 'dense', name: name as string, units: units as number, activation: OUR_ACTIVATIONS[given as string]!, inputDim: inputDimOf(config, label, fail, false) };
    }
    case 'LeakyReLU': {
      // tfjs and Keras 2 call the slope alpha, Keras 3 negative_slope; both default to 0.3.
      const alpha = config['alpha'] ?? config['negative_slope'] ?? 0.3;
      if (typeof alpha !== 'number' || Math.fround(alpha) !== Math.fround(LEAKY_SLOPE)) fail(`${label} (LeakyReLU) has alpha ${describe(alpha)}: our leaky ReLU's slope is ${LEAKY_SLOPE}`);
      return { kind: 'leaky', name: name as string };
    }
    case 'InputLayer': {
      if (config['sparse'] === true || config['ragged'] === true) fail(`${label} (InputLayer) is sparse or ragged: only dense rows are read`);
      return { kind: 'input', name: name as string, inputDim: inputDimOf(config, label, fail, true)! };
    }
    default:
      return fail(`${label} is a ${describe(className)} layer, which is not read: our models are Dense layers (and LeakyReLU layers of alpha ${LEAKY_SLOPE})`);
  }
}

function isWidth(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_WIDTH;
}

/** The row width a layer's `batch_input_shape` (or Keras 3's `batch_shape`) declares: [null, n]. */
function inputDimOf(config: Record<string, unknown>, label: string, fail: Fail, required: boolean): number | undefined {
  const shape = config['batch_input_shape'] ?? config['batch_shape'];
  if (shape === undefined || shape === null) return required ? fail(`${label} has no batch_input_shape`) : undefined;
  if (!Array.isArray(shape) || shape.length !== 2 || !(shape[0] === null || (Number.isInteger(shape[0]) && shape[0] >= 0)) || !isWidth(shape[1])) {
    fail(`${label} has input shape ${describe(shape)}, expected [null, n]: rows of n values`);
  }
  return (shape as number[])[1];
}

/** Dense layers (each maybe followed by a LeakyReLU, making it leaky) in order. */
function unitsOf(layers: readonly Layer[], fail: Fail): Unit[] {
  const units: Unit[] = [];
  layers.forEach((layer, l) => {
    if (layer.kind === 'dense') units.push({ name: layer.name, units: layer.units, activation: layer.activation });
    else if (layer.kind === 'leaky') {
      const before = layers[l - 1];
      if (before?.kind !== 'dense') return fail(`layer '${layer.name}' (LeakyReLU) does not follow a Dense layer`);
      if (before.activation !== 'linear') fail(`layer '${layer.name}' (LeakyReLU) follows Dense '${before.name}' of activation '${before.activation}': our leaky ReLU is a linear Dense then a LeakyReLU`);
      units[units.length - 1]!.activation = 'leakyRelu';
    } else {
      fail(`input layer '${layer.name}' is not the first layer`);
    }
  });
  return units;
}

/** The manifest's tensors over the weight data: each handed out by name with its shape checked, then copied out. */
class Tensors {
  /** The names handed out. */
  readonly used = new Set<string>();

  constructor(
    private readonly tensors: Map<string, TensorEntry>,
    private readonly shards: readonly Uint8Array[],
    private readonly fail: Fail,
  ) {}

  /** The tensor `name`, refused unless it is listed with exactly `shape`. */
  take(name: string, shape: readonly number[]): TensorEntry {
    const tensor = this.tensors.get(name);
    if (this.used.has(name)) this.fail(`tensor '${name}' is read by two layers (their names repeat)`);
    if (!tensor) return this.fail(`has no tensor '${name}' in its weights manifest (${name.endsWith('/bias') ? "a Dense layer's bias" : "a Dense layer's kernel, in × out"})`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((size, k) => size !== shape[k])) {
      this.fail(`tensor '${name}' has shape ${describe(tensor.shape)}, expected [${shape.join(', ')}]`);
    }
    this.used.add(name);
    return tensor;
  }

  /** The tensor `name` if listed, unchecked. */
  peek(name: string): TensorEntry | undefined {
    return this.tensors.get(name);
  }

  /** The names listed but never taken. */
  unused(): string[] {
    return [...this.tensors.keys()].filter((name) => !this.used.has(name));
  }

  /** A tensor's values, copied bit for bit out of the weight data. */
  values(tensor: TensorEntry): Float32Array {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    const out = new Float32Array(count);
    const bytes = new Uint8Array(out.buffer);
    // Copy the tensor's bytes from the shard(s) it lies in (TF.js cuts shards anywhere).
    let start = 0; // of the current shard in the weight data
    for (const shard of this.shards) {
      const from = Math.max(tensor.offset, start), to = Math.min(tensor.offset + bytes.length, start + shard.length);
      if (from < to) bytes.set(shard.subarray(from - start, to - start), from - tensor.offset);
      start += shard.length;
    }
    return fromLittleEndian(out);
  }
}

/** A dense layer before its values are copied out: where its kernel and bias are. */
interface PendingLayer extends Omit<DenseLayerData, 'weights' | 'biases'> {
  kernel: TensorEntry;
  bias: TensorEntry;
}

/** Our layers (named by our scopes) of Keras units, each reading the width before it, their tensors checked. */
function pendingLayers(units: readonly Unit[], names: readonly string[], inDim: number, tensors: Tensors): PendingLayer[] {
  let width = inDim;
  return units.map((unit, k) => {
    const kernel = tensors.take(`${unit.name}/kernel`, [width, unit.units]);
    const bias = tensors.take(`${unit.name}/bias`, [unit.units]);
    const layer: PendingLayer = { name: names[k]!, inDim: width, outDim: unit.units, activation: unit.activation, kernel, bias };
    width = unit.units;
    return layer;
  });
}

/** The input width: declared by the input layer or the first Dense, else the first kernel's rows. */
function inputDimFor(declared: number | undefined, first: Unit | undefined, tensors: Tensors, fail: Fail): number {
  if (declared !== undefined) return declared;
  if (!first) return fail('has no Dense layers');
  // The kernel's rows; pendingLayers then takes it, its whole shape checked.
  const rows = tensors.peek(`${first.name}/kernel`)?.shape[0];
  if (!isWidth(rows)) fail(`says no input width, and its first kernel '${first.name}/kernel' gives none (a shape [in, ${first.units}] with in from 1 to ${MAX_WIDTH})`);
  return rows as number;
}

type PendingDescription =
  | (Omit<Extract<ModelDescription, { kind: 'autoencoder' }>, 'layers'> & { layers: PendingLayer[] })
  | (Omit<Extract<ModelDescription, { kind: 'vae' }>, 'encoder' | 'mean' | 'logVar' | 'decoder'> & {
    encoder: PendingLayer[]; mean: PendingLayer; logVar: PendingLayer; decoder: PendingLayer[];
  });

function autoencoderOf(graph: Extract<Graph, { kind: 'autoencoder' }>, metadata: TfjsMetadata | undefined, tensors: Tensors, fail: Fail): PendingDescription {
  if (metadata && metadata.kind !== 'autoencoder') fail('says it holds a VAE (userDefinedMetadata) but its layers are one dense stack');
  const { units } = graph;
  const m = units.length;
  if (m === 0) fail('has no Dense layers');
  const inputDim = inputDimFor(graph.inputDim, units[0], tensors, fail);
  const widths = [inputDim, ...units.map((unit) => unit.units)];
  const stack = widths.join(' → ');
  if (m % 2 !== 0 || m > 2 * MAX_DEPTH || widths.some((width, k) => width !== widths[m - k])) {
    fail(`is a dense stack ${stack}, not one of our autoencoders: an encoder of 1 to ${MAX_DEPTH} layers then a decoder mirroring it (widths that read the same both ways)`);
  }
  const depth = m / 2;
  const activation = insideActivation(units.slice(0, m - 1), fail);
  const outputActivation = units[m - 1]!.activation;
  checkMetadataActivations(metadata, activation, outputActivation, fail);
  const loss = metadata?.kind === 'autoencoder' ? metadata.loss : 'rmse';
  if (loss === 'bce' && outputActivation !== 'sigmoid') fail(`has loss 'bce' (userDefinedMetadata) but output activation '${outputActivation}': bce needs a sigmoid output`);
  const names = [...Array.from({ length: depth }, (_, k) => scope('encode', k)), ...Array.from({ length: depth }, (_, k) => scope('decode', k))];
  return { kind: 'autoencoder', inputDim, hidden: widths.slice(1, depth + 1), activation, outputActivation, loss, layers: pendingLayers(units, names, inputDim, tensors) };
}

/** The one activation of the hidden layers: not linear, the same in every one. */
function insideActivation(inside: readonly Unit[], fail: Fail, fallback?: ActivationName): Exclude<ActivationName, 'linear'> {
  const first = inside[0];
  if (!first) return (fallback && fallback !== 'linear' ? fallback : 'tanh') as Exclude<ActivationName, 'linear'>;
  if (first.activation === 'linear') fail(`layer '${first.name}' has activation 'linear': our hidden layers are tanh, sigmoid, relu, leaky ReLU or elu`);
  const other = inside.find((unit) => unit.activation !== first.activation);
  if (other) fail(`layer '${other.name}' has activation '${other.activation}' but layer '${first.name}' '${first.activation}': our models have one activation inside, one on the output`);
  return first.activation as Exclude<ActivationName, 'linear'>;
}

/** Our metadata's activations, when given, must be the layers' (a VAE without hidden layers takes its inner one). */
function checkMetadataActivations(metadata: TfjsMetadata | undefined, activation: ActivationName, outputActivation: ActivationName, fail: Fail): void {
  if (!metadata) return;
  for (const [key, value] of [['activation', activation], ['outputActivation', outputActivation]] as const) {
    if (metadata[key] !== value) fail(`has userDefinedMetadata['${METADATA_KEY}'].${key} '${metadata[key]}', but its layers have '${value}'`);
  }
}

function vaeOf(graph: Extract<Graph, { kind: 'vae' }>, metadata: TfjsMetadata | undefined, tensors: Tensors, fail: Fail): PendingDescription {
  if (metadata && metadata.kind !== 'vae') fail('says it holds an autoencoder (userDefinedMetadata) but its layers are a VAE\'s');
  const { encoder, mean, logVar, decoder } = graph;
  if (encoder.length > MAX_DEPTH) fail(`has an encoder of ${encoder.length} Dense layers, at most ${MAX_DEPTH}`);
  const inputDim = inputDimFor(graph.inputDim, encoder[0] ?? mean, tensors, fail);
  const hidden = encoder.map((unit) => unit.units);
  const latentDim = mean.units;
  if (logVar.units !== latentDim) fail(`has z_mean '${mean.name}' of ${latentDim} units but z_log_var '${logVar.name}' of ${logVar.units}`);
  const want = [latentDim, ...[...hidden].reverse(), inputDim];
  const got = [latentDim, ...decoder.map((unit) => unit.units)];
  if (got.length !== want.length || got.some((width, k) => width !== want[k])) {
    fail(`has a decoder ${got.join(' → ')}, not the mirror of its encoder ${[inputDim, ...hidden, latentDim].join(' → ')}`);
  }
  const activation = insideActivation([...encoder, ...decoder.slice(0, -1)], fail, metadata?.activation);
  const outputActivation = decoder.at(-1)!.activation;
  checkMetadataActivations(metadata, activation, outputActivation, fail);
  const sigmoid = outputActivation === 'sigmoid';
  const reconstruction = metadata?.kind === 'vae' ? metadata.reconstruction : sigmoid ? 'bce' : 'mse';
  if (reconstruction === 'bce' && !sigmoid) fail(`has reconstruction 'bce' (userDefinedMetadata) but output activation '${outputActivation}': bce needs a sigmoid output`);
  const top = hidden.at(-1) ?? inputDim;
  const encoderLayers = pendingLayers(encoder, encoder.map((_, k) => scope('encode', k)), inputDim, tensors);
  const [meanLayer] = pendingLayers([mean], ['z_mean'], top, tensors);
  const [logVarLayer] = pendingLayers([logVar], ['z_log_var'], top, tensors);
  return {
    kind: 'vae', inputDim, latentDim, hidden, activation, outputActivation, reconstruction, klWeight: metadata?.kind === 'vae' ? metadata.klWeight : 1,
    encoder: encoderLayers, mean: meanLayer!, logVar: logVarLayer!, decoder: pendingLayers(decoder, decoder.map((_, k) => scope('decode', k)), latentDim, tensors),
  };
}

/** The description with every tensor's values copied out of the weight data, bit for bit. */
function materialize(d: PendingDescription, tensors: Tensors): ModelDescription {
  const layer = ({ kernel, bias, ...rest }: PendingLayer): DenseLayerData => ({ ...rest, weights: tensors.values(kernel), biases: tensors.values(bias) });
  if (d.kind === 'autoencoder') return { ...d, layers: d.layers.map(layer) };
  return { ...d, encoder: d.encoder.map(layer), mean: layer(d.mean), logVar: layer(d.logVar), decoder: d.decoder.map(layer) };
}

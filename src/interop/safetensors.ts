/**
 * safetensors, the weights format Hugging Face and PyTorch users share: an 8-byte little-endian header length, a
 * JSON header naming each tensor's dtype, shape and byte range (`data_offsets`, relative to the data that follows
 * the header) plus an optional `__metadata__` of strings, then the tensors' bytes, little-endian, back to back.
 *
 * The tensors are named as the `state_dict` of the equivalent PyTorch module names them (see examples/pytorch):
 *
 * - an `Autoencoder` is one flat `nn.Sequential(Linear, activation, Linear, activation, …, Linear[, output
 *   activation])`, its Linear layers at indices 0, 2, 4, …: `0.weight`, `0.bias`, `2.weight`, …;
 * - a `VariationalAutoencoder` is a module with `encoder` (such a Sequential, empty without hidden layers),
 *   `z_mean` and `z_log_var` (Linear, both reading the encoder's output) and `decoder` (such a Sequential):
 *   `encoder.0.weight`, …, `z_mean.weight`, `z_log_var.weight`, …, `decoder.0.weight`, ….
 *
 * Weights are float32 in PyTorch's out × in layout (ours are in × out: they are transposed on the way, exactly).
 *
 * @module
 */

import { exceedsJsonNesting } from './json-limits.js';
import { fromLittleEndian, littleEndianBytes } from './little-endian.js';
import { DataFormatError } from '../errors.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { ACTIVATIONS, checkKeys, oneOf as checkOneOf, type Activation, type Loss, type OutputActivation } from '../model/options.js';
import type { Reconstruction } from '../model/vae-options.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { ACTIVATION_NAMES, LOSS_NAMES, type ActivationName } from '../runtime/abi.js';
import { buildModel, denseLayers, describeModel, type DenseLayerData, type ModelDescription } from './description.js';
import { MAX_DEPTH, MAX_WIDTH } from '../model/options.js';
import { MAX_KL_WEIGHT } from '../model/vae-options.js';
import { scope } from '../model/parameters.js';

/** Options of {@link fromSafetensors}. */
export interface SafetensorsOptions {
  /**
   * The hidden layers' activation, for a file without this package's `__metadata__` (one PyTorch wrote). With
   * our metadata it may be left out; given, it must agree with the file.
   */
  activation?: Activation;
  /** The output layer's activation (`'linear'` when the Sequential ends with a Linear layer), as `activation`. */
  outputActivation?: OutputActivation;
  /** The file's name in error messages. Default `'safetensors'`. */
  name?: string;
}

/** The longest JSON header read (1 MiB; ours take a few kilobytes): a longer one is refused before it is decoded. */
export const MAX_HEADER_BYTES = 1 << 20;
/** How deep the header's JSON may nest (the format needs 3: the header, a tensor's entry, its shape). */
const MAX_NESTING = 4;
/** Dimensions a tensor may have. */
const MAX_RANK = 8;
/** The prefix of this package's `__metadata__` keys. */
const NS = 'wasm-autoencoder.';
const MODEL_NAMES = { autoencoder: 'Autoencoder', vae: 'VariationalAutoencoder' } as const;

/**
 * The model as safetensors bytes: its weights (float32, PyTorch's out × in layout) named as the equivalent
 * PyTorch module's `state_dict` names them, and a `__metadata__` that rebuilds it: `format` `pt`, then under
 * `wasm-autoencoder.`: `model` (`Autoencoder` or `VariationalAutoencoder`), `input_dim`, `hidden` (a JSON array),
 * `latent_dim` (a VAE's), `activation`, `output_activation`, `loss` (an autoencoder's) or `reconstruction` and
 * `kl_weight` (a VAE's), and `layers`, a JSON object from each module's name to our parameter scope. Optimizer
 * state, epochs and metadata of the model are not written: the file holds what PyTorch can use.
 *
 * @example
 * ```ts
 * writeFileSync('model.safetensors', toSafetensors(ae));   // torch: load_model('model.safetensors') (examples/pytorch)
 * ```
 */
export function toSafetensors(model: Autoencoder | VariationalAutoencoder): Uint8Array<ArrayBuffer> {
  const description = describeModel(model);
  const layers = denseLayers(description);
  const modules = moduleNames(description);
  const header: Record<string, unknown> = { __metadata__: metadataOf(description, modules) };
  const tensors: { data: Uint32Array; begin: number }[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], data: Uint32Array) => {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * data.length] };
    tensors.push({ data, begin: offset });
    offset += 4 * data.length;
  };
  layers.forEach((layer, l) => {
    add(`${modules[l]}.weight`, [layer.outDim, layer.inDim], transpose(bitsOf(layer.weights), layer.inDim, layer.outDim));
    add(`${modules[l]}.bias`, [layer.outDim], bitsOf(layer.biases));
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8; // padded with spaces: the data 8-byte aligned, as the reference writer does
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setUint32(0, headerLength, true); // the high 32 bits stay 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const start = 8 + headerLength;
  for (const { data, begin } of tensors) out.set(littleEndianBytes(data), start + begin);
  return out;
}

/**
 * The model safetensors bytes hold, its weights bit for bit and its optimizer state fresh (the options' defaults).
 * Our own files (see {@link toSafetensors}) need no options. A file PyTorch wrote from the equivalent module
 * without our metadata needs `activation` and `outputActivation`; its autoencoder gets the default loss (`rmse`),
 * its VAE the default reconstruction term and β = 1.
 *
 * Refused with a `DataFormatError`, before anything the size of the file is allocated: a malformed file (cut, a
 * header length past the end or over {@link MAX_HEADER_BYTES}, a header that is not JSON, tensors whose shape,
 * dtype and byte ranges disagree, overlap, leave gaps or overrun), a tensor that is not float32, a tensor the
 * layout does not have (named), a missing one (named), a weight that is NaN or infinite (the tensor and the index
 * named, in the file's layout), metadata that is missing a key, malformed or contradicts the tensors (the key
 * named; a `kl_weight` outside 0 to 1e30 too), sizes our models cannot have (a decoder that does not mirror the
 * encoder, a width of 0: the layer named), and a foreign file without the activations. A RangeError is kept for
 * the options: an unknown activation, or one that contradicts the file's metadata.
 *
 * @example
 * ```ts
 * const model = fromSafetensors(readFileSync('model.safetensors'));
 * const foreign = fromSafetensors(bytes, { activation: 'relu', outputActivation: 'sigmoid' });
 * ```
 */
export function fromSafetensors(bytes: Uint8Array | ArrayBuffer, options: SafetensorsOptions = {}): Autoencoder | VariationalAutoencoder {
  checkKeys(options, ['activation', 'outputActivation', 'name'], 'fromSafetensors option');
  const file = options.name ?? 'safetensors';
  if (typeof file !== 'string') throw new TypeError(`name must be a string, got ${typeof file}`);
  // The options' own values are checked first: whatever the model refuses past this point comes from the file.
  if (options.activation !== undefined) checkOneOf(options.activation, ACTIVATIONS, 'activation');
  if (options.outputActivation !== undefined) checkOneOf(options.outputActivation, ACTIVATION_NAMES, 'outputActivation');
  const { tensors, metadata, data } = readHeader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), file);
  const declared = ourMetadata(metadata, file);
  const kind = declared?.kind ?? (hasVaeNames(tensors) ? 'vae' : 'autoencoder');
  const shape = layoutOf(kind, tensors, file);
  if (declared) checkDeclared(declared, shape, file);
  checkFinite(tensors, data, file);
  const { activation, outputActivation } = activationsOf(declared, options, file);
  const read = (layer: LayerTensors, name: string, act: ActivationName): DenseLayerData => ({
    name, inDim: layer.inDim, outDim: layer.outDim, activation: act,
    weights: new Float32Array(transpose(bitsAt(data, layer.weight), layer.outDim, layer.inDim).buffer),
    biases: new Float32Array(bitsAt(data, layer.bias).buffer),
  });
  let description: ModelDescription;
  if (shape.kind === 'autoencoder') {
    const layers = shape.sequential;
    const depth = layers.length / 2;
    description = {
      kind: 'autoencoder', inputDim: shape.inputDim, hidden: shape.hidden, activation, outputActivation, loss: declared?.loss ?? 'rmse',
      layers: layers.map((layer, l) => (l < depth ? read(layer, scope('encode', l), activation) : read(layer, scope('decode', l - depth), l === layers.length - 1 ? outputActivation : activation))),
    };
  } else {
    const decoder = shape.decoder;
    description = {
      kind: 'vae', inputDim: shape.inputDim, latentDim: shape.latentDim, hidden: shape.hidden, activation, outputActivation,
      reconstruction: declared?.reconstruction ?? (outputActivation === 'sigmoid' ? 'bce' : 'mse'), klWeight: declared?.klWeight ?? 1,
      encoder: shape.encoder.map((layer, k) => read(layer, scope('encode', k), activation)),
      mean: read(shape.mean, 'z_mean', 'linear'),
      logVar: read(shape.logVar, 'z_log_var', 'linear'),
      decoder: decoder.map((layer, k) => read(layer, scope('decode', k), k === decoder.length - 1 ? outputActivation : activation)),
    };
  }
  try {
    return buildModel(description);
  } catch (error) {
    // The options were checked above: a RangeError here is the file's (sizes that do not chain, metadata options our models refuse).
    if (error instanceof RangeError) throw new DataFormatError(file, `holds a model fromSafetensors cannot rebuild: ${error.message}`);
    throw error;
  }
}

/** Throws naming the first NaN or infinite value: its tensor and its index in the tensor's own (file's) shape. */
function checkFinite(tensors: Map<string, TensorEntry>, data: Uint8Array, file: string): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const tensor of tensors.values()) {
    for (let at = tensor.begin; at < tensor.end; at += 4) {
      const bits = view.getUint32(at, true);
      if ((bits & 0x7f800000) !== 0x7f800000) continue; // exponent not all ones: finite
      const what = (bits & 0x007fffff) !== 0 ? 'NaN' : bits >>> 31 ? '-Infinity' : 'Infinity';
      const index: number[] = [];
      let flat = (at - tensor.begin) / 4;
      for (let d = tensor.shape.length - 1; d >= 0; d--) {
        const size = tensor.shape[d]!;
        index.unshift(flat % size);
        flat = Math.floor(flat / size);
      }
      throw new DataFormatError(file, `has tensor ${quote(tensor.name)} of shape [${tensor.shape.join(', ')}] holding ${what} at [${index.join(', ')}]: a model's weights and biases must be finite`);
    }
  }
}

// ---- the container ----

/** One tensor's entry in the header, checked against the bytes present. */
interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Byte range in the data. */
  readonly begin: number;
  readonly end: number;
}

/**
 * The header's tensors and metadata, and the data they point into. Every size is checked against the real byte
 * length before anything is allocated; tensors must be F32, and, sorted by offset, cover the data exactly
 * (no overlap, no gap, nothing after the last), as the reference reader requires.
 */
function readHeader(all: Uint8Array, file: string): { tensors: Map<string, TensorEntry>; metadata: Record<string, string> | undefined; data: Uint8Array } {
  if (all.length < 8) throw new DataFormatError(file, `is ${all.length} bytes long, too short for a safetensors header (8 bytes of length, then JSON)`);
  const view = new DataView(all.buffer, all.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const length = high * 2 ** 32 + low;
  if (length > all.length - 8) throw new DataFormatError(file, `announces a ${length}-byte header but only ${all.length - 8} bytes follow its length (truncated, or not safetensors)`);
  if (length > MAX_HEADER_BYTES) throw new DataFormatError(file, `announces a ${length}-byte header, more than the ${MAX_HEADER_BYTES} read`);
  const headerBytes = all.subarray(8, 8 + length);
  if (headerBytes[0] !== 0x7b) throw new DataFormatError(file, `has a header that does not start with '{' (not safetensors)`);
  if (exceedsJsonNesting(headerBytes, MAX_NESTING)) throw new DataFormatError(file, `has a header nested deeper than the ${MAX_NESTING} levels of the format`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new DataFormatError(file, `has a header that is not valid UTF-8 JSON (${error instanceof Error ? error.message.slice(0, 200) : 'unreadable'})`);
  }
  if (!isObject(header)) throw new DataFormatError(file, 'has a header that is not a JSON object');
  const data = all.subarray(8 + length);
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> | undefined;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(entry)) throw new DataFormatError(file, 'has a __metadata__ that is not an object of strings');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw new DataFormatError(file, `has __metadata__ ${quote(key)} that is not a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    tensors.set(name, tensorEntry(name, entry, data.length, file));
  }
  // Sorted by offset, the tensors must tile the data: [0, a), [a, b), …, [z, data.length).
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: TensorEntry | undefined;
  for (const tensor of sorted) {
    if (tensor.begin < at) throw new DataFormatError(file, `has tensors ${quote(previous!.name)} and ${quote(tensor.name)} whose bytes overlap`);
    if (tensor.begin > at) throw new DataFormatError(file, `has ${tensor.begin - at} bytes no tensor holds, before tensor ${quote(tensor.name)} (at ${at})`);
    at = tensor.end;
    previous = tensor;
  }
  if (at !== data.length) throw new DataFormatError(file, `has ${data.length - at} bytes after its last tensor's data (${data.length} bytes follow the header, its tensors hold ${at})`);
  return { tensors, metadata, data };
}

/** One tensor's header entry, checked: F32, a shape of safe integers, and a byte range inside the data that fits it. */
function tensorEntry(name: string, entry: unknown, dataLength: number, file: string): TensorEntry {
  const what = `tensor ${quote(name)}`;
  if (!isObject(entry)) throw new DataFormatError(file, `has ${what} whose entry is not an object of dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string') throw new DataFormatError(file, `has ${what} without a dtype`);
  if (dtype !== 'F32') throw new DataFormatError(file, `has ${what} of dtype ${quote(dtype)}: only F32 (float32) tensors are supported`);
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isCount)) {
    throw new DataFormatError(file, `has ${what} whose shape is not a list of at most ${MAX_RANK} non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new DataFormatError(file, `has ${what} whose data_offsets are not two non-negative integers [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new DataFormatError(file, `has ${what} whose data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) throw new DataFormatError(file, `has ${what} whose data_offsets [${begin}, ${end}] run past the ${dataLength} bytes of data`);
  // The values' count, stopping as soon as it passes what the data could hold (a 0 anywhere makes it 0).
  let count = shape.includes(0) ? 0 : 1;
  for (const size of shape as number[]) {
    if (count === 0) break;
    count *= size;
    if (count * 4 > dataLength) throw new DataFormatError(file, `has ${what} of shape [${shape.join(', ')}], more values than its ${dataLength} bytes of data hold`);
  }
  if (end - begin !== 4 * count) {
    throw new DataFormatError(file, `has ${what} of shape [${shape.join(', ')}] (${4 * count} bytes of F32) but data_offsets [${begin}, ${end}] give it ${end - begin} bytes`);
  }
  return { name, shape: shape as number[], begin, end };
}

// ---- the layout: which tensors make which layers ----

/** A dense layer's two tensors, their shapes checked against each other. */
interface LayerTensors {
  readonly weight: TensorEntry;
  readonly bias: TensorEntry;
  readonly inDim: number;
  readonly outDim: number;
}

/** The sizes the tensors give, and their layers in forward order. */
type Layout =
  | { kind: 'autoencoder'; inputDim: number; hidden: number[]; sequential: LayerTensors[] }
  | { kind: 'vae'; inputDim: number; latentDim: number; hidden: number[]; encoder: LayerTensors[]; mean: LayerTensors; logVar: LayerTensors; decoder: LayerTensors[] };

const VAE_PREFIXES = ['encoder.', 'decoder.', 'z_mean.', 'z_log_var.'];
const INDEXED = /^(0|[1-9][0-9]{0,8})\.(weight|bias)$/;

function hasVaeNames(tensors: Map<string, TensorEntry>): boolean {
  for (const name of tensors.keys()) if (VAE_PREFIXES.some((prefix) => name.startsWith(prefix))) return true;
  return false;
}

/**
 * Which layers the tensors make for a model of `kind`: every tensor must belong to the layout (else it is named
 * as unknown), every layer must have both its tensors (else the missing one is named), and each layer's bias must
 * fit its weight. Sizes come from the shapes; whether they chain and mirror is `buildModel`'s to check.
 */
function layoutOf(kind: ModelDescription['kind'], tensors: Map<string, TensorEntry>, file: string): Layout {
  const layout = kind === 'autoencoder'
    ? 'an Autoencoder is one nn.Sequential: its tensors are <index>.weight and <index>.bias, the Linear layers at indices 0, 2, 4, …'
    : 'a VariationalAutoencoder has encoder.<index>.weight/bias, z_mean.weight/bias, z_log_var.weight/bias and decoder.<index>.weight/bias, the Linear layers at indices 0, 2, 4, …';
  const groups = new Map<string, Map<number, { weight?: TensorEntry; bias?: TensorEntry }>>();
  const heads = new Map<string, TensorEntry>();
  const prefixes = kind === 'autoencoder' ? [''] : ['encoder.', 'decoder.'];
  for (const tensor of tensors.values()) {
    const { name } = tensor;
    if (kind === 'vae' && /^z_(mean|log_var)\.(weight|bias)$/.test(name)) {
      heads.set(name, tensor);
      continue;
    }
    const prefix = prefixes.find((p) => name.startsWith(p));
    const match = prefix === undefined ? null : INDEXED.exec(name.slice(prefix.length));
    if (prefix === undefined || !match || Number(match[1]) % 2 !== 0) throw new DataFormatError(file, `has tensor ${quote(name)}, which the layout does not have (${layout})`);
    const group = groups.get(prefix) ?? new Map<number, { weight?: TensorEntry; bias?: TensorEntry }>();
    groups.set(prefix, group);
    const slot = group.get(Number(match[1])) ?? {};
    group.set(Number(match[1]), slot);
    slot[match[2] as 'weight' | 'bias'] = tensor;
  }
  // Each Sequential's Linear layers, at indices 0, 2, 4, … with none skipped.
  const sequential = (prefix: string): LayerTensors[] => {
    const group = groups.get(prefix) ?? new Map<number, { weight?: TensorEntry; bias?: TensorEntry }>();
    const indices = [...group.keys()].sort((a, b) => a - b);
    return indices.map((index, k) => {
      if (index !== 2 * k) throw new DataFormatError(file, `has no tensor ${quote(`${prefix}${2 * k}.weight`)} (missing; ${layout})`);
      const { weight, bias } = group.get(index)!;
      return layer(weight, bias, `${prefix}${index}`);
    });
  };
  const layer = (weight: TensorEntry | undefined, bias: TensorEntry | undefined, module: string): LayerTensors => {
    if (!weight) throw new DataFormatError(file, `has no tensor ${quote(`${module}.weight`)} (missing; ${layout})`);
    if (!bias) throw new DataFormatError(file, `has no tensor ${quote(`${module}.bias`)} (missing; ${layout})`);
    if (weight.shape.length !== 2) throw new DataFormatError(file, `has tensor ${quote(weight.name)} of shape [${weight.shape.join(', ')}], expected 2 dimensions (out × in)`);
    const [outDim, inDim] = weight.shape as [number, number];
    for (const size of [outDim, inDim]) {
      if (size < 1 || size > MAX_WIDTH) throw new DataFormatError(file, `has tensor ${quote(weight.name)} of shape [${outDim}, ${inDim}]; a layer of ours has 1 to ${MAX_WIDTH} inputs and outputs`);
    }
    if (bias.shape.length !== 1 || bias.shape[0] !== outDim) {
      throw new DataFormatError(file, `has tensor ${quote(bias.name)} of shape [${bias.shape.join(', ')}], expected [${outDim}] (the rows of ${weight.name})`);
    }
    return { weight, bias, inDim, outDim };
  };
  if (kind === 'autoencoder') {
    const layers = sequential('');
    if (layers.length === 0) throw new DataFormatError(file, `holds no tensors (${layout})`);
    if (layers.length % 2 !== 0 || layers.length > 2 * MAX_DEPTH) {
      throw new DataFormatError(file, `holds ${layers.length} Linear layers; an Autoencoder has an even number from 2 to ${2 * MAX_DEPTH} (an encoder, then a decoder mirroring it)`);
    }
    return { kind, inputDim: layers[0]!.inDim, hidden: layers.slice(0, layers.length / 2).map((l) => l.outDim), sequential: layers };
  }
  const encoder = sequential('encoder.');
  const decoder = sequential('decoder.');
  const mean = layer(heads.get('z_mean.weight'), heads.get('z_mean.bias'), 'z_mean');
  const logVar = layer(heads.get('z_log_var.weight'), heads.get('z_log_var.bias'), 'z_log_var');
  if (encoder.length > MAX_DEPTH) throw new DataFormatError(file, `holds ${encoder.length} encoder layers, more than the ${MAX_DEPTH} a VariationalAutoencoder may have`);
  if (decoder.length === 0) throw new DataFormatError(file, `has no tensor ${quote('decoder.0.weight')} (missing; ${layout})`);
  return { kind, inputDim: encoder[0]?.inDim ?? mean.inDim, latentDim: mean.outDim, hidden: encoder.map((l) => l.outDim), encoder, mean, logVar, decoder };
}

/** The module names of a description's dense layers, in the order of `denseLayers`. */
function moduleNames(d: ModelDescription): string[] {
  if (d.kind === 'autoencoder') return d.layers.map((_, k) => `${2 * k}`);
  return [...d.encoder.map((_, k) => `encoder.${2 * k}`), 'z_mean', 'z_log_var', ...d.decoder.map((_, k) => `decoder.${2 * k}`)];
}

// ---- metadata ----

/** What our `__metadata__` declares. */
interface Declared {
  kind: ModelDescription['kind'];
  inputDim: number;
  hidden: number[];
  latentDim?: number;
  activation: Activation;
  outputActivation: OutputActivation;
  loss?: Loss;
  reconstruction?: Reconstruction;
  klWeight?: number;
  layers?: string;
}

function metadataOf(d: ModelDescription, modules: string[]): Record<string, string> {
  const names = Object.fromEntries(denseLayers(d).map((layer, l) => [modules[l]!, layer.name]));
  const ours: Record<string, string> = { model: MODEL_NAMES[d.kind], input_dim: String(d.inputDim), hidden: JSON.stringify(d.hidden) };
  if (d.kind === 'vae') ours.latent_dim = String(d.latentDim);
  ours.activation = d.activation;
  ours.output_activation = d.outputActivation;
  if (d.kind === 'autoencoder') ours.loss = d.loss;
  else {
    ours.reconstruction = d.reconstruction;
    ours.kl_weight = String(d.klWeight);
  }
  ours.layers = JSON.stringify(names);
  return { format: 'pt', ...Object.fromEntries(Object.entries(ours).map(([key, value]) => [NS + key, value])) };
}

/**
 * This package's metadata, checked for form (not yet against the tensors), or undefined when the file has none
 * of our keys (one PyTorch wrote).
 */
function ourMetadata(metadata: Record<string, string> | undefined, file: string): Declared | undefined {
  if (!metadata || !Object.keys(metadata).some((key) => key.startsWith(NS))) return undefined;
  const get = (key: string): string => {
    const value = Object.hasOwn(metadata, NS + key) ? metadata[NS + key] : undefined;
    if (value === undefined) throw new DataFormatError(file, `has wasm-autoencoder __metadata__ without ${quote(NS + key)}`);
    return value;
  };
  const bad = (key: string, expected: string): never => {
    throw new DataFormatError(file, `has __metadata__ ${quote(NS + key)} = ${quote(get(key))}, expected ${expected}`);
  };
  const model = get('model');
  const kind = model === MODEL_NAMES.autoencoder ? 'autoencoder' : model === MODEL_NAMES.vae ? 'vae' : bad('model', `'${MODEL_NAMES.autoencoder}' or '${MODEL_NAMES.vae}'`);
  const dimension = (key: string): number => (/^[1-9][0-9]{0,8}$/.test(get(key)) ? Number(get(key)) : bad(key, 'a positive integer'));
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => (allowed.includes(get(key) as T) ? (get(key) as T) : bad(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`));
  const hiddenText = get('hidden'); // outside the try: a missing key is refused as such
  let hidden: unknown;
  try {
    hidden = JSON.parse(hiddenText);
  } catch {
    hidden = undefined;
  }
  const minDepth = kind === 'autoencoder' ? 1 : 0;
  if (!Array.isArray(hidden) || hidden.length < minDepth || hidden.length > MAX_DEPTH || !hidden.every((w) => Number.isSafeInteger(w) && w >= 1)) {
    bad('hidden', `a JSON list of ${minDepth} to ${MAX_DEPTH} positive integers`);
  }
  const declared: Declared = {
    kind, inputDim: dimension('input_dim'), hidden: hidden as number[],
    activation: oneOf('activation', ACTIVATIONS),
    outputActivation: oneOf('output_activation', ACTIVATION_NAMES),
    layers: Object.hasOwn(metadata, `${NS}layers`) ? metadata[`${NS}layers`] : undefined,
  };
  if (kind === 'autoencoder') return { ...declared, loss: oneOf('loss', LOSS_NAMES) };
  const latentDim = dimension('latent_dim');
  const reconstruction = oneOf('reconstruction', ['bce', 'mse'] as const);
  const klText = get('kl_weight');
  const klWeight = /^[0-9.eE+-]{1,32}$/.test(klText) && Number(klText) >= 0 && Number(klText) <= MAX_KL_WEIGHT ? Number(klText) : bad('kl_weight', `a number from 0 to ${MAX_KL_WEIGHT}`);
  return { ...declared, latentDim, reconstruction, klWeight };
}

/** Throws unless the sizes our metadata declares are the ones the tensors have. */
function checkDeclared(declared: Declared, layout: Layout, file: string): void {
  const lie = (key: string, declaredValue: string, actual: string): never => {
    throw new DataFormatError(file, `has __metadata__ ${quote(NS + key)} = ${declaredValue} but its tensors make it ${actual}`);
  };
  if (declared.inputDim !== layout.inputDim) lie('input_dim', String(declared.inputDim), String(layout.inputDim));
  if (JSON.stringify(declared.hidden) !== JSON.stringify(layout.hidden)) {
    lie('hidden', `[${declared.hidden.join(', ')}]`, `[${layout.hidden.join(', ')}]`);
  }
  if (layout.kind === 'vae' && declared.latentDim !== layout.latentDim) lie('latent_dim', String(declared.latentDim), String(layout.latentDim));
  if (declared.layers !== undefined) {
    const modules = layout.kind === 'autoencoder'
      ? layout.sequential.map((_, k) => `${2 * k}`)
      : [...layout.encoder.map((_, k) => `encoder.${2 * k}`), 'z_mean', 'z_log_var', ...layout.decoder.map((_, k) => `decoder.${2 * k}`)];
    const depth = layout.hidden.length;
    const names = layout.kind === 'autoencoder'
      ? modules.map((_, l) => (l < depth ? scope('encode', l) : scope('decode', l - depth)))
      : [...layout.encoder.map((_, k) => scope('encode', k)), 'z_mean', 'z_log_var', ...layout.decoder.map((_, k) => scope('decode', k))];
    const expected = JSON.stringify(Object.fromEntries(modules.map((m, l) => [m, names[l]])));
    if (declared.layers !== expected) lie('layers', quote(declared.layers), expected);
  }
}

/** The activations: from our metadata (options, if given, must agree) or from the options (then both are needed). */
function activationsOf(declared: Declared | undefined, options: SafetensorsOptions, file: string): { activation: Activation; outputActivation: OutputActivation } {
  if (declared) {
    for (const [key, metaKey] of [['activation', 'activation'], ['outputActivation', 'output_activation']] as const) {
      if (options[key] !== undefined && options[key] !== declared[key]) {
        throw new RangeError(`${key} is '${String(options[key])}' but ${file} was written with ${key} '${declared[key]}' (its __metadata__ ${quote(NS + metaKey)})`);
      }
    }
    return { activation: declared.activation, outputActivation: declared.outputActivation };
  }
  const missing = (['activation', 'outputActivation'] as const).filter((key) => options[key] === undefined);
  if (missing.length > 0) {
    throw new DataFormatError(
      file,
      `has no wasm-autoencoder __metadata__, so its activations are unknown: pass them, e.g. fromSafetensors(bytes, { activation: 'relu', outputActivation: 'linear' }) (missing: ${missing.join(', ')})`,
    );
  }
  return { activation: options.activation!, outputActivation: options.outputActivation! };
}

// ---- bits ----

/** The 32-bit patterns of float32 values (a view, no copy). */
function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** A tensor's values, copied out of the data as 32-bit patterns (little-endian in the file). */
function bitsAt(data: Uint8Array, tensor: TensorEntry): Uint32Array {
  const out = new Uint32Array((tensor.end - tensor.begin) / 4);
  new Uint8Array(out.buffer).set(data.subarray(tensor.begin, tensor.end));
  return fromLittleEndian(out);
}

/** rows × cols row-major → cols × rows, as bit patterns (exact, NaN payloads included). */
function transpose(values: Uint32Array, rows: number, cols: number): Uint32Array {
  const out = new Uint32Array(rows * cols);
  if (out.length === 0) return out;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

// ---- small helpers ----

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A name for a message, quoted, cut to 80 characters. */
function quote(text: string): string {
  return `'${text.length > 80 ? `${text.slice(0, 80)}…` : text}'`;
}

/**
 * ONNX: `toOnnx` writes a model (or its encoder or decoder) as a standard ONNX graph, opset 17, with a dynamic
 * batch dimension and the weights as initializers; `fromOnnx` reads such a graph back into a model, and the
 * equivalent graph PyTorch's `torch.onnx.export` writes for a flat `nn.Sequential(Linear, activation, …, Linear[,
 * output activation])`.
 *
 * The protobuf wire format is read and written by `@bufbuild/protobuf` with ONNX's own schema compiled for it
 * (`onnx-buf`, generated from ONNX's `onnx.proto`): no hand-written encoder. Every dense layer is one `Gemm` whose
 * B is the weights as we store them (in × out, so no transpose: the bits travel as they are) and whose C is the
 * biases, followed by its activation: `Tanh`, `Sigmoid`, `Relu`, `LeakyRelu` (alpha 0.01) or `Elu` (alpha 1);
 * a linear layer has none.
 *
 * Reading is hostile-input-safe as the other readers of foreign files are: before the message is decoded, a
 * census of the wire format (done with the library's `BinaryReader`, guided by the schema) requires every known
 * field in the wire type the schema declares for it (the decoder reads it as declared, whatever its tag says),
 * bounds its nesting to {@link MAX_NESTING}, the objects decoding would make (messages, strings in lists, 64-bit integers) to
 * {@link MAX_OBJECTS} and the numbers in repeated fields to {@link MAX_LISTED_NUMBERS}, so decoding costs time
 * linear in the file and memory at most about twice its size plus tens of MB; every tensor's
 * declared dims are checked against {@link MAX_TENSOR_VALUES} and against the bytes present before its values
 * are copied out, and the model is allocated only once the whole graph has been understood. Anything else — an
 * unknown op, another data type, a tensor of the wrong shape, a graph that is not a chain of dense layers — is a
 * `DataFormatError` naming the node or tensor.
 *
 * @module
 */

import { create, fromBinary, toBinary, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  AttributeProto_AttributeType, ModelProtoSchema, TensorProto_DataLocation, TensorProto_DataType,
  type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from 'onnx-buf';
import { DataFormatError } from '../errors.js';
import { Autoencoder } from '../model/autoencoder.js';
import { checkKeys, type Activation, type Loss } from '../model/options.js';
import { VariationalAutoencoder } from '../model/vae.js';
import type { Reconstruction } from '../model/vae-options.js';
import type { ActivationName } from '../runtime/abi.js';
import { buildModel, describeModel, type DenseLayerData, type ModelDescription } from './description.js';
import { shortestFloat32 } from '../io/npy.js';
import { scope } from '../model/parameters.js';
import { fromLittleEndian, littleEndianBytes } from './little-endian.js';

/** Which graph `toOnnx` writes: the whole model, its encoder (input → code) or its decoder (code → reconstruction). */
export type OnnxPart = 'autoencoder' | 'encoder' | 'decoder';

export interface OnnxExportOptions {
  /**
   * `'autoencoder'` (default): `input` → `reconstruction` (a VAE's through its mean code, and it also outputs
   * `mean` and `log_var`, which is what lets `fromOnnx` rebuild it); `'encoder'`: `input` → `code` (a VAE's:
   * `mean`, `log_var`); `'decoder'`: `code` → `reconstruction`.
   */
  part?: OnnxPart;
}

/** The opset `toOnnx` writes. */
export const ONNX_OPSET = 17;
/** The IR version of opset 17 (ONNX 1.12). */
const IR_VERSION = 8;
/** The oldest default-domain opset `fromOnnx` reads: Gemm-7 is the first with today's broadcasting of C. */
const OLDEST_OPSET = 7;
const PARTS: readonly OnnxPart[] = ['autoencoder', 'encoder', 'decoder'];
/** The metadata_props key under which `toOnnx` records what the graph cannot show (loss, β, …). */
export const ONNX_METADATA_KEY = 'wasm-autoencoder';
const METADATA_VERSION = 1;

/** Longest file read: protobuf's own limit (2 GiB − 1). */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;
/** Deepest nesting of messages read (a graph of dense layers needs 7: model, graph, value info, type, tensor type, shape, dim). */
export const MAX_NESTING = 32;
/**
 * Most objects decoding may make — messages, strings in repeated fields, 64-bit integers — counted before decoding.
 * A graph of dense layers needs about 15 per layer (our models have at most 130 layers); this allows thousands
 * and keeps the decoded objects of a hostile file to tens of MB.
 */
export const MAX_OBJECTS = 1 << 16;
/**
 * Most values all repeated number fields (float_data, int64_data, dims, …) may hold together, counted before
 * decoding: decoded, each is a JS number (8 bytes, twice a float's 4 in the file). Weights of 16 M floats and more
 * must come as raw_data (as PyTorch and toOnnx write them), which is read in place.
 */
export const MAX_LISTED_NUMBERS = 2 ** 24;
/** Most values one tensor may declare (1 GiB of float32), checked before anything is allocated for it. */
export const MAX_TENSOR_VALUES = 2 ** 28;
/** Longest metadata value read (ours is about 200 bytes). */
const MAX_METADATA_CHARS = 4096;
/** Most nodes and initializers a graph may have (a layer has at most three nodes and two initializers). */
const MAX_NODES = 8192;

const ACTIVATION_OPS: Record<Activation, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', leakyRelu: 'LeakyRelu', elu: 'Elu' };
const OP_ACTIVATIONS = new Map(Object.entries(ACTIVATION_OPS).map(([name, op]) => [op, name as ActivationName]));
/** The float attribute each activation op may carry, with the only value ours have (ONNX's defaults). */
const ACTIVATION_ALPHA: Record<string, number> = { LeakyRelu: Math.fround(0.01), Elu: 1 };
const DENSE_OPS = ['Gemm', 'MatMul'];
const READ_OPS = [...DENSE_OPS, 'Add', ...OP_ACTIVATIONS.keys()];
const DEFAULT_DOMAINS = ['', 'ai.onnx'];


// ---------------------------------------------------------------------------------------------------------------
// Export

/** What `toOnnx` records in the model's metadata_props, for `fromOnnx` (the graph shows everything else). */
interface OnnxMetadata {
  format: number;
  kind: 'autoencoder' | 'vae';
  part: OnnxPart;
  activation: string;
  outputActivation: string;
  loss?: string;
  reconstruction?: string;
  klWeight?: number;
}

/**
 * The model (or its encoder or decoder) as the bytes of an ONNX model: opset 17, a dynamic batch dimension
 * (`batch`), the weights as float32 initializers named after our parameters (`encode/weights`, …). Each dense
 * layer is a `Gemm` (B = weights in × out, C = biases) and its activation's node. Inputs and outputs:
 * `input` → `reconstruction` (a VAE's autoencoder also outputs `mean` and `log_var`; its reconstruction decodes
 * the mean), `input` → `code` (a VAE's encoder: `mean`, `log_var`), `code` → `reconstruction`.
 *
 * @example
 * ```ts
 * const bytes = toOnnx(ae);                            // run it in onnxruntime: { input } → { reconstruction }
 * const encoder = toOnnx(ae, { part: 'encoder' });     // { input } → { code }
 * ```
 */
export function toOnnx(model: Autoencoder | VariationalAutoencoder, options: OnnxExportOptions = {}): Uint8Array {
  if (!(model instanceof Autoencoder) && !(model instanceof VariationalAutoencoder)) throw new TypeError('toOnnx needs an Autoencoder or a VariationalAutoencoder');
  checkKeys(options, ['part'], 'toOnnx option');
  const part = options.part ?? 'autoencoder';
  if (!PARTS.includes(part)) throw new RangeError(`unknown part '${String(part)}': expected ${PARTS.map((p) => `'${p}'`).join(', ')}`);
  const description = describeModel(model);
  const graph = new GraphWriter();
  let metadata: OnnxMetadata;
  if (description.kind === 'autoencoder') {
    const depth = description.hidden.length;
    const encoder = description.layers.slice(0, depth), decoder = description.layers.slice(depth);
    const code = description.hidden[depth - 1]!;
    if (part === 'autoencoder') graph.io('input', description.inputDim, graph.chain(description.layers, 'input', 'reconstruction'), description.inputDim);
    if (part === 'encoder') graph.io('input', description.inputDim, graph.chain(encoder, 'input', 'code'), code);
    if (part === 'decoder') graph.io('code', code, graph.chain(decoder, 'code', 'reconstruction'), description.inputDim);
    metadata = { format: METADATA_VERSION, kind: 'autoencoder', part, activation: description.activation, outputActivation: description.outputActivation, loss: description.loss };
  } else {
    const { inputDim, latentDim } = description;
    if (part === 'decoder') {
      graph.io('code', latentDim, graph.chain(description.decoder, 'code', 'reconstruction'), inputDim);
    } else {
      const top = graph.chain(description.encoder, 'input', 'hidden');
      graph.chain([description.mean], top, 'mean');
      graph.chain([description.logVar], top, 'log_var');
      if (part === 'autoencoder') graph.io('input', inputDim, graph.chain(description.decoder, 'mean', 'reconstruction'), inputDim);
      graph.io(part === 'encoder' ? 'input' : undefined, inputDim, 'mean', latentDim);
      graph.io(undefined, 0, 'log_var', latentDim);
    }
    metadata = {
      format: METADATA_VERSION, kind: 'vae', part, activation: description.activation, outputActivation: description.outputActivation,
      reconstruction: description.reconstruction, klWeight: description.klWeight,
    };
  }
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(IR_VERSION),
    opsetImport: [{ domain: '', version: BigInt(ONNX_OPSET) }],
    producerName: 'wasm-autoencoder',
    docString: `The ${part === 'autoencoder' ? 'whole model' : part} of a wasm-autoencoder ${description.kind === 'vae' ? 'VariationalAutoencoder' : 'Autoencoder'}.`,
    graph: { name: `${description.kind}_${part}`, node: graph.nodes, initializer: graph.initializers, input: graph.inputs, output: graph.outputs },
    metadataProps: [{ key: ONNX_METADATA_KEY, value: JSON.stringify(metadata) }],
  });
  return toBinary(ModelProtoSchema, proto);
}

type NodeInit = { name: string; opType: string; input: string[]; output: string[]; attribute?: { name: string; type: AttributeProto_AttributeType; f: number }[] };
type TensorInit = { name: string; dims: bigint[]; dataType: number; rawData: Uint8Array<ArrayBuffer> };
type ValueInfoInit = { name: string; type: { value: { case: 'tensorType'; value: { elemType: number; shape: { dim: ({ value: { case: 'dimParam'; value: string } } | { value: { case: 'dimValue'; value: bigint } })[] } } } } };

class GraphWriter {
  readonly nodes: NodeInit[] = [];
  readonly initializers: TensorInit[] = [];
  readonly inputs: ValueInfoInit[] = [];
  readonly outputs: ValueInfoInit[] = [];

  /** Writes `layers` reading tensor `from`, the last one's output named `to`; returns the name of what it wrote last. */
  chain(layers: readonly DenseLayerData[], from: string, to: string): string {
    let x = from;
    layers.forEach((layer, l) => {
      const last = l === layers.length - 1;
      const linear = layer.activation === 'linear';
      const weights = `${layer.name}/weights`, biases = `${layer.name}/biases`;
      this.initializers.push(tensor(weights, [layer.inDim, layer.outDim], layer.weights), tensor(biases, [layer.outDim], layer.biases));
      const product = last && linear ? to : `${layer.name}/gemm`;
      this.nodes.push({ name: `${layer.name}/Gemm`, opType: 'Gemm', input: [x, weights, biases], output: [product] });
      x = product;
      if (!linear) {
        const op = ACTIVATION_OPS[layer.activation];
        const output = last ? to : `${layer.name}/output`;
        const alpha = ACTIVATION_ALPHA[op];
        this.nodes.push({
          name: `${layer.name}/${op}`, opType: op, input: [x], output: [output],
          ...(alpha === undefined ? {} : { attribute: [{ name: 'alpha', type: AttributeProto_AttributeType.FLOAT, f: alpha }] }),
        });
        x = output;
      }
    });
    return x;
  }

  /** Declares graph input `input` (unless undefined) of `inWidth` and graph output `output` of `outWidth`. */
  io(input: string | undefined, inWidth: number, output: string, outWidth: number): void {
    if (input !== undefined) this.inputs.push(valueInfo(input, inWidth));
    this.outputs.push(valueInfo(output, outWidth));
  }
}

function tensor(name: string, dims: number[], values: Float32Array): TensorInit {
  const rawData = littleEndianBytes(values).slice();
  return { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.FLOAT, rawData };
}

function valueInfo(name: string, width: number): ValueInfoInit {
  const dim = [{ value: { case: 'dimParam', value: 'batch' } } as const, { value: { case: 'dimValue', value: BigInt(width) } } as const];
  return { name, type: { value: { case: 'tensorType', value: { elemType: TensorProto_DataType.FLOAT, shape: { dim } } } } };
}

// ---------------------------------------------------------------------------------------------------------------
// Import

/**
 * The model an ONNX file holds, its weights set bit for bit and its optimizer state fresh: the `'autoencoder'`
 * part `toOnnx` writes (of either kind; the loss, β and such come back from its metadata), or a graph of the same
 * shape from elsewhere — such as PyTorch's export of a flat `nn.Sequential(Linear, activation, …, Linear[, output
 * activation])`, read as an `Autoencoder` (its decoder must mirror its encoder; loss 'rmse', the default). Dense
 * layers may be `Gemm` (with or without transB) or `MatMul` then `Add`; activations `Tanh`, `Sigmoid`, `Relu`,
 * `LeakyRelu` (alpha 0.01), `Elu` (alpha 1). Throws `DataFormatError` (naming `file` and the node or tensor) for
 * anything else, for malformed bytes, and for sizes past the bounds above, before the model is allocated.
 *
 * @example
 * ```ts
 * const model = fromOnnx(bytes, 'model.onnx');
 * if (model instanceof Autoencoder) model.test(rows);
 * ```
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, file = 'ONNX model'): Autoencoder | VariationalAutoencoder {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('fromOnnx reads a Uint8Array or an ArrayBuffer');
  if (typeof file !== 'string') throw new TypeError('fromOnnx: the file name must be a string');
  const refuse = (problem: string) => new DataFormatError(file, problem);
  if (bytes.length === 0) throw refuse('empty: not an ONNX model');
  if (bytes.length > MAX_ONNX_BYTES) throw refuse(`${bytes.length} bytes, more than protobuf's limit of ${MAX_ONNX_BYTES}`);
  let proto: ModelProto;
  try {
    census(bytes, refuse);
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false, recursionLimit: MAX_NESTING + 1 });
  } catch (error) {
    if (error instanceof DataFormatError) throw error;
    throw refuse(`not a readable ONNX model (${error instanceof Error ? error.message : String(error)})`);
  }
  const description = new GraphReader(proto, refuse).read();
  try {
    return buildModel(description);
  } catch (error) {
    if (error instanceof RangeError) throw refuse(`not a model fromOnnx can rebuild: ${error.message}`);
    throw error;
  }
}

type Refuse = (problem: string) => DataFormatError;

/**
 * How the census reads one field of the schema: the wire types the decoder reads it in, what it makes of it.
 * `@bufbuild/protobuf` dispatches on the field number alone and reads the field as the schema says whatever wire
 * type the tag claims (a message field tagged as a varint still has its length and body read), except that a
 * repeated number field is read packed when tagged LengthDelimited and as one value otherwise. So the census
 * refuses any other wire type: what it skips is then exactly what the decoder skips or reads as a plain value.
 */
interface CensusField {
  field: DescField;
  /** The wire type of one value of the field (LengthDelimited for messages, strings and bytes). */
  wireType: WireType;
  /** A repeated number field: also read packed, from LengthDelimited. */
  packable: boolean;
  /** The message type of a message field or a list of messages. */
  message?: DescMessage;
  /** The type of a repeated scalar or enum field's values (enums as INT32); undefined for any other field. */
  listed?: ScalarType;
}

/** Fields by number, per message type, for the census. */
const censusFieldsOf = new WeakMap<DescMessage, Map<number, CensusField>>();
const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
/** Bytes per element of the fixed-size scalar types (the others are varints, or strings and bytes). */
const FIXED_SIZES = new Map([
  [ScalarType.FLOAT, 4], [ScalarType.FIXED32, 4], [ScalarType.SFIXED32, 4], [ScalarType.DOUBLE, 8], [ScalarType.FIXED64, 8], [ScalarType.SFIXED64, 8],
]);

/** The wire type protobuf writes one value of a scalar type in. */
function scalarWireType(scalar: ScalarType): WireType {
  if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) return WireType.LengthDelimited;
  const size = FIXED_SIZES.get(scalar);
  return size === 4 ? WireType.Bit32 : size === 8 ? WireType.Bit64 : WireType.Varint;
}

function censusFields(desc: DescMessage): Map<number, CensusField> {
  let fields = censusFieldsOf.get(desc);
  if (fields) return fields;
  fields = new Map();
  for (const field of desc.fields) {
    let entry: CensusField;
    switch (field.fieldKind) {
      case 'message':
        entry = { field, wireType: field.delimitedEncoding ? WireType.StartGroup : WireType.LengthDelimited, packable: false, message: field.message };
        break;
      case 'scalar':
        entry = { field, wireType: scalarWireType(field.scalar), packable: false };
        break;
      case 'enum':
        entry = { field, wireType: WireType.Varint, packable: false };
        break;
      case 'list': {
        if (field.listKind === 'message') {
          entry = { field, wireType: field.delimitedEncoding ? WireType.StartGroup : WireType.LengthDelimited, packable: false, message: field.message };
          break;
        }
        const listed = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
        const wireType = scalarWireType(listed);
        entry = { field, wireType, packable: wireType !== WireType.LengthDelimited, listed };
        break;
      }
      case 'map':
        entry = { field, wireType: WireType.LengthDelimited, packable: false };
        break;
    }
    fields.set(field.number, entry);
  }
  censusFieldsOf.set(desc, fields);
  return fields;
}

/**
 * Walks the wire format as the schema reads it, without decoding: throws unless every known field comes in a wire
 * type the schema declares for it, messages nest at most {@link MAX_NESTING} deep, every length stays inside its
 * message (and packed numbers fill theirs exactly), decoding would make at most {@link MAX_OBJECTS} objects and
 * repeated number fields hold at most {@link MAX_LISTED_NUMBERS} values in all. Time linear in the bytes, memory in
 * the nesting.
 */
function census(bytes: Uint8Array, refuse: Refuse): void {
  const reader = new BinaryReader(bytes);
  let objects = 0, numbers = 0;
  const count = (n: number) => {
    objects += n;
    if (objects > MAX_OBJECTS) throw refuse(`more than ${MAX_OBJECTS} messages, strings and 64-bit integers: far more than a graph of dense layers needs`);
  };
  const countNumbers = (n: number) => {
    numbers += n;
    if (numbers > MAX_LISTED_NUMBERS) throw refuse(`more than ${MAX_LISTED_NUMBERS} values in repeated number fields (such as float_data): write large tensors as raw_data`);
  };
  const walk = (desc: DescMessage, end: number, depth: number): void => {
    if (depth > MAX_NESTING) throw refuse(`messages nested more than ${MAX_NESTING} deep`);
    const fields = censusFields(desc);
    while (reader.pos < end) {
      const [number, wireType] = reader.tag();
      const known = fields.get(number);
      if (!known) {
        // Unknown fields: the decoder skips them just so (readUnknownFields is off).
        reader.skip(wireType, number, MAX_NESTING - depth);
        if (reader.pos > end) throw refuse(`truncated: a field of ${desc.name} runs past the end of its message`);
        continue;
      }
      const { field, message, listed } = known;
      const what = `${desc.name}.${field.name}`;
      const packed = known.packable && wireType === WireType.LengthDelimited;
      if (wireType !== known.wireType && !packed) {
        throw refuse(`field ${what} (${number}) comes as wire type ${WireType[wireType] ?? wireType}; the schema reads it as ${WireType[known.wireType]}${known.packable ? ' or packed (LengthDelimited)' : ''}`);
      }
      // ONNX's schema has neither; were one added, it would need counting of its own.
      if (wireType === WireType.StartGroup || field.fieldKind === 'map') throw refuse(`field ${what} (${number}) is a group or a map, which fromOnnx does not read`);
      if (message || packed) {
        const length = reader.uint32();
        const start = reader.pos, stop = start + length;
        if (stop > end) throw refuse(`truncated: a ${what} of ${length} bytes runs past the end of its message`);
        if (message) {
          count(1);
          walk(message, stop, depth + 1);
          continue;
        }
        // Packed numbers: fixed-size ones fill the length exactly; each varint ends at a byte < 0x80, the last one
        // at the length's end (or the decoder would read on past it, out of step with this census).
        const size = FIXED_SIZES.get(listed!);
        let elements = 0;
        if (size !== undefined) {
          if (length % size !== 0) throw refuse(`field ${what} holds ${length} bytes of packed ${size}-byte values, not a whole number of them`);
          elements = length / size;
        } else {
          if (length > 0 && bytes[stop - 1]! >= 0x80) throw refuse(`field ${what}: its last packed varint runs past the end of its ${length} bytes`);
          for (let at = start; at < stop; at++) elements += bytes[at]! < 0x80 ? 1 : 0;
        }
        countNumbers(elements);
        if (INT64_TYPES.has(listed!)) count(elements);
        reader.pos = stop;
        continue;
      }
      // One value in the wire type of its scalar: the decoder reads exactly what skipping it passes over.
      reader.skip(wireType, number, MAX_NESTING - depth);
      if (reader.pos > end) throw refuse(`truncated: a ${what} runs past the end of its message`);
      if (listed === ScalarType.STRING || listed === ScalarType.BYTES) count(1);
      else if (listed !== undefined) {
        countNumbers(1);
        if (INT64_TYPES.has(listed)) count(1);
      }
    }
    if (reader.pos !== end) throw refuse(`truncated: a field of ${desc.name} runs past the end of its message`);
  };
  walk(ModelProtoSchema, bytes.length, 0);
}

interface Dense {
  /** The node (Gemm or MatMul) that starts the layer: the layer is named after it in messages. */
  node: string;
  inDim: number;
  outDim: number;
  weights: Float32Array;
  biases: Float32Array;
  activation: ActivationName;
  /** The tensor the layer reads and the tensor it writes. */
  input: string;
  output: string;
}

class GraphReader {
  private readonly graph: GraphProto;
  private readonly initializers = new Map<string, TensorProto>();
  /** Initializers read so far (every one must be). */
  private readonly usedInitializers = new Set<string>();
  private readonly consumers = new Map<string, NodeProto[]>();
  private readonly visited = new Set<NodeProto>();
  private readonly outputs: Map<string, ValueInfoProto>;
  private readonly metadata: Partial<OnnxMetadata> | undefined;

  constructor(private readonly model: ModelProto, private readonly refuse: Refuse) {
    this.checkModel();
    this.graph = model.graph!;
    const graph = this.graph;
    if (graph.node.length > MAX_NODES) throw refuse(`${graph.node.length} nodes, more than ${MAX_NODES}`);
    if (graph.initializer.length > MAX_NODES) throw refuse(`${graph.initializer.length} initializers, more than ${MAX_NODES}`);
    if (graph.sparseInitializer.length > 0) throw refuse(`sparse initializer '${name(graph.sparseInitializer[0]!.values?.name)}' is not read: fromOnnx reads dense float tensors`);
    for (const tensor of graph.initializer) {
      if (this.initializers.has(tensor.name)) throw refuse(`two initializers are named '${name(tensor.name)}'`);
      this.initializers.set(tensor.name, tensor);
    }
    const produced = new Set(graph.input.map((input) => input.name));
    for (const node of graph.node) {
      if (!DEFAULT_DOMAINS.includes(node.domain)) throw refuse(`node '${name(node.name)}' is ${name(node.opType)} of domain '${name(node.domain)}', which fromOnnx does not read (it reads ONNX's own ops ${READ_OPS.join(', ')})`);
      if (!READ_OPS.includes(node.opType)) throw refuse(`node '${name(node.name)}' is ${name(node.opType)}, which fromOnnx does not read (it reads ${READ_OPS.join(', ')})`);
      for (const output of node.output) {
        if (produced.has(output) || this.initializers.has(output)) throw refuse(`tensor '${name(output)}' is written twice (node '${name(node.name)}', and a node, an input or an initializer before it)`);
        produced.add(output);
      }
      for (const input of node.input) {
        if (input === '') continue;
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
    this.outputs = new Map(graph.output.map((output) => [output.name, output]));
    if (this.outputs.size !== graph.output.length) throw refuse('two graph outputs have the same name');
    this.metadata = this.readMetadata();
  }

  private checkModel(): void {
    const { model, refuse } = this;
    if (!model.graph) throw refuse('not an ONNX model: it holds no graph');
    if (model.irVersion < 3n) throw refuse(`IR version ${model.irVersion}: fromOnnx reads ONNX files of IR version 3 and later`);
    const opsets = model.opsetImport.filter((opset) => DEFAULT_DOMAINS.includes(opset.domain));
    if (opsets.length !== 1) throw refuse(`imports ${opsets.length} versions of ONNX's default opset, expected 1`);
    if (opsets[0]!.version < BigInt(OLDEST_OPSET)) throw refuse(`opset ${opsets[0]!.version}: fromOnnx reads opset ${OLDEST_OPSET} and later`);
  }

  /** Our metadata (toOnnx's), checked field by field; undefined for a file without it. */
  private readMetadata(): Partial<OnnxMetadata> | undefined {
    const entries = this.model.metadataProps.filter((entry) => entry.key === ONNX_METADATA_KEY);
    if (entries.length === 0) return undefined;
    const refuse = (problem: string) => this.refuse(`metadata '${ONNX_METADATA_KEY}': ${problem}`);
    if (entries.length > 1) throw refuse('given twice');
    const text = entries[0]!.value;
    if (text.length > MAX_METADATA_CHARS) throw refuse(`${text.length} characters, more than ${MAX_METADATA_CHARS}`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw refuse('not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse('not a JSON object');
    const metadata = value as Record<string, unknown>;
    const known = ['format', 'kind', 'part', 'activation', 'outputActivation', 'loss', 'reconstruction', 'klWeight'];
    const unknown = Object.keys(metadata).find((key) => !known.includes(key));
    if (unknown !== undefined) throw refuse(`unknown key '${name(unknown)}'`);
    if (metadata.format !== METADATA_VERSION) throw refuse(`format ${name(String(metadata.format))}: fromOnnx reads format ${METADATA_VERSION}`);
    const oneOf = (key: string, values: readonly string[]) => {
      if (metadata[key] !== undefined && !values.includes(metadata[key] as string)) throw refuse(`${key} ${name(JSON.stringify(metadata[key]))} is not one of ${values.join(', ')}`);
    };
    oneOf('kind', ['autoencoder', 'vae']);
    oneOf('part', PARTS);
    oneOf('activation', Object.keys(ACTIVATION_OPS));
    oneOf('outputActivation', ['linear', ...Object.keys(ACTIVATION_OPS)]);
    oneOf('loss', ['rmse', 'mse', 'bce']);
    oneOf('reconstruction', ['mse', 'bce']);
    if (metadata.klWeight !== undefined && typeof metadata.klWeight !== 'number') throw refuse('klWeight is not a number');
    if (metadata.part !== undefined && metadata.part !== 'autoencoder') {
      throw refuse(`holds the ${String(metadata.part)} part of a model, which cannot rebuild one: write the model with part 'autoencoder'`);
    }
    return metadata as Partial<OnnxMetadata>;
  }

  read(): ModelDescription {
    const { graph, refuse } = this;
    const inputs = graph.input.filter((input) => !this.initializers.has(input.name)); // IR < 4 lists initializers as inputs too
    if (inputs.length !== 1) throw refuse(`the graph has ${inputs.length} inputs (${inputs.map((i) => `'${name(i.name)}'`).join(', ')}); fromOnnx reads graphs of one`);
    const input = inputs[0]!;
    const declared = this.width(input, 'input');
    const encoder = this.chain(input.name, declared);
    const top = encoder.at(-1)?.output ?? input.name;
    const fork = this.consumers.get(top) ?? [];
    let description: ModelDescription;
    if (fork.length === 0) description = this.autoencoder(encoder);
    else if (fork.length === 2) description = this.vae(encoder, top, fork, declared);
    else throw refuse(`tensor '${name(top)}' is read by ${fork.length} nodes (${fork.map((n) => `'${name(n.name)}'`).join(', ')}); fromOnnx reads a chain of dense layers (a VAE's forks once, into mean and log_var)`);
    const stray = graph.node.find((node) => !this.visited.has(node));
    if (stray) throw refuse(`node '${name(stray.name)}' (${name(stray.opType)}) is not on the chain of dense layers from the input to the outputs`);
    const unused = graph.initializer.find((tensor) => !this.usedInitializers.has(tensor.name));
    if (unused) throw refuse(`initializer '${name(unused.name)}' is not used by a dense layer`);
    return description;
  }

  /** A chain without fork: an Autoencoder's layers, encoder then mirrored decoder. */
  private autoencoder(layers: Dense[]): ModelDescription {
    const { refuse, metadata } = this;
    if (metadata?.kind === 'vae') throw refuse('its metadata says VariationalAutoencoder, but the graph is a chain without the mean and log_var heads');
    this.checkOutputs(layers.slice(-1));
    const count = layers.length;
    if (count === 0 || count % 2 !== 0) {
      throw refuse(`a chain of ${count} dense layers (${widths(layers)}) cannot be an autoencoder, whose decoder mirrors its encoder layer for layer`);
    }
    const depth = count / 2;
    const activation = this.innerActivation(layers.slice(0, -1));
    const outputActivation = layers.at(-1)!.activation;
    this.checkMetadataActivations(activation, outputActivation);
    return {
      kind: 'autoencoder',
      inputDim: layers[0]!.inDim,
      hidden: layers.slice(0, depth).map((layer) => layer.outDim),
      activation,
      outputActivation,
      loss: (metadata?.loss as Loss | undefined) ?? 'rmse',
      layers: layers.map((layer, l) => data(layer, l < depth ? scope('encode', l) : scope('decode', l - depth))),
    };
  }

  /** The encoder's last tensor forks into two linear heads, `mean` (which the decoder reads) and `log_var`. */
  private vae(encoder: Dense[], top: string, fork: NodeProto[], declared: number | undefined): ModelDescription {
    const { refuse, metadata } = this;
    for (const node of fork) {
      if (!DENSE_OPS.includes(node.opType)) throw refuse(`node '${name(node.name)}' (${name(node.opType)}) reads '${name(top)}', where fromOnnx expects a dense layer (Gemm or MatMul)`);
    }
    if (metadata?.kind === 'autoencoder') throw refuse(`its metadata says Autoencoder, but tensor '${name(top)}' forks into two layers`);
    const heads = fork.map((node) => this.dense(node, top, encoder.at(-1)?.outDim ?? declared));
    const mean = heads.find((head) => head.output === 'mean'), logVar = heads.find((head) => head.output === 'log_var');
    if (!mean || !logVar) throw refuse(`tensor '${name(top)}' forks into '${name(heads[0]!.output)}' and '${name(heads[1]!.output)}': a VAE's heads write 'mean' and 'log_var'`);
    for (const head of heads) if (head.activation !== 'linear') throw refuse(`the ${head.output} head (node '${name(head.node)}') has activation ${head.activation}; a VAE's heads are linear`);
    if ((this.consumers.get('log_var') ?? []).length > 0) throw refuse(`tensor 'log_var' is read by node '${name(this.consumers.get('log_var')![0]!.name)}'; a VAE decodes its mean`);
    if ((this.consumers.get('mean') ?? []).length === 0) throw refuse('a VAE encoder (mean and log_var) holds no decoder: write the model with part \'autoencoder\'');
    const decoder = this.chain('mean', mean.outDim);
    if (decoder.length === 0 || (this.consumers.get(decoder.at(-1)!.output) ?? []).length > 0) {
      throw refuse(`the decoder from 'mean' does not end in a graph output`);
    }
    this.checkOutputs([decoder.at(-1)!, mean, logVar]);
    const inner = [...encoder, ...decoder.slice(0, -1)];
    // Without hidden layers the graph shows no inner activation: the metadata's is kept (the option travels).
    const activation = inner.length > 0 ? this.innerActivation(inner) : ((metadata?.activation ?? 'tanh') as Activation);
    const outputActivation = decoder.at(-1)!.activation;
    this.checkMetadataActivations(activation, outputActivation);
    return {
      kind: 'vae',
      inputDim: encoder[0]?.inDim ?? mean.inDim,
      latentDim: mean.outDim,
      hidden: encoder.map((layer) => layer.outDim),
      activation,
      outputActivation,
      reconstruction: (metadata?.reconstruction ?? (decoder.at(-1)!.activation === 'sigmoid' ? 'bce' : 'mse')) as Reconstruction,
      klWeight: metadata?.klWeight ?? 1,
      encoder: encoder.map((layer, l) => data(layer, scope('encode', l))),
      mean: data(mean, 'z_mean'),
      logVar: data(logVar, 'z_log_var'),
      decoder: decoder.map((layer, l) => data(layer, scope('decode', l))),
    };
  }

  /** Our metadata's activations, if given, must be the graph's. */
  private checkMetadataActivations(activation: ActivationName, outputActivation: ActivationName): void {
    const { metadata } = this;
    for (const [key, value] of [['activation', activation], ['outputActivation', outputActivation]] as const) {
      if (metadata?.[key] !== undefined && metadata[key] !== value) throw this.refuse(`its metadata says ${key} '${metadata[key]}', but the graph's layers have ${value}`);
    }
  }

  /** The one activation of the inner layers (a hidden layer must have one: our models have no linear hidden layer). */
  private innerActivation(layers: Dense[]): Activation {
    const first = layers[0]!;
    for (const layer of layers) {
      if (layer.activation === 'linear') throw this.refuse(`the layer of node '${name(layer.node)}' has no activation; the hidden layers of our models have one (${Object.values(ACTIVATION_OPS).join(', ')})`);
      if (layer.activation !== first.activation) {
        throw this.refuse(`the layer of node '${name(layer.node)}' has activation ${layer.activation}, the one of node '${name(first.node)}' ${first.activation}: our models have one activation inside`);
      }
    }
    return first.activation as Activation;
  }

  /** The graph's outputs must be exactly what `layers` write, float tensors whose declared width (if any) is theirs. */
  private checkOutputs(layers: Dense[]): void {
    if (layers.length === 0) throw this.refuse('the graph has no dense layer');
    for (const layer of layers) if (!this.outputs.has(layer.output)) throw this.refuse(`the chain of dense layers ends in '${name(layer.output)}', which is not a graph output`);
    const ends = new Map(layers.map((layer) => [layer.output, layer]));
    for (const output of this.graph.output) {
      const layer = ends.get(output.name);
      if (!layer) throw this.refuse(`graph output '${name(output.name)}' is not the end of the chain of dense layers`);
      const width = this.width(output, 'output');
      if (width !== undefined && width !== layer.outDim) throw this.refuse(`output '${name(output.name)}' declares width ${width}, but node '${name(layer.node)}' writes ${layer.outDim}`);
    }
  }

  /** Follows dense layers from tensor `from` (of `width` columns, if known) while exactly one node reads each tensor. */
  private chain(from: string, width?: number): Dense[] {
    const layers: Dense[] = [];
    let x = from;
    for (;;) {
      const readers = this.consumers.get(x) ?? [];
      if (readers.length !== 1) return layers;
      const node = readers[0]!;
      if (x !== from && this.outputs.has(x)) throw this.refuse(`tensor '${name(x)}' is a graph output in the middle of the chain of dense layers`);
      if (!DENSE_OPS.includes(node.opType)) throw this.refuse(`node '${name(node.name)}' (${name(node.opType)}) reads '${name(x)}', where fromOnnx expects a dense layer (Gemm or MatMul)`);
      const layer = this.dense(node, x, layers.at(-1)?.outDim ?? width);
      layers.push(layer);
      x = layer.output;
      if (layers.length > MAX_NODES) throw this.refuse('a chain of more dense layers than nodes'); // unreachable: nodes are visited once
    }
  }

  /**
   * A dense layer starting at `node` (Gemm, or MatMul then Add), with its activation if one follows. `width`: the
   * columns of `x`, which its weights must have as rows (undefined for the graph's input: the first layer sets it).
   */
  private dense(node: NodeProto, x: string, width: number | undefined): Dense {
    const { refuse } = this;
    const what = `node '${name(node.name)}' (${node.opType})`;
    let weights: Float32Array, inDim: number, outDim: number, biases: Float32Array | undefined, y: string;
    this.visit(node);
    if (node.opType === 'Gemm') {
      const [a, b, c, ...more] = node.input;
      if (a !== x || more.length > 0 || b === undefined || node.output.length !== 1) throw refuse(`${what} must read '${name(x)}', weights and biases, and write one tensor`);
      const attributes = this.attributes(node, { alpha: 1, beta: 1, transA: 0, transB: undefined });
      const transB = attributes.get('transB') ?? 0;
      const B = this.initializer(b, what, 2);
      [inDim, outDim] = transB === 1 ? [B.dims[1]!, B.dims[0]!] : [B.dims[0]!, B.dims[1]!];
      this.checkWidth(what, x, width, b, inDim);
      weights = transB === 1 ? transpose(B.values, outDim, inDim) : B.values;
      if (c !== undefined && c !== '') biases = this.bias(c, what, outDim);
      y = node.output[0]!;
    } else {
      const [a, b, ...more] = node.input;
      if (a !== x || more.length > 0 || b === undefined || node.output.length !== 1) throw refuse(`${what} must read '${name(x)}' and weights, and write one tensor`);
      this.attributes(node, {});
      const B = this.initializer(b, what, 2);
      [inDim, outDim] = B.dims as [number, number];
      this.checkWidth(what, x, width, b, inDim);
      weights = B.values;
      y = node.output[0]!;
      const readers = this.consumers.get(y) ?? [];
      if (readers.length === 1 && readers[0]!.opType === 'Add' && !this.outputs.has(y)) {
        const add = readers[0]!;
        this.visit(add);
        const addWhat = `node '${name(add.name)}' (Add)`;
        if (add.input.length !== 2 || add.output.length !== 1) throw refuse(`${addWhat} must add biases to '${name(y)}' and write one tensor`);
        this.attributes(add, {});
        const other = add.input[0] === y ? add.input[1]! : add.input[0]!;
        if (other === y || (add.input[0] !== y && add.input[1] !== y)) throw refuse(`${addWhat} must add biases to '${name(y)}'`);
        biases = this.bias(other, addWhat, outDim);
        y = add.output[0]!;
      }
    }
    let activation: ActivationName = 'linear';
    const readers = this.consumers.get(y) ?? [];
    if (readers.length === 1 && OP_ACTIVATIONS.has(readers[0]!.opType) && !this.outputs.has(y)) {
      const act = readers[0]!;
      this.visit(act);
      if (act.input.length !== 1 || act.output.length !== 1) throw refuse(`node '${name(act.name)}' (${act.opType}) must read one tensor and write one`);
      const alpha = ACTIVATION_ALPHA[act.opType];
      this.attributes(act, alpha === undefined ? {} : { alpha });
      activation = OP_ACTIVATIONS.get(act.opType)!;
      y = act.output[0]!;
    } else if (readers.length === 1 && readers[0]!.opType === 'Add') {
      throw refuse(`node '${name(readers[0]!.name)}' (Add) follows ${what}; fromOnnx reads Add only as the bias of a MatMul`);
    }
    return { node: node.name, inDim, outDim, weights, biases: biases ?? new Float32Array(outDim), activation, input: x, output: y };
  }

  private checkWidth(what: string, x: string, width: number | undefined, weights: string, rows: number): void {
    if (width !== undefined && width !== rows) throw this.refuse(`${what} multiplies '${name(x)}' (width ${width}) by '${name(weights)}' of ${rows} rows`);
  }

  private visit(node: NodeProto): void {
    if (this.visited.has(node)) throw this.refuse(`node '${name(node.name)}' is reached twice: the graph is not a chain`);
    this.visited.add(node);
  }

  /**
   * Checks a node's attributes: each must be one of `allowed`, a float or int of the value given there
   * (undefined: transB, 0 or 1). Returns the ints.
   */
  private attributes(node: NodeProto, allowed: Record<string, number | undefined>): Map<string, number> {
    const ints = new Map<string, number>();
    const seen = new Set<string>();
    for (const attribute of node.attribute) {
      const what = `attribute ${name(attribute.name)} of node '${name(node.name)}' (${node.opType})`;
      if (!Object.hasOwn(allowed, attribute.name)) throw this.refuse(`${what} is not read by fromOnnx`);
      if (seen.has(attribute.name)) throw this.refuse(`${what} is given twice`);
      seen.add(attribute.name);
      if (attribute.refAttrName !== '') throw this.refuse(`${what} refers to a function's attribute`);
      const integer = attribute.name === 'transA' || attribute.name === 'transB';
      const type = attribute.type === AttributeProto_AttributeType.UNDEFINED ? (integer ? AttributeProto_AttributeType.INT : AttributeProto_AttributeType.FLOAT) : attribute.type;
      if (type !== (integer ? AttributeProto_AttributeType.INT : AttributeProto_AttributeType.FLOAT)) throw this.refuse(`${what} is not ${integer ? 'an int' : 'a float'}`);
      const value = integer ? Number(attribute.i) : Math.fround(attribute.f);
      const want = allowed[attribute.name];
      if (want === undefined ? value !== 0 && value !== 1 : value !== Math.fround(want)) {
        throw this.refuse(`${what} is ${integer ? value : shortestFloat32(value)}; fromOnnx reads ${want === undefined ? '0 or 1' : shortestFloat32(Math.fround(want))}${attribute.name === 'alpha' && node.opType !== 'Gemm' ? ` (our ${node.opType === 'Elu' ? 'elu has α = 1' : 'leakyRelu has slope 0.01'})` : ''}`);
      }
      if (integer) ints.set(attribute.name, value);
    }
    return ints;
  }

  /** A float32 initializer of `rank` dims, its values copied out once its size has been checked. */
  private initializer(tensorName: string, reader: string, rank: number, role = 'weights'): { dims: number[]; values: Float32Array } {
    const tensor = this.initializers.get(tensorName);
    if (!tensor) throw this.refuse(`${reader} reads '${name(tensorName)}' as its ${role}, which is not an initializer`);
    this.usedInitializers.add(tensorName);
    const what = `initializer '${name(tensorName)}'`;
    if (tensor.dataType !== TensorProto_DataType.FLOAT) {
      throw this.refuse(`${what} holds ${TensorProto_DataType[tensor.dataType] ?? `data type ${tensor.dataType}`} values; fromOnnx reads FLOAT (float32) tensors`);
    }
    if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL || tensor.externalData.length > 0) throw this.refuse(`${what} keeps its values in an external file`);
    if (tensor.segment) throw this.refuse(`${what} is a segment of a tensor`);
    if (tensor.dims.length !== rank) throw this.refuse(`${what} has ${tensor.dims.length} dims [${tensor.dims.join(', ')}], expected ${rank} (${reader})`);
    let count = 1;
    for (const dim of tensor.dims) {
      if (dim < 1n || dim > BigInt(MAX_TENSOR_VALUES)) throw this.refuse(`${what} declares dims [${tensor.dims.join(', ')}]: each must be from 1 to ${MAX_TENSOR_VALUES}`);
      count *= Number(dim);
      if (count > MAX_TENSOR_VALUES) throw this.refuse(`${what} declares dims [${tensor.dims.join(', ')}], more than ${MAX_TENSOR_VALUES} values`);
    }
    const others = [tensor.int32Data, tensor.stringData, tensor.int64Data, tensor.doubleData, tensor.uint64Data].some((list) => list.length > 0);
    if (others) throw this.refuse(`${what} is FLOAT but holds values in another type's field`);
    const raw = tensor.rawData;
    if (raw.length > 0 && tensor.floatData.length > 0) throw this.refuse(`${what} holds its values twice (raw_data and float_data)`);
    const dims = tensor.dims.map(Number);
    if (raw.length > 0 || tensor.floatData.length === 0) {
      if (raw.length !== 4 * count) throw this.refuse(`${what} declares dims [${dims.join(', ')}] (${count} float32 values, ${4 * count} bytes) but holds ${raw.length} bytes`);
      const values = new Float32Array(count);
      new Uint8Array(values.buffer).set(raw);
      return { dims, values: fromLittleEndian(values) };
    }
    if (tensor.floatData.length !== count) throw this.refuse(`${what} declares dims [${dims.join(', ')}] (${count} values) but holds ${tensor.floatData.length}`);
    return { dims, values: Float32Array.from(tensor.floatData) };
  }

  /** Biases: a float32 initializer of `outDim` values, dims [outDim] or [1, outDim]. */
  private bias(tensorName: string, reader: string, outDim: number): Float32Array {
    const rank = this.initializers.get(tensorName)?.dims.length === 2 ? 2 : 1;
    const { dims, values } = this.initializer(tensorName, reader, rank, 'biases');
    if ((rank === 2 && dims[0] !== 1) || dims.at(-1) !== outDim) throw this.refuse(`initializer '${name(tensorName)}' has dims [${dims.join(', ')}], expected [${outDim}]: the biases of ${reader}`);
    return values;
  }

  /** A graph input's or output's declared width (undefined if it is not declared), once its type has been checked. */
  private width(info: ValueInfoProto, what: string): number | undefined {
    const label = `${what} '${name(info.name)}'`;
    const type = info.type?.value;
    if (!type || type.case !== 'tensorType') throw this.refuse(`${label} is not a tensor`);
    if (type.value.elemType !== TensorProto_DataType.FLOAT) throw this.refuse(`${label} is of ${TensorProto_DataType[type.value.elemType] ?? `data type ${type.value.elemType}`}; fromOnnx reads FLOAT (float32) tensors`);
    const shape = type.value.shape;
    if (!shape) return undefined;
    if (shape.dim.length !== 2) throw this.refuse(`${label} has ${shape.dim.length} dims; fromOnnx reads rows × columns`);
    const width = shape.dim[1]!.value;
    if (width.case !== 'dimValue') return undefined;
    if (width.value < 1n || width.value > BigInt(MAX_TENSOR_VALUES)) throw this.refuse(`${label} declares width ${width.value}`);
    return Number(width.value);
  }
}

function data(layer: Dense, scope: string): DenseLayerData {
  return { name: scope, inDim: layer.inDim, outDim: layer.outDim, activation: layer.activation, weights: layer.weights, biases: layer.biases };
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

function widths(layers: Dense[]): string {
  return layers.length === 0 ? 'none' : [layers[0]!.inDim, ...layers.map((layer) => layer.outDim)].join(' → ');
}

/** A name from the file, shortened for a message. */
function name(text: string | undefined): string {
  const value = text ?? '';
  return value.length > 80 ? `${value.slice(0, 77)}…` : value;
}

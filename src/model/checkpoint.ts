import { CheckpointError } from '../errors.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { parameterRanges, type LayerSpec, type Network, type ParameterRange } from '../runtime/network.js';
import { checkDimension, checkHidden, resolveOptions, type ResolvedOptions, type ResolvedOptimizer } from './options.js';
import { autoencoderLayers } from './parameters.js';
import { resolveVaeOptions, vaeLayers, type ResolvedVaeOptions } from './vae-options.js';

/** The `format` of each model's checkpoints, and the class that reads them. */
export const FORMATS = {
  autoencoder: { format: 'wasm-autoencoder/autoencoder', className: 'Autoencoder' },
  vae: { format: 'wasm-autoencoder/vae', className: 'VariationalAutoencoder' },
} as const;
export type ModelKind = keyof typeof FORMATS;
const FORMAT = FORMATS.autoencoder.format;
/** Bounds on metadata, so that whatever loads can be saved again: nesting, and its size as JSON. */
const MAX_METADATA_NESTING = 64;
const MAX_METADATA_BYTES = 1 << 20;

interface ModelShape {
  readonly inputDim: number;
  readonly hidden: readonly number[];
  /** A variational autoencoder's code width (its checkpoint is of the 'vae' kind). */
  readonly latentDim?: number;
  readonly options: ResolvedOptions | ResolvedVaeOptions;
  readonly metadata: Record<string, unknown>;
}

/** What a model's reader gets back: how to fill the model it built. */
type Restorer = { network: Network; setEpochsTrained(epochs: number): void; setMetadata(metadata: Record<string, unknown>): void };

interface StoredArray {
  name: string;
  rows: number;
  cols: number;
  /** Which array of the parameter: its values, or optimizer slot s. */
  what: 'value' | number;
  range: ParameterRange;
}

/** Every array a checkpoint holds, in order: each parameter, then its optimizer slots (`<param>/<TF1 slot name>`). */
function storedArrays(ranges: readonly ParameterRange[]): StoredArray[] {
  return ranges.flatMap((range) => [
    { name: range.name, rows: range.rows, cols: range.cols, what: 'value' as const, range },
    ...range.slots.map((slot, s) => ({ name: `${range.name}/${slot}`, rows: range.rows, cols: range.cols, what: s, range })),
  ]);
}

/**
 * The checkpoint bytes of a model (version 2): header (shape, options — activations, loss, optimizer —, generator
 * state, optimizer step count, epochs trained, metadata) and tensors (parameters and optimizer slots).
 */
export function writeCheckpoint(model: ModelShape, network: Network, epochsTrained: number): Uint8Array<ArrayBuffer> {
  const tensors = storedArrays(network.parameters).map((t) => ({ name: t.name, rows: t.rows, cols: t.cols, data: network.view(t.range, t.what).slice() }));
  const nesting = metadataProblem(model.metadata);
  if (nesting) throw new TypeError(`metadata ${nesting}`);
  const metadata = isPlainObject(model.metadata) ? jsonCopy(model.metadata) : undefined;
  if (!isPlainObject(metadata)) throw new TypeError('metadata must be a plain object that JSON writes as one, e.g. { scale: 0.5 }');
  const problem = sizeProblem(metadata);
  if (problem) throw new TypeError(`metadata ${problem}`);
  const shape = model.latentDim === undefined ? { format: FORMAT, inputDim: model.inputDim, hidden: model.hidden } : { format: FORMATS.vae.format, inputDim: model.inputDim, latentDim: model.latentDim };
  const header = { ...shape, options: model.options, epochsTrained, rng: Array.from(network.generator), steps: network.steps, metadata };
  return encodeCheckpoint({ header, tensors });
}

/** The kind of model checkpoint bytes hold (by their header's format), after checking the bytes. */
export function checkpointKind(bytes: Uint8Array | ArrayBuffer): { kind: ModelKind; checkpoint: Checkpoint } {
  const checkpoint = decodeCheckpoint(bytes);
  const kind = (Object.keys(FORMATS) as ModelKind[]).find((k) => FORMATS[k].format === checkpoint.header.format);
  if (!kind) throw new CheckpointError(`not a model checkpoint (format ${JSON.stringify(checkpoint.header.format)}, expected "${FORMATS.autoencoder.format}" or "${FORMATS.vae.format}")`);
  return { kind, checkpoint };
}

/** Throws unless the checkpoint holds a model of `kind`, naming the class that reads what it holds. */
function expectKind(checkpoint: Checkpoint, kind: ModelKind): void {
  const { format } = checkpoint.header;
  if (format === FORMATS[kind].format) return;
  const other = (Object.keys(FORMATS) as ModelKind[]).find((k) => FORMATS[k].format === format);
  if (other) {
    throw new CheckpointError(`this checkpoint holds ${article(FORMATS[other].className)}, not ${article(FORMATS[kind].className)}: read it with ${FORMATS[other].className}.fromBytes, or loadModel (loadAnyModel for a file)`);
  }
  throw new CheckpointError(`not an autoencoder checkpoint (format ${JSON.stringify(format)}, expected "${FORMATS[kind].format}")`);
}

/** 'an Autoencoder', 'a VariationalAutoencoder'. */
function article(name: string): string {
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * Reads a decoded checkpoint (`decodeCheckpoint`: version 2, or version 1 of the one-hidden-layer models:
 * `hiddenDim`, RMSProp) and checks header and tensors against each other before anything is allocated; then `build`
 * makes a model of the stored shape and options, and `restore` fills its memory.
 */
export function readCheckpoint<T>(
  checkpoint: Checkpoint,
  build: (inputDim: number, hidden: number[], options: ResolvedOptions) => T,
  restore: (model: T) => Restorer,
): T {
  expectKind(checkpoint, 'autoencoder');
  const { header } = checkpoint;
  const inputDim = headerField(() => checkDimension(header.inputDim, 'inputDim'));
  const hidden = headerField(() => readHidden(header));
  const options = headerField(() => resolveOptions(header.options as ResolvedOptions), 'options');
  // Version 2 headers name `hidden` and the optimizer's `steps`; version 1 had `hiddenDim`, RMSProp and no steps.
  const version2 = header.hidden !== undefined;
  if (version2 ? header.hiddenDim !== undefined || header.steps === undefined : header.steps !== undefined || options.optimizer.name !== 'rmsprop') {
    throw new CheckpointError('checkpoint header mixes versions: expected hidden and steps (version 2), or hiddenDim with RMSProp (version 1)');
  }
  const fill = checkContents(checkpoint, autoencoderLayers(inputDim, hidden, options), options.optimizer);
  const model = build(inputDim, hidden, options);
  fill(restore(model));
  return model;
}

/** As `readCheckpoint`, for a variational autoencoder's checkpoint. */
export function readVaeCheckpoint<T>(
  checkpoint: Checkpoint,
  build: (inputDim: number, latentDim: number, options: ResolvedVaeOptions) => T,
  restore: (model: T) => Restorer,
): T {
  expectKind(checkpoint, 'vae');
  const { header } = checkpoint;
  const inputDim = headerField(() => checkDimension(header.inputDim, 'inputDim'));
  const latentDim = headerField(() => checkDimension(header.latentDim, 'latentDim'));
  const options = headerField(() => resolveVaeOptions(header.options as ResolvedVaeOptions), 'options');
  if (header.steps === undefined) throw new CheckpointError('checkpoint header has no optimizer step count (steps)');
  const fill = checkContents(checkpoint, vaeLayers(inputDim, latentDim, options), options.optimizer);
  const model = build(inputDim, latentDim, options);
  fill(restore(model));
  return model;
}

/**
 * Checks a checkpoint's state (epochs, generator, step count, metadata) and its tensors against the layers it
 * should hold, before anything is allocated; returns what fills a model built for them.
 */
function checkContents(checkpoint: Checkpoint, layers: LayerSpec[], optimizer: ResolvedOptimizer): (restorer: Restorer) => void {
  const { header, tensors } = checkpoint;
  const { epochsTrained, rng } = header;
  const steps = header.steps ?? 0;
  if (!Number.isSafeInteger(epochsTrained) || (epochsTrained as number) < 0) throw new CheckpointError('checkpoint header has an invalid epochsTrained');
  if (!isWord(steps)) throw new CheckpointError('checkpoint header has an invalid optimizer step count (expected an unsigned 32-bit integer)');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every(isWord)) {
    throw new CheckpointError('checkpoint header has an invalid generator state (expected 4 unsigned 32-bit words)');
  }
  // xoshiro128** never leaves the all-zero state: it would draw 0 forever.
  if (rng.every((word) => word === 0)) throw new CheckpointError('checkpoint header has an impossible generator state: all four words are 0');
  const metadata = header.metadata === undefined ? {} : header.metadata; // older checkpoints have none
  if (!isPlainObject(metadata)) throw new CheckpointError('checkpoint header has invalid metadata (expected a JSON object)');
  const problem = metadataProblem(metadata) ?? sizeProblem(metadata);
  if (problem) throw new CheckpointError(`checkpoint header has invalid metadata: it ${problem}`);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const expected = storedArrays(parameterRanges(layers, optimizer));
  for (const t of expected) {
    const stored = byName.get(t.name);
    if (!stored) throw new CheckpointError(`checkpoint has no tensor '${t.name}'`);
    if (stored.rows !== t.rows || stored.cols !== t.cols) {
      throw new CheckpointError(`checkpoint tensor '${t.name}' is ${stored.rows}×${stored.cols}, expected ${t.rows}×${t.cols}`);
    }
  }
  if (byName.size !== expected.length) {
    const known = new Set(expected.map((t) => t.name));
    throw new CheckpointError(`checkpoint has unexpected tensors: ${[...byName.keys()].filter((n) => !known.has(n)).join(', ')}`);
  }
  for (const t of expected) {
    const problem = valueProblem(t, byName.get(t.name)!.data);
    if (problem) throw new CheckpointError(`checkpoint tensor '${t.name}' ${problem}`);
  }
  return ({ network, setEpochsTrained, setMetadata }) => {
    const ranges = new Map(network.parameters.map((range) => [range.name, range]));
    for (const t of expected) network.view(ranges.get(t.range.name)!, t.what).set(byName.get(t.name)!.data);
    network.generator.set(rng as number[]);
    network.steps = steps as number;
    setEpochsTrained(epochsTrained as number);
    setMetadata(metadata);
  };
}

/** Why stored values are impossible for their array, or undefined: training never writes a NaN or an infinity into
 * a parameter or a slot, nor a negative mean square (RMSProp) or second moment (Adam). */
function valueProblem(array: StoredArray, values: Float32Array): string | undefined {
  const nonNegative = array.what !== 'value' && ['RMSProp', 'Adam_1'].includes(array.range.slots[array.what]!);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return `holds ${v} at ${i}: training never writes a value that is not finite`;
    if (nonNegative && v < 0) return `holds ${v} at ${i}: a ${array.range.slots[array.what as number]} slot is a mean of squares and never negative`;
  }
  return undefined;
}

/** The hidden widths: version 2's `hidden` array, or version 1's single `hiddenDim`. */
function readHidden(header: Record<string, unknown>): number[] {
  return checkHidden((header.hidden ?? header.hiddenDim) as number | number[]);
}

/**
 * Why metadata could not be saved and loaded again, or undefined: nesting deeper than MAX_METADATA_NESTING, a
 * `__proto__` key (which would hand `Object.assign({}, metadata)` a foreign prototype), one object reached twice
 * (a cycle, or sharing that JSON would copy out), or more values than JSON of MAX_METADATA_BYTES holds. Walked
 * without recursion, each value once, so no metadata can exhaust the stack or the time.
 */
function metadataProblem(metadata: unknown): string | undefined {
  const pending: [unknown, number][] = [[metadata, 1]];
  const seen = new Set<object>();
  for (let values = 0; pending.length > 0; values++) {
    if (values > MAX_METADATA_BYTES) return `holds more than ${MAX_METADATA_BYTES} values`; // each takes a byte of JSON at least
    const [value, depth] = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (seen.has(value)) return 'reaches one object twice (a cycle, or a shared object): give each place its own value';
    seen.add(value);
    if (depth > MAX_METADATA_NESTING) return `is nested more than ${MAX_METADATA_NESTING} levels deep`;
    if (Object.hasOwn(value, '__proto__')) return 'has a key named __proto__';
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return undefined;
}

/** Why metadata as JSON (no cycle, nesting bounded) is too large to keep, or undefined. */
function sizeProblem(metadata: unknown): string | undefined {
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).length;
  return bytes > MAX_METADATA_BYTES ? `takes ${bytes} bytes as JSON; at most ${MAX_METADATA_BYTES} are kept` : undefined;
}

function isWord(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** metadata as JSON will store it; a TypeError naming the problem when JSON cannot (a cycle, a BigInt). */
function jsonCopy(metadata: Record<string, unknown>): unknown {
  try {
    return JSON.parse(JSON.stringify(metadata)) as unknown;
  } catch (error) {
    throw new TypeError(`metadata must be JSON-serialisable: ${(error as Error).message}`);
  }
}

function headerField<T>(read: () => T, what?: string): T {
  try {
    return read();
  } catch (error) {
    throw new CheckpointError(`checkpoint header has invalid ${what ?? 'dimensions'}: ${(error as Error).message}`);
  }
}

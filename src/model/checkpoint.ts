import { CheckpointError } from '../errors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../io/checkpoint.js';
import { parameterRanges, type Network, type ParameterRange } from '../runtime/network.js';
import { checkDimension, resolveOptions, type ResolvedOptions } from './options.js';
import { autoencoderLayers } from './parameters.js';

const FORMAT = 'wasm-autoencoder/autoencoder';
const MAX_DEPTH = 64;

interface ModelShape {
  readonly inputDim: number;
  readonly hidden: readonly number[];
  readonly options: ResolvedOptions;
  readonly metadata: Record<string, unknown>;
}

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
  const metadata = isPlainObject(model.metadata) ? jsonCopy(model.metadata) : undefined;
  if (!isPlainObject(metadata)) throw new TypeError('metadata must be a plain object that JSON writes as one, e.g. { scale: 0.5 }');
  const header = {
    format: FORMAT, inputDim: model.inputDim, hidden: model.hidden, options: model.options, epochsTrained,
    rng: Array.from(network.generator), steps: network.steps, metadata,
  };
  return encodeCheckpoint({ header, tensors });
}

/**
 * Reads checkpoint bytes (version 2, or version 1 of the one-hidden-layer models: `hiddenDim`, RMSProp) and checks
 * header and tensors against each other before anything is allocated; then `build` makes a model of the stored
 * shape and options, and `restore` fills its memory.
 */
export function readCheckpoint<T>(
  bytes: Uint8Array | ArrayBuffer,
  build: (inputDim: number, hidden: number[], options: ResolvedOptions) => T,
  restore: (model: T) => { network: Network; setEpochsTrained(epochs: number): void; setMetadata(metadata: Record<string, unknown>): void },
): T {
  const { header, tensors } = decodeCheckpoint(bytes);
  if (header.format !== FORMAT) throw new CheckpointError(`not an autoencoder checkpoint (format ${JSON.stringify(header.format)}, expected "${FORMAT}")`);
  const inputDim = headerField(() => checkDimension(header.inputDim, 'inputDim'));
  const hidden = headerField(() => readHidden(header));
  const options = headerField(() => resolveOptions(header.options as ResolvedOptions), 'options');
  const { epochsTrained, rng } = header;
  // Version 2 headers name `hidden` and the optimizer's `steps`; version 1 had `hiddenDim`, RMSProp and no steps.
  const version2 = header.hidden !== undefined;
  if (version2 ? header.hiddenDim !== undefined || header.steps === undefined : header.steps !== undefined || options.optimizer.name !== 'rmsprop') {
    throw new CheckpointError('checkpoint header mixes versions: expected hidden and steps (version 2), or hiddenDim with RMSProp (version 1)');
  }
  const steps = header.steps ?? 0;
  if (!Number.isSafeInteger(epochsTrained) || (epochsTrained as number) < 0) throw new CheckpointError('checkpoint header has an invalid epochsTrained');
  if (!isWord(steps)) throw new CheckpointError('checkpoint header has an invalid optimizer step count (expected an unsigned 32-bit integer)');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every(isWord)) {
    throw new CheckpointError('checkpoint header has an invalid generator state (expected 4 unsigned 32-bit words)');
  }
  const metadata = header.metadata === undefined ? {} : header.metadata; // older checkpoints have none
  if (!isPlainObject(metadata)) throw new CheckpointError('checkpoint header has invalid metadata (expected a JSON object)');
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const expected = storedArrays(parameterRanges(autoencoderLayers(inputDim, hidden, options), options.optimizer));
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
  const model = build(inputDim, hidden, options);
  const { network, setEpochsTrained, setMetadata } = restore(model);
  for (const t of expected) network.view(t.range, t.what).set(byName.get(t.name)!.data);
  network.generator.set(rng as number[]);
  network.steps = steps as number;
  setEpochsTrained(epochsTrained as number);
  setMetadata(metadata);
  return model;
}

/** The hidden widths: version 2's `hidden` array, or version 1's single `hiddenDim`. */
function readHidden(header: Record<string, unknown>): number[] {
  const hidden = header.hidden ?? [header.hiddenDim];
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > MAX_DEPTH) {
    throw new RangeError(`hidden must be an array of 1 to ${MAX_DEPTH} layer widths`);
  }
  return Array.from({ length: hidden.length }, (_, k) => checkDimension(hidden[k], `hidden[${k}]`)); // holes too
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

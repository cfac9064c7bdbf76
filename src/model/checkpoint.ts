import { CheckpointError } from '../errors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../io/checkpoint.js';
import { checkDimension, resolveOptions, type ResolvedOptions } from './options.js';
import { storedArrays } from './parameters.js';
import type { DenseStack } from '../runtime/layout.js';

const FORMAT = 'wasm-autoencoder/autoencoder';

interface ModelShape {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly options: ResolvedOptions;
  readonly metadata: Record<string, unknown>;
}

/** The checkpoint bytes of a model: header (shape, options, generator state, epochs trained, metadata) and tensors. */
export function writeCheckpoint(model: ModelShape, stack: DenseStack, epochsTrained: number): Uint8Array<ArrayBuffer> {
  const rng = Array.from(new Uint32Array(stack.kernels.memory.buffer, stack.rngState, 4));
  const tensors = storedArrays(model.inputDim, model.hiddenDim, stack.hasMomentum()).map((t) => ({
    name: t.name,
    rows: t.rows,
    cols: t.cols,
    data: stack.view(t.layer, t.array).slice(),
  }));
  const metadata = isPlainObject(model.metadata) ? jsonCopy(model.metadata) : undefined;
  if (!isPlainObject(metadata)) throw new TypeError('metadata must be a plain object that JSON writes as one, e.g. { scale: 0.5 }');
  return encodeCheckpoint({
    header: { format: FORMAT, inputDim: model.inputDim, hiddenDim: model.hiddenDim, options: model.options, epochsTrained, rng, metadata },
    tensors,
  });
}

/**
 * Reads checkpoint bytes and checks header and tensors against each other before anything is allocated; then
 * `build` makes a model of the stored shape and options, and `restore` fills its memory.
 */
export function readCheckpoint<T>(
  bytes: Uint8Array | ArrayBuffer,
  build: (inputDim: number, hiddenDim: number, options: ResolvedOptions) => T,
  restore: (model: T) => { stack: DenseStack; setEpochsTrained(epochs: number): void; setMetadata(metadata: Record<string, unknown>): void },
): T {
  const { header, tensors } = decodeCheckpoint(bytes);
  if (header.format !== FORMAT) throw new CheckpointError(`not an autoencoder checkpoint (format ${JSON.stringify(header.format)}, expected "${FORMAT}")`);
  const inputDim = headerField(() => checkDimension(header.inputDim, 'inputDim'));
  const hiddenDim = headerField(() => checkDimension(header.hiddenDim, 'hiddenDim'));
  const options = headerField(() => resolveOptions(header.options as ResolvedOptions), 'options');
  const { epochsTrained, rng } = header;
  if (!Number.isSafeInteger(epochsTrained) || (epochsTrained as number) < 0) throw new CheckpointError('checkpoint header has an invalid epochsTrained');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw new CheckpointError('checkpoint header has an invalid generator state (expected 4 unsigned 32-bit words)');
  }
  const metadata = header.metadata === undefined ? {} : header.metadata; // older checkpoints have none
  if (!isPlainObject(metadata)) throw new CheckpointError('checkpoint header has invalid metadata (expected a JSON object)');
  const expected = storedArrays(inputDim, hiddenDim, options.optimizer.momentum !== 0);
  const byName = new Map(tensors.map((t) => [t.name, t]));
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
  const model = build(inputDim, hiddenDim, options);
  const { stack, setEpochsTrained, setMetadata } = restore(model);
  for (const t of expected) stack.view(t.layer, t.array).set(byName.get(t.name)!.data);
  new Uint32Array(stack.kernels.memory.buffer, stack.rngState, 4).set(rng as number[]);
  setEpochsTrained(epochsTrained as number);
  setMetadata(metadata);
  return model;
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

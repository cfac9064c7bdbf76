import { CheckpointError } from './errors.js';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointTensor } from './io/checkpoint.js';
import { resolveOptions, type AutoencoderOptions, type ResolvedOptions } from './options.js';
import { PARAMETERS, type ParameterName } from './parameters.js';
import type { DenseStack, LayerArray } from './runtime/layout.js';

const FORMAT = 'wasm-autoencoder/autoencoder';

interface ModelShape {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly options: ResolvedOptions;
}

// Optimizer slots are named as TF1 names them: <variable>/RMSProp (mean square), <variable>/RMSProp_1 (momentum).
function tensorsOf(stack: DenseStack): { name: string; layer: number; array: LayerArray; rows: number; cols: number }[] {
  const list = [];
  for (const name of Object.keys(PARAMETERS) as ParameterName[]) {
    const { layer, array } = PARAMETERS[name];
    const spec = stack.layers[layer]!;
    const shape = array === 'W' ? { rows: spec.inDim, cols: spec.outDim } : { rows: 1, cols: spec.outDim };
    list.push({ name, layer, array, ...shape });
    list.push({ name: `${name}/RMSProp`, layer, array: array === 'W' ? 'msW' : 'msb', ...shape } as const);
    if (stack.hasMomentum()) list.push({ name: `${name}/RMSProp_1`, layer, array: array === 'W' ? 'momW' : 'momb', ...shape } as const);
  }
  return list;
}

/** The checkpoint bytes of a model: header (shape, options, generator state, epochs trained) and tensors. */
export function writeCheckpoint(model: ModelShape, stack: DenseStack, epochsTrained: number): Uint8Array {
  const rng = Array.from(new Uint32Array(stack.kernels.memory.buffer, stack.rngState, 4));
  const tensors: CheckpointTensor[] = tensorsOf(stack).map((t) => ({
    name: t.name,
    rows: t.rows,
    cols: t.cols,
    data: stack.view(t.layer, t.array).slice(),
  }));
  return encodeCheckpoint({
    header: { format: FORMAT, inputDim: model.inputDim, hiddenDim: model.hiddenDim, options: model.options, epochsTrained, rng },
    tensors,
  });
}

/**
 * Reads checkpoint bytes: checks the header, lets `build` make a model of the stored shape and options, and
 * hands it a `restore` that fills the model's memory and returns the epochs trained.
 */
export function readCheckpoint<T>(
  bytes: Uint8Array | ArrayBuffer,
  build: (inputDim: number, hiddenDim: number, options: AutoencoderOptions, restore: (stack: DenseStack) => number) => T,
): T {
  const { header, tensors } = decodeCheckpoint(bytes);
  if (header.format !== FORMAT) throw new CheckpointError(`not an autoencoder checkpoint (format ${JSON.stringify(header.format)}, expected "${FORMAT}")`);
  const { inputDim, hiddenDim, epochsTrained, rng } = header;
  if (!isPositiveInteger(inputDim) || !isPositiveInteger(hiddenDim)) {
    throw new CheckpointError(`checkpoint header has invalid dimensions ${String(inputDim)}×${String(hiddenDim)}`);
  }
  if (!Number.isSafeInteger(epochsTrained) || (epochsTrained as number) < 0) throw new CheckpointError('checkpoint header has an invalid epochsTrained');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw new CheckpointError('checkpoint header has an invalid generator state (expected 4 unsigned 32-bit words)');
  }
  let options: AutoencoderOptions;
  try {
    options = resolveOptions(header.options as AutoencoderOptions);
  } catch (error) {
    throw new CheckpointError(`checkpoint header has invalid options: ${(error as Error).message}`);
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return build(inputDim, hiddenDim, options, (stack) => {
    const expected = tensorsOf(stack);
    for (const t of expected) {
      const stored = byName.get(t.name);
      if (!stored) throw new CheckpointError(`checkpoint has no tensor '${t.name}'`);
      if (stored.rows !== t.rows || stored.cols !== t.cols) {
        throw new CheckpointError(`checkpoint tensor '${t.name}' is ${stored.rows}×${stored.cols}, expected ${t.rows}×${t.cols}`);
      }
    }
    if (byName.size !== expected.length) {
      const known = new Set(expected.map((t) => t.name));
      const extra = [...byName.keys()].filter((n) => !known.has(n));
      throw new CheckpointError(`checkpoint has unexpected tensors: ${extra.join(', ')}`);
    }
    for (const t of expected) stack.view(t.layer, t.array).set(byName.get(t.name)!.data);
    new Uint32Array(stack.kernels.memory.buffer, stack.rngState, 4).set(rng as number[]);
    return epochsTrained as number;
  });
}

function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1 << 24;
}

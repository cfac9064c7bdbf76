// The descriptor layout and the ids of layer kinds, activations, losses, optimizers and corruptions, read from the
// module's exported globals when it loads: assembly/ defines them once, and nothing here repeats their values.
import { WasmNotReadyError } from '../errors.js';
import { KERNEL_FUNCTIONS } from './kernels.js';

/** Activations by their public names. */
export const ACTIVATION_NAMES = ['linear', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];
export const LOSS_NAMES = ['rmse', 'mse', 'bce'] as const;
export type LossName = (typeof LOSS_NAMES)[number];
export const OPTIMIZER_NAMES = ['rmsprop', 'adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export const CORRUPTION_NAMES = ['none', 'gaussian', 'mask', 'saltAndPepper'] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];

const HEADER_FIELDS = [
  'LAYERS', 'STATE', 'SCRATCH', 'GATHER', 'GATHER_T', 'WORK', 'CAPACITY', 'LOSS', 'OPTIMIZER', 'FUSED', 'LR', 'OPT_A',
  'OPT_B', 'EPSILON', 'PARAMS', 'PARAM_COUNT', 'CORRUPTION', 'CORRUPT_A', 'CORRUPT_B', 'CORRUPT_C', 'THREADS', 'SYNC', 'WORK_STRIDE',
  'PRECISION', 'ROW_SUM', 'KL_WEIGHT', 'NOISE', 'KL', 'KL_LOG',
] as const;
const LAYER_FIELDS = ['KIND', 'SOURCE', 'IN', 'OUT', 'ACT', 'PARAM', 'OUTPUT', 'PRE', 'DELTA', 'LIVE', 'SOURCE2', 'VISIT'] as const;
/** How a sampling layer gets its ε: drawn (training), given by the facade, or 0 (z = mean). */
export const NOISE_NAMES = ['draw', 'given', 'none'] as const;
export type NoiseName = (typeof NOISE_NAMES)[number];
/** How backward passes a layer's delta to a source that another layer also reads (assembly/model.ts VISIT_*). */
export const VISIT_NAMES = ['only', 'first', 'last'] as const;
export type VisitName = (typeof VISIT_NAMES)[number];
const PARAM_FIELDS = ['VALUE', 'GRAD', 'SLOT1', 'SLOT2', 'COUNT'] as const;

export type HeaderField = (typeof HEADER_FIELDS)[number];
export type LayerField = (typeof LAYER_FIELDS)[number];
export type ParamField = (typeof PARAM_FIELDS)[number];

/** What the facade knows of the module's data layout, all of it read from the module. */
export interface Abi {
  readonly header: Readonly<Record<HeaderField, number>>;
  readonly layer: Readonly<Record<LayerField, number>>;
  readonly param: Readonly<Record<ParamField, number>>;
  readonly headerWords: number;
  readonly layerWords: number;
  readonly paramWords: number;
  readonly kindDense: number;
  readonly kindSampling: number;
  readonly noise: Readonly<Record<NoiseName, number>>;
  readonly visit: Readonly<Record<VisitName, number>>;
  /** Whether this build's products can fuse each multiply-add (precision 'fast'; assembly/precision.ts). */
  readonly fusedAvailable: boolean;
  readonly activation: Readonly<Record<ActivationName, number>>;
  readonly loss: Readonly<Record<LossName, number>>;
  readonly optimizer: Readonly<Record<OptimizerName, number>>;
  readonly corruption: Readonly<Record<CorruptionName, number>>;
}

/** 'leakyRelu' → 'LEAKY_RELU': how a public name becomes the name of its global. */
function constantCase(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Reads every global the facade needs, and checks that every kernel function is there; a module that lacks one is
 * from another version of the package.
 */
export function readAbi(exports: WebAssembly.Exports): Abi {
  const missing = KERNEL_FUNCTIONS.find((name) => typeof exports[name] !== 'function');
  if (missing !== undefined) {
    throw new WasmNotReadyError(`the .wasm module exports no function '${missing}': it belongs to another version of wasm-autoencoder`);
  }
  const read = (name: string): number => {
    const global = exports[name];
    if (!(global instanceof WebAssembly.Global)) {
      throw new WasmNotReadyError(`the .wasm module exports no '${name}': it belongs to another version of wasm-autoencoder`);
    }
    return global.value as number;
  };
  const table = <N extends string>(names: readonly N[], prefix: string): Record<N, number> =>
    Object.fromEntries(names.map((name) => [name, read(prefix + constantCase(name))])) as Record<N, number>;
  return {
    header: table(HEADER_FIELDS, 'H_'),
    layer: table(LAYER_FIELDS, 'L_'),
    param: table(PARAM_FIELDS, 'P_'),
    headerWords: read('HEADER_WORDS'),
    layerWords: read('LAYER_WORDS'),
    paramWords: read('PARAM_WORDS'),
    kindDense: read('KIND_DENSE'),
    kindSampling: read('KIND_SAMPLING'),
    noise: table(NOISE_NAMES, 'NOISE_'),
    visit: table(VISIT_NAMES, 'VISIT_'),
    fusedAvailable: read('FUSED_AVAILABLE') !== 0,
    activation: table(ACTIVATION_NAMES, 'ACT_'),
    loss: table(LOSS_NAMES, 'LOSS_'),
    optimizer: table(OPTIMIZER_NAMES, 'OPT_'),
    corruption: table(CORRUPTION_NAMES, 'CORRUPT_'),
  };
}

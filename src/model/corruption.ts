import { checkData, writeRows, type Matrix, type MatrixLike } from '../matrix.js';
import type { CorruptionName } from '../runtime/abi.js';
import { getRuntime } from '../runtime/wasm.js';
import { checkKeys } from './options.js';

/**
 * How a denoising autoencoder's inputs are corrupted, each value independently: `gaussian` adds N(0, stddev²)
 * (no clipping); `mask` sets it to 0 with probability `fraction`; `saltAndPepper`, with probability `fraction`,
 * sets it to `low` (default 0) or `high` (default 1) with equal odds.
 */
export type Corruption =
  | { type: 'gaussian'; stddev: number }
  | { type: 'mask'; fraction: number }
  | { type: 'saltAndPepper'; fraction: number; low?: number; high?: number };

/** A corruption as the kernel takes it: its kind and three f32 parameters. */
export interface CorruptionSettings {
  kind: CorruptionName;
  a: number;
  b: number;
  c: number;
}

/** Checks a corruption and gives the kernel's settings; a TypeError/RangeError names what is wrong. */
export function corruptionSettings(corruption: Corruption): CorruptionSettings {
  if (typeof corruption !== 'object' || corruption === null) throw new TypeError('corruption must be an object such as { type: \'gaussian\', stddev: 0.3 }');
  switch (corruption.type) {
    case 'gaussian':
      checkKeys(corruption, ['type', 'stddev'], 'gaussian corruption options');
      if (!(corruption.stddev >= 0 && Number.isFinite(corruption.stddev))) {
        throw new RangeError(`corruption.stddev must be a finite number ≥ 0, got ${String(corruption.stddev)}`);
      }
      return { kind: 'gaussian', a: corruption.stddev, b: 0, c: 0 };
    case 'mask':
      checkKeys(corruption, ['type', 'fraction'], 'mask corruption options');
      return { kind: 'mask', a: checkFraction(corruption.fraction), b: 0, c: 0 };
    case 'saltAndPepper': {
      checkKeys(corruption, ['type', 'fraction', 'low', 'high'], 'saltAndPepper corruption options');
      const { low = 0, high = 1 } = corruption;
      for (const [name, value] of [['low', low], ['high', high]] as const) {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`corruption.${name} must be a finite number, got ${String(value)}`);
      }
      return { kind: 'saltAndPepper', a: checkFraction(corruption.fraction), b: low, c: high };
    }
    default:
      throw new RangeError(`unknown corruption type '${String((corruption as { type: unknown }).type)}': expected 'gaussian', 'mask' or 'saltAndPepper'`);
  }
}

function checkFraction(fraction: unknown): number {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) throw new RangeError(`corruption.fraction must be a number in [0, 1], got ${String(fraction)}`);
  return fraction;
}

/**
 * A corrupted copy of `data`, drawn by the same kernel that corrupts training batches, from a generator of its own
 * seeded by `seed`: the same seed gives the same corruption in every runtime. For pictures and tests.
 *
 * @example
 * ```ts
 * const noisy = corrupt(images, { type: 'gaussian', stddev: 0.3 }, 42);   // Matrix, same shape, Float32Array
 * ```
 */
export function corrupt(data: MatrixLike, corruption: Corruption, seed = 1): Matrix<Float32Array> {
  const { rows, cols } = checkData(data, undefined);
  const { kind, a, b, c } = corruptionSettings(corruption);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${String(seed)}`);
  const { kernels, arena, abi } = getRuntime();
  const n = rows * cols;
  const state = arena.alloc(16);
  let values: number | undefined;
  try {
    values = arena.alloc(n * 4);
    kernels.rng_seed(state, seed % 2 ** 32, Math.floor(seed / 2 ** 32));
    writeRows(data, 0, rows, new Float32Array(kernels.memory.buffer, values, n));
    kernels.corrupt(state, values, n, abi.corruption[kind], a, b, c);
    return { rows, cols, data: new Float32Array(kernels.memory.buffer, values, n).slice() };
  } finally {
    if (values !== undefined) arena.release(values, n * 4);
    arena.release(state, 16);
  }
}

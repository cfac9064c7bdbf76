// --threads and --precision, which every command that runs a model takes: how this process runs it, never saved
// with it.
import type { RunOptions } from 'wasm-autoencoder';
import { oneOf } from './sources.js';

export const RUN_OPTIONS = { threads: { type: 'string' }, precision: { type: 'string' } } as const;

export const RUN_HELP = `running:
  --threads N|auto       threads that share the work, 1 to 64 (default 1; auto: one per core); the same bits
                         with any number
  --precision exact|fast exact (default): the same bits on every machine; fast: fused multiply-adds where Node has
                         relaxed SIMD (Node 22 and later; Node 20 with --experimental-wasm-relaxed-simd), which
                         changes the last bits`;

/** The run options the flags give, checked. */
export function runFlags(values: { threads?: string; precision?: string }): RunOptions {
  const given = values.threads;
  const threads = given === undefined || given === 'auto' ? given : /^\s*\d+\s*$/.test(given) ? Number(given) : NaN;
  if (typeof threads === 'number' && !(threads >= 1 && threads <= 64)) throw new RangeError(`--threads must be 'auto' or an integer from 1 to 64, got '${given}'`);
  return { threads, precision: oneOf(values.precision ?? 'exact', ['exact', 'fast'] as const, '--precision') };
}

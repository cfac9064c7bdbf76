// The machine's f32x4 ceilings (bench/assembly/ceiling.ts, built here with asc): multiply then add, as the kernels
// compute, and relaxed-SIMD fused multiply-add where this Node can run it. Kernels are reported as fractions of them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = join(import.meta.dirname, 'assembly/ceiling.ts');
const ASC = join(import.meta.dirname, '../node_modules/.bin/asc');

export interface Ceilings {
  /** GFLOP/s of f32x4.mul then f32x4.add. */
  mulAdd: number;
  /** GFLOP/s of f32x4.relaxed_madd, or why it could not be measured. */
  fma: number | string;
}

export function measureCeilings(): Ceilings {
  const dir = mkdtempSync(join(tmpdir(), 'wae-ceiling-'));
  try {
    const build = (name: string, features: string[]): Uint8Array<ArrayBuffer> => {
      const out = join(dir, `${name}.wasm`);
      execFileSync(ASC, [SOURCE, '-O3', '--runtime', 'stub', ...features.flatMap((f) => ['--enable', f]), '-o', out]);
      return new Uint8Array(readFileSync(out));
    };
    const mulAdd = gflops(build('mul-add', ['simd']));
    // Node 20 runs relaxed SIMD only behind a V8 flag, which relaxed-simd-flag.ts has set.
    const fused = build('fma', ['simd', 'relaxed-simd']);
    const fma = WebAssembly.validate(fused) ? gflops(fused) : `this Node (${process.version}) does not run relaxed SIMD`;
    return { mulAdd, fma };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median rate of 7 runs of ~0.15 s each. */
function gflops(wasm: Uint8Array<ArrayBuffer>): number {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasm));
  const mulAdd = exports.mulAdd as (iterations: number) => number;
  const flops = (exports.FLOPS_PER_ITERATION as WebAssembly.Global).value as number;
  const time = (iterations: number): number => {
    const start = performance.now();
    mulAdd(iterations);
    return (performance.now() - start) / 1000;
  };
  const iterations = Math.ceil(0.15 / (time(1e6) / 1e6));
  const rates = Array.from({ length: 7 }, () => (iterations * flops) / time(iterations) / 1e9).sort((a, b) => a - b);
  return rates[3]!;
}

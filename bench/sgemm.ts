// Our side of the sgemm comparison: one kernel call on operands laid out once in the module's memory.
import { getRuntime } from '../src/runtime/wasm.js';

export interface GemmShape {
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * C = op(A)·op(B) with the product's own kernel (A stored K×M when transposeA, B stored N×K when transposeB), its
 * multiply-adds fused where `fused` and the loaded build can.
 */
export function ourSgemm(shape: GemmShape, fused = false): { run(): void; dispose(): void } {
  const { M, N, K, transposeA, transposeB } = shape;
  if (transposeA && transposeB) throw new RangeError('Aᵀ·Bᵀ is not a product backprop needs');
  const { kernels, arena } = getRuntime();
  const sizes = [M * K, K * N, M * N, kernels.workspaceFloats()].map((n) => n * 4);
  const [A, B, C, work] = sizes.map((bytes) => arena.alloc(bytes)) as [number, number, number, number];
  kernels.rng_seed(C, 1, 0); // C's first 16 bytes double as generator state until the first product overwrites them
  kernels.rng_uniform(C, A, M * K, -1, 1);
  kernels.rng_uniform(C, B, K * N, -1, 1);
  const product = transposeA
    ? () => kernels.sgemm_tn(C, N, A, M, B, N, M, N, K, false, work)
    : transposeB
      ? () => kernels.sgemm_nt(C, N, A, K, B, K, M, N, K, false, 0)
      : () => kernels.sgemm_nn(C, N, A, K, B, N, M, N, K, false, work);
  return {
    run: () => {
      kernels.set_precision(fused ? 1 : 0);
      product();
    },
    dispose: () => [A, B, C, work].forEach((offset, i) => arena.release(offset, sizes[i]!)),
  };
}

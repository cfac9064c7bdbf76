// The products' two precisions. Exact: every multiply-add is a rounded product then a rounded sum, the same bits on
// every machine. Fused: the SIMD multiply-adds are relaxed SIMD's f32x4.relaxed_madd, one rounding (or two, where
// the hardware has no FMA), so bits may differ between machines; the scalar k tails of A·Bᵀ's dot products stay exact. Only builds compiled with
// relaxed SIMD have it (others run Exact for Fused). The precision set lasts until the next set_precision: the
// training entry points set it each call, and callers of the exported products set it themselves.
// Kernels are generic over the marker type P; the entry points pick Exact or Fused once per call.

export class Exact {}
export class Fused {}

/** Whether this build has fused products (asconfig's relaxed targets). */
export const FUSED_AVAILABLE: bool = ASC_FEATURE_RELAXED_SIMD;

/** acc + a·b, rounded as P says. */
@inline export function madd<P>(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD && idof<P>() == idof<Fused>()) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// This instance's precision for the products (each worker of a pool has its own). The training entry points set it
// from the model's H_PRECISION word before any product.
let fusedProducts = false;

/** Products from now on: fused (where the build has it) when `fused` is non-zero, else exact. */
export function set_precision(fused: i32): void {
  fusedProducts = FUSED_AVAILABLE && fused != 0;
}

/** Whether products now use Fused. */
@inline export function fused(): bool {
  return fusedProducts;
}

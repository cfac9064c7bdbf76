// Corruption of a denoising autoencoder's inputs, drawn from the model's generator: each of n contiguous f32 at X
// is corrupted independently, in place, in index order (so a batch's corruption depends only on the state).
//   GAUSSIAN       x += stddev·N(0, 1)                                 (a = stddev; no clipping)
//   MASK           x = 0 with probability a                            (a = fraction)
//   SALT_PEPPER    with probability a, x = b or c with equal odds      (a = fraction, b = low, c = high)

import { rng_next } from "./rng";
import { unknownKind } from "./model";

export const CORRUPT_NONE: i32 = 0;
export const CORRUPT_GAUSSIAN: i32 = 1;
export const CORRUPT_MASK: i32 = 2;
export const CORRUPT_SALT_AND_PEPPER: i32 = 3;

/** Corrupts n f32 at X in place with the generator at `state`. */
export function corrupt(state: usize, X: usize, n: i32, kind: i32, a: f32, b: f32, c: f32): void {
  if (kind == CORRUPT_NONE) return;
  if (kind == CORRUPT_GAUSSIAN) gaussian(state, X, n, a);
  else if (kind == CORRUPT_MASK) {
    for (let i = 0; i < n; i++) if (below(rng_next(state), a)) store<f32>(X + (<usize>i << 2), 0);
  } else if (kind == CORRUPT_SALT_AND_PEPPER) {
    for (let i = 0; i < n; i++) {
      const bits = rng_next(state);
      if (below(bits, a)) store<f32>(X + (<usize>i << 2), bits & 1 ? c : b);
    }
  } else unknownKind();
}

/** Whether the top 24 bits of `bits`, as a uniform number in [0, 1), fall below p (exact in f32). */
@inline function below(bits: u32, p: f32): bool {
  return <f32>(bits >>> 8) * 5.96046448e-8 < p;
}

// Box–Muller in f64 from two 32-bit draws, two values per pair of draws.
function gaussian(state: usize, X: usize, n: i32, stddev: f32): void {
  for (let i = 0; i < n; i += 2) {
    const u1 = (<f64>rng_next(state) + 1.0) * 2.3283064365386963e-10; // (0, 1]: log never sees 0
    const u2 = <f64>rng_next(state) * 2.3283064365386963e-10;
    const radius = <f64>stddev * Math.sqrt(-2.0 * Math.log(u1));
    const angle = 2.0 * Math.PI * u2;
    const p = X + (<usize>i << 2);
    store<f32>(p, <f32>(<f64>load<f32>(p) + radius * Math.cos(angle)));
    if (i + 1 < n) store<f32>(p + 4, <f32>(<f64>load<f32>(p + 4) + radius * Math.sin(angle)));
  }
}

// Whether values are finite: the facade's check of the parameters after each epoch (in JavaScript, a
// TypedArray's every(Number.isFinite) over 600,000 weights cost as much as a fifth of a training step).

/** 1 when each of the n f32 at p is finite (neither ±∞ nor NaN), else 0. */
export function all_finite(p: usize, n: i32): i32 {
  // x − x is 0 for a finite x and NaN otherwise; NaN ≠ NaN clears the lane's bits in the running mask.
  let mask = i32x4.splat(-1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const d = f32x4.sub(v, v);
    mask = v128.and(mask, f32x4.eq(d, d));
  }
  let finite = v128.all_true<i32>(mask);
  for (; i < n; i++) finite = finite && isFinite(load<f32>(p + (<usize>i << 2)));
  return finite ? 1 : 0;
}

// Element-wise activations over n contiguous f32 (in place allowed: y may equal x).
// Backward kernels take the activation's output y and scale the incoming gradient d in place: d *= f'(y).

import { unknownKind } from "./model";

export const LINEAR: i32 = 0;
export const TANH: i32 = 1;
export const SIGMOID: i32 = 2;
export const RELU: i32 = 3;
export const LEAKY_RELU: i32 = 4; // slope 0.01 below 0
export const ELU: i32 = 5;        // α = 1: e^x − 1 below 0
export const ACTIVATION_COUNT: i32 = 6;

const LEAK: f32 = 0.01;

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375; // ln 2 split in two so that n·LN2_HI is exact (Cody–Waite)
const LN2_LO: f32 = -2.12194440e-4;
// exp overflows f32 past 88.7; sigmoid and tanh are already 0 or 1 in f32 long before ±87.
const EXP_LIMIT: f32 = 87.0;

/** e^x for each lane, |error| ≲ 2 ulp on [-87, 87]; inputs outside are clamped (finite for any finite x). */
@inline export function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-EXP_LIMIT)), f32x4.splat(EXP_LIMIT));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  // Taylor series of e^r to r^7 on |r| ≤ ln2/2: truncation error < 6e-9 relative.
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  // 2^n built in the exponent bits; n ∈ [-126, 126] after the clamp, so it is always a normal float.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

@inline export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(x))));
}

// tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)): no cancellation for large |x|, absolute error < 3e-7 near 0.
// Below |x| = 2⁻¹², tanh(x) = x to within x³/3 < 2e-12, and the formula would round tiny codes to steps of 6e-8.
@inline function tanh4(x: v128): v128 {
  const one = f32x4.splat(1);
  const e = expf4(f32x4.add(f32x4.abs(x), f32x4.abs(x)));
  const t = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(e, one)));
  const signed = v128.or(t, v128.and(x, i32x4.splat(0x80000000))); // copy the sign of x
  return v128.bitselect(x, signed, f32x4.lt(f32x4.abs(x), f32x4.splat(0.000244140625)));
}

@inline function relu4(x: v128): v128 {
  return f32x4.max(x, f32x4.splat(0));
}

@inline function leakyRelu4(x: v128): v128 {
  return f32x4.max(x, f32x4.mul(x, f32x4.splat(LEAK))); // x ≥ 0.01·x exactly when x ≥ 0
}

@inline function elu4(x: v128): v128 {
  return v128.bitselect(x, f32x4.sub(expf4(x), f32x4.splat(1)), f32x4.gt(x, f32x4.splat(0)));
}

@inline function apply4(kind: i32, x: v128): v128 {
  if (kind == TANH) return tanh4(x);
  if (kind == SIGMOID) return sigmoid4(x);
  if (kind == RELU) return relu4(x);
  if (kind == LEAKY_RELU) return leakyRelu4(x);
  return elu4(x);
}

/** Whether this module knows the activation kind (LINEAR included). */
@inline function known(kind: i32): bool {
  return kind >= LINEAR && kind < ACTIVATION_COUNT;
}

/** y[i] = f(x[i]) for i < n, f chosen by kind (LINEAR copies); an unknown kind traps. */
export function activation_forward(kind: i32, y: usize, x: usize, n: i32): void {
  if (!known(kind)) unknownKind();
  if (kind == LINEAR) {
    if (y != x) memory.copy(y, x, <usize>n << 2);
    return;
  }
  if (kind == TANH) forwardAll(TANH, y, x, n);
  else if (kind == SIGMOID) forwardAll(SIGMOID, y, x, n);
  else if (kind == RELU) forwardAll(RELU, y, x, n);
  else if (kind == LEAKY_RELU) forwardAll(LEAKY_RELU, y, x, n);
  else forwardAll(ELU, y, x, n);
}

// Inlined once per kind (kind is a constant at each call), so the loop body has no branch on it.
@inline function forwardAll(kind: i32, y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), apply4(kind, v128.load(x + (<usize>i << 2))));
  // Scalar tails go through one lane of the vector code so that tail and body give identical bits.
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(apply4(kind, f32x4.splat(load<f32>(x + (<usize>i << 2)))), 0));
}

@inline function derivative4(kind: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == TANH) return f32x4.sub(one, f32x4.mul(y, y));
  if (kind == SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  const positive = f32x4.gt(y, f32x4.splat(0));
  if (kind == RELU) return v128.and(one, positive); // 1 where y > 0
  if (kind == LEAKY_RELU) return v128.bitselect(one, f32x4.splat(LEAK), positive);
  return v128.bitselect(one, f32x4.add(y, one), positive); // elu: e^x = y + 1 below 0
}

/** d[i] *= f'(y[i]) for i < n, where y = f(x) is the forward output; an unknown kind traps. */
export function activation_backward(kind: i32, d: usize, y: usize, n: i32): void {
  if (!known(kind)) unknownKind();
  if (kind == LINEAR) return;
  let i = 0;
  if (kind == TANH) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, TANH);
  } else if (kind == SIGMOID) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, SIGMOID);
  } else if (kind == RELU) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, RELU);
  } else if (kind == LEAKY_RELU) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, LEAKY_RELU);
  } else {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, ELU);
  }
  for (; i < n; i++) {
    const p = d + (<usize>i << 2);
    const f = f32x4.extract_lane(derivative4(kind, f32x4.splat(load<f32>(y + (<usize>i << 2)))), 0);
    store<f32>(p, load<f32>(p) * f);
  }
}

@inline function scaleBy(d: usize, y: usize, i: i32, kind: i32): void {
  const p = d + (<usize>i << 2);
  v128.store(p, f32x4.mul(v128.load(p), derivative4(kind, v128.load(y + (<usize>i << 2)))));
}

/**
 * flags[c] = whether unit c (column c of the rows×cols outputs y) has a non-zero derivative f'(y) on any row,
 * as i32 (−1 or 0); for LINEAR every unit is live. Gradients through the other units are exactly zero.
 */
export function live_units(kind: i32, flags: usize, y: usize, rows: i32, cols: i32): void {
  live_columns(kind, flags, y, cols, rows, cols);
}

/** live_units for `cols` columns of a block with leading dimension ld (a thread's share of a layer's units). */
export function live_columns(kind: i32, flags: usize, y: usize, ld: i32, rows: i32, cols: i32): void {
  if (!known(kind)) unknownKind();
  const all = kind == LINEAR ? -1 : 0;
  for (let c = 0; c < cols; c++) store<i32>(flags + (<usize>c << 2), all);
  if (kind == LINEAR) return;
  for (let r = 0; r < rows; r++) {
    const row = y + (<usize>(r * ld) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const p = flags + (<usize>c << 2);
      const d = derivative4(kind, v128.load(row + (<usize>c << 2)));
      v128.store(p, v128.or(v128.load(p), f32x4.ne(d, f32x4.splat(0))));
    }
    for (; c < cols; c++) {
      const d = f32x4.extract_lane(derivative4(kind, f32x4.splat(load<f32>(row + (<usize>c << 2)))), 0);
      if (d != 0) store<i32>(flags + (<usize>c << 2), -1);
    }
  }
}

// Element-wise activations over n contiguous f32 (in place allowed: y may equal x).
// Backward kernels take the activation's output y and scale the incoming gradient d in place: d *= f'(y).

export const LINEAR: i32 = 0;
export const TANH: i32 = 1;
export const SIGMOID: i32 = 2;
export const RELU: i32 = 3;

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375; // ln 2 split in two so that n·LN2_HI is exact (Cody–Waite)
const LN2_LO: f32 = -2.12194440e-4;
// exp overflows f32 past 88.7; sigmoid and tanh are already 0 or 1 in f32 long before ±87.
const EXP_LIMIT: f32 = 87.0;

/** e^x for each lane, |error| ≲ 2 ulp on [-87, 87]; inputs outside are clamped (finite for any finite x). */
@inline function expf4(x: v128): v128 {
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

@inline function sigmoid4(x: v128): v128 {
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

// Scalar tails go through one lane of the vector code so that tail and body give identical bits.
@inline function lane(x: f32, kind: i32): f32 {
  const v = f32x4.splat(x);
  if (kind == TANH) return f32x4.extract_lane(tanh4(v), 0);
  if (kind == SIGMOID) return f32x4.extract_lane(sigmoid4(v), 0);
  return f32x4.extract_lane(relu4(v), 0);
}

/** y[i] = f(x[i]) for i < n, f chosen by kind (LINEAR copies). */
export function activation_forward(kind: i32, y: usize, x: usize, n: i32): void {
  if (kind == LINEAR) {
    if (y != x) memory.copy(y, x, <usize>n << 2);
    return;
  }
  let i = 0;
  if (kind == TANH) {
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  } else if (kind == SIGMOID) {
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
  } else {
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), relu4(v128.load(x + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), lane(load<f32>(x + (<usize>i << 2)), kind));
}

@inline function derivative4(kind: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == TANH) return f32x4.sub(one, f32x4.mul(y, y));
  if (kind == SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  return v128.and(one, f32x4.gt(y, f32x4.splat(0))); // relu: 1 where y > 0
}

/** d[i] *= f'(y[i]) for i < n, where y = f(x) is the forward output. */
export function activation_backward(kind: i32, d: usize, y: usize, n: i32): void {
  if (kind == LINEAR) return;
  let i = 0;
  if (kind == TANH) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, TANH);
  } else if (kind == SIGMOID) {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, SIGMOID);
  } else {
    for (; i + 4 <= n; i += 4) scaleBy(d, y, i, RELU);
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
  const all = kind == LINEAR ? -1 : 0;
  for (let c = 0; c < cols; c++) store<i32>(flags + (<usize>c << 2), all);
  if (kind == LINEAR) return;
  for (let r = 0; r < rows; r++) {
    const row = y + (<usize>(r * cols) << 2);
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

// The machine's own f32x4 arithmetic ceiling, for `npm run bench` to measure kernels against: CHAINS independent
// multiply-add chains kept in registers (acc = acc·m + c), no memory traffic. Built twice by bench/ceiling.ts: with
// mul then add (what the kernels use), and with relaxed-SIMD fused multiply-add.

// 12 chains (14 registers with m and c) measured faster than 10; x86 has 16 vector registers, so more would spill.
const CHAINS = 12;

/** Runs `iterations` rounds of CHAINS multiply-adds of 4 lanes; returns a lane of the sum so nothing is optimized away. */
export function mulAdd(iterations: i32): f32 {
  const m = f32x4.splat(0.999999);
  const c = f32x4.splat(1e-7);
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3), a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7), a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9);
  let a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < iterations; i++) {
    a0 = step(a0, m, c); a1 = step(a1, m, c); a2 = step(a2, m, c); a3 = step(a3, m, c); a4 = step(a4, m, c);
    a5 = step(a5, m, c); a6 = step(a6, m, c); a7 = step(a7, m, c); a8 = step(a8, m, c); a9 = step(a9, m, c);
    a10 = step(a10, m, c); a11 = step(a11, m, c);
  }
  const sum = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(f32x4.add(a6, a7), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)))));
  return f32x4.extract_lane(sum, 0);
}

/** Flops per iteration of mulAdd: CHAINS chains × 4 lanes × 2. */
export const FLOPS_PER_ITERATION: i32 = CHAINS * 8;

// @ts-ignore: decorator
@inline function step(acc: v128, m: v128, c: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? f32x4.relaxed_madd(acc, m, c) : f32x4.add(f32x4.mul(acc, m), c);
}

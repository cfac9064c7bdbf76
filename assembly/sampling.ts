// The sampling layer of a variational autoencoder: z = mean + exp(logVar/2)·ε, with its KL term against N(0, I).
// Forward and backward side by side, outputs first, then inputs, then sizes. mean, logVar, z, ε and their deltas
// are (rows, d) row-major and packed, so each kernel walks n = rows·d contiguous f32.
//   KL of a row = −½ Σⱼ (1 + logVarⱼ − meanⱼ² − exp(logVarⱼ))
//   dz/dmean = 1, dz/dlogVar = ½·exp(logVar/2)·ε, dKL/dmean = mean, dKL/dlogVar = ½·(exp(logVar) − 1)

import { expf4 } from "./activations";
import { rng_normal } from "./rng";

/** H_NOISE: ε is drawn from the generator (training). */
export const NOISE_DRAW: i32 = 0;
/** H_NOISE: ε is what the ε buffer holds (the facade wrote it: gradients for a given noise). */
export const NOISE_GIVEN: i32 = 1;
/** H_NOISE: ε = 0, so z = mean (evaluation: deterministic). */
export const NOISE_NONE: i32 = 2;

/**
 * z = mean + exp(logVar/2)·ε over n values. ε (n f32) is drawn from the generator at `state`, kept, or set to 0,
 * as `noise` says (NOISE_*).
 */
export function sampling_forward(z: usize, eps: usize, mean: usize, logVar: usize, n: i32, noise: i32, state: usize): void {
  if (noise == NOISE_DRAW) rng_normal(state, eps, n, 0, 1);
  else if (noise == NOISE_NONE) memory.fill(eps, 0, <usize>n << 2);
  const half = f32x4.splat(0.5);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const s = expf4(f32x4.mul(v128.load(logVar + o), half));
    v128.store(z + o, f32x4.add(v128.load(mean + o), f32x4.mul(s, v128.load(eps + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const s = f32x4.extract_lane(expf4(f32x4.splat(load<f32>(logVar + o) * 0.5)), 0);
    store<f32>(z + o, load<f32>(mean + o) + s * load<f32>(eps + o));
  }
}

/**
 * The heads' deltas from dL/dz over n values: dMean = dz + c·mean, dLogVar = dz·½·exp(logVar/2)·ε + c·½·(exp(logVar) − 1),
 * where c = β/rows is the KL term's weight in the loss (a mean over rows).
 */
export function sampling_backward(dMean: usize, dLogVar: usize, dz: usize, mean: usize, logVar: usize, eps: usize, n: i32, c: f32): void {
  const half = f32x4.splat(0.5), halfC = f32x4.splat(0.5 * c), vc = f32x4.splat(c), one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(dz + o), s = expf4(f32x4.mul(v128.load(logVar + o), half));
    v128.store(dMean + o, f32x4.add(g, f32x4.mul(vc, v128.load(mean + o))));
    const fromZ = f32x4.mul(f32x4.mul(g, half), f32x4.mul(s, v128.load(eps + o)));
    v128.store(dLogVar + o, f32x4.add(fromZ, f32x4.mul(halfC, f32x4.sub(f32x4.mul(s, s), one))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dz + o), s = f32x4.extract_lane(expf4(f32x4.splat(load<f32>(logVar + o) * 0.5)), 0);
    store<f32>(dMean + o, g + c * load<f32>(mean + o));
    store<f32>(dLogVar + o, g * 0.5 * (s * load<f32>(eps + o)) + 0.5 * c * (s * s - 1));
  }
}

/** Σ over n values of −½·(1 + logVar − mean² − exp(logVar)): the KL terms of rows·d values, in f64. */
export function kl_sum(mean: usize, logVar: usize, n: i32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m = <f64>load<f32>(mean + o), lv = <f64>load<f32>(logVar + o);
    total += -0.5 * (1.0 + lv - m * m - Math.exp(lv));
  }
  return total;
}

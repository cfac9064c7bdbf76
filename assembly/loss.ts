// The loss stage: a batch's output Y (and pre-activation Z) against its target T, n contiguous f32 (rows×cols
// packed). Each loss gives its value and dL/dZ, the gradient with respect to the output layer's pre-activation.
//   RMSE  L = sqrt(Σ (y − t)² / n)                                  (the chapter's)
//   MSE   L = Σ (y − t)² / n
//   BCE   L = Σ [max(z, 0) − z·t + log(1 + e^−|z|)] / n, y = σ(z)    (from z: stable where σ saturates)

import { activation_backward, SIGMOID, sigmoid4 } from "./activations";
import { unknownKind } from "./model";

export const LOSS_RMSE: i32 = 0;
export const LOSS_MSE: i32 = 1;
export const LOSS_BCE: i32 = 2;

/**
 * The loss of n values (a batch of rows) and dL/dZ into dZ. For RMSE and MSE, Y is the output of activation
 * `act` and Z is not read; BCE reads only Z and T and needs `act` = SIGMOID. Returns L in f64.
 */
export function loss_grad(kind: i32, act: i32, dZ: usize, Y: usize, Z: usize, T: usize, n: i32): f64 {
  const loss = loss_value(kind, loss_sum(kind, Y, Z, T, n), <f64>n);
  loss_grad_part(kind, act, dZ, Y, Z, T, n, loss, 0, n);
  return reportedLoss(kind, loss);
}

/** A batch's loss as the loss stage hands it out: RMSE's as f32 (as rmse_loss_grad gives it; its f64 root only scales the gradient). */
export function reportedLoss(kind: i32, loss: f64): f64 {
  return kind == LOSS_RMSE ? <f64><f32>loss : loss;
}

/**
 * dL/dZ for values e0..e1 of a batch of n whose loss is L (loss_value of loss_sum, in f64): loss_grad's work after
 * the sum, for a thread's share. e0 a multiple of 4, so vector bodies and scalar tails fall as they do for 0..n.
 */
export function loss_grad_part(kind: i32, act: i32, dZ: usize, Y: usize, Z: usize, T: usize, n: i32, loss: f64, e0: i32, e1: i32): void {
  if (e0 >= e1) return;
  const o = <usize>e0 << 2, m = e1 - e0;
  if (kind == LOSS_RMSE) rmseGrad(dZ + o, Y + o, T + o, m, n, loss);
  else if (kind == LOSS_MSE) mseGrad(dZ + o, Y + o, T + o, m, n);
  else if (kind == LOSS_BCE && act == SIGMOID) {
    bceGrad(dZ + o, Z + o, T + o, m, n);
    return;
  } else {
    unknownKind();
    return;
  }
  activation_backward(act, dZ + o, Y + o, m);
}

/** The sum over n values of each value's loss term ((y − t)², or BCE's from z), in f64. */
export function loss_sum(kind: i32, Y: usize, Z: usize, T: usize, n: i32): f64 {
  if (kind == LOSS_RMSE || kind == LOSS_MSE) return sum_squared_error(Y, T, n);
  if (kind == LOSS_BCE) return bceSum(Z, T, n);
  unknownKind();
  return 0;
}

/** The loss of `count` values from the sum of their terms (loss_sum): the one place each loss's formula ends. */
export function loss_value(kind: i32, sum: f64, count: f64): f64 {
  if (kind == LOSS_RMSE) return Math.sqrt(sum / count);
  if (kind == LOSS_MSE || kind == LOSS_BCE) return sum / count;
  unknownKind();
  return 0;
}

/** Σ (y − x)² in f64 (the f32 differences are squared and summed in double precision). */
export function sum_squared_error(Y: usize, X: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(Y + o), v128.load(X + o));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const d = <f64>(load<f32>(Y + (<usize>i << 2)) - load<f32>(X + (<usize>i << 2)));
    total += d * d;
  }
  return total;
}

/** dL/dy = 2(y − t)/n for m values of a batch of n. */
function mseGrad(dY: usize, Y: usize, T: usize, m: i32, n: i32): void {
  const k = f32x4.splat(<f32>(2.0 / <f64>n));
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o = <usize>i << 2;
    v128.store(dY + o, f32x4.mul(f32x4.sub(v128.load(Y + o), v128.load(T + o)), k));
  }
  for (; i < m; i++) {
    const o = <usize>i << 2;
    store<f32>(dY + o, f32x4.extract_lane(f32x4.mul(f32x4.splat(load<f32>(Y + o) - load<f32>(T + o)), k), 0));
  }
}

/** BCE's term for one value, from its pre-activation z, in f64. */
@inline function bceTerm(z: f64, t: f64): f64 {
  return Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
}

function bceSum(Z: usize, T: usize, n: i32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) total += bceTerm(<f64>load<f32>(Z + (<usize>i << 2)), <f64>load<f32>(T + (<usize>i << 2)));
  return total;
}

/** dL/dz = (σ(z) − t)/n for m values of a batch of n. */
function bceGrad(dZ: usize, Z: usize, T: usize, m: i32, n: i32): void {
  const k = f32x4.splat(<f32>(1.0 / <f64>n));
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o = <usize>i << 2;
    v128.store(dZ + o, f32x4.mul(f32x4.sub(sigmoid4(v128.load(Z + o)), v128.load(T + o)), k));
  }
  for (; i < m; i++) {
    const o = <usize>i << 2;
    const y = sigmoid4(f32x4.splat(load<f32>(Z + o)));
    store<f32>(dZ + o, f32x4.extract_lane(f32x4.mul(f32x4.sub(y, f32x4.splat(load<f32>(T + o))), k), 0));
  }
}

/**
 * L = sqrt(mean((y − x)²)) over n values; writes dL/dy = (y − x) / (n·L) into dY (0 where L = 0). Returns L.
 */
export function rmse_loss_grad(dY: usize, Y: usize, X: usize, n: i32): f32 {
  const loss = Math.sqrt(sum_squared_error(Y, X, n) / <f64>n);
  rmseGrad(dY, Y, X, n, n, loss);
  return <f32>loss;
}

/** dL/dy = (y − x)/(n·L) for m values of a batch of n whose RMSE is L (0 where L = 0). */
function rmseGrad(dY: usize, Y: usize, X: usize, m: i32, n: i32, loss: f64): void {
  if (loss > 0 && <f64>n * loss < 1e-30) {
    // A near-perfect fit: 1/(n·L) would overflow f32, but each (y − x)/(n·L) is at most 1/√n, so compute it in f64.
    for (let i = 0; i < m; i++) {
      const o = <usize>i << 2;
      store<f32>(dY + o, <f32>((<f64>load<f32>(Y + o) - <f64>load<f32>(X + o)) / (<f64>n * loss)));
    }
    return;
  }
  const scale: f32 = loss > 0 ? <f32>(1.0 / (<f64>n * loss)) : 0;
  const k = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o = <usize>i << 2;
    v128.store(dY + o, f32x4.mul(f32x4.sub(v128.load(Y + o), v128.load(X + o)), k));
  }
  for (; i < m; i++) {
    const o = <usize>i << 2;
    store<f32>(dY + o, (load<f32>(Y + o) - load<f32>(X + o)) * scale);
  }
}

// Root-mean-square reconstruction error over n contiguous f32 (a whole batch, rows×cols packed).

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

/**
 * L = sqrt(mean((y − x)²)) over n values; writes dL/dy = (y − x) / (n·L) into dY (0 where L = 0). Returns L.
 */
export function rmse_loss_grad(dY: usize, Y: usize, X: usize, n: i32): f32 {
  const loss = Math.sqrt(sum_squared_error(Y, X, n) / <f64>n);
  if (loss > 0 && <f64>n * loss < 1e-30) return tinyLossGrad(dY, Y, X, n, loss);
  const scale: f32 = loss > 0 ? <f32>(1.0 / (<f64>n * loss)) : 0;
  const k = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dY + o, f32x4.mul(f32x4.sub(v128.load(Y + o), v128.load(X + o)), k));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dY + o, (load<f32>(Y + o) - load<f32>(X + o)) * scale);
  }
  return <f32>loss;
}

// A near-perfect fit: 1/(n·L) would overflow f32, but each (y − x)/(n·L) is at most 1/√n, so compute it in f64.
function tinyLossGrad(dY: usize, Y: usize, X: usize, n: i32, loss: f64): f32 {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dY + o, <f32>((<f64>load<f32>(Y + o) - <f64>load<f32>(X + o)) / (<f64>n * loss)));
  }
  return <f32>loss;
}

// RMSProp as TensorFlow 1's ApplyRMSProp computes it, per parameter w with gradient g:
//   ms  += (g² − ms)·(1 − ρ)          (= ρ·ms + (1 − ρ)·g²; TF1 starts ms at 1)
//   step = lr·g / sqrt(ms + ε)
//   mom  = momentum·mom + step; w −= mom   (no momentum slot, MOM = 0: w −= step)
// Mean squares far below ε are stored as 0: sqrt(ms + ε) is then bit-identical, and the slot never decays
// into denormals, which wasm cannot flush and which cost ~100× per operation.

import { anyLive, packRows, packStrips, tile4x8, tile4x4, tile1x4, tile1x1 } from "./gemm_block";
import { Exact, Fused, fused } from "./precision";

// ms below ε·2⁻⁶⁰ cannot change ms + ε in f32 (ε's own ulp is 2⁻²³ of it).
const FLUSH_BELOW: f32 = 8.67361738e-19;

// Every kernel splats its hyperparameters once into v128 values passed down as H: lr, 1 − ρ, ε, the flush
// floor ε·2⁻⁶⁰ and momentum (a wasm function can take v128 arguments, so nothing is re-splatted per vector).

@inline function update4(pw: usize, pms: usize, pmom: usize, g: v128, lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128): void {
  let ms = v128.load(pms);
  ms = f32x4.add(ms, f32x4.mul(f32x4.sub(f32x4.mul(g, g), ms), keep));
  ms = v128.and(ms, f32x4.ge(ms, floor));
  v128.store(pms, ms);
  let step = f32x4.div(f32x4.mul(g, lr), f32x4.sqrt(f32x4.add(ms, eps)));
  if (pmom != 0) {
    step = f32x4.add(f32x4.mul(v128.load(pmom), momentum), step);
    v128.store(pmom, step);
  }
  v128.store(pw, f32x4.sub(v128.load(pw), step));
}

// The mean-square update of update4 for g = 0 (same operations, so the same bits).
@inline function decayed(ms: v128, keep: v128, floor: v128): v128 {
  ms = f32x4.add(ms, f32x4.mul(f32x4.sub(f32x4.splat(0), ms), keep));
  return v128.and(ms, f32x4.ge(ms, floor));
}

@inline function decay4(pms: usize, keep: v128, floor: v128): void {
  v128.store(pms, decayed(v128.load(pms), keep, floor));
}

// One parameter through lane 0 of the vector code, so that tails give the same bits as the body.
@inline function update1(pw: usize, pms: usize, pmom: usize, g: f32, lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128): void {
  let ms = v128.load32_splat(pms);
  ms = f32x4.add(ms, f32x4.mul(f32x4.sub(f32x4.splat(g * g), ms), keep));
  ms = v128.and(ms, f32x4.ge(ms, floor));
  store<f32>(pms, f32x4.extract_lane(ms, 0));
  let step = f32x4.extract_lane(f32x4.div(f32x4.mul(f32x4.splat(g), lr), f32x4.sqrt(f32x4.add(ms, eps))), 0);
  if (pmom != 0) {
    step = load<f32>(pmom) * f32x4.extract_lane(momentum, 0) + step;
    store<f32>(pmom, step);
  }
  store<f32>(pw, load<f32>(pw) - step);
}

/** RMSProp over n contiguous parameters W with gradients G, mean squares MS and (if MOM ≠ 0) momentum MOM. */
export function rmsprop(W: usize, MS: usize, MOM: usize, G: usize, n: i32, lr: f32, rho: f32, momentum: f32, eps: f32): void {
  const vlr = f32x4.splat(lr), keep = f32x4.splat(1 - rho), veps = f32x4.splat(eps);
  const floor = f32x4.splat(eps * FLUSH_BELOW), vmom = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    update4(W + o, MS + o, MOM ? MOM + o : 0, v128.load(G + o), vlr, keep, veps, floor, vmom);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    update1(W + o, MS + o, MOM ? MOM + o : 0, load<f32>(G + o), vlr, keep, veps, floor, vmom);
  }
}

/**
 * RMSProp on W (M×N, ld N; MS and MOM alike) with the gradient Aᵀ·D computed tile by tile and never stored:
 * A is K×M (lda), D is K×N (ldd). scratch: 32 f32; work: 0, or K·8 f32 into which the operand with rows far
 * apart is packed (see gemm_block.ts). Both are owned by the caller, one per thread. live: 0, or N i32 flags
 * (live_units); the product is skipped for blocks of columns of D whose flags are all 0 (D is zero there).
 */
export function rmsprop_tn(
  W: usize, MS: usize, MOM: usize, A: usize, lda: i32, D: usize, ldd: i32,
  M: i32, N: i32, K: i32, scratch: usize, work: usize, live: usize, lr: f32, rho: f32, momentum: f32, eps: f32,
): void {
  const vlr = f32x4.splat(lr), keep = f32x4.splat(1 - rho), veps = f32x4.splat(eps);
  const floor = f32x4.splat(eps * FLUSH_BELOW), vmom = f32x4.splat(momentum);
  if (K == 1) {
    outerUpdate(W, MS, MOM, A, D, M, N, vlr, keep, veps, floor, vmom);
    return;
  }
  if (MOM == 0 && allZero(D, ldd, K, N)) {
    // A zero gradient (every unit saturated) leaves W as it is: only the mean squares decay.
    decayAll(MS, M * N, keep, floor);
    return;
  }
  if (fused()) productUpdate<Fused>(W, MS, MOM, A, lda, D, ldd, M, N, K, scratch, work, live, vlr, keep, veps, floor, vmom);
  else productUpdate<Exact>(W, MS, MOM, A, lda, D, ldd, M, N, K, scratch, work, live, vlr, keep, veps, floor, vmom);
}

/** rmsprop_tn's product and update, tile by tile, in precision P. */
function productUpdate<P>(
  W: usize, MS: usize, MOM: usize, A: usize, lda: i32, D: usize, ldd: i32, M: i32, N: i32, K: i32,
  scratch: usize, work: usize, live: usize, vlr: v128, keep: v128, veps: v128, floor: v128, vmom: v128,
): void {
  const M4 = M & ~3;
  if (work != 0 && ldd > lda && M4 >= 8 && K >= 64) {
    // D's rows are the far-apart ones, and too many (K) to share the 12 ways of an L1 set: pack each 8-column
    // panel of D once and reuse it for every row block. Measured: below K ≈ 64 the row-block order wins.
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const dead = !anyLive(live, j, 8);
      if (!dead) packStrips(work, D + (<usize>j << 2), ldd, K, 1);
      for (let i = 0; i < M4; i += 4) {
        if (!dead) tile4x8<P>(scratch, 8, A + (<usize>i << 2), 1, lda, work, 8, K, false);
        updateTile(W, MS, MOM, N, i, j, 2, scratch, 8, dead, vlr, keep, veps, floor, vmom);
      }
    }
    for (let i = 0; i < M4; i += 4) updateColumnTail<P>(W, MS, MOM, A + (<usize>i << 2), 1, lda, D, ldd, i, j, N, K, scratch, live, vlr, keep, veps, floor, vmom);
  } else {
    // A's rows are the far-apart ones (or no workspace): pack each 4-row panel of Aᵀ once per row block.
    for (let i = 0; i < M4; i += 4) {
      let a = A + (<usize>i << 2), sak = lda;
      if (work != 0) {
        packRows(work, a, 1, lda, 4, K);
        a = work;
        sak = 4;
      }
      let j = 0;
      for (; j + 8 <= N; j += 8) {
        const dead = !anyLive(live, j, 8);
        if (!dead) tile4x8<P>(scratch, 8, a, 1, sak, D + (<usize>j << 2), ldd, K, false);
        updateTile(W, MS, MOM, N, i, j, 2, scratch, 8, dead, vlr, keep, veps, floor, vmom);
      }
      updateColumnTail<P>(W, MS, MOM, a, 1, sak, D, ldd, i, j, N, K, scratch, live, vlr, keep, veps, floor, vmom);
    }
  }
  for (let i = M4; i < M; i++) updateRowTail<P>(W, MS, MOM, A + (<usize>i << 2), lda, D, ldd, i, 0, N, K, scratch, vlr, keep, veps, floor, vmom);
}

/** Columns j0..N (fewer than 8) of rows i..i+4: a 4×4 tile, then single-row pieces; a is row i of op(A). */
function updateColumnTail<P>(
  W: usize, MS: usize, MOM: usize, a: usize, sai: i32, sak: i32, D: usize, ldd: i32,
  i: i32, j0: i32, N: i32, K: i32, scratch: usize, live: usize, lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128,
): void {
  let j = j0;
  if (j + 4 <= N) {
    const dead = !anyLive(live, j, 4);
    if (!dead) tile4x4<P>(scratch, 4, a, sai, sak, D + (<usize>j << 2), ldd, K, false);
    updateTile(W, MS, MOM, N, i, j, 1, scratch, 4, dead, lr, keep, eps, floor, momentum);
    j += 4;
  }
  for (let r = 0; r < 4; r++) updateRowTail<P>(W, MS, MOM, a + (<usize>(r * sai) << 2), sak, D, ldd, i + r, j, N, K, scratch, lr, keep, eps, floor, momentum);
}

/**
 * Applies a 4-row tile of gradients (`vectors` f32x4 per row, row stride ldg f32, at g) to rows i..i+4,
 * columns j…. A dead tile (zero gradient) is not read: only the mean squares decay (w − 0 is w) unless there
 * is a momentum slot to carry.
 */
@inline function updateTile(
  W: usize, MS: usize, MOM: usize, N: i32, i: i32, j: i32, vectors: i32, g: usize, ldg: i32, dead: bool,
  lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128,
): void {
  for (let r = 0; r < 4; r++) {
    const row = (<usize>(i + r) * N + j) << 2, grow = g + (<usize>(r * ldg) << 2);
    for (let v = 0; v < vectors; v++) {
      const o = row + (<usize>v << 4);
      if (dead && MOM == 0) decay4(MS + o, keep, floor);
      else {
        const grad = dead ? f32x4.splat(0) : v128.load(grow + (<usize>v << 4));
        update4(W + o, MS + o, MOM ? MOM + o : 0, grad, lr, keep, eps, floor, momentum);
      }
    }
  }
}

/**
 * The batch-of-one case: the gradient a[i]·d[j] is formed in registers inside the update (one pass over W, MS).
 * Where a[i] is zero (a black pixel, a dead unit) or all of d is (saturated units) only the mean squares decay.
 */
function outerUpdate(
  W: usize, MS: usize, MOM: usize, a: usize, d: usize, M: i32, N: i32, lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128,
): void {
  const decayOnly = MOM == 0 && allZero(d, N, 1, N);
  for (let i = 0; i < M; i++) {
    const ai = load<f32>(a + (<usize>i << 2));
    const row = <usize>i * N << 2;
    let j = 0;
    if (decayOnly || (ai == 0 && MOM == 0)) {
      for (; j + 4 <= N; j += 4) decay4(MS + row + (<usize>j << 2), keep, floor);
    } else {
      const av = f32x4.splat(ai);
      for (; j + 4 <= N; j += 4) {
        const o = row + (<usize>j << 2);
        update4(W + o, MS + o, MOM ? MOM + o : 0, f32x4.mul(av, v128.load(d + (<usize>j << 2))), lr, keep, eps, floor, momentum);
      }
    }
    for (; j < N; j++) {
      const o = row + (<usize>j << 2);
      update1(W + o, MS + o, MOM ? MOM + o : 0, ai * load<f32>(d + (<usize>j << 2)), lr, keep, eps, floor, momentum);
    }
  }
}

/** Whether every value of the rows×cols block at p (leading dimension ld) is zero. */
function allZero(p: usize, ld: i32, rows: i32, cols: i32): bool {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (load<f32>(p + ((<usize>r * ld + c) << 2)) != 0) return false;
  }
  return true;
}

function decayAll(MS: usize, n: i32, keep: v128, floor: v128): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) decay4(MS + (<usize>i << 2), keep, floor);
  for (; i < n; i++) {
    const p = MS + (<usize>i << 2);
    store<f32>(p, f32x4.extract_lane(decayed(v128.load32_splat(p), keep, floor), 0));
  }
}

function updateRowTail<P>(
  W: usize, MS: usize, MOM: usize, a: usize, sak: i32, D: usize, ldd: i32,
  i: i32, j0: i32, N: i32, K: i32, scratch: usize, lr: v128, keep: v128, eps: v128, floor: v128, momentum: v128,
): void {
  let j = j0;
  for (; j + 4 <= N; j += 4) {
    tile1x4<P>(scratch, a, sak, D + (<usize>j << 2), ldd, K, false);
    const o = (<usize>i * N + j) << 2;
    update4(W + o, MS + o, MOM ? MOM + o : 0, v128.load(scratch), lr, keep, eps, floor, momentum);
  }
  for (; j < N; j++) {
    tile1x1<P>(scratch, a, sak, D + (<usize>j << 2), ldd, K, false);
    const o = (<usize>i * N + j) << 2;
    update1(W + o, MS + o, MOM ? MOM + o : 0, load<f32>(scratch), lr, keep, eps, floor, momentum);
  }
}

// Adam as TensorFlow 1's ApplyAdam computes it (t counts steps from 1; the caller passes lr_t):
//   lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)
//   m += (g − m)·(1 − β₁)    (= β₁·m + (1 − β₁)·g)
//   v += (g² − v)·(1 − β₂)   (= β₂·v + (1 − β₂)·g²)
//   w −= lr_t·m/(√v + ε)
// As with RMSProp's mean squares, v is stored as 0 once √v is far below ε's last bit, and m once it is below 2⁻¹⁰⁰
// (its step is then below 2⁻¹⁰⁰·lr_t/ε): neither decays into denormals.

const M_FLOOR: f32 = 7.88860905e-31; // 2⁻¹⁰⁰

@inline function adam4(pw: usize, pm: usize, pv: usize, g: v128, lr: v128, keep1: v128, keep2: v128, eps: v128, vFloor: v128): void {
  let m = v128.load(pm);
  m = f32x4.add(m, f32x4.mul(f32x4.sub(g, m), keep1));
  m = v128.and(m, f32x4.ge(f32x4.abs(m), f32x4.splat(M_FLOOR)));
  let v = v128.load(pv);
  v = f32x4.add(v, f32x4.mul(f32x4.sub(f32x4.mul(g, g), v), keep2));
  v = v128.and(v, f32x4.ge(v, vFloor));
  v128.store(pm, m);
  v128.store(pv, v);
  v128.store(pw, f32x4.sub(v128.load(pw), f32x4.div(f32x4.mul(m, lr), f32x4.add(f32x4.sqrt(v), eps))));
}

/** Adam over n contiguous parameters W with gradients G and slots M (first moment) and V (second moment). */
export function adam(W: usize, M: usize, V: usize, G: usize, n: i32, lrT: f32, beta1: f32, beta2: f32, eps: f32): void {
  const lr = f32x4.splat(lrT), keep1 = f32x4.splat(1 - beta1), keep2 = f32x4.splat(1 - beta2), veps = f32x4.splat(eps);
  // √v below ε·2⁻²⁶ cannot change √v + ε in f32.
  const tiny = eps * 1.49011612e-8;
  const vFloor = f32x4.splat(tiny * tiny);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adam4(W + o, M + o, V + o, v128.load(G + o), lr, keep1, keep2, veps, vFloor);
  }
  // Scalar f32 operations round exactly as the lanes do, so the tail gives the body's bits.
  const k1: f32 = 1 - beta1, k2: f32 = 1 - beta2, floor: f32 = tiny * tiny;
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(G + o);
    let m = load<f32>(M + o);
    m += (g - m) * k1;
    if (!(Mathf.abs(m) >= M_FLOOR)) m = 0;
    let v = load<f32>(V + o);
    v += (g * g - v) * k2;
    if (!(v >= floor)) v = 0;
    store<f32>(M + o, m);
    store<f32>(V + o, v);
    store<f32>(W + o, load<f32>(W + o) - (m * lrT) / (Mathf.sqrt(v) + eps));
  }
}

// SGD as TensorFlow 1's ApplyMomentum computes it (MomentumOptimizer; GradientDescentOptimizer without a slot):
//   a = a·momentum + g;  w −= lr·a,  or with Nesterov  w −= g·lr + a·momentum·lr
//   without momentum (no slot): w −= lr·g

/** SGD over n contiguous parameters W with gradients G and (if A ≠ 0) the accumulator A. */
export function sgd(W: usize, A: usize, G: usize, n: i32, lr: f32, momentum: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vmom = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(G + o);
    let step = f32x4.mul(vlr, g);
    if (A != 0) {
      const a = f32x4.add(f32x4.mul(v128.load(A + o), vmom), g);
      v128.store(A + o, a);
      step = nesterov ? f32x4.add(f32x4.mul(g, vlr), f32x4.mul(f32x4.mul(a, vmom), vlr)) : f32x4.mul(vlr, a);
    }
    v128.store(W + o, f32x4.sub(v128.load(W + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(G + o);
    let step = lr * g;
    if (A != 0) {
      const a = load<f32>(A + o) * momentum + g;
      store<f32>(A + o, a);
      step = nesterov ? g * lr + a * momentum * lr : lr * a;
    }
    store<f32>(W + o, load<f32>(W + o) - step);
  }
}

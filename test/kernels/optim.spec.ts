// rmsprop (flat) and rmsprop_tn (gradient Aᵀ·D formed inside the update) against the TF1 ApplyRMSProp
// formula in f64:
//   ms += (g² − ms)(1 − ρ);  step = lr·g / sqrt(ms + ε);  mom = momentum·mom + step (only with a MOM slot);
//   w −= step, or w −= mom.
// Plus the documented flush: a mean square that decays below ε·8.67e-19 is stored as 0.
// adam (TF1 ApplyAdam with the caller's lr_t: m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); w −= lr_t·m/(√v + ε),
// with m below 2⁻¹⁰⁰ and v below (ε·2⁻²⁶)² stored as 0) and sgd (TF1 ApplyMomentum: a = a·momentum + g;
// w −= lr·a, or with nesterov w −= g·lr + a·momentum·lr; without an accumulator w −= lr·g) likewise, by hand
// and against f64, with tails that must give the vector body's bits.

import { rmsprop, rmsprop_tn, adam, sgd } from "../../assembly/optim";
import { Buf, Check, checkGuards, checkUnchanged, seedTest, sz } from "./util";

const SIZES: StaticArray<i32> = [1, 2, 3, 5, 7, 17, 100, 3072, 3075];

// (lr, rho, momentum, eps)
const HYPER: StaticArray<f32> = [
  0.1, 0.9, 0.9, 1e-10,
  0.001, 0.99, 0.5, 1e-6,
  0.01, 0.0, 0.0, 1e-7,
  0.05, 0.9, 0.9, 1.0,
];

const FLUSH: f64 = 8.67361738e-19;

/**
 * Checks W, MS and (if hasMom) MOM of parameter `idx` against the f64 twin. g is the exact gradient and
 * gtol the absolute error allowed in the kernel's f32 gradient (0 when the gradient is an input).
 */
function checkOne(
  cw: Check, cms: Check, cmom: Check, idx: i32,
  w0: f64, ms0: f64, mom0: f64, g: f64, gtol: f64,
  w: f64, ms: f64, mom: f64, hasMom: bool,
  lr: f64, rho: f64, momentum: f64, eps: f64,
): void {
  const msW = ms0 + (g * g - ms0) * (1.0 - rho);
  const den = Math.sqrt(msW + eps);
  const step = lr * g / den;
  const tolMs = 1e-5 * (ms0 + g * g) + (1.0 - rho) * (2.0 * Math.abs(g) * gtol + gtol * gtol) + 1e-37;
  const tolStep = 1e-5 * Math.abs(step) + lr * gtol / den + Math.abs(step) * tolMs / (msW + eps);
  cms.near(idx, ms, msW, tolMs);
  if (hasMom) {
    const momW = momentum * mom0 + step;
    const tolMom = 1e-6 * (momentum * Math.abs(mom0) + Math.abs(momW)) + tolStep;
    cmom.near(idx, mom, momW, tolMom);
    cw.near(idx, w, w0 - momW, 1e-6 * (Math.abs(w0) + Math.abs(momW)) + tolMom);
  } else {
    cw.near(idx, w, w0 - step, 1e-6 * (Math.abs(w0) + Math.abs(step)) + tolStep);
  }
}

function flatCase(n: i32, h: i32, withMom: bool): void {
  const lr = HYPER[h * 4], rho = HYPER[h * 4 + 1], momentum = HYPER[h * 4 + 2], eps = HYPER[h * 4 + 3];
  const W = new Buf(n).fill(-1, 1), MS = new Buf(n).fill(0.01, 2), MOM = new Buf(n).fill(-0.1, 0.1);
  const G = new Buf(n).fill(-1, 1);
  if (n > 2) MS.set(1, 1); // TF1's starting mean square
  const W0 = W.copy(), MS0 = MS.copy(), MOM0 = MOM.copy(), G0 = G.copy();
  rmsprop(W.p, MS.p, withMom ? MOM.p : 0, G.p, n, lr, rho, momentum, eps);
  const label = "rmsprop" + sz("n", n) + " lr=" + lr.toString() + " rho=" + rho.toString() +
    " momentum=" + momentum.toString() + " eps=" + eps.toString() + (withMom ? " with MOM" : " MOM=0");
  const cw = new Check(label + " W"), cms = new Check(label + " MS"), cmom = new Check(label + " MOM");
  for (let i = 0; i < n; i++) {
    checkOne(cw, cms, cmom, i, W0.get(i), MS0.get(i), MOM0.get(i), G0.get(i), 0,
      W.get(i), MS.get(i), MOM.get(i), withMom, lr, rho, momentum, eps);
  }
  cw.done(); cms.done(); cmom.done();
  checkGuards(label + " W", W, W0);
  checkGuards(label + " MS", MS, MS0);
  if (withMom) checkGuards(label + " MOM", MOM, MOM0);
  else checkUnchanged(label + " MOM (not passed)", MOM, MOM0);
  checkUnchanged(label + " G", G, G0);
  W.free(); MS.free(); MOM.free(); G.free(); W0.free(); MS0.free(); MOM0.free(); G0.free();
}

function tnCase(M: i32, N: i32, K: i32, h: i32, withMom: bool, padded: bool, sparse: bool, withWork: bool): void {
  const lr = HYPER[h * 4], rho = HYPER[h * 4 + 1], momentum = HYPER[h * 4 + 2], eps = HYPER[h * 4 + 3];
  const lda = M + (padded ? 3 : 0), ldd = N + (padded ? 5 : 0);
  const A = new Buf(K * lda).fill(-1, 1), D = new Buf(K * ldd).fill(-1, 1);
  if (sparse) {
    // dead units / zero inputs (columns of A) and saturated outputs (columns of D): exact zero gradients,
    // whole 4×8 and 4×4 tiles of them where M ≥ 4 and N ≥ 16
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < M; i++) if (i < 4 || i % 5 == 2) A.set(k * lda + i, 0);
      for (let j = 0; j < N; j++) if ((j >= 8 && j < 16) || j % 7 == 3) D.set(k * ldd + j, 0);
    }
  }
  const W = new Buf(M * N).fill(-1, 1), MS = new Buf(M * N).fill(0.01, 2), MOM = new Buf(M * N).fill(-0.1, 0.1);
  const scratch = new Buf(32);
  const work = new Buf(withWork ? K * 8 : 0).fill(-9, 9); // K·8 f32 for packed panels, or none
  const A0 = A.copy(), D0 = D.copy(), W0 = W.copy(), MS0 = MS.copy(), MOM0 = MOM.copy(), S0 = scratch.copy();
  const work0 = work.copy();
  rmsprop_tn(W.p, MS.p, withMom ? MOM.p : 0, A.p, lda, D.p, ldd, M, N, K, scratch.p, withWork ? work.p : 0, 0,
    lr, rho, momentum, eps);
  const label = "rmsprop_tn" + (sparse ? " (zero gradient tiles)" : "") + sz("M", M) + sz("N", N) + sz("K", K) + sz("lda", lda) + sz("ldd", ldd) +
    " lr=" + lr.toString() + " rho=" + rho.toString() + " momentum=" + momentum.toString() +
    " eps=" + eps.toString() + (withMom ? " with MOM" : " MOM=0") + (withWork ? " with workspace" : " work=0");
  const cw = new Check(label + " W"), cms = new Check(label + " MS"), cmom = new Check(label + " MOM");
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      // naive G[i][j] = Σ_k A[k][i]·D[k][j]
      let g: f64 = 0, gabs: f64 = 0;
      for (let k = 0; k < K; k++) {
        const t = A0.get(k * lda + i) * D0.get(k * ldd + j);
        g += t;
        gabs += Math.abs(t);
      }
      const idx = i * N + j;
      checkOne(cw, cms, cmom, idx, W0.get(idx), MS0.get(idx), MOM0.get(idx), g, 1e-5 * gabs,
        W.get(idx), MS.get(idx), MOM.get(idx), withMom, lr, rho, momentum, eps);
    }
  }
  cw.done(); cms.done(); cmom.done();
  checkGuards(label + " W", W, W0);
  checkGuards(label + " MS", MS, MS0);
  checkGuards(label + " scratch", scratch, S0);
  checkGuards(label + " workspace", work, work0);
  if (withMom) checkGuards(label + " MOM", MOM, MOM0);
  else checkUnchanged(label + " MOM (not passed)", MOM, MOM0);
  checkUnchanged(label + " A", A, A0);
  checkUnchanged(label + " D", D, D0);
  A.free(); D.free(); W.free(); MS.free(); MOM.free(); scratch.free();
  A0.free(); D0.free(); W0.free(); MS0.free(); MOM0.free(); S0.free(); work.free(); work0.free();
}

// (M, N, K) with zero columns in A and D
const SPARSE_SHAPES: StaticArray<i32> = [
  8, 16, 3,
  8, 24, 2,
  5, 13, 3,
  17, 5, 10,
  12, 20, 1,
  4, 8, 1,
  9, 33, 2,
  16, 16, 1,
  4, 12, 4,
];

// (M, N, K); the 3072×100 case runs once, separately
const TN_SHAPES: StaticArray<i32> = [
  8, 24, 64,
  12, 40, 70,
  4, 8, 1,
  5, 13, 3,
  1, 4, 1,
  17, 5, 10,
  8, 16, 7,
  3, 3, 5,
  9, 33, 2,
  1, 1, 1,
];

/**
 * Flush: g = 0 everywhere; mean squares that decay below ε·8.67e-19 must be stored as exactly +0, those
 * that stay above it must not, and w (and a zero momentum) must be unchanged.
 */
function flushValues(MS: Buf, threshold: f64): void {
  for (let i = 0; i < MS.n; i++) {
    // alternate: far below, just below, just above the threshold after one decay (ms ← ρ·ms, ρ = 0.9)
    const r = i % 3;
    MS.set(i, <f32>(r == 0 ? threshold * 1e-3 : r == 1 ? threshold * 1.05 : threshold * 1.2));
  }
}

function checkFlush(label: string, W: Buf, W0: Buf, MS: Buf, MS0: Buf, MOM: Buf, threshold: f64): void {
  const c = new Check(label);
  for (let i = 0; i < MS.n; i++) {
    const decayed = MS0.get(i) * 0.9;
    if (decayed < threshold) c.holds(i, MS.bits(i) == 0, MS.get(i), 0);
    else c.near(i, MS.get(i), decayed, 1e-5 * decayed);
    c.same(i, W.f(i), W0.f(i));
    if (MOM.n > 0) c.holds(i, MOM.bits(i) == 0, MOM.get(i), 0);
  }
  c.done();
}

function flushFlat(n: i32, withMom: bool): void {
  const eps: f32 = 1e-7;
  const threshold = <f64>eps * FLUSH;
  const W = new Buf(n).fill(-1, 1), MS = new Buf(n), G = new Buf(n).fillWith(0);
  const MOM = new Buf(withMom ? n : 0).fillWith(0);
  flushValues(MS, threshold);
  const W0 = W.copy(), MS0 = MS.copy();
  rmsprop(W.p, MS.p, withMom ? MOM.p : 0, G.p, n, 0.1, 0.9, 0.9, eps);
  checkFlush("rmsprop flush" + sz("n", n) + (withMom ? " with MOM" : " MOM=0"), W, W0, MS, MS0, MOM, threshold);
  W.free(); MS.free(); G.free(); MOM.free(); W0.free(); MS0.free();
}

function flushTn(M: i32, N: i32, K: i32, withMom: bool): void {
  const eps: f32 = 1e-7;
  const threshold = <f64>eps * FLUSH;
  const A = new Buf(K * M).fill(-1, 1), D = new Buf(K * N).fillWith(0);
  const W = new Buf(M * N).fill(-1, 1), MS = new Buf(M * N), MOM = new Buf(withMom ? M * N : 0).fillWith(0);
  const scratch = new Buf(32);
  flushValues(MS, threshold);
  const W0 = W.copy(), MS0 = MS.copy();
  const work = new Buf(K * 8);
  rmsprop_tn(W.p, MS.p, withMom ? MOM.p : 0, A.p, M, D.p, N, M, N, K, scratch.p, (M & 1) != 0 ? work.p : 0, 0,
    0.1, 0.9, 0.9, eps);
  work.free();
  checkFlush("rmsprop_tn flush" + sz("M", M) + sz("N", N) + sz("K", K) + (withMom ? " with MOM" : " MOM=0"),
    W, W0, MS, MS0, MOM, threshold);
  A.free(); D.free(); W.free(); MS.free(); MOM.free(); scratch.free(); W0.free(); MS0.free();
}

describe("rmsprop (flat)", () => {
  it("matches TF1 RMSProp without a momentum slot (MOM = 0)", () => {
    seedTest(71);
    for (let h = 0; h < HYPER.length / 4; h++) {
      for (let s = 0; s < SIZES.length; s++) flatCase(SIZES[s], h, false);
    }
  });
  it("matches TF1 RMSProp with a momentum slot", () => {
    seedTest(72);
    for (let h = 0; h < HYPER.length / 4; h++) {
      for (let s = 0; s < SIZES.length; s++) flatCase(SIZES[s], h, true);
    }
  });
});

/** Every hyper-parameter set × TN shape × the two variant bits of tnCase, with or without a momentum slot. */
function tnSweep(withMomentum: bool): void {
  for (let h = 0; h < HYPER.length / 4; h++) {
    for (let s = 0; s < TN_SHAPES.length; s += 3) {
      for (let v = 0; v < 4; v++) {
        tnCase(TN_SHAPES[s], TN_SHAPES[s + 1], TN_SHAPES[s + 2], h, withMomentum, (v & 1) != 0, false, (v & 2) != 0);
      }
    }
  }
}

describe("rmsprop_tn: RMSProp with gradient Aᵀ·D", () => {
  it("matches naive G = Aᵀ·D then TF1 RMSProp, MOM = 0", () => {
    seedTest(73);
    tnSweep(false);
  });
  it("matches naive G = Aᵀ·D then TF1 RMSProp, with a momentum slot", () => {
    seedTest(74);
    tnSweep(true);
  });
  it("matches where whole tiles of the gradient are exactly zero, MOM = 0 and with MOM", () => {
    seedTest(77);
    for (let h = 0; h < HYPER.length / 4; h++) {
      for (let s = 0; s < SPARSE_SHAPES.length; s += 3) {
        const M = SPARSE_SHAPES[s], N = SPARSE_SHAPES[s + 1], K = SPARSE_SHAPES[s + 2];
        tnCase(M, N, K, h, false, (s & 1) != 0, true, (h & 1) != 0);
        tnCase(M, N, K, h, true, (s & 1) == 0, true, (h & 1) == 0);
      }
    }
  });
  it("matches on a 3072×100 weight matrix (K = 1)", () => {
    seedTest(75);
    tnCase(3072, 100, 1, 0, true, true, false, true);
  });
});

describe("RMSProp flush of tiny mean squares", () => {
  it("rmsprop stores ms below ε·8.67e-19 as 0 and leaves w unchanged when g = 0", () => {
    for (let s = 0; s < SIZES.length; s++) {
      if (SIZES[s] > 100) continue;
      flushFlat(SIZES[s], false);
      flushFlat(SIZES[s], true);
    }
  });
  it("rmsprop_tn stores ms below ε·8.67e-19 as 0 and leaves w unchanged when D = 0", () => {
    seedTest(76);
    for (let s = 0; s < TN_SHAPES.length; s += 3) {
      flushTn(TN_SHAPES[s], TN_SHAPES[s + 1], TN_SHAPES[s + 2], false);
      flushTn(TN_SHAPES[s], TN_SHAPES[s + 1], TN_SHAPES[s + 2], true);
    }
  });
  it("a decaying ms goes straight from normal values to 0, never through denormals", () => {
    const n = 7;
    const eps: f32 = 1e-7;
    const W = new Buf(n).fill(-1, 1), MS = new Buf(n).fillWith(1), G = new Buf(n).fillWith(0);
    const W0 = W.copy();
    const c = new Check("rmsprop ms decay with g = 0, rho = 0.5");
    for (let step = 0; step < 200; step++) {
      rmsprop(W.p, MS.p, 0, G.p, n, 0.1, 0.5, 0, eps);
      for (let i = 0; i < n; i++) {
        const ms = MS.get(i);
        c.holds(step * n + i, ms == 0 || ms >= <f64>eps * FLUSH * 0.999, ms, 0);
        c.same(step * n + i, W.f(i), W0.f(i));
      }
    }
    for (let i = 0; i < n; i++) c.holds(i, MS.bits(i) == 0, MS.get(i), 0);
    c.done();
    W.free(); MS.free(); G.free(); W0.free();
  });
});

// ---------------------------------------------------------------------------------------------
// adam

// (lr_t, β₁, β₂, ε)
const ADAM_HYPER: StaticArray<f32> = [
  0.001, 0.9, 0.999, 1e-8,
  0.1, 0.5, 0.9, 1e-3,
  0.01, 0.0, 0.0, 1e-7,
  0.05, 0.99, 0.5, 1.0,
];

const M_FLOOR: f64 = 7.888609052210118e-31; // 2⁻¹⁰⁰

function adamCase(n: i32, h: i32): void {
  const lrT = ADAM_HYPER[h * 4], beta1 = ADAM_HYPER[h * 4 + 1], beta2 = ADAM_HYPER[h * 4 + 2], eps = ADAM_HYPER[h * 4 + 3];
  const W = new Buf(n).fill(-1, 1), M = new Buf(n).fill(-0.5, 0.5), V = new Buf(n).fill(0.001, 2), G = new Buf(n).fill(-1, 1);
  if (n > 2) { M.set(1, 0); V.set(1, 0); } // fresh slots, as before the first step
  if (n > 3) G.set(3, 0);
  const W0 = W.copy(), M0 = M.copy(), V0 = V.copy(), G0 = G.copy();
  adam(W.p, M.p, V.p, G.p, n, lrT, beta1, beta2, eps);
  const label = "adam" + sz("n", n) + " lr_t=" + lrT.toString() + " beta1=" + beta1.toString() + " beta2=" +
    beta2.toString() + " eps=" + eps.toString();
  const cw = new Check(label + " W"), cm = new Check(label + " M"), cv = new Check(label + " V");
  for (let i = 0; i < n; i++) {
    const g = G0.get(i), m0 = M0.get(i), v0 = V0.get(i);
    const m = m0 + (g - m0) * (1.0 - <f64>beta1), v = v0 + (g * g - v0) * (1.0 - <f64>beta2);
    const tolM = 1e-6 * (Math.abs(m0) + Math.abs(g)), tolV = 1e-6 * (v0 + g * g);
    const den = Math.sqrt(v) + <f64>eps, step = <f64>lrT * m / den;
    const tolDen = (v > 0 ? 0.5 * tolV / Math.sqrt(v) : 0) + 1e-7 * den;
    const tolStep = <f64>lrT * (tolM + Math.abs(m) * tolDen / den) / den + 1e-6 * Math.abs(step);
    cm.near(i, M.get(i), m, tolM + 1e-37);
    cv.near(i, V.get(i), v, tolV + 1e-37);
    cw.near(i, W.get(i), W0.get(i) - step, 1e-6 * Math.abs(W0.get(i)) + tolStep);
  }
  cw.done(); cm.done(); cv.done();
  checkGuards(label + " W", W, W0);
  checkGuards(label + " M", M, M0);
  checkGuards(label + " V", V, V0);
  checkUnchanged(label + " G", G, G0);
  W.free(); M.free(); V.free(); G.free(); W0.free(); M0.free(); V0.free(); G0.free();
}

/**
 * Each of n parameters updated alone (n = 1: the scalar tail) gives the bits of the update over all n. W starts
 * at 0, so that it ends as −step: every bit of the step shows.
 */
function adamTailBits(n: i32, h: i32): void {
  const lrT = ADAM_HYPER[h * 4], beta1 = ADAM_HYPER[h * 4 + 1], beta2 = ADAM_HYPER[h * 4 + 2], eps = ADAM_HYPER[h * 4 + 3];
  const W = new Buf(n).fillWith(0), M = new Buf(n).fill(-0.5, 0.5), V = new Buf(n).fill(0, 2), G = new Buf(n).fill(-1, 1);
  const W1 = W.copy(), M1 = M.copy(), V1 = V.copy();
  adam(W.p, M.p, V.p, G.p, n, lrT, beta1, beta2, eps);
  for (let i = 0; i < n; i++) adam(W1.addr(i), M1.addr(i), V1.addr(i), G.addr(i), 1, lrT, beta1, beta2, eps);
  const c = new Check("adam one at a time = all at once" + sz("n", n) + " hyper " + h.toString());
  for (let i = 0; i < n; i++) {
    c.same(i, W1.f(i), W.f(i));
    c.same(i, M1.f(i), M.f(i));
    c.same(i, V1.f(i), V.f(i));
  }
  c.done();
  W.free(); M.free(); V.free(); G.free(); W1.free(); M1.free(); V1.free();
}

describe("adam", () => {
  it("one step by hand: lr_t 0.1, β₁ 7/8, β₂ 63/64 (exact in f32), fresh and used slots, a zero gradient", () => {
    const W = new Buf(3), M = new Buf(3), V = new Buf(3), G = new Buf(3);
    W.set(0, 1); W.set(1, -1); W.set(2, 0.5);
    M.set(0, 0); M.set(1, 0.1); M.set(2, 0);
    V.set(0, 0); V.set(1, 0.04); V.set(2, 0);
    G.set(0, 2); G.set(1, 0); G.set(2, -0.5);
    adam(W.p, M.p, V.p, G.p, 3, 0.1, 0.875, 0.984375, 1e-8);
    // (w, m, v) after the step; from fresh slots the step is lr_t·(1 − β₁)/√(1 − β₂)·sign(g) = 0.1·sign(g)
    const want: StaticArray<f64> = [
      0.9, 0.25, 0.0625,
      -1.0440958529621878, 0.0875, 0.039375,
      0.6, -0.0625, 0.00390625,
    ];
    const c = new Check("adam by hand");
    for (let i = 0; i < 3; i++) {
      c.near(3 * i, W.get(i), want[3 * i], 1e-6);
      c.near(3 * i + 1, M.get(i), want[3 * i + 1], 1e-8);
      c.near(3 * i + 2, V.get(i), want[3 * i + 2], 1e-9);
    }
    c.done();
    W.free(); M.free(); V.free(); G.free();
  });
  it("matches TF1 Adam in f64 on sizes with scalar tails", () => {
    seedTest(78);
    for (let h = 0; h < ADAM_HYPER.length / 4; h++) {
      for (let s = 0; s < SIZES.length; s++) adamCase(SIZES[s], h);
    }
  });
  it("scalar tails give the vector body's bits", () => {
    seedTest(79);
    for (let h = 0; h < ADAM_HYPER.length / 4; h++) adamTailBits(17, h);
  });
  it("stores m below 2⁻¹⁰⁰ and v below (ε·2⁻²⁶)² as 0, keeps those above, and leaves w when g = 0", () => {
    const n = 17, eps: f32 = 1e-7;
    const vFloor = (<f64>eps * 1.49011612e-8) * (<f64>eps * 1.49011612e-8);
    const W = new Buf(n).fill(-1, 1), M = new Buf(n), V = new Buf(n), G = new Buf(n).fillWith(0);
    for (let i = 0; i < n; i++) {
      // after one decay by 0.9: far below, just below, just above the floor; m of either sign
      const r = i % 3, k = r == 0 ? 1e-3 : r == 1 ? 1.05 : 1.2;
      M.set(i, <f32>((i & 1 ? -1 : 1) * M_FLOOR * k));
      V.set(i, <f32>(vFloor * k));
    }
    const W0 = W.copy(), M0 = M.copy(), V0 = V.copy();
    adam(W.p, M.p, V.p, G.p, n, 0.01, 0.9, 0.9, eps);
    const c = new Check("adam flush" + sz("n", n));
    for (let i = 0; i < n; i++) {
      const m = M0.get(i) * 0.9, v = V0.get(i) * 0.9;
      if (Math.abs(m) < M_FLOOR) c.holds(i, M.bits(i) == 0, M.get(i), 0);
      else c.near(i, M.get(i), m, 1e-5 * Math.abs(m));
      if (v < vFloor) c.holds(i, V.bits(i) == 0, V.get(i), 0);
      else c.near(i, V.get(i), v, 1e-5 * v);
      c.same(i, W.f(i), W0.f(i));
    }
    c.done();
    W.free(); M.free(); V.free(); G.free(); W0.free(); M0.free(); V0.free();
  });
  it("decaying m and v go straight from normal values to 0, never through denormals", () => {
    const n = 7, eps: f32 = 1e-7;
    const vFloor = (<f64>eps * 1.49011612e-8) * (<f64>eps * 1.49011612e-8);
    const W = new Buf(n).fill(-1, 1), M = new Buf(n).fillWith(1), V = new Buf(n).fillWith(1), G = new Buf(n).fillWith(0);
    const c = new Check("adam m, v decay with g = 0, beta1 = beta2 = 0.5");
    for (let step = 0; step < 200; step++) {
      adam(W.p, M.p, V.p, G.p, n, 1e-3, 0.5, 0.5, eps);
      for (let i = 0; i < n; i++) {
        c.holds(step * n + i, M.get(i) == 0 || M.get(i) >= M_FLOOR, M.get(i), 0);
        c.holds(step * n + i, V.get(i) == 0 || V.get(i) >= vFloor * 0.999, V.get(i), 0);
      }
    }
    for (let i = 0; i < n; i++) c.holds(i, M.bits(i) == 0 && V.bits(i) == 0, M.get(i), V.get(i));
    c.done();
    W.free(); M.free(); V.free(); G.free();
  });
});

// ---------------------------------------------------------------------------------------------
// sgd

// (lr, momentum)
const SGD_HYPER: StaticArray<f32> = [
  0.1, 0.9,
  0.001, 0.5,
  0.01, 0.0,
  1.0, 0.99,
];

function sgdCase(n: i32, h: i32, withAcc: bool, nesterov: bool): void {
  const lr = SGD_HYPER[h * 2], momentum = SGD_HYPER[h * 2 + 1];
  const W = new Buf(n).fill(-1, 1), A = new Buf(n).fill(-0.5, 0.5), G = new Buf(n).fill(-1, 1);
  const W0 = W.copy(), A0 = A.copy(), G0 = G.copy();
  sgd(W.p, withAcc ? A.p : 0, G.p, n, lr, momentum, nesterov);
  const label = "sgd" + sz("n", n) + " lr=" + lr.toString() + " momentum=" + momentum.toString() +
    (withAcc ? " with accumulator" : " A=0") + (nesterov ? " nesterov" : "");
  const cw = new Check(label + " W"), ca = new Check(label + " A");
  for (let i = 0; i < n; i++) {
    const g = G0.get(i), lrd = <f64>lr, mom = <f64>momentum;
    let step = lrd * g, tolStep = 1e-7 * Math.abs(step);
    if (withAcc) {
      const a = A0.get(i) * mom + g, tolA = 1e-7 * (Math.abs(A0.get(i) * mom) + Math.abs(g));
      ca.near(i, A.get(i), a, tolA + 1e-37);
      step = nesterov ? g * lrd + a * mom * lrd : lrd * a;
      tolStep = lrd * (nesterov ? mom : 1) * tolA + 2e-7 * (Math.abs(g * lrd) + Math.abs(a * lrd));
    }
    cw.near(i, W.get(i), W0.get(i) - step, 1e-7 * (Math.abs(W0.get(i)) + Math.abs(step)) + tolStep);
  }
  cw.done(); ca.done();
  checkGuards(label + " W", W, W0);
  if (withAcc) checkGuards(label + " A", A, A0);
  else checkUnchanged(label + " A (not passed)", A, A0);
  checkUnchanged(label + " G", G, G0);
  W.free(); A.free(); G.free(); W0.free(); A0.free(); G0.free();
}

/** As adamTailBits: each parameter alone through the scalar tail, from W = 0, gives the bits of all at once. */
function sgdTailBits(n: i32, h: i32, withAcc: bool, nesterov: bool): void {
  const lr = SGD_HYPER[h * 2], momentum = SGD_HYPER[h * 2 + 1];
  const W = new Buf(n).fillWith(0), A = new Buf(n).fill(-0.5, 0.5), G = new Buf(n).fill(-1, 1);
  const W1 = W.copy(), A1 = A.copy();
  sgd(W.p, withAcc ? A.p : 0, G.p, n, lr, momentum, nesterov);
  for (let i = 0; i < n; i++) sgd(W1.addr(i), withAcc ? A1.addr(i) : 0, G.addr(i), 1, lr, momentum, nesterov);
  const c = new Check("sgd one at a time = all at once" + sz("n", n) + " hyper " + h.toString() +
    (withAcc ? " with accumulator" : "") + (nesterov ? " nesterov" : ""));
  for (let i = 0; i < n; i++) {
    c.same(i, W1.f(i), W.f(i));
    c.same(i, A1.f(i), A.f(i));
  }
  c.done();
  W.free(); A.free(); G.free(); W1.free(); A1.free();
}

describe("sgd", () => {
  it("one step by hand: lr 0.5, momentum 0.5, without an accumulator, with one, and nesterov", () => {
    const want: StaticArray<f64> = [0.75, 2.5, 2.0, 0.725, 2.5, 2.05, 0.6125, 2.75, 1.525];
    const c = new Check("sgd by hand");
    for (let variant = 0; variant < 3; variant++) {
      const W = new Buf(3), A = new Buf(3), G = new Buf(3);
      W.set(0, 1); W.set(1, 2); W.set(2, 3);
      A.set(0, 0.1); A.set(1, 0); A.set(2, -0.2);
      G.set(0, 0.5); G.set(1, -1); G.set(2, 2);
      sgd(W.p, variant > 0 ? A.p : 0, G.p, 3, 0.5, 0.5, variant == 2);
      for (let i = 0; i < 3; i++) c.near(variant * 3 + i, W.get(i), want[variant * 3 + i], 1e-6);
      if (variant > 0) {
        c.near(10 * variant, A.get(0), 0.55, 1e-7);
        c.near(10 * variant + 1, A.get(1), -1, 0);
        c.near(10 * variant + 2, A.get(2), 1.9, 1e-7);
      }
      W.free(); A.free(); G.free();
    }
    c.done();
  });
  it("matches TF1 Momentum / gradient descent in f64 on sizes with scalar tails", () => {
    seedTest(80);
    for (let h = 0; h < SGD_HYPER.length / 2; h++) {
      for (let s = 0; s < SIZES.length; s++) {
        sgdCase(SIZES[s], h, false, false);
        sgdCase(SIZES[s], h, true, false);
        sgdCase(SIZES[s], h, true, true);
      }
    }
  });
  it("scalar tails give the vector body's bits", () => {
    seedTest(81);
    for (let h = 0; h < SGD_HYPER.length / 2; h++) {
      sgdTailBits(17, h, false, false);
      sgdTailBits(17, h, true, false);
      sgdTailBits(17, h, true, true);
    }
  });
});

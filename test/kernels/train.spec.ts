// train.ts on chains laid out by hand with the descriptor of model.ts (layout.ts): forward, one train_step and
// gradients against the naive f64 twin (every activation, loss and optimizer, depth 2 to 4, targets T apart
// from the inputs X), loss_total in chunks, and train_steps (sequential and random batches, with and without
// corruption of the inputs) against repeated train_step calls.

import { forward, train_step, gradients, loss_total, train_steps, OPT_RMSPROP, OPT_ADAM, OPT_SGD } from "../../assembly/train";
import { rng_sample } from "../../assembly/rng";
import { corrupt, CORRUPT_GAUSSIAN, CORRUPT_MASK, CORRUPT_SALT_AND_PEPPER } from "../../assembly/corrupt";
import { LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU } from "../../assembly/activations";
import { LOSS_RMSE, LOSS_MSE, LOSS_BCE } from "../../assembly/loss";
import {
  Config, Net, makeNet, twinStep, twinLayer, toF64, lossTwin, checkTwin, checkGradients, compare, bitsEqual,
} from "./layout";
import { Buf, Check, checkUnchanged, seedTest } from "./util";

const ACTS: StaticArray<i32> = [LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU];

/** rows × width values, uniform in [lo, hi) from the test PRNG seeded with `seed`. */
function data(rows: i32, width: i32, seed: u32, lo: f64, hi: f64): Buf {
  seedTest(seed);
  return new Buf(rows * width).fill(lo, hi);
}

/** A 3→2→out chain (out = 4 unless the model reconstructs its 3 inputs), RMSE, RMSProp lr 0.05 ρ 0.9. */
function small(act0: i32, act1: i32, out: i32, capacity: i32, seed: u32): Config {
  const cfg = new Config([3, 2, out], [act0, act1]);
  cfg.capacity = capacity;
  cfg.seed = seed;
  return cfg;
}

/** Largest |change| of any weight or bias against the snapshot. */
function largestMove(m: Net, before: Array<StaticArray<f64>>): f64 {
  let moved: f64 = 0;
  for (let p = 0; p < m.V.length; p++) {
    for (let i = 0; i < m.V[p].n; i++) moved = max(moved, Math.abs(m.V[p].get(i) - before[p][i]));
  }
  return moved;
}

function values(m: Net): Array<StaticArray<f64>> {
  const r: Array<StaticArray<f64>> = [];
  for (let p = 0; p < m.V.length; p++) r.push(toF64(m.V[p]));
  return r;
}

/** `steps` train_steps of a net from cfg on X (rows × in) against T, each against the twin of that step. */
function stepCase(cfg: Config, X: Buf, T: Buf, rows: i32, steps: i32): void {
  const m = makeNet(cfg);
  for (let s = 0; s < steps; s++) {
    const t = twinStep(m, toF64(X), toF64(T), rows, true);
    const before = values(m);
    const loss = train_step(m.desc, X.p, T.p, rows);
    const label = "train_step " + cfg.name() + " step " + s.toString();
    checkTwin(label, m, t, <f64>loss, rows);
    // the step really moved the parameters, far beyond the tolerance (so matching the twin is not matching a no-op)
    expect<f64>(largestMove(m, before)).toBeGreaterThan(1e-5, label + ": largest parameter change");
  }
  m.free();
}

function checkOutputs(label: string, m: Net, l: i32, want: StaticArray<f64>, rows: i32): void {
  const c = new Check(label + " layer " + l.toString() + " output");
  for (let i = 0; i < rows * m.cfg.dims[l + 1]; i++) c.near(i, m.OUT[l].get(i), want[i], 1e-6);
  c.done();
}

describe("forward on a 3→2→4 chain", () => {
  it("layers 0..1 from X, and layer 1 alone from a given hidden batch, match the twin; nothing trained changes", () => {
    const rows = 5;
    const m = makeNet(small(TANH, SIGMOID, 4, rows, 91));
    const X = data(rows, 3, 92, 0, 1);
    const snapshot: Array<Buf> = [];
    for (let i = 0; i < m.trained().length; i++) snapshot.push(m.trained()[i].copy());
    const z0 = new StaticArray<f64>(rows * 2), z1 = new StaticArray<f64>(rows * 4);
    const h = twinLayer(m, 0, toF64(X), rows, z0);
    forward(m.desc, X.p, rows, 0, 1);
    checkOutputs("forward 0..1", m, 0, h, rows);
    checkOutputs("forward 0..1", m, 1, twinLayer(m, 1, h, rows, z1), rows);
    // decoder only: layer 1 on a hidden batch H, with fewer rows than the capacity
    const H = new Buf(3 * 2).fill(-1, 1);
    const out0 = m.OUT[0].copy();
    forward(m.desc, H.p, 3, 1, 1);
    checkOutputs("forward 1..1", m, 1, twinLayer(m, 1, toF64(H), 3, z1), 3);
    bitsEqual("forward 1..1 leaves layer 0's output", [m.OUT[0]], [out0]);
    bitsEqual("forward leaves parameters, slots and state", m.trained(), snapshot);
    for (let i = 0; i < snapshot.length; i++) snapshot[i].free();
    H.free(); out0.free(); X.free();
    m.free();
  });

  it("keeps the last layer's pre-activation in L_PRE when the loss reads it (BCE)", () => {
    const rows = 6;
    const cfg = small(ELU, SIGMOID, 4, rows, 93);
    cfg.loss = LOSS_BCE;
    const m = makeNet(cfg);
    const X = data(rows, 3, 94, -1, 1);
    const z0 = new StaticArray<f64>(rows * 2), z1 = new StaticArray<f64>(rows * 4);
    const y = twinLayer(m, 1, twinLayer(m, 0, toF64(X), rows, z0), rows, z1);
    forward(m.desc, X.p, rows, 0, 1);
    checkOutputs("forward BCE", m, 1, y, rows);
    compare("forward BCE L_PRE", m.PRE[1], z1, 1e-6, 1e-6);
    X.free();
    m.free();
  });
});

describe("train_step on a 3→2→4 chain (RMSE, RMSProp)", () => {
  it("TANH→SIGMOID, no momentum: loss, activations, W, b and MS match the twin, unfused and fused", () => {
    const rows = 5;
    const X = data(rows, 3, 82, 0, 1), T = data(rows, 4, 83, 0, 1);
    const cfg = small(TANH, SIGMOID, 4, rows, 81);
    stepCase(cfg, X, T, rows, 1);
    cfg.fused = true;
    stepCase(cfg, X, T, rows, 1);
    X.free(); T.free();
  });
  it("RELU→LINEAR with momentum, two steps: W, b, MS and MOM match the twin, unfused and fused", () => {
    const rows = 5;
    const X = data(rows, 3, 84, -1, 1), T = data(rows, 4, 85, -1, 1);
    const cfg = small(RELU, LINEAR, 4, rows, 86);
    cfg.b = 0.9;
    stepCase(cfg, X, T, rows, 2);
    cfg.fused = true;
    stepCase(cfg, X, T, rows, 2);
    X.free(); T.free();
  });
  it("SIGMOID→TANH with momentum, one step, batch smaller than the capacity", () => {
    const rows = 4;
    const X = data(rows, 3, 87, 0, 1), T = data(rows, 4, 88, -1, 1);
    const cfg = small(SIGMOID, TANH, 4, 7, 89);
    cfg.b = 0.5;
    cfg.fused = true;
    stepCase(cfg, X, T, rows, 1);
    X.free(); T.free();
  });
});

describe("gradients", () => {
  it("loss and every gradient match the twin; values, slots and step count are untouched (fused RMSProp net)", () => {
    const rows = 5;
    const cfg = small(TANH, SIGMOID, 4, rows, 95);
    cfg.b = 0.9;
    cfg.fused = true; // gradients never fuses: every weight gradient is stored
    gradientsCase(cfg, rows);
  });
  it("the same on a 4-layer ELU/LEAKY_RELU chain under BCE with Adam", () => {
    const rows = 6;
    const cfg = new Config([5, 4, 3, 4, 5], [ELU, LEAKY_RELU, TANH, SIGMOID]);
    cfg.loss = LOSS_BCE;
    cfg.optimizer = OPT_ADAM;
    cfg.b = 0.999;
    cfg.capacity = rows;
    cfg.seed = 96;
    gradientsCase(cfg, rows);
  });
});

function gradientsCase(cfg: Config, rows: i32): void {
  const m = makeNet(cfg);
  const X = data(rows, m.inDim, cfg.seed + 1000, -1, 1), T = data(rows, m.outDim, cfg.seed + 2000, 0, 1);
  const t = twinStep(m, toF64(X), toF64(T), rows, false);
  const loss = gradients(m.desc, X.p, T.p, rows);
  const label = "gradients " + cfg.name();
  checkTwin(label, m, t, loss, rows);
  checkGradients(label, m, t);
  X.free(); T.free();
  m.free();
}

// ---------------------------------------------------------------------------------------------
// Deeper chains: every activation in every position, every loss, every optimizer

/** The k-th optimizer of the chain sweep: each optimizer, with and without its optional slot, fused or not. */
function chainOptimizer(cfg: Config, k: i32): void {
  const s = k % 6;
  if (s == 0 || s == 1 || s == 5) {
    cfg.optimizer = OPT_RMSPROP;
    cfg.a = 0.9;
    cfg.b = s == 1 ? 0.9 : s == 5 ? 0.5 : 0;
    cfg.fused = s != 1;
  } else if (s == 2) {
    cfg.optimizer = OPT_ADAM;
    cfg.lr = 0.01;
    cfg.a = 0.9;
    cfg.b = 0.999;
  } else {
    cfg.optimizer = OPT_SGD;
    cfg.lr = 0.1;
    cfg.a = s == 3 ? 0.9 : 0;
    cfg.b = s == 3 ? 1 : 0;
  }
}

function chainCase(dims: StaticArray<i32>, acts: StaticArray<i32>, loss: i32, k: i32): void {
  const rows = 7;
  const cfg = new Config(dims, acts);
  cfg.loss = loss;
  cfg.capacity = rows + 2;
  cfg.seed = <u32>(300 + k + 10 * acts.length + 100 * loss);
  chainOptimizer(cfg, k);
  const X = data(rows, dims[0], cfg.seed + 1000, -1, 1), T = data(rows, dims[acts.length], cfg.seed + 2000, 0, 1);
  if (loss == LOSS_BCE) for (let i = 0; i < T.n; i += 5) T.set(i, <f32>(i & 1)); // hard 0/1 targets too
  stepCase(cfg, X, T, rows, 1);
  X.free(); T.free();
}

/** Depth 3 (6→4→3→7) and depth 4 (5→4→3→4→5); activations rotate so each kind sits at every depth. */
function chainSweep(loss: i32): void {
  for (let k = 0; k < ACTS.length; k++) {
    const n = ACTS.length;
    const last4 = loss == LOSS_BCE ? SIGMOID : ACTS[(k + 3) % n], last3 = loss == LOSS_BCE ? SIGMOID : ACTS[(k + 4) % n];
    chainCase([5, 4, 3, 4, 5], [ACTS[k], ACTS[(k + 1) % n], ACTS[(k + 2) % n], last4], loss, k);
    chainCase([6, 4, 3, 7], [ACTS[k], ACTS[(k + 2) % n], last3], loss, k + 3);
  }
}

describe("train_step on depth 3 and 4 chains against the twin", () => {
  it("RMSE, every activation at every depth, each optimizer", () => { chainSweep(LOSS_RMSE); });
  it("MSE, every activation at every depth, each optimizer", () => { chainSweep(LOSS_MSE); });
  it("BCE with a sigmoid output layer, every activation at every hidden depth, each optimizer", () => { chainSweep(LOSS_BCE); });
});

// ---------------------------------------------------------------------------------------------
// loss_total

/** Σ of the twin's loss terms over all rows (one forward pass, no chunks). */
function twinLossSum(m: Net, X: Buf, T: Buf, rows: i32): f64 {
  const t = twinStep(m, toF64(X), toF64(T), rows, false);
  const n = rows * m.outDim;
  const delta = new StaticArray<f64>(n);
  const value = lossTwin(m.cfg.loss, m.cfg.acts[m.layers - 1], t.z[m.layers - 1], t.a[m.layers], toF64(T), delta);
  return m.cfg.loss == LOSS_RMSE ? value * value * n : value * n;
}

describe("loss_total", () => {
  it("sums the loss terms of 11 rows through a capacity of 4 (3 chunks), ignoring the corruption setting", () => {
    const losses: StaticArray<i32> = [LOSS_RMSE, LOSS_MSE, LOSS_BCE];
    for (let k = 0; k < losses.length; k++) {
      const rows = 11;
      const cfg = new Config([5, 3, 4], [RELU, SIGMOID]);
      cfg.loss = losses[k];
      cfg.capacity = 4;
      cfg.seed = <u32>(110 + k);
      const m = makeNet(cfg);
      m.setCorruption(CORRUPT_MASK, 0.5, 0, 0);
      const X = data(rows, 5, 120 + k, -1, 1), T = data(rows, 4, 130 + k, 0, 1);
      const X0 = X.copy(), state0 = m.state.copy();
      const got = loss_total(m.desc, X.p, T.p, rows, 0);
      const want = twinLossSum(m, X0, T, rows);
      const c = new Check("loss_total " + cfg.name());
      c.near(0, got, want, 1e-6 * want);
      c.done();
      checkUnchanged("loss_total X", X, X0);
      bitsEqual("loss_total leaves the generator", [m.state], [state0]);
      X.free(); T.free(); X0.free(); state0.free();
      m.free();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// train_steps

/** Copies rows idx[0..size) of src (width values each) into dst, in that order. */
function gatherRows(dst: Buf, src: Buf, idx: Buf, size: i32, width: i32): void {
  for (let r = 0; r < size; r++) {
    const row = load<i32>(idx.addr(r));
    for (let k = 0; k < width; k++) dst.set(r * width + k, src.f(row * width + k));
  }
}

function identity(idx: Buf, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(idx.addr(i), i);
}

describe("train_steps", () => {
  it("sequential batches equal train_step on consecutive rows from firstBatch on, wrapping around (T apart)", () => {
    const dataRows = 7, size = 3, batches = 5, firstBatch = 2;
    const cfg = small(TANH, SIGMOID, 4, size, 85);
    cfg.b = 0.9;
    cfg.fused = true;
    const a = makeNet(cfg), b = makeNet(cfg);
    const D = data(dataRows, 3, 86, 0, 1), T = data(dataRows, 4, 87, 0, 1);
    const D0 = D.copy(), T0 = T.copy();
    const idx = new Buf(dataRows);
    const losses = new Buf(batches);
    const done = train_steps(a.desc, D.p, T.p, dataRows, idx.p, size, batches, firstBatch, false, true, losses.p, 0);
    expect<i32>(done).toBe(batches, "steps taken");
    const c = new Check("train_steps sequential losses");
    for (let s = 0; s < batches; s++) {
      const first = ((firstBatch + s) % 3) * size; // 3 batches per pass: [0,3) [3,6) [6,7)
      const rows = min(size, dataRows - first);
      c.same(s, losses.f(s), train_step(b.desc, D.addr(first * 3), T.addr(first * 4), rows));
    }
    c.done();
    bitsEqual("train_steps sequential parameters", a.trained(), b.trained());
    checkUnchanged("train_steps sequential data", D, D0);
    checkUnchanged("train_steps sequential targets", T, T0);
    a.free(); b.free(); D.free(); T.free(); D0.free(); T0.free(); idx.free(); losses.free();
  });

  it("random batches equal rng_sample + gather of X and T + train_step (T apart, and T = data)", () => {
    for (let variant = 0; variant < 2; variant++) {
      const apart = variant == 0;
      const dataRows = 7, size = 3, batches = 4, out = apart ? 4 : 3;
      const cfg = small(RELU, SIGMOID, out, size, 87 + variant);
      const a = makeNet(cfg), b = makeNet(cfg);
      const D = data(dataRows, 3, 88, 0, 1), T = apart ? data(dataRows, out, 89, 0, 1) : D;
      const idxA = new Buf(dataRows), idxB = new Buf(dataRows); // idxA starts as garbage: train_steps resets it
      identity(idxB, dataRows);
      const losses = new Buf(batches);
      const done = train_steps(a.desc, D.p, T.p, dataRows, idxA.p, size, batches, 0, true, true, losses.p, 0);
      expect<i32>(done).toBe(batches, "steps taken");
      const X = new Buf(size * 3), Y = new Buf(size * out);
      const label = "train_steps random" + (apart ? " (T apart)" : " (T = data)");
      const c = new Check(label + " losses");
      for (let s = 0; s < batches; s++) {
        rng_sample(b.state.p, idxB.p, dataRows, size);
        gatherRows(X, D, idxB, size, 3);
        gatherRows(Y, T, idxB, size, out);
        c.same(s, losses.f(s), train_step(b.desc, X.p, Y.p, size));
      }
      c.done();
      bitsEqual(label + " parameters and generator", a.trained(), b.trained());
      if (apart) T.free();
      a.free(); b.free(); D.free(); idxA.free(); idxB.free(); losses.free(); X.free(); Y.free();
    }
  });

  it("stops at a non-finite loss without applying that step", () => {
    const dataRows = 7, size = 3, batches = 3;
    const cfg = small(TANH, SIGMOID, 4, size, 89);
    cfg.b = 0.9;
    cfg.fused = true;
    const a = makeNet(cfg), b = makeNet(cfg);
    const D = data(dataRows, 3, 90, 0, 1), T = data(dataRows, 4, 91, 0, 1);
    D.set(4 * 3 + 1, <f32>NaN); // row 4 is in the second batch
    const idx = new Buf(dataRows);
    const losses = new Buf(batches).fillWith(-1);
    const done = train_steps(a.desc, D.p, T.p, dataRows, idx.p, size, batches, 0, false, true, losses.p, 0);
    expect<i32>(done).toBe(1, "steps taken before the NaN batch");
    expect<bool>(isNaN(losses.f(1))).toBe(true, "loss of the NaN batch is written");
    expect<f32>(losses.f(2)).toBe(-1, "no loss written after stopping");
    expect<f32>(losses.f(0)).toBe(train_step(b.desc, D.p, T.p, size), "loss of the first batch");
    bitsEqual("train_steps parameters after stopping", a.trained(), b.trained());
    a.free(); b.free(); D.free(); T.free(); idx.free(); losses.free();
  });
});

// (kind, a, b, c) of each corruption
const CORRUPTIONS: StaticArray<f32> = [
  <f32>CORRUPT_GAUSSIAN, 0.3, 0, 0,
  <f32>CORRUPT_MASK, 0.4, 0, 0,
  <f32>CORRUPT_SALT_AND_PEPPER, 0.3, -1, 2,
];

/**
 * train_steps with a corruption against: copy the batch's input rows, corrupt the copy with the same generator
 * (after the batch's draw), then train_step on it with the clean target rows. The caller's data stays clean.
 */
function corruptionCase(k: i32, random: bool, apart: bool): void {
  const kind = <i32>CORRUPTIONS[k * 4], ca = CORRUPTIONS[k * 4 + 1], cb = CORRUPTIONS[k * 4 + 2], cc = CORRUPTIONS[k * 4 + 3];
  const dataRows = 8, size = 3, batches = 4, out = apart ? 4 : 3;
  const cfg = small(TANH, SIGMOID, out, size, <u32>(140 + k));
  cfg.fused = true;
  const a = makeNet(cfg), b = makeNet(cfg);
  a.setCorruption(kind, ca, cb, cc);
  const D = data(dataRows, 3, 150, 0.1, 1), T = apart ? data(dataRows, out, 151, 0, 1) : D;
  const D0 = D.copy();
  const idxA = new Buf(dataRows), idxB = new Buf(dataRows);
  identity(idxB, dataRows);
  const losses = new Buf(batches);
  const done = train_steps(a.desc, D.p, T.p, dataRows, idxA.p, size, batches, 1, random, true, losses.p, 0);
  expect<i32>(done).toBe(batches, "steps taken");
  const label = "train_steps corruption " + kind.toString() + (random ? " random" : " sequential") + (apart ? " (T apart)" : " (T = data)");
  const X = new Buf(size * 3), Y = new Buf(size * out);
  const c = new Check(label + " losses");
  let changed = 0;
  for (let s = 0; s < batches; s++) {
    let rows = size;
    if (random) {
      rng_sample(b.state.p, idxB.p, dataRows, size);
    } else {
      const first = ((1 + s) % 3) * size; // 3 batches per pass: [0,3) [3,6) [6,8)
      rows = min(size, dataRows - first);
      for (let r = 0; r < rows; r++) store<i32>(idxB.addr(r), first + r);
    }
    gatherRows(X, D, idxB, rows, 3);
    gatherRows(Y, T, idxB, rows, out);
    const clean = X.copy();
    corrupt(b.state.p, X.p, rows * 3, kind, ca, cb, cc);
    for (let i = 0; i < rows * 3; i++) if (X.bits(i) != clean.bits(i)) changed++;
    clean.free();
    c.same(s, losses.f(s), train_step(b.desc, X.p, Y.p, rows));
  }
  c.done();
  expect<i32>(changed).toBeGreaterThan(0, label + ": the corruption changed some inputs");
  bitsEqual(label + " parameters and generator", a.trained(), b.trained());
  checkUnchanged(label + " data", D, D0);
  if (apart) T.free();
  a.free(); b.free(); D.free(); D0.free(); idxA.free(); idxB.free(); losses.free(); X.free(); Y.free();
}

describe("train_steps with corrupted inputs", () => {
  it("gaussian, mask and salt-and-pepper, sequential and random batches: targets are the clean rows", () => {
    for (let k = 0; k < CORRUPTIONS.length / 4; k++) {
      corruptionCase(k, false, false);
      corruptionCase(k, true, false);
      corruptionCase(k, false, true);
      corruptionCase(k, true, true);
    }
  });
});

describe("train_steps in several calls", () => {
  // An epoch taken as a fresh call then calls that are not fresh (idx kept, firstBatch advanced) gives the bits of
  // one call: the facade splits long epochs this way so that it can return to JavaScript between them.
  it("equals one call, random and sequential, with a corruption", () => {
    for (let variant = 0; variant < 2; variant++) {
      const random = variant == 1;
      const dataRows = 9, size = 2, batches = 7;
      const cfg = small(TANH, SIGMOID, 3, size, <u32>(160 + variant));
      cfg.fused = true;
      const a = makeNet(cfg), b = makeNet(cfg);
      a.setCorruption(CORRUPT_MASK, 0.3, 0, 0);
      b.setCorruption(CORRUPT_MASK, 0.3, 0, 0);
      const D = data(dataRows, 3, 170, 0.1, 1);
      const idxA = new Buf(dataRows), idxB = new Buf(dataRows);
      const lossesA = new Buf(batches), lossesB = new Buf(batches);
      expect<i32>(train_steps(a.desc, D.p, D.p, dataRows, idxA.p, size, batches, 1, random, true, lossesA.p, 0)).toBe(batches);
      let done = 0;
      for (let chunk = 0; done < batches; chunk++) {
        const count = min(chunk + 1, batches - done); // calls of 1, 2, 3, … steps
        const firstBatch = (1 + done) % 5; // 5 batches per pass of 9 rows
        expect<i32>(train_steps(b.desc, D.p, D.p, dataRows, idxB.p, size, count, firstBatch, random, chunk == 0, lossesB.addr(done), 0)).toBe(count);
        done += count;
      }
      const label = "train_steps in several calls" + (random ? " (random)" : " (sequential)");
      bitsEqual(label + " losses", [lossesA], [lossesB]);
      bitsEqual(label + " parameters and generator", a.trained(), b.trained());
      a.free(); b.free(); D.free(); idxA.free(); idxB.free(); lossesA.free(); lossesB.free();
    }
  });
});

// train.ts, lightly: a tiny 3→2→3 model laid out by hand with the descriptor of model.ts, one train_step
// (and gradients) against a naive f64 forward / backward / TF1 RMSProp, and train_steps against
// repeated train_step calls.

import { forward, train_step, gradients, train_steps } from "../../assembly/train";
import { rng_seed, rng_sample } from "../../assembly/rng";
import { LINEAR, TANH, SIGMOID, RELU } from "../../assembly/activations";
import { workspaceFloats } from "../../assembly/gemm";
import {
  H_LAYERS, H_SCRATCH, H_RNG, H_GATHER, H_LR, H_RHO, H_MOMENTUM, H_EPSILON, H_WORK, HEADER_WORDS,
  L_IN, L_OUT, L_ACT, L_W, L_B, L_MS_W, L_MS_B, L_MOM_W, L_MOM_B, L_OUTPUT, L_DELTA, L_GRAD_W, L_GRAD_B, L_LIVE,
  LAYER_WORDS,
} from "../../assembly/model";
import { kindName, activationTwin, derivativeTwin } from "./activation-twin";
import { Buf, Check, alloc16, seedTest } from "./util";

const IN: i32 = 3;
const HIDDEN: i32 = 2;

class Model {
  desc: usize = 0;
  layers: i32 = 2;
  dims: StaticArray<i32> = [IN, HIDDEN, IN];
  acts: StaticArray<i32> = [TANH, SIGMOID];
  lr: f32 = 0.05;
  rho: f32 = 0.9;
  momentum: f32 = 0;
  eps: f32 = 1e-7;
  W: Array<Buf> = [];
  B: Array<Buf> = [];
  MSW: Array<Buf> = [];
  MSB: Array<Buf> = [];
  MOMW: Array<Buf> = [];
  MOMB: Array<Buf> = [];
  OUT: Array<Buf> = [];
  DELTA: Array<Buf> = [];
  GW: Array<Buf> = [];
  GB: Array<Buf> = [];
  LIVE: Array<Buf> = [];
  scratch: Buf = new Buf(32);
  rng: Buf = new Buf(4);
  gather: Buf = new Buf(0);
  work: Buf = new Buf(0);

  /** All the buffers whose contents a step may change (parameters and optimizer slots). */
  state(): Array<Buf> {
    return this.W.concat(this.B).concat(this.MSW).concat(this.MSB).concat(this.MOMW).concat(this.MOMB);
  }

  free(): void {
    const all = this.state().concat(this.OUT).concat(this.DELTA).concat(this.GW).concat(this.GB);
    for (let i = 0; i < all.length; i++) all[i].free();
    this.scratch.free();
    this.rng.free();
    this.gather.free();
    this.work.free();
    heap.free(this.desc);
  }
}

function setWord(desc: usize, index: i32, v: i32): void {
  store<i32>(desc + (<usize>index << 2), v);
}

function setReal(desc: usize, index: i32, v: f32): void {
  store<f32>(desc + (<usize>index << 2), v);
}

function setLayer(desc: usize, l: i32, field: i32, v: i32): void {
  setWord(desc, HEADER_WORDS + l * LAYER_WORDS + field, v);
}

/** Lays out a 3→2→3 model (random parameters from the test PRNG seeded with `seed`, TF1's ms = 1). */
function makeModel(act0: i32, act1: i32, withMom: bool, capacity: i32, seed: u32): Model {
  seedTest(seed);
  const m = new Model();
  m.acts[0] = act0;
  m.acts[1] = act1;
  if (withMom) m.momentum = 0.9;
  m.desc = alloc16((HEADER_WORDS + m.layers * LAYER_WORDS) << 2);
  m.gather = new Buf(capacity * IN);
  m.work = new Buf(max(workspaceFloats(), capacity * 8));
  rng_seed(m.rng.p, 1234, 0);
  setWord(m.desc, H_LAYERS, m.layers);
  setWord(m.desc, H_SCRATCH, <i32>m.scratch.p);
  setWord(m.desc, H_RNG, <i32>m.rng.p);
  setWord(m.desc, H_GATHER, <i32>m.gather.p);
  setWord(m.desc, H_WORK, <i32>m.work.p);
  setReal(m.desc, H_LR, m.lr);
  setReal(m.desc, H_RHO, m.rho);
  setReal(m.desc, H_MOMENTUM, m.momentum);
  setReal(m.desc, H_EPSILON, m.eps);
  for (let l = 0; l < m.layers; l++) {
    const i = m.dims[l], o = m.dims[l + 1];
    m.W.push(new Buf(i * o).fill(-0.8, 0.8));
    m.B.push(new Buf(o).fill(-0.2, 0.2));
    m.MSW.push(new Buf(i * o).fillWith(1));
    m.MSB.push(new Buf(o).fillWith(1));
    m.MOMW.push(withMom ? new Buf(i * o).fill(-0.01, 0.01) : new Buf(0));
    m.MOMB.push(withMom ? new Buf(o).fill(-0.01, 0.01) : new Buf(0));
    m.OUT.push(new Buf(capacity * o));
    m.DELTA.push(new Buf(capacity * o));
    m.GW.push(new Buf(i * o));
    m.GB.push(new Buf(o));
    m.LIVE.push(new Buf(o));
    setLayer(m.desc, l, L_IN, i);
    setLayer(m.desc, l, L_OUT, o);
    setLayer(m.desc, l, L_ACT, m.acts[l]);
    setLayer(m.desc, l, L_W, <i32>m.W[l].p);
    setLayer(m.desc, l, L_B, <i32>m.B[l].p);
    setLayer(m.desc, l, L_MS_W, <i32>m.MSW[l].p);
    setLayer(m.desc, l, L_MS_B, <i32>m.MSB[l].p);
    setLayer(m.desc, l, L_MOM_W, withMom ? <i32>m.MOMW[l].p : 0);
    setLayer(m.desc, l, L_MOM_B, withMom ? <i32>m.MOMB[l].p : 0);
    setLayer(m.desc, l, L_OUTPUT, <i32>m.OUT[l].p);
    setLayer(m.desc, l, L_DELTA, <i32>m.DELTA[l].p);
    setLayer(m.desc, l, L_GRAD_W, <i32>m.GW[l].p);
    setLayer(m.desc, l, L_GRAD_B, <i32>m.GB[l].p);
    setLayer(m.desc, l, L_LIVE, <i32>m.LIVE[l].p);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// The naive f64 twin

class Twin {
  loss: f64 = 0;
  a: Array<StaticArray<f64>> = [];     // a[0] = X, a[l+1] = output of layer l
  gW: Array<StaticArray<f64>> = [];
  gb: Array<StaticArray<f64>> = [];
  W: Array<StaticArray<f64>> = [];     // after the update
  b: Array<StaticArray<f64>> = [];
  msW: Array<StaticArray<f64>> = [];
  msb: Array<StaticArray<f64>> = [];
  momW: Array<StaticArray<f64>> = [];
  momb: Array<StaticArray<f64>> = [];
}

function toF64(b: Buf): StaticArray<f64> {
  const r = new StaticArray<f64>(b.n);
  for (let i = 0; i < b.n; i++) r[i] = b.get(i);
  return r;
}

/** TF1 RMSProp on the arrays w/ms/mom (mom ignored without momentum) with gradient g. */
function rmspropTwin(m: Model, w: StaticArray<f64>, ms: StaticArray<f64>, mom: StaticArray<f64>, g: StaticArray<f64>): void {
  const lr = <f64>m.lr, rho = <f64>m.rho, momentum = <f64>m.momentum, eps = <f64>m.eps;
  const hasMom = mom.length > 0;
  for (let i = 0; i < w.length; i++) {
    ms[i] += (g[i] * g[i] - ms[i]) * (1 - rho);
    const step = lr * g[i] / Math.sqrt(ms[i] + eps);
    if (hasMom) {
      mom[i] = momentum * mom[i] + step;
      w[i] -= mom[i];
    } else {
      w[i] -= step;
    }
  }
}

/** activationTwin(x·W_l + b_l) for rows × in inputs x, in f64. */
function twinLayer(m: Model, l: i32, x: StaticArray<f64>, rows: i32): StaticArray<f64> {
  const ni = m.dims[l], no = m.dims[l + 1];
  const W = toF64(m.W[l]), b = toF64(m.B[l]);
  const y = new StaticArray<f64>(rows * no);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < no; o++) {
      let z = b[o];
      for (let i = 0; i < ni; i++) z += x[r * ni + i] * W[i * no + o];
      y[r * no + o] = activationTwin(m.acts[l], z);
    }
  }
  return y;
}

/** Forward, RMSE loss, backward and (if update) RMSProp of the model's current parameters on X. */
function twinStep(m: Model, X: Buf, rows: i32, update: bool): Twin {
  const t = new Twin();
  const L = m.layers;
  t.a.push(toF64(X));
  for (let l = 0; l < L; l++) t.a.push(twinLayer(m, l, t.a[l], rows));
  const out = t.a[L], x0 = t.a[0];
  const n = rows * m.dims[L];
  let sse: f64 = 0;
  for (let i = 0; i < n; i++) sse += (out[i] - x0[i]) * (out[i] - x0[i]);
  t.loss = Math.sqrt(sse / n);
  let delta = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    const dy = t.loss > 0 ? (out[i] - x0[i]) / (n * t.loss) : 0;
    delta[i] = dy * derivativeTwin(m.acts[L - 1], out[i]);
  }
  for (let l = 0; l < L; l++) { t.gW.push(new StaticArray<f64>(0)); t.gb.push(new StaticArray<f64>(0)); }
  for (let l = L - 1; l >= 0; l--) {
    const ni = m.dims[l], no = m.dims[l + 1];
    const x = t.a[l], W = toF64(m.W[l]);
    const gW = new StaticArray<f64>(ni * no), gb = new StaticArray<f64>(no);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < no; o++) {
        gb[o] += delta[r * no + o];
        for (let i = 0; i < ni; i++) gW[i * no + o] += x[r * ni + i] * delta[r * no + o];
      }
    }
    t.gW[l] = gW;
    t.gb[l] = gb;
    if (l > 0) {
      // delta_{l−1} = (delta_l · W_lᵀ) ⊙ f'(a_l), with W_l before its update
      const below = new StaticArray<f64>(rows * ni);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < ni; i++) {
          let s: f64 = 0;
          for (let o = 0; o < no; o++) s += delta[r * no + o] * W[i * no + o];
          below[r * ni + i] = s * derivativeTwin(m.acts[l - 1], x[r * ni + i]);
        }
      }
      delta = below;
    }
  }
  for (let l = 0; l < L; l++) {
    t.W.push(toF64(m.W[l])); t.b.push(toF64(m.B[l]));
    t.msW.push(toF64(m.MSW[l])); t.msb.push(toF64(m.MSB[l]));
    t.momW.push(toF64(m.MOMW[l])); t.momb.push(toF64(m.MOMB[l]));
    if (update) {
      rmspropTwin(m, t.W[l], t.msW[l], t.momW[l], t.gW[l]);
      rmspropTwin(m, t.b[l], t.msb[l], t.momb[l], t.gb[l]);
    }
  }
  return t;
}

function compare(label: string, got: Buf, want: StaticArray<f64>, rel: f64, abs: f64): void {
  const c = new Check(label);
  c.holds(-1, got.n == want.length, <f64>got.n, <f64>want.length);
  for (let i = 0; i < want.length; i++) c.near(i, got.get(i), want[i], rel * Math.abs(want[i]) + abs);
  c.done();
}

function checkStep(label: string, m: Model, t: Twin, loss: f32, rows: i32): void {
  const cl = new Check(label + " loss");
  cl.near(0, <f64>loss, t.loss, 1e-6 * t.loss);
  cl.done();
  for (let l = 0; l < m.layers; l++) {
    const ls = label + " layer " + l.toString();
    // forward activations (the OUTPUT buffers hold rows × out of this batch)
    const c = new Check(ls + " output");
    const no = m.dims[l + 1];
    for (let i = 0; i < rows * no; i++) c.near(i, m.OUT[l].get(i), t.a[l + 1][i], 1e-6);
    c.done();
    compare(ls + " W", m.W[l], t.W[l], 1e-6, 1e-7);
    compare(ls + " b", m.B[l], t.b[l], 1e-6, 1e-7);
    compare(ls + " MS_W", m.MSW[l], t.msW[l], 1e-6, 1e-8);
    compare(ls + " MS_B", m.MSB[l], t.msb[l], 1e-6, 1e-8);
    compare(ls + " MOM_W", m.MOMW[l], t.momW[l], 1e-5, 1e-7);
    compare(ls + " MOM_B", m.MOMB[l], t.momb[l], 1e-5, 1e-7);
  }
}

function data(rows: i32, seed: u32): Buf {
  seedTest(seed);
  return new Buf(rows * IN).fill(0, 1);
}

function stepCase(act0: i32, act1: i32, withMom: bool, steps: i32): void {
  const rows = 5;
  const m = makeModel(act0, act1, withMom, rows, 81);
  const X = data(rows, 82);
  for (let s = 0; s < steps; s++) {
    const t = twinStep(m, X, rows, true);
    const W0: Array<StaticArray<f64>> = [];
    for (let l = 0; l < m.layers; l++) W0.push(toF64(m.W[l]));
    const loss = train_step(m.desc, X.p, rows);
    const label = "train_step " + kindName(act0) + "→" + kindName(act1) + (withMom ? " momentum" : "") +
      " step " + s.toString();
    checkStep(label, m, t, loss, rows);
    // the step really moved the weights (so matching the twin is not matching a no-op)
    let moved: f64 = 0;
    for (let l = 0; l < m.layers; l++) {
      for (let i = 0; i < m.W[l].n; i++) moved = max(moved, Math.abs(m.W[l].get(i) - W0[l][i]));
    }
    expect<f64>(moved).toBeGreaterThan(1e-4, label + ": largest weight change");
  }
  X.free();
  m.free();
}

function bitsEqual(label: string, a: Array<Buf>, b: Array<Buf>): void {
  const c = new Check(label);
  for (let k = 0; k < a.length; k++) {
    for (let i = 0; i < a[k].n; i++) c.same(k * 1000 + i, a[k].f(i), b[k].f(i));
  }
  c.done();
}

function checkOutputs(label: string, m: Model, l: i32, want: StaticArray<f64>, rows: i32): void {
  const c = new Check(label + " layer " + l.toString() + " output");
  for (let i = 0; i < rows * m.dims[l + 1]; i++) c.near(i, m.OUT[l].get(i), want[i], 1e-6);
  c.done();
}

describe("forward on a 3→2→3 model", () => {
  it("layers 0..1 from X, and layer 1 alone from a given hidden batch, match the twin", () => {
    const rows = 5;
    const m = makeModel(TANH, SIGMOID, false, rows, 91);
    const X = data(rows, 92);
    const before = m.state();
    const snapshot: Array<Buf> = [];
    for (let i = 0; i < before.length; i++) snapshot.push(before[i].copy());
    const h = twinLayer(m, 0, toF64(X), rows);
    forward(m.desc, X.p, rows, 0, 1);
    checkOutputs("forward 0..1", m, 0, h, rows);
    checkOutputs("forward 0..1", m, 1, twinLayer(m, 1, h, rows), rows);
    // decoder only: layer 1 on a hidden batch H, with fewer rows than the capacity
    const H = new Buf(3 * HIDDEN).fill(-1, 1);
    const out0 = m.OUT[0].copy();
    forward(m.desc, H.p, 3, 1, 1);
    checkOutputs("forward 1..1", m, 1, twinLayer(m, 1, toF64(H), 3), 3);
    bitsEqual("forward 1..1 leaves layer 0's output", [m.OUT[0]], [out0]);
    bitsEqual("forward leaves parameters", m.state(), snapshot);
    for (let i = 0; i < snapshot.length; i++) snapshot[i].free();
    H.free(); out0.free(); X.free();
    m.free();
  });
});

describe("train_step on a 3→2→3 model", () => {
  it("TANH→SIGMOID, no momentum: loss, activations, W, b and MS match the naive twin", () => {
    stepCase(TANH, SIGMOID, false, 1);
  });
  it("RELU→LINEAR with momentum, two steps: W, b, MS and MOM match the naive twin", () => {
    stepCase(RELU, LINEAR, true, 2);
  });
  it("SIGMOID→TANH with momentum, one step", () => {
    stepCase(SIGMOID, TANH, true, 1);
  });
});

describe("gradients on a 3→2→3 model", () => {
  it("loss and GRAD_W / GRAD_B match the naive twin; parameters are untouched", () => {
    const rows = 5;
    const m = makeModel(TANH, SIGMOID, true, rows, 83);
    const X = data(rows, 84);
    const t = twinStep(m, X, rows, false);
    const loss = gradients(m.desc, X.p, rows);
    checkStep("gradients", m, t, loss, rows);
    for (let l = 0; l < m.layers; l++) {
      compare("gradients layer " + l.toString() + " GRAD_W", m.GW[l], t.gW[l], 1e-5, 1e-8);
      compare("gradients layer " + l.toString() + " GRAD_B", m.GB[l], t.gb[l], 1e-5, 1e-8);
    }
    X.free();
    m.free();
  });
});

describe("train_steps", () => {
  it("sequential batches equal train_step on consecutive rows from firstBatch on, wrapping around", () => {
    const dataRows = 7, size = 3, batches = 5, firstBatch = 2;
    const a = makeModel(TANH, SIGMOID, true, size, 85);
    const b = makeModel(TANH, SIGMOID, true, size, 85);
    const D = data(dataRows, 86);
    const idx = new Buf(dataRows);
    const losses = new Buf(batches);
    const done = train_steps(a.desc, D.p, dataRows, idx.p, size, batches, firstBatch, false, losses.p);
    expect<i32>(done).toBe(batches, "steps taken");
    const c = new Check("train_steps sequential losses");
    for (let s = 0; s < batches; s++) {
      const first = ((firstBatch + s) % 3) * size; // 3 batches per pass: [0,3) [3,6) [6,7)
      const rows = min(size, dataRows - first);
      const loss = train_step(b.desc, D.p + (<usize>(first * IN) << 2), rows);
      c.same(s, losses.f(s), loss);
    }
    c.done();
    bitsEqual("train_steps sequential parameters", a.state(), b.state());
    a.free(); b.free(); D.free(); idx.free(); losses.free();
  });

  it("random batches equal rng_sample + gather + train_step", () => {
    const dataRows = 7, size = 3, batches = 4;
    const a = makeModel(RELU, SIGMOID, false, size, 87);
    const b = makeModel(RELU, SIGMOID, false, size, 87);
    const D = data(dataRows, 88);
    const idxA = new Buf(dataRows), idxB = new Buf(dataRows);
    for (let i = 0; i < dataRows; i++) { store<i32>(idxA.addr(i), i); store<i32>(idxB.addr(i), i); }
    const losses = new Buf(batches);
    const done = train_steps(a.desc, D.p, dataRows, idxA.p, size, batches, 0, true, losses.p);
    expect<i32>(done).toBe(batches, "steps taken");
    const X = new Buf(size * IN);
    const c = new Check("train_steps random losses");
    for (let s = 0; s < batches; s++) {
      rng_sample(b.rng.p, idxB.p, dataRows, size);
      for (let r = 0; r < size; r++) {
        const src = load<i32>(idxB.addr(r));
        for (let k = 0; k < IN; k++) X.set(r * IN + k, D.f(src * IN + k));
      }
      c.same(s, losses.f(s), train_step(b.desc, X.p, size));
    }
    c.done();
    bitsEqual("train_steps random parameters", a.state(), b.state());
    a.free(); b.free(); D.free(); idxA.free(); idxB.free(); losses.free(); X.free();
  });

  it("stops at a non-finite loss without applying that step", () => {
    const dataRows = 7, size = 3, batches = 3;
    const a = makeModel(TANH, SIGMOID, true, size, 89);
    const b = makeModel(TANH, SIGMOID, true, size, 89);
    const D = data(dataRows, 90);
    D.set(4 * IN + 1, <f32>NaN); // row 4 is in the second batch
    const idx = new Buf(dataRows);
    const losses = new Buf(batches).fillWith(-1);
    const done = train_steps(a.desc, D.p, dataRows, idx.p, size, batches, 0, false, losses.p);
    expect<i32>(done).toBe(1, "steps taken before the NaN batch");
    expect<bool>(isNaN(losses.f(1))).toBe(true, "loss of the NaN batch is written");
    expect<f32>(losses.f(2)).toBe(-1, "no loss written after stopping");
    const first = train_step(b.desc, D.p, size);
    expect<f32>(losses.f(0)).toBe(first, "loss of the first batch");
    bitsEqual("train_steps parameters after stopping", a.state(), b.state());
    a.free(); b.free(); D.free(); idx.free(); losses.free();
  });
});

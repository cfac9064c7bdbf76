// A chain of dense layers laid out by hand with the descriptor of model.ts (header, layer records, parameter
// table, state block), and the naive f64 twin of one training step on it: forward, loss, backward and the
// optimizer (TF1's RMSProp, Adam, Momentum). Shared by the training, fused-path and optimizer specs.

import { OPT_RMSPROP, OPT_ADAM, OPT_SGD } from "../../assembly/train";
import { rng_seed } from "../../assembly/rng";
import { LOSS_RMSE, LOSS_MSE, LOSS_BCE } from "../../assembly/loss";
import { workspaceFloats } from "../../assembly/gemm";
import {
  H_LAYERS, H_STATE, H_SCRATCH, H_GATHER, H_GATHER_T, H_WORK, H_CAPACITY, H_LOSS, H_OPTIMIZER, H_FUSED, H_LR,
  H_OPT_A, H_OPT_B, H_EPSILON, H_PARAMS, H_PARAM_COUNT, H_CORRUPTION, H_CORRUPT_A, H_CORRUPT_B, H_CORRUPT_C,
  HEADER_WORDS, L_KIND, L_SOURCE, L_IN, L_OUT, L_ACT, L_PARAM, L_OUTPUT, L_PRE, L_DELTA, L_LIVE, LAYER_WORDS,
  P_VALUE, P_GRAD, P_SLOT1, P_SLOT2, P_COUNT, PARAM_WORDS, KIND_DENSE,
} from "../../assembly/model";
import { activationTwin, derivativeTwin, kindName } from "./activation-twin";
import { Buf, Check, alloc16, seedTest } from "./util";

/** Bytes of the state block: the generator's 16, then Adam's u32 step count (and padding). */
export const STATE_BYTES: i32 = 24;
const STEP_OFFSET: usize = 16;

export function setWord(desc: usize, index: i32, v: i32): void {
  store<i32>(desc + (<usize>index << 2), v);
}

export function setReal(desc: usize, index: i32, v: f32): void {
  store<f32>(desc + (<usize>index << 2), v);
}

function setLayer(desc: usize, l: i32, field: i32, v: i32): void {
  setWord(desc, HEADER_WORDS + l * LAYER_WORDS + field, v);
}

/** Entry `index` of the parameter-range table at `table`. */
export function setParam(table: usize, index: i32, value: Buf, grad: Buf, slot1: Buf, slot2: Buf): void {
  const at = table + (<usize>(index * PARAM_WORDS) << 2);
  store<i32>(at + (<usize>P_VALUE << 2), <i32>value.p);
  store<i32>(at + (<usize>P_GRAD << 2), <i32>grad.p);
  store<i32>(at + (<usize>P_SLOT1 << 2), slot1.n > 0 ? <i32>slot1.p : 0);
  store<i32>(at + (<usize>P_SLOT2 << 2), slot2.n > 0 ? <i32>slot2.p : 0);
  store<i32>(at + (<usize>P_COUNT << 2), value.n);
}

/** Adam's step count in a state block. */
export function stepsOf(state: Buf): u32 {
  return load<u32>(state.p + STEP_OFFSET);
}

export function setSteps(state: Buf, t: u32): void {
  store<u32>(state.p + STEP_OFFSET, t);
}

export function optimizerName(kind: i32, a: f32, b: f32): string {
  if (kind == OPT_RMSPROP) return "rmsprop rho=" + a.toString() + " momentum=" + b.toString();
  if (kind == OPT_ADAM) return "adam beta1=" + a.toString() + " beta2=" + b.toString();
  return "sgd momentum=" + a.toString() + (b != 0 ? " nesterov" : "");
}

export function lossName(kind: i32): string {
  if (kind == LOSS_RMSE) return "RMSE";
  if (kind == LOSS_MSE) return "MSE";
  return "BCE";
}

/** What to lay out: the chain's widths and activations, the loss, the optimizer and its settings. */
export class Config {
  dims: StaticArray<i32>;
  acts: StaticArray<i32>;
  loss: i32 = LOSS_RMSE;
  optimizer: i32 = OPT_RMSPROP;
  fused: bool = false;
  lr: f32 = 0.05;
  a: f32 = 0.9;       // RMSProp ρ | Adam β₁ | SGD momentum
  b: f32 = 0;         // RMSProp momentum | Adam β₂ | SGD nesterov (0 or 1)
  eps: f32 = 1e-7;
  capacity: i32 = 5;
  seed: u32 = 81;

  constructor(dims: StaticArray<i32>, acts: StaticArray<i32>) {
    this.dims = dims;
    this.acts = acts;
  }

  name(): string {
    let s = "";
    for (let l = 0; l < this.acts.length; l++) {
      s += this.dims[l].toString() + "→";
      if (l == this.acts.length - 1) s += this.dims[l + 1].toString();
    }
    s += " (";
    for (let l = 0; l < this.acts.length; l++) s += (l > 0 ? "→" : "") + kindName(this.acts[l]);
    return s + ") " + lossName(this.loss) + " " + optimizerName(this.optimizer, this.a, this.b) + (this.fused ? " fused" : "");
  }
}

/** The chain laid out in linear memory; parameter entry 2l is layer l's weights, 2l + 1 its biases. */
export class Net {
  cfg: Config;
  layers: i32;
  desc: usize = 0;
  table: usize = 0;
  V: Array<Buf> = [];        // values, by parameter entry
  G: Array<Buf> = [];        // gradients
  S1: Array<Buf> = [];       // slot 1 (n = 0: none)
  S2: Array<Buf> = [];       // slot 2 (n = 0: none)
  OUT: Array<Buf> = [];      // by layer
  PRE: Array<Buf> = [];      // kept only for the last layer under BCE (n = 0: none)
  DELTA: Array<Buf> = [];
  LIVE: Array<Buf> = [];
  state: Buf = new Buf(STATE_BYTES / 4);
  scratch: Buf = new Buf(32);
  gather: Buf;
  gatherT: Buf;
  work: Buf;

  constructor(cfg: Config) {
    const cap = cfg.capacity, L = cfg.acts.length;
    this.cfg = cfg;
    this.layers = L;
    this.gather = new Buf(cap * cfg.dims[0]);
    this.gatherT = new Buf(cap * cfg.dims[L]);
    this.work = new Buf(max(workspaceFloats(), cap * 8));
  }

  /** Width of the input and of the output. */
  get inDim(): i32 { return this.cfg.dims[0]; }
  get outDim(): i32 { return this.cfg.dims[this.layers]; }

  /** The buffers a training step may change: parameters, optimizer slots and the state block. */
  trained(): Array<Buf> {
    return this.V.concat(this.S1).concat(this.S2).concat([this.state]);
  }

  setCorruption(kind: i32, a: f32, b: f32, c: f32): void {
    setWord(this.desc, H_CORRUPTION, kind);
    setReal(this.desc, H_CORRUPT_A, a);
    setReal(this.desc, H_CORRUPT_B, b);
    setReal(this.desc, H_CORRUPT_C, c);
  }

  free(): void {
    const all = this.V.concat(this.G).concat(this.S1).concat(this.S2).concat(this.OUT).concat(this.PRE)
      .concat(this.DELTA).concat(this.LIVE);
    for (let i = 0; i < all.length; i++) all[i].free();
    this.state.free();
    this.scratch.free();
    this.gather.free();
    this.gatherT.free();
    this.work.free();
    heap.free(this.desc);
    heap.free(this.table);
  }
}

/** Whether an optimizer keeps slot 1 / slot 2 under these settings (as the facade allocates them). */
function hasSlot1(cfg: Config): bool {
  return cfg.optimizer != OPT_SGD || cfg.a != 0;
}

function hasSlot2(cfg: Config): bool {
  return cfg.optimizer == OPT_ADAM || (cfg.optimizer == OPT_RMSPROP && cfg.b != 0);
}

/**
 * Lays out the chain with parameters and slots drawn from the test PRNG seeded with cfg.seed: weights in
 * ±0.8, biases in ±0.2; RMSProp mean squares in [0.2, 1.2] and momentum in ±0.01; Adam m in ±0.05, v in
 * [0.001, 0.01] with 4 steps taken; SGD accumulators in ±0.1. The generator is seeded with 1234.
 */
export function makeNet(cfg: Config): Net {
  seedTest(cfg.seed);
  const m = new Net(cfg);
  const L = m.layers, cap = cfg.capacity;
  m.desc = alloc16((HEADER_WORDS + L * LAYER_WORDS) << 2);
  m.table = alloc16(2 * L * PARAM_WORDS << 2);
  rng_seed(m.state.p, 1234, 0);
  setSteps(m.state, cfg.optimizer == OPT_ADAM ? 4 : 0);
  const d = m.desc;
  setWord(d, H_LAYERS, L);
  setWord(d, H_STATE, <i32>m.state.p);
  setWord(d, H_SCRATCH, <i32>m.scratch.p);
  setWord(d, H_GATHER, <i32>m.gather.p);
  setWord(d, H_GATHER_T, <i32>m.gatherT.p);
  setWord(d, H_WORK, <i32>m.work.p);
  setWord(d, H_CAPACITY, cap);
  setWord(d, H_LOSS, cfg.loss);
  setWord(d, H_OPTIMIZER, cfg.optimizer);
  setWord(d, H_FUSED, cfg.fused ? 1 : 0);
  setReal(d, H_LR, cfg.lr);
  setReal(d, H_OPT_A, cfg.a);
  setReal(d, H_OPT_B, cfg.b);
  setReal(d, H_EPSILON, cfg.eps);
  setWord(d, H_PARAMS, <i32>m.table);
  setWord(d, H_PARAM_COUNT, 2 * L);
  for (let l = 0; l < L; l++) {
    const ni = cfg.dims[l], no = cfg.dims[l + 1];
    for (let e = 0; e < 2; e++) {
      const n = e == 0 ? ni * no : no;
      m.V.push(e == 0 ? new Buf(n).fill(-0.8, 0.8) : new Buf(n).fill(-0.2, 0.2));
      m.G.push(new Buf(n));
      let s1 = new Buf(0), s2 = new Buf(0);
      if (cfg.optimizer == OPT_RMSPROP) {
        s1 = new Buf(n).fill(0.2, 1.2);
        if (hasSlot2(cfg)) s2 = new Buf(n).fill(-0.01, 0.01);
      } else if (cfg.optimizer == OPT_ADAM) {
        s1 = new Buf(n).fill(-0.05, 0.05);
        s2 = new Buf(n).fill(0.001, 0.01);
      } else if (hasSlot1(cfg)) {
        s1 = new Buf(n).fill(-0.1, 0.1);
      }
      m.S1.push(s1);
      m.S2.push(s2);
      setParam(m.table, 2 * l + e, m.V[2 * l + e], m.G[2 * l + e], s1, s2);
    }
    m.OUT.push(new Buf(cap * no));
    m.PRE.push(new Buf(cfg.loss == LOSS_BCE && l == L - 1 ? cap * no : 0));
    m.DELTA.push(new Buf(cap * no));
    m.LIVE.push(new Buf(no));
    setLayer(d, l, L_KIND, KIND_DENSE);
    setLayer(d, l, L_SOURCE, l - 1);
    setLayer(d, l, L_IN, ni);
    setLayer(d, l, L_OUT, no);
    setLayer(d, l, L_ACT, cfg.acts[l]);
    setLayer(d, l, L_PARAM, 2 * l);
    setLayer(d, l, L_OUTPUT, <i32>m.OUT[l].p);
    setLayer(d, l, L_PRE, m.PRE[l].n > 0 ? <i32>m.PRE[l].p : 0);
    setLayer(d, l, L_DELTA, <i32>m.DELTA[l].p);
    setLayer(d, l, L_LIVE, <i32>m.LIVE[l].p);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// The naive f64 twin

export function toF64(b: Buf): StaticArray<f64> {
  const r = new StaticArray<f64>(b.n);
  for (let i = 0; i < b.n; i++) r[i] = b.get(i);
  return r;
}

export class Twin {
  loss: f64 = 0;
  z: Array<StaticArray<f64>> = [];   // z[l] = pre-activation of layer l
  a: Array<StaticArray<f64>> = [];   // a[0] = X, a[l+1] = output of layer l
  g: Array<StaticArray<f64>> = [];   // gradients, by parameter entry
  V: Array<StaticArray<f64>> = [];   // values and slots after the update (as they were without one)
  S1: Array<StaticArray<f64>> = [];
  S2: Array<StaticArray<f64>> = [];
  steps: u32 = 0;
}

/** TF1 ApplyRMSProp on w/ms/mom (no momentum slot: mom.length == 0). */
export function rmspropTwin(
  w: StaticArray<f64>, ms: StaticArray<f64>, mom: StaticArray<f64>, g: StaticArray<f64>, lr: f64, rho: f64, momentum: f64, eps: f64,
): void {
  for (let i = 0; i < w.length; i++) {
    ms[i] += (g[i] * g[i] - ms[i]) * (1 - rho);
    const step = lr * g[i] / Math.sqrt(ms[i] + eps);
    if (mom.length > 0) {
      mom[i] = momentum * mom[i] + step;
      w[i] -= mom[i];
    } else {
      w[i] -= step;
    }
  }
}

/** Adam's lr_t at step t (counted from 1). */
export function adamRate(lr: f64, beta1: f64, beta2: f64, t: u32): f64 {
  return lr * Math.sqrt(1 - Math.pow(beta2, <f64>t)) / (1 - Math.pow(beta1, <f64>t));
}

/** TF1 ApplyAdam on w/m/v with the step's lr_t. */
export function adamTwin(
  w: StaticArray<f64>, m: StaticArray<f64>, v: StaticArray<f64>, g: StaticArray<f64>, lrT: f64, beta1: f64, beta2: f64, eps: f64,
): void {
  for (let i = 0; i < w.length; i++) {
    m[i] += (g[i] - m[i]) * (1 - beta1);
    v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
    w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + eps);
  }
}

/** TF1 ApplyMomentum on w/acc (no accumulator: acc.length == 0, plain gradient descent). */
export function sgdTwin(
  w: StaticArray<f64>, acc: StaticArray<f64>, g: StaticArray<f64>, lr: f64, momentum: f64, nesterov: bool,
): void {
  for (let i = 0; i < w.length; i++) {
    if (acc.length == 0) {
      w[i] -= lr * g[i];
      continue;
    }
    acc[i] = acc[i] * momentum + g[i];
    w[i] -= nesterov ? g[i] * lr + acc[i] * momentum * lr : lr * acc[i];
  }
}

/** Layer l of the net on rows × in inputs x: keeps z (pre-activation) and returns f(z), in f64. */
export function twinLayer(m: Net, l: i32, x: StaticArray<f64>, rows: i32, z: StaticArray<f64>): StaticArray<f64> {
  const ni = m.cfg.dims[l], no = m.cfg.dims[l + 1];
  const W = toF64(m.V[2 * l]), b = toF64(m.V[2 * l + 1]);
  const y = new StaticArray<f64>(rows * no);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < no; o++) {
      let s = b[o];
      for (let i = 0; i < ni; i++) s += x[r * ni + i] * W[i * no + o];
      z[r * no + o] = s;
      y[r * no + o] = activationTwin(m.cfg.acts[l], s);
    }
  }
  return y;
}

/** log(1 + e^x) in f64 (finite for the |x| ≤ 100 used here). */
function softplus(x: f64): f64 {
  return Math.log1p(Math.exp(x));
}

/** A loss's value and dL/dz (into delta) for outputs y = f(z) against targets t, n values, in f64. */
export function lossTwin(kind: i32, act: i32, z: StaticArray<f64>, y: StaticArray<f64>, t: StaticArray<f64>, delta: StaticArray<f64>): f64 {
  const n = y.length;
  if (kind == LOSS_BCE) {
    // −[t·log σ(z) + (1 − t)·log(1 − σ(z))] written with softplus, so it is exact at any z
    let sum: f64 = 0;
    for (let i = 0; i < n; i++) {
      sum += t[i] * softplus(-z[i]) + (1 - t[i]) * softplus(z[i]);
      delta[i] = (1.0 / (1.0 + Math.exp(-z[i])) - t[i]) / n;
    }
    return sum / n;
  }
  let sse: f64 = 0;
  for (let i = 0; i < n; i++) sse += (y[i] - t[i]) * (y[i] - t[i]);
  const loss = kind == LOSS_MSE ? sse / n : Math.sqrt(sse / n);
  for (let i = 0; i < n; i++) {
    let dy: f64;
    if (kind == LOSS_MSE) dy = 2 * (y[i] - t[i]) / n;
    else dy = loss > 0 ? (y[i] - t[i]) / (n * loss) : 0;
    delta[i] = dy * derivativeTwin(act, y[i]);
  }
  return loss;
}

/** Forward, loss against T, backward and (if update) the optimizer, from the net's current parameters. */
export function twinStep(m: Net, X: StaticArray<f64>, T: StaticArray<f64>, rows: i32, update: bool): Twin {
  const t = new Twin();
  const L = m.layers, cfg = m.cfg;
  t.a.push(X);
  for (let l = 0; l < L; l++) {
    const z = new StaticArray<f64>(rows * cfg.dims[l + 1]);
    t.a.push(twinLayer(m, l, t.a[l], rows, z));
    t.z.push(z);
  }
  let delta = new StaticArray<f64>(rows * cfg.dims[L]);
  t.loss = lossTwin(cfg.loss, cfg.acts[L - 1], t.z[L - 1], t.a[L], T, delta);
  for (let p = 0; p < 2 * L; p++) t.g.push(new StaticArray<f64>(0));
  for (let l = L - 1; l >= 0; l--) {
    const ni = cfg.dims[l], no = cfg.dims[l + 1];
    const x = t.a[l], W = toF64(m.V[2 * l]);
    const gW = new StaticArray<f64>(ni * no), gb = new StaticArray<f64>(no);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < no; o++) {
        gb[o] += delta[r * no + o];
        for (let i = 0; i < ni; i++) gW[i * no + o] += x[r * ni + i] * delta[r * no + o];
      }
    }
    t.g[2 * l] = gW;
    t.g[2 * l + 1] = gb;
    if (l > 0) {
      // delta_{l−1} = (delta_l · W_lᵀ) ⊙ f'(a_l), with W_l before its update
      const below = new StaticArray<f64>(rows * ni);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < ni; i++) {
          let s: f64 = 0;
          for (let o = 0; o < no; o++) s += delta[r * no + o] * W[i * no + o];
          below[r * ni + i] = s * derivativeTwin(cfg.acts[l - 1], x[r * ni + i]);
        }
      }
      delta = below;
    }
  }
  t.steps = stepsOf(m.state);
  const lr = <f64>cfg.lr, a = <f64>cfg.a, b = <f64>cfg.b, eps = <f64>cfg.eps;
  if (update && cfg.optimizer == OPT_ADAM) t.steps++;
  for (let p = 0; p < 2 * L; p++) {
    t.V.push(toF64(m.V[p]));
    t.S1.push(toF64(m.S1[p]));
    t.S2.push(toF64(m.S2[p]));
    if (!update) continue;
    if (cfg.optimizer == OPT_RMSPROP) rmspropTwin(t.V[p], t.S1[p], t.S2[p], t.g[p], lr, a, b, eps);
    else if (cfg.optimizer == OPT_ADAM) adamTwin(t.V[p], t.S1[p], t.S2[p], t.g[p], adamRate(lr, a, b, t.steps), a, b, eps);
    else sgdTwin(t.V[p], t.S1[p], t.g[p], lr, a, b != 0);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/** got (n values) against want, within rel·|want| + abs each. */
export function compare(label: string, got: Buf, want: StaticArray<f64>, rel: f64, abs: f64): void {
  const c = new Check(label);
  c.holds(-1, got.n == want.length, <f64>got.n, <f64>want.length);
  for (let i = 0; i < want.length; i++) c.near(i, got.get(i), want[i], rel * Math.abs(want[i]) + abs);
  c.done();
}

/** The loss, every layer's outputs (rows of this batch), and the values and slots after the step. */
export function checkTwin(label: string, m: Net, t: Twin, loss: f64, rows: i32): void {
  const cl = new Check(label + " loss");
  cl.near(0, loss, t.loss, 1e-6 * t.loss);
  cl.done();
  for (let l = 0; l < m.layers; l++) {
    const c = new Check(label + " layer " + l.toString() + " output");
    for (let i = 0; i < rows * m.cfg.dims[l + 1]; i++) c.near(i, m.OUT[l].get(i), t.a[l + 1][i], 1e-6 + 1e-6 * Math.abs(t.a[l + 1][i]));
    c.done();
  }
  for (let p = 0; p < 2 * m.layers; p++) {
    const ps = label + " " + (p & 1 ? "b" : "W") + (p >> 1).toString();
    compare(ps + " value", m.V[p], t.V[p], 1e-6, 1e-7);
    compare(ps + " slot1", m.S1[p], t.S1[p], 1e-5, 1e-8);
    compare(ps + " slot2", m.S2[p], t.S2[p], 1e-5, 1e-8);
  }
  expect<u32>(stepsOf(m.state)).toBe(t.steps, label + " step count");
}

/** The gradient buffers against the twin's gradients. */
export function checkGradients(label: string, m: Net, t: Twin): void {
  for (let p = 0; p < 2 * m.layers; p++) {
    compare(label + " grad " + (p & 1 ? "b" : "W") + (p >> 1).toString(), m.G[p], t.g[p], 1e-5, 1e-8);
  }
}

/** Bit-for-bit equality of two lists of buffers (payloads). */
export function bitsEqual(label: string, a: Array<Buf>, b: Array<Buf>): void {
  const c = new Check(label);
  c.holds(-1, a.length == b.length, <f64>a.length, <f64>b.length);
  for (let k = 0; k < a.length; k++) {
    c.holds(k * 100000 - 1, a[k].n == b[k].n, <f64>a[k].n, <f64>b[k].n);
    for (let i = 0; i < a[k].n; i++) c.same(k * 100000 + i, a[k].f(i), b[k].f(i));
  }
  c.done();
}

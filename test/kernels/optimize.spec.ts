// optimize(), the optimizer stage, over a parameter-range table of awkward lengths (1, 3, 5, 17, 100) against the
// f64 twins of TF1's RMSProp, Adam and Momentum: Adam counts its steps in the state block (u32 after the 16-byte
// generator) and uses lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); nothing outside a range's count is touched.

import { optimize, OPT_RMSPROP, OPT_ADAM, OPT_SGD } from "../../assembly/train";
import { adam } from "../../assembly/optim";
import { rng_seed } from "../../assembly/rng";
import { H_STATE, H_OPTIMIZER, H_LR, H_OPT_A, H_OPT_B, H_EPSILON, H_PARAMS, H_PARAM_COUNT, HEADER_WORDS, PARAM_WORDS } from "../../assembly/model";
import {
  STATE_BYTES, setWord, setReal, setParam, stepsOf, setSteps, optimizerName, toF64, rmspropTwin, adamTwin, adamRate,
  sgdTwin, bitsEqual,
} from "./layout";
import { Buf, Check, alloc16, checkGuards, checkUnchanged, seedTest, sz } from "./util";

const COUNTS: StaticArray<i32> = [1, 3, 5, 17, 100];

/** A header and a parameter table of COUNTS.length ranges, with no layers: all the optimizer stage reads. */
class Stage {
  desc: usize;
  table: usize;
  state: Buf = new Buf(STATE_BYTES / 4);
  V: Array<Buf> = [];
  G: Array<Buf> = [];
  S1: Array<Buf> = [];
  S2: Array<Buf> = [];
  kind: i32;
  lr: f32;
  a: f32;
  b: f32;
  eps: f32;

  /**
   * Values and gradients in ±1; slot 1 (if any) in [0.2, 1.2] for RMSProp's mean squares, else ±0.1; slot 2 (if
   * any) in [0.01, 0.5] for Adam's v, else ±0.1. The generator is seeded with 99 and the step count is 0.
   */
  constructor(kind: i32, lr: f32, a: f32, b: f32, eps: f32, slot1: bool, slot2: bool, seed: u32) {
    seedTest(seed);
    this.kind = kind; this.lr = lr; this.a = a; this.b = b; this.eps = eps;
    this.desc = alloc16(HEADER_WORDS << 2);
    this.table = alloc16(COUNTS.length * PARAM_WORDS << 2);
    rng_seed(this.state.p, 99, 0);
    setSteps(this.state, 0);
    setWord(this.desc, H_STATE, <i32>this.state.p);
    setWord(this.desc, H_OPTIMIZER, kind);
    setReal(this.desc, H_LR, lr);
    setReal(this.desc, H_OPT_A, a);
    setReal(this.desc, H_OPT_B, b);
    setReal(this.desc, H_EPSILON, eps);
    setWord(this.desc, H_PARAMS, <i32>this.table);
    setWord(this.desc, H_PARAM_COUNT, COUNTS.length);
    for (let p = 0; p < COUNTS.length; p++) {
      const n = COUNTS[p];
      this.V.push(new Buf(n).fill(-1, 1));
      this.G.push(new Buf(n).fill(-1, 1));
      this.S1.push(!slot1 ? new Buf(0) : kind == OPT_RMSPROP ? new Buf(n).fill(0.2, 1.2) : new Buf(n).fill(-0.1, 0.1));
      this.S2.push(!slot2 ? new Buf(0) : kind == OPT_ADAM ? new Buf(n).fill(0.01, 0.5) : new Buf(n).fill(-0.1, 0.1));
      setParam(this.table, p, this.V[p], this.G[p], this.S1[p], this.S2[p]);
    }
  }

  name(): string {
    return "optimize " + optimizerName(this.kind, this.a, this.b) + " lr=" + this.lr.toString() + " eps=" + this.eps.toString() +
      (this.S1[0].n > 0 ? " slot1" : "") + (this.S2[0].n > 0 ? " slot2" : "");
  }

  /** The generator's four words. */
  generator(): StaticArray<u32> {
    const r = new StaticArray<u32>(4);
    for (let i = 0; i < 4; i++) r[i] = load<u32>(this.state.addr(i));
    return r;
  }

  free(): void {
    const all = this.V.concat(this.G).concat(this.S1).concat(this.S2);
    for (let i = 0; i < all.length; i++) all[i].free();
    this.state.free();
    heap.free(this.desc);
    heap.free(this.table);
  }
}

function copies(bufs: Array<Buf>): Array<Buf> {
  const r: Array<Buf> = [];
  for (let i = 0; i < bufs.length; i++) r.push(bufs[i].copy());
  return r;
}

function freeAll(bufs: Array<Buf>): void {
  for (let i = 0; i < bufs.length; i++) bufs[i].free();
}

/**
 * One optimize() call against the twin of the stage's optimizer: values and slots of every range, their guards,
 * the gradients unchanged, the step count (Adam: one more; otherwise the same) and the generator untouched.
 */
function stepAgainstTwin(s: Stage, label: string): void {
  const V0 = copies(s.V), G0 = copies(s.G), S10 = copies(s.S1), S20 = copies(s.S2);
  const gen0 = s.generator();
  const t = stepsOf(s.state) + (s.kind == OPT_ADAM ? 1 : 0);
  const lr = <f64>s.lr, a = <f64>s.a, b = <f64>s.b, eps = <f64>s.eps;
  optimize(s.desc);
  for (let p = 0; p < COUNTS.length; p++) {
    const w = toF64(V0[p]), g = toF64(G0[p]), s1 = toF64(S10[p]), s2 = toF64(S20[p]);
    if (s.kind == OPT_RMSPROP) rmspropTwin(w, s1, s2, g, lr, a, b, eps);
    else if (s.kind == OPT_ADAM) adamTwin(w, s1, s2, g, adamRate(lr, a, b, t), a, b, eps);
    else sgdTwin(w, s1, g, lr, a, b != 0);
    const ps = label + sz("range", p) + sz("n", COUNTS[p]);
    const cw = new Check(ps + " W"), c1 = new Check(ps + " slot1"), c2 = new Check(ps + " slot2");
    for (let i = 0; i < COUNTS[p]; i++) {
      // the tolerance scales with the step |w − w0| itself, not only with |w|
      const step = Math.abs(w[i] - V0[p].get(i));
      cw.near(i, s.V[p].get(i), w[i], 1e-6 * Math.abs(w[i]) + 1e-5 * step + 1e-12);
      if (s1.length > 0) c1.near(i, s.S1[p].get(i), s1[i], 1e-6 * Math.abs(s1[i]) + 1e-9);
      if (s2.length > 0) c2.near(i, s.S2[p].get(i), s2[i], 1e-6 * Math.abs(s2[i]) + 1e-9);
    }
    cw.done(); c1.done(); c2.done();
    checkGuards(ps + " W", s.V[p], V0[p]);
    checkUnchanged(ps + " G", s.G[p], G0[p]);
    if (s1.length > 0) checkGuards(ps + " slot1", s.S1[p], S10[p]);
    if (s2.length > 0) checkGuards(ps + " slot2", s.S2[p], S20[p]);
  }
  expect<u32>(stepsOf(s.state)).toBe(t, label + " step count");
  const gen = s.generator(), cg = new Check(label + " generator untouched");
  for (let i = 0; i < 4; i++) cg.holds(i, gen[i] == gen0[i], <f64>gen[i], <f64>gen0[i]);
  cg.done();
  freeAll(V0); freeAll(G0); freeAll(S10); freeAll(S20);
}

describe("optimize with OPT_ADAM", () => {
  it("three steps from zero values and slots: the step count goes 1, 2, 3 and each matches the twin with lr_t(t)", () => {
    const s = new Stage(OPT_ADAM, 0.001, 0.9, 0.999, 1e-8, true, true, 701);
    for (let p = 0; p < COUNTS.length; p++) {
      s.V[p].fillWith(0); // so that W is the sum of the steps, and the check is on them alone
      s.S1[p].fillWith(0);
      s.S2[p].fillWith(0);
    }
    for (let k = 1; k <= 3; k++) stepAgainstTwin(s, s.name() + " step " + k.toString());
    s.free();
  });
  it("other settings, and a step count of 999 → 1000", () => {
    const s = new Stage(OPT_ADAM, 0.05, 0.5, 0.9, 1e-3, true, true, 702);
    stepAgainstTwin(s, s.name());
    s.free();
    const late = new Stage(OPT_ADAM, 0.01, 0.9, 0.999, 1e-7, true, true, 703);
    setSteps(late.state, 999);
    stepAgainstTwin(late, late.name() + " t=1000");
    late.free();
  });
  it("gives adam()'s bits with lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) computed in f64 and rounded to f32", () => {
    const steps: StaticArray<u32> = [0, 1, 9, 999, 100000];
    for (let k = 0; k < steps.length; k++) {
      const s = new Stage(OPT_ADAM, 0.002, 0.85, 0.995, 1e-6, true, true, <u32>(710 + k));
      const W = copies(s.V), M = copies(s.S1), V = copies(s.S2);
      setSteps(s.state, steps[k]);
      optimize(s.desc);
      const t = steps[k] + 1;
      const lrT = <f32>(<f64>s.lr * Math.sqrt(1.0 - Math.pow(<f64>s.b, <f64>t)) / (1.0 - Math.pow(<f64>s.a, <f64>t)));
      for (let p = 0; p < COUNTS.length; p++) adam(W[p].p, M[p].p, V[p].p, s.G[p].p, COUNTS[p], lrT, s.a, s.b, s.eps);
      const label = s.name() + " from t=" + steps[k].toString() + " against adam()";
      bitsEqual(label, s.V.concat(s.S1).concat(s.S2), W.concat(M).concat(V));
      expect<u32>(stepsOf(s.state)).toBe(t, label + " step count");
      freeAll(W); freeAll(M); freeAll(V);
      s.free();
    }
  });
});

describe("optimize with OPT_SGD", () => {
  it("plain gradient descent without an accumulator (slot 1 = 0)", () => {
    const s = new Stage(OPT_SGD, 0.1, 0, 0, 0, false, false, 720);
    stepAgainstTwin(s, s.name());
    stepAgainstTwin(s, s.name() + " again");
    s.free();
  });
  it("momentum 0.9 with the accumulator, without and with nesterov, two steps each", () => {
    for (let nesterov = 0; nesterov < 2; nesterov++) {
      const s = new Stage(OPT_SGD, 0.05, 0.9, <f32>nesterov, 0, true, false, <u32>(721 + nesterov));
      stepAgainstTwin(s, s.name());
      stepAgainstTwin(s, s.name() + " again");
      s.free();
    }
  });
  it("an accumulator with momentum 0 holds the last gradient", () => {
    const s = new Stage(OPT_SGD, 0.5, 0, 1, 0, true, false, 723);
    stepAgainstTwin(s, s.name());
    bitsEqual(s.name() + " accumulator = G", s.S1, s.G);
    s.free();
  });
});

describe("optimize with OPT_RMSPROP", () => {
  it("without and with a momentum slot, two steps each", () => {
    for (let withMom = 0; withMom < 2; withMom++) {
      const s = new Stage(OPT_RMSPROP, 0.01, 0.9, withMom ? 0.5 : 0, 1e-7, true, withMom != 0, <u32>(730 + withMom));
      stepAgainstTwin(s, s.name());
      stepAgainstTwin(s, s.name() + " again");
      s.free();
    }
  });
});

// A stage with an unknown optimizer kind, for the trap check (closures cannot capture locals).
const UNKNOWN = new Stage(3, 0.1, 0, 0, 0, false, false, 740);

describe("unknown optimizer kinds", () => {
  it("optimize traps on a kind it does not know", () => {
    expect(() => { optimize(UNKNOWN.desc); }).toThrow("optimizer kind 3");
  });
});

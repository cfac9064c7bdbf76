// activation_forward / activation_backward against Math.tanh, 1/(1+exp(-x)), max(x, 0), leaky relu (slope
// 0.01), elu (expm1 below 0) and the identity in f64: 1e-6 absolute (plus 1e-7 relative for leaky relu, whose
// negative side is unbounded) over a dense grid of [-20, 20], finite with the right limit for huge inputs,
// and on sizes whose scalar tails (n mod 4 ≠ 0) go through the non-SIMD path.

import {
  activation_forward, activation_backward, live_units, LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, ACTIVATION_COUNT,
} from "../../assembly/activations";
import { kindName, activationTwin, derivativeTwin } from "./activation-twin";
import { Buf, Check, checkGuards, checkUnchanged, seedTest, sz, uniform } from "./util";

const ABS_TOL: f64 = 1e-6;

const SIZES: StaticArray<i32> = [1, 2, 3, 5, 7, 17, 100, 3072, 3075];

// Inputs at and beyond the range where exp overflows, plus signed zeros and tiny values.
const EXTREMES: StaticArray<f32> = [
  1e4, -1e4, 1e30, -1e30, Infinity, -Infinity, 3.4e38, -3.4e38,
  87, -87, 88, -88, 89, -89, 100, -100,
  44, -44, 20, -20, 0, -0.0, 1e-30, -1e-30,
  1e-7, -1e-7, 9.5, -9.5, 0.5,
];

/** Runs the forward kernel on X (n values) into a fresh buffer, or in place, and checks the result. */
function checkForward(label: string, kind: i32, X: Buf, inPlace: bool): void {
  const n = X.n;
  const X0 = X.copy();
  const Y = inPlace ? X : new Buf(n).fill(-5, 5);
  const Y0 = Y.copy();
  activation_forward(kind, Y.p, X.p, n);
  const full = label + " " + kindName(kind) + sz("n", n) + (inPlace ? " in place" : "");
  const c = new Check(full);
  for (let i = 0; i < n; i++) {
    const y = Y.get(i), want = activationTwin(kind, X0.get(i));
    c.holds(i, isFinite(y) || !isFinite(want), y, want);
    if (kind == LINEAR) c.same(i, Y.f(i), X0.f(i));
    else c.near(i, y, want, kind == RELU ? 0 : ABS_TOL + (kind == LEAKY_RELU ? 1e-7 * Math.abs(want) : 0));
  }
  c.done();
  checkGuards(full + " y", Y, Y0);
  if (!inPlace) {
    checkUnchanged(full + " x", X, X0);
    Y.free();
  }
  X0.free(); Y0.free();
}

function gridForward(kind: i32): void {
  // [-20, 20] in steps of 2⁻¹⁰: 40961 points, exactly representable, so n mod 4 = 1
  const n = 40 * 1024 + 1;
  const X = new Buf(n);
  for (let i = 0; i < n; i++) X.set(i, <f32>(-20.0 + <f64>i / 1024.0));
  checkForward("grid [-20,20]", kind, X, false);
  X.free();
}

function sizesForward(kind: i32): void {
  seedTest(<u32>(40 + kind));
  for (let s = 0; s < SIZES.length; s++) {
    const X = new Buf(SIZES[s]).fill(-20, 20);
    checkForward("random", kind, X, false);
    checkForward("random", kind, X, true);
    X.free();
    const Z = new Buf(SIZES[s]).fill(-1, 1);
    checkForward("random small", kind, Z, false);
    Z.free();
  }
}

function extremesForward(kind: i32): void {
  // all together (vector body and a tail), then one by one (n = 1: scalar path only)
  const X = new Buf(EXTREMES.length);
  for (let i = 0; i < EXTREMES.length; i++) X.set(i, EXTREMES[i]);
  checkForward("extremes", kind, X, false);
  X.free();
  for (let i = 0; i < EXTREMES.length; i++) {
    const one = new Buf(1);
    one.set(0, EXTREMES[i]);
    checkForward("extreme x=" + EXTREMES[i].toString(), kind, one, false);
    one.free();
  }
}

/** d *= f'(y): y from the forward kernel (or arbitrary values in the range of f), d random. */
function checkBackward(label: string, kind: i32, Y: Buf): void {
  const n = Y.n;
  const D = new Buf(n).fill(-1, 1);
  const D0 = D.copy(), Y0 = Y.copy();
  activation_backward(kind, D.p, Y.p, n);
  const full = "backward " + label + " " + kindName(kind) + sz("n", n);
  const c = new Check(full);
  for (let i = 0; i < n; i++) {
    const want = D0.get(i) * derivativeTwin(kind, Y0.get(i));
    c.near(i, D.get(i), want, kind == LINEAR ? 0 : ABS_TOL);
  }
  c.done();
  checkGuards(full + " d", D, D0);
  checkUnchanged(full + " y", Y, Y0);
  D.free(); D0.free(); Y0.free();
}

function backward(kind: i32): void {
  seedTest(<u32>(50 + kind));
  // outputs of the forward pass over the dense grid
  const n = 40 * 1024 + 1;
  const Y = new Buf(n);
  for (let i = 0; i < n; i++) Y.set(i, <f32>(-20.0 + <f64>i / 1024.0));
  activation_forward(kind, Y.p, Y.p, n);
  checkBackward("of grid outputs", kind, Y);
  Y.free();
  // arbitrary y in (and, for RELU, around) the range of f, with exact zeros mixed in
  for (let s = 0; s < SIZES.length; s++) {
    const m = SIZES[s];
    const R = new Buf(m);
    for (let i = 0; i < m; i++) {
      let y: f32;
      if (kind == TANH) y = uniform(-1, 1);
      else if (kind == SIGMOID) y = uniform(0, 1);
      else if (kind == ELU) y = uniform(-1, 3);
      else y = uniform(-3, 3);
      if (i % 7 == 3) y = 0;
      R.set(i, y);
    }
    checkBackward("random y", kind, R);
    R.free();
  }
}

describe("activation_forward", () => {
  it("TANH within 1e-6 of Math.tanh on a dense grid of [-20, 20]", () => { gridForward(TANH); });
  it("SIGMOID within 1e-6 of 1/(1+exp(-x)) on a dense grid of [-20, 20]", () => { gridForward(SIGMOID); });
  it("RELU is exactly max(x, 0) on a dense grid of [-20, 20]", () => { gridForward(RELU); });
  it("LINEAR copies bit for bit on a dense grid of [-20, 20]", () => { gridForward(LINEAR); });
  it("LEAKY_RELU within 1e-6 of max(x, 0.01·x) on a dense grid of [-20, 20]", () => { gridForward(LEAKY_RELU); });
  it("ELU within 1e-6 of x > 0 ? x : e^x − 1 on a dense grid of [-20, 20]", () => { gridForward(ELU); });

  it("TANH on sizes with scalar tails, out of place and in place", () => { sizesForward(TANH); });
  it("SIGMOID on sizes with scalar tails, out of place and in place", () => { sizesForward(SIGMOID); });
  it("RELU on sizes with scalar tails, out of place and in place", () => { sizesForward(RELU); });
  it("LINEAR on sizes with scalar tails, out of place and in place", () => { sizesForward(LINEAR); });
  it("LEAKY_RELU on sizes with scalar tails, out of place and in place", () => { sizesForward(LEAKY_RELU); });
  it("ELU on sizes with scalar tails, out of place and in place", () => { sizesForward(ELU); });

  it("TANH is finite with the right limit for ±1e4, ±1e30, ±inf", () => { extremesForward(TANH); });
  it("SIGMOID is finite with the right limit for ±1e4, ±1e30, ±inf", () => { extremesForward(SIGMOID); });
  it("RELU is exact for ±1e4, ±1e30, ±inf", () => { extremesForward(RELU); });
  it("LEAKY_RELU keeps 0.01·x for ±1e4, ±1e30, ±inf", () => { extremesForward(LEAKY_RELU); });
  it("ELU is finite with limit −1 below and x above for ±1e4, ±1e30, ±inf", () => { extremesForward(ELU); });
});

describe("activation_backward: d *= f'(y)", () => {
  it("TANH: d·(1 − y²)", () => { backward(TANH); });
  it("SIGMOID: d·y·(1 − y)", () => { backward(SIGMOID); });
  it("RELU: d where y > 0, else 0", () => { backward(RELU); });
  it("LINEAR leaves d unchanged", () => { backward(LINEAR); });
  it("LEAKY_RELU: d where y > 0, else 0.01·d", () => { backward(LEAKY_RELU); });
  it("ELU: d where y > 0, else d·(y + 1)", () => { backward(ELU); });
});

// Pointers for the trap checks (closures cannot capture locals).
const TRAP_BUF = new Buf(8);

describe("unknown activation kinds", () => {
  it("activation_forward, activation_backward and live_units trap on kinds −1 and ACTIVATION_COUNT", () => {
    expect(() => { activation_forward(-1, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("forward −1");
    expect(() => { activation_forward(ACTIVATION_COUNT, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("forward 6");
    expect(() => { activation_backward(ACTIVATION_COUNT, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("backward 6");
    expect(() => { live_units(ACTIVATION_COUNT, TRAP_BUF.p, TRAP_BUF.p, 2, 4); }).toThrow("live_units 6");
  });
});

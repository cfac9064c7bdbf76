// sum_squared_error and rmse_loss_grad against f64 loops: L = sqrt(mean((y − x)²)),
// dY = (y − x)/(n·L), and dY = 0 when L = 0.

import { sum_squared_error, rmse_loss_grad } from "../../assembly/loss";
import { Buf, Check, checkGuards, checkUnchanged, seedTest, sz } from "./util";

const SIZES: StaticArray<i32> = [1, 2, 3, 5, 7, 17, 100, 3072, 3073];

function refSse(Y: Buf, X: Buf): f64 {
  let s: f64 = 0;
  for (let i = 0; i < Y.n; i++) {
    const d = Y.get(i) - X.get(i);
    s += d * d;
  }
  return s;
}

function sseCase(n: i32, spread: f64): void {
  const Y = new Buf(n).fill(-spread, spread), X = new Buf(n).fill(-spread, spread);
  const Y0 = Y.copy(), X0 = X.copy();
  const got = sum_squared_error(Y.p, X.p, n);
  const want = refSse(Y0, X0);
  const label = "sum_squared_error" + sz("n", n) + " spread=" + spread.toString();
  const c = new Check(label);
  c.near(0, got, want, 1e-6 * want + 1e-300);
  c.done();
  checkUnchanged(label + " Y", Y, Y0);
  checkUnchanged(label + " X", X, X0);
  Y.free(); X.free(); Y0.free(); X0.free();
}

function rmseCase(n: i32, spread: f64): void {
  const Y = new Buf(n).fill(-spread, spread), X = new Buf(n).fill(-spread, spread);
  const dY = new Buf(n).fill(-9, 9);
  const Y0 = Y.copy(), X0 = X.copy(), dY0 = dY.copy();
  const loss = rmse_loss_grad(dY.p, Y.p, X.p, n);
  const L = Math.sqrt(refSse(Y0, X0) / <f64>n);
  const label = "rmse_loss_grad" + sz("n", n) + " spread=" + spread.toString();
  const cl = new Check(label + " loss");
  cl.near(0, <f64>loss, L, 1e-6 * L);
  cl.done();
  const c = new Check(label + " dY");
  for (let i = 0; i < n; i++) {
    const want = (Y0.get(i) - X0.get(i)) / (<f64>n * L);
    c.near(i, dY.get(i), want, 1e-6 * Math.abs(want) + 1e-30);
  }
  c.done();
  checkGuards(label + " dY", dY, dY0);
  checkUnchanged(label + " Y", Y, Y0);
  checkUnchanged(label + " X", X, X0);
  Y.free(); X.free(); dY.free(); Y0.free(); X0.free(); dY0.free();
}

/** y == x everywhere: L = 0 and every dY is +0 or −0 (no NaN from 0/0), whatever dY held before. */
function zeroCase(n: i32, inPlace: bool): void {
  const X = new Buf(n).fill(-1, 1);
  const Y = inPlace ? X : X.copy();
  const dY = new Buf(n).fillWith(<f32>NaN);
  const dY0 = dY.copy();
  const loss = rmse_loss_grad(dY.p, Y.p, X.p, n);
  const label = "rmse_loss_grad y == x" + sz("n", n) + (inPlace ? " (same buffer)" : "");
  const c = new Check(label);
  c.holds(-1, loss == 0, <f64>loss, 0);
  for (let i = 0; i < n; i++) c.holds(i, dY.f(i) == 0, dY.get(i), 0);
  c.done();
  checkGuards(label + " dY", dY, dY0);
  if (!inPlace) Y.free();
  X.free(); dY.free(); dY0.free();
}

describe("sum_squared_error", () => {
  it("matches an f64 loop on sizes with scalar tails", () => {
    seedTest(61);
    for (let s = 0; s < SIZES.length; s++) {
      sseCase(SIZES[s], 1);
      sseCase(SIZES[s], 1000);
    }
  });
  it("is 0 when y == x and counts the tail element", () => {
    const X = new Buf(7).fill(-1, 1);
    const Y = X.copy();
    expect<f64>(sum_squared_error(Y.p, X.p, 7)).toBe(0, "y == x");
    Y.set(6, Y.f(6) + 2); // only the scalar tail differs
    expect<f64>(sum_squared_error(Y.p, X.p, 7)).toBeCloseTo(4, 5, "tail difference of 2");
    Y.set(6, X.f(6));
    Y.set(1, Y.f(1) - 3); // only the vector body differs
    expect<f64>(sum_squared_error(Y.p, X.p, 7)).toBeCloseTo(9, 5, "body difference of 3");
    X.free(); Y.free();
  });
});

describe("rmse_loss_grad", () => {
  it("returns sqrt(mean((y−x)²)) and writes (y−x)/(n·L)", () => {
    seedTest(62);
    for (let s = 0; s < SIZES.length; s++) {
      rmseCase(SIZES[s], 1);
      rmseCase(SIZES[s], 0.001);
    }
  });
  it("writes a zero gradient (no NaN) when L == 0", () => {
    seedTest(63);
    for (let s = 0; s < SIZES.length; s++) {
      zeroCase(SIZES[s], false);
      zeroCase(SIZES[s], true);
    }
  });
});

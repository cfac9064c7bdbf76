// sum_squared_error and rmse_loss_grad against f64 loops: L = sqrt(mean((y − x)²)),
// dY = (y − x)/(n·L), and dY = 0 when L = 0. Then the loss stage, loss_grad / loss_sum / loss_value, for RMSE,
// MSE and BCE against the f64 twin (layout.ts): dL/dz through every output activation for RMSE and MSE, and for
// BCE from the pre-activation z alone, log-loss written with softplus, (σ(z) − t)/n, finite up to |z| = 100.

import {
  sum_squared_error, rmse_loss_grad, loss_grad, loss_grad_part, loss_sum, loss_value, LOSS_RMSE, LOSS_MSE, LOSS_BCE,
} from "../../assembly/loss";
import { activation_forward, LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU } from "../../assembly/activations";
import { kindName } from "./activation-twin";
import { lossTwin, lossName, toF64 } from "./layout";
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

// ---------------------------------------------------------------------------------------------
// loss_grad / loss_sum / loss_value

const ACTS: StaticArray<i32> = [LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU];

// Pre-activations where σ saturates in f32 (and exp would overflow past 88), spread through a BCE batch.
const BIG_Z: StaticArray<f32> = [80, -80, 100, -100, 20, -20, 0];

/**
 * One loss_grad on n values against the twin, then loss_sum and loss_value. RMSE and MSE read Y = f(Z) (here the
 * activation kernel's output) and never Z; BCE reads Z and never Y: what is not read is NaN.
 */
function stageCase(kind: i32, act: i32, n: i32): void {
  const bce = kind == LOSS_BCE;
  const Z = new Buf(n).fill(-4, 4), T = new Buf(n).fill(bce ? 0 : -1, 1);
  if (bce) {
    for (let i = 0; i < n; i += 3) Z.set(i, BIG_Z[(i / 3) % BIG_Z.length]);
    for (let i = 1; i < n; i += 4) T.set(i, <f32>((i >> 2) & 1)); // hard 0/1 targets too
  }
  const Y = new Buf(n).fillWith(<f32>NaN), poison = new Buf(n).fillWith(<f32>NaN);
  if (!bce) activation_forward(act, Y.p, Z.p, n);
  const dZ = new Buf(n).fill(-9, 9);
  const Y0 = Y.copy(), Z0 = Z.copy(), T0 = T.copy(), dZ0 = dZ.copy(), P0 = poison.copy();
  const zArg = bce ? Z : poison, yArg = bce ? poison : Y;
  const label = "loss_grad " + lossName(kind) + " " + kindName(act) + sz("n", n);
  const got = loss_grad(kind, act, dZ.p, yArg.p, zArg.p, T.p, n);
  const want = new StaticArray<f64>(n);
  const L = lossTwin(kind, act, toF64(Z0), toF64(Y0), toF64(T0), want);
  const cl = new Check(label + " loss");
  cl.near(0, got, L, (bce ? 1e-12 : 1e-6) * L);
  cl.done();
  const c = new Check(label + " dZ");
  for (let i = 0; i < n; i++) {
    // f32 rounding of dL/dy (or of σ(z) − t) and of f'(y), relative to the size of dL/dy
    const y = Y0.get(i), t = T0.get(i);
    const dy = bce ? 1.0 / n : kind == LOSS_MSE ? 2 * Math.abs(y - t) / n : Math.abs(y - t) / (n * L);
    c.near(i, dZ.get(i), want[i], 1e-6 * Math.abs(want[i]) + 3e-7 * dy + 1e-37);
  }
  c.done();
  checkGuards(label + " dZ", dZ, dZ0);
  checkUnchanged(label + " Y", Y, Y0);
  checkUnchanged(label + " Z", Z, Z0);
  checkUnchanged(label + " T", T, T0);
  checkUnchanged(label + " unread input", poison, P0);
  // loss_sum: the sum of the terms; loss_value(loss_sum) is loss_grad's loss
  const sum = loss_sum(kind, yArg.p, zArg.p, T.p, n);
  const cs = new Check(label + " loss_sum");
  const wantSum = kind == LOSS_RMSE ? L * L * n : L * n;
  cs.near(0, sum, wantSum, (bce ? 1e-12 : 2e-6) * wantSum);
  cs.near(1, loss_value(kind, sum, <f64>n), got, (kind == LOSS_RMSE ? 1e-7 : 1e-15) * got);
  cs.done();
  Z.free(); T.free(); Y.free(); poison.free(); dZ.free(); Y0.free(); Z0.free(); T0.free(); dZ0.free(); P0.free();
}

const STAGE_SIZES: StaticArray<i32> = [1, 2, 3, 5, 7, 17, 100, 3073];

describe("loss_grad / loss_sum / loss_value", () => {
  it("RMSE through every output activation on sizes with scalar tails", () => {
    seedTest(64);
    for (let a = 0; a < ACTS.length; a++) for (let s = 0; s < STAGE_SIZES.length; s++) stageCase(LOSS_RMSE, ACTS[a], STAGE_SIZES[s]);
  });
  it("MSE through every output activation on sizes with scalar tails", () => {
    seedTest(65);
    for (let a = 0; a < ACTS.length; a++) for (let s = 0; s < STAGE_SIZES.length; s++) stageCase(LOSS_MSE, ACTS[a], STAGE_SIZES[s]);
  });
  it("BCE from the pre-activation, z up to ±100 and hard targets, on sizes with scalar tails", () => {
    seedTest(66);
    for (let s = 0; s < STAGE_SIZES.length; s++) stageCase(LOSS_BCE, SIGMOID, STAGE_SIZES[s]);
  });
  it("BCE by hand at z = ±80: terms e^−80 and 80, gradients 0, e^−80/n and ±1/n, all finite", () => {
    const zs: StaticArray<f32> = [80, -80, 80, -80];
    const ts: StaticArray<f32> = [1, 0, 0, 1];
    const Z = new Buf(4), T = new Buf(4), dZ = new Buf(4), Y = new Buf(4).fillWith(<f32>NaN);
    for (let i = 0; i < 4; i++) { Z.set(i, zs[i]); T.set(i, ts[i]); }
    const e80 = Math.exp(-80.0);
    const loss = loss_grad(LOSS_BCE, SIGMOID, dZ.p, Y.p, Z.p, T.p, 4);
    const c = new Check("BCE at ±80");
    c.near(0, loss, (2 * e80 + 160) / 4, 1e-12);
    c.near(1, loss_sum(LOSS_BCE, Y.p, Z.p, T.p, 4), 2 * e80 + 160, 1e-12);
    c.same(2, dZ.f(0), 0);
    c.near(3, dZ.get(1), e80 / 4, 1e-6 * e80);
    c.near(4, dZ.get(2), 0.25, 1e-7);
    c.near(5, dZ.get(3), -0.25, 1e-7);
    c.done();
    Z.free(); T.free(); dZ.free(); Y.free();
  });
  it("loss_value by hand: RMSE √(sum/count), MSE and BCE sum/count", () => {
    expect<f64>(loss_value(LOSS_RMSE, 18, 2)).toBe(3, "RMSE");
    expect<f64>(loss_value(LOSS_MSE, 18, 4)).toBe(4.5, "MSE");
    expect<f64>(loss_value(LOSS_BCE, 3, 8)).toBe(0.375, "BCE");
  });
});

// Buffers for the trap checks (closures cannot capture locals).
const TRAP_BUF = new Buf(8);

describe("unknown loss kinds", () => {
  it("loss_grad traps on an unknown kind, on BCE without a sigmoid output, and on an unknown activation", () => {
    expect(() => { loss_grad(3, LINEAR, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("loss 3");
    expect(() => { loss_grad(LOSS_BCE, TANH, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("BCE with TANH");
    expect(() => { loss_grad(LOSS_MSE, 6, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("MSE with activation 6");
  });
  it("loss_sum and loss_value trap on an unknown kind", () => {
    expect(() => { loss_sum(3, TRAP_BUF.p, TRAP_BUF.p, TRAP_BUF.p, 8); }).toThrow("loss_sum 3");
    expect(() => { loss_value(3, 1, 1); }).toThrow("loss_value 3");
  });
});

describe("loss_grad_part", () => {
  it("cut at multiples of 4 into 1–5 parts, gives loss_grad's bits for every loss, tiny RMSE included", () => {
    seedTest(77);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      for (let kind = LOSS_RMSE; kind <= LOSS_BCE; kind++) {
        for (let tiny = 0; tiny < (kind == LOSS_RMSE ? 2 : 1); tiny++) {
          const act = kind == LOSS_BCE ? SIGMOID : TANH;
          const Z = new Buf(n).fill(-3, 3), Y = new Buf(n), T = new Buf(n).fill(0, 1);
          activation_forward(act, Y.p, Z.p, n);
          // A near-perfect fit (L ≈ 1e-35): 1/(n·L) would overflow f32, so RMSE takes its f64 path.
          if (tiny == 1) {
            for (let i = 0; i < n; i++) {
              Y.set(i, <f32>(1e-35 * <f64>(i % 3)));
              T.set(i, 0);
            }
          }
          const whole = new Buf(n), parts = new Buf(n);
          const loss = loss_grad(kind, act, whole.p, Y.p, Z.p, T.p, n);
          const exact = loss_value(kind, loss_sum(kind, Y.p, Z.p, T.p, n), <f64>n);
          for (let count = 1; count <= 5; count++) {
            const blocks = (n + 3) / 4;
            for (let p = 0; p < count; p++) {
              const e0 = min(n, <i32>((<i64>blocks * p) / count) * 4), e1 = min(n, <i32>((<i64>blocks * (p + 1)) / count) * 4);
              loss_grad_part(kind, act, parts.p, Y.p, Z.p, T.p, n, exact, e0, e1);
            }
            const c = new Check("loss_grad_part" + sz("n", n) + " kind " + kind.toString() + sz("parts", count) + (tiny ? " tiny" : ""));
            for (let i = 0; i < n; i++) c.same(i, parts.f(i), whole.f(i));
            c.done();
          }
          expect<f64>(kind == LOSS_RMSE ? <f64><f32>exact : exact).toBe(loss, "loss_grad's value");
          if (tiny == 1 && n > 1) expect<bool>(exact > 0 && <f64>n * exact < 1e-30).toBe(true, "the tiny case takes the f64 path");
        }
      }
    }
  });
});

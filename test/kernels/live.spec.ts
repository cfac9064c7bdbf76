// Dead units: live_units marks units whose activation derivative is 0 on every row; sgemm_nt and rmsprop_tn
// skip them. Masked results must equal the unmasked ones bit for bit where the mask is right.

import { live_units, TANH, SIGMOID, RELU, LINEAR, LEAKY_RELU, ELU } from "../../assembly/activations";
import { sgemm_nt, workspaceFloats } from "../../assembly/gemm";
import { rmsprop_tn } from "../../assembly/optim";
import { Buf, Check, seedTest, nextTest, uniform } from "./util";

/**
 * rows×cols outputs of `kind` where the columns with (c % 3 == 1) are saturated on every row (for leaky relu,
 * whose slope is never 0, "saturated" is just negative or zero).
 */
function outputs(kind: i32, rows: i32, cols: i32): Buf {
  const y = new Buf(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const saturated = c % 3 == 1 || (c % 3 == 2 && r != rows - 1);
      let v: f32;
      if (kind == TANH) v = saturated ? ((nextTest() & 1) != 0 ? 1 : -1) : uniform(-0.99, 0.99);
      else if (kind == SIGMOID) v = saturated ? ((nextTest() & 1) != 0 ? 1 : 0) : uniform(0.01, 0.99);
      else if (kind == ELU) v = saturated ? -1 : uniform(-0.99, 3);
      else v = saturated ? -<f32>(nextTest() & 1) * uniform(0, 3) : uniform(0.01, 3);
      y.set(r * cols + c, v);
    }
  }
  return y;
}

describe("live_units", () => {
  it("marks exactly the units with a non-zero derivative on some row (tanh, sigmoid, relu, elu; linear, leaky relu: all)", () => {
    seedTest(31);
    const kinds: StaticArray<i32> = [TANH, SIGMOID, RELU, LINEAR, LEAKY_RELU, ELU];
    const shapes: StaticArray<i32> = [1, 1, 3, 5, 4, 8, 7, 17, 2, 100];
    for (let k = 0; k < kinds.length; k++) {
      for (let s = 0; s < shapes.length; s += 2) {
        const rows = shapes[s], cols = shapes[s + 1];
        const y = outputs(kinds[k], rows, cols);
        const flags = new Buf(cols);
        live_units(kinds[k], flags.p, y.p, rows, cols);
        const c = new Check("live_units kind " + kinds[k].toString() + " " + rows.toString() + "×" + cols.toString());
        for (let j = 0; j < cols; j++) {
          // column j % 3 == 1 is saturated everywhere; j % 3 == 2 is live only on the last row
          const want = kinds[k] == LINEAR || kinds[k] == LEAKY_RELU || j % 3 != 1;
          const got = load<i32>(flags.p + (<usize>j << 2));
          c.holds(j, (got != 0) == want && (got == 0 || got == -1), <f64>got, want ? -1 : 0);
        }
        c.done();
        y.free(); flags.free();
      }
    }
  });
});

describe("sgemm_nt with live flags", () => {
  it("dead columns come out as exactly 0, live ones bit-identical to the unmasked product", () => {
    seedTest(32);
    const shapes: StaticArray<i32> = [1, 1, 5, 3, 7, 9, 2, 8, 100, 5, 17, 33, 100, 100, 64];
    for (let s = 0; s < shapes.length; s += 3) {
      const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
      const A = new Buf(M * K).fill(-1, 1), B = new Buf(N * K).fill(-1, 1);
      const full = new Buf(M * N), masked = new Buf(M * N), live = new Buf(N);
      for (let j = 0; j < N; j++) store<i32>(live.p + (<usize>j << 2), (j % 5 == 0 || j % 7 == 3) ? 0 : -1);
      sgemm_nt(full.p, N, A.p, K, B.p, K, M, N, K, false, 0);
      sgemm_nt(masked.p, N, A.p, K, B.p, K, M, N, K, false, live.p);
      const c = new Check("sgemm_nt live M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString());
      for (let i = 0; i < M * N; i++) {
        const dead = load<i32>(live.p + (<usize>(i % N) << 2)) == 0;
        c.same(i, masked.f(i), dead ? 0 : full.f(i));
      }
      c.done();
      A.free(); B.free(); full.free(); masked.free(); live.free();
    }
  });
});

describe("rmsprop_tn with live flags", () => {
  it("skipping the dead columns of D gives the same W, MS and MOM bits as the full product", () => {
    seedTest(33);
    const shapes: StaticArray<i32> = [4, 8, 3, 8, 16, 5, 12, 100, 10, 100, 12, 7, 5, 13, 2, 8, 24, 64];
    for (let s = 0; s < shapes.length; s += 3) {
      for (let variant = 0; variant < 4; variant++) {
        const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
        const withMom = (variant & 1) != 0, withWork = (variant & 2) != 0;
        const A = new Buf(K * M).fill(-1, 1), D = new Buf(K * N).fill(-1, 1), live = new Buf(N);
        // dead columns: units 8..15 and every column ≡ 2 (mod 5) are zero in D
        for (let j = 0; j < N; j++) {
          const dead = (j >= 8 && j < 16) || j % 5 == 2;
          store<i32>(live.p + (<usize>j << 2), dead ? 0 : -1);
          if (dead) for (let k = 0; k < K; k++) D.set(k * N + j, 0);
        }
        const W1 = new Buf(M * N).fill(-1, 1), MS1 = new Buf(M * N).fill(0.1, 1), MOM1 = new Buf(M * N).fill(-0.1, 0.1);
        const W2 = W1.copy(), MS2 = MS1.copy(), MOM2 = MOM1.copy();
        const scratch = new Buf(32), work = new Buf(max(workspaceFloats(), K * 8));
        rmsprop_tn(W1.p, MS1.p, withMom ? MOM1.p : 0, A.p, M, D.p, N, M, N, K, scratch.p, withWork ? work.p : 0, 0, 0.01, 0.9, 0.5, 1e-7);
        rmsprop_tn(W2.p, MS2.p, withMom ? MOM2.p : 0, A.p, M, D.p, N, M, N, K, scratch.p, withWork ? work.p : 0, live.p, 0.01, 0.9, 0.5, 1e-7);
        const c = new Check("rmsprop_tn live M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString() + " variant " + variant.toString());
        for (let i = 0; i < M * N; i++) {
          c.same(i, W2.f(i), W1.f(i));
          c.same(i, MS2.f(i), MS1.f(i));
          if (withMom) c.same(i, MOM2.f(i), MOM1.f(i));
        }
        c.done();
        const bufs: Buf[] = [A, D, live, W1, MS1, MOM1, W2, MS2, MOM2, scratch, work];
        for (let b = 0; b < bufs.length; b++) bufs[b].free();
      }
    }
  });
});

// bias_add and bias_grad against naive f64 loops, on awkward rows×cols blocks with ld ≥ cols.

import { bias_add, bias_grad } from "../../assembly/bias";
import { Buf, Check, GUARD_AFTER, GUARD_BEFORE, checkGuards, checkUnchanged, seedTest, sz } from "./util";

// (rows, cols)
const SHAPES: StaticArray<i32> = [
  1, 1,
  1, 3,
  3, 5,
  5, 17,
  17, 3,
  4, 8,
  3, 100,
  100, 7,
  2, 3072,
  17, 1,
];

function addCase(rows: i32, cols: i32, pad: i32): void {
  const ld = cols + pad;
  const Y = new Buf(rows * ld).fill(-3, 3);
  const b = new Buf(cols).fill(-1, 1);
  const Y0 = Y.copy(), b0 = b.copy();
  bias_add(Y.p, ld, b.p, rows, cols);
  const label = "bias_add" + sz("rows", rows) + sz("cols", cols) + sz("ld", ld);
  const c = new Check(label);
  for (let idx = -GUARD_BEFORE; idx < Y.n + GUARD_AFTER; idx++) {
    const r = idx >= 0 ? idx / ld : -1, col = idx >= 0 ? idx % ld : -1;
    if (idx < 0 || r >= rows || col >= cols) {
      c.same(idx, Y.f(idx), Y0.f(idx));
    } else {
      const want = Y0.get(idx) + b0.get(col);
      c.near(idx, Y.get(idx), want, 1e-6 * (Math.abs(Y0.get(idx)) + Math.abs(b0.get(col))) + 1e-30);
    }
  }
  c.done();
  checkUnchanged(label + " b", b, b0);
  Y.free(); b.free(); Y0.free(); b0.free();
}

function gradCase(rows: i32, cols: i32, pad: i32, accumulate: bool): void {
  const ld = cols + pad;
  const D = new Buf(rows * ld).fill(-1, 1);
  const g = new Buf(cols).fill(-2, 2);
  const D0 = D.copy(), g0 = g.copy();
  bias_grad(g.p, D.p, ld, rows, cols, accumulate);
  const label = "bias_grad" + sz("rows", rows) + sz("cols", cols) + sz("ld", ld) +
    " accumulate=" + (accumulate ? "true" : "false");
  const c = new Check(label);
  for (let col = 0; col < cols; col++) {
    let s: f64 = accumulate ? g0.get(col) : 0;
    let scale: f64 = Math.abs(s);
    for (let r = 0; r < rows; r++) {
      const d = D0.get(r * ld + col);
      s += d;
      scale += Math.abs(d);
    }
    c.near(col, g.get(col), s, 1e-5 * scale + 1e-30);
  }
  c.done();
  checkGuards(label + " g", g, g0);
  checkUnchanged(label + " D", D, D0);
  D.free(); g.free(); D0.free(); g0.free();
}

describe("bias_add: Y[r][c] += b[c]", () => {
  it("matches the naive loop, tight and padded ld", () => {
    seedTest(31);
    for (let s = 0; s < SHAPES.length; s += 2) {
      addCase(SHAPES[s], SHAPES[s + 1], 0);
      addCase(SHAPES[s], SHAPES[s + 1], 3);
    }
  });
});

describe("bias_grad: g[c] (+)= Σ_r D[r][c]", () => {
  it("overwrites g (accumulate=false)", () => {
    seedTest(32);
    for (let s = 0; s < SHAPES.length; s += 2) {
      gradCase(SHAPES[s], SHAPES[s + 1], 0, false);
      gradCase(SHAPES[s], SHAPES[s + 1], 5, false);
    }
  });
  it("adds to a pre-filled g (accumulate=true)", () => {
    seedTest(33);
    for (let s = 0; s < SHAPES.length; s += 2) {
      gradCase(SHAPES[s], SHAPES[s + 1], 0, true);
      gradCase(SHAPES[s], SHAPES[s + 1], 5, true);
    }
  });
});

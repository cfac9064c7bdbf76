// sgemm_nn / sgemm_tn / sgemm_nt against a naive f64 triple loop, on awkward shapes, with tight and
// padded leading dimensions, overwriting and accumulating into a pre-filled C. Cells of C outside
// the M×N window (row padding, guards before and after the buffer) must be left untouched.

import { sgemm_nn, sgemm_nt, sgemm_tn, workspaceFloats } from "../../assembly/gemm";
import { Buf, checkGuards, seedTest, sz } from "./util";
import { checkProduct } from "./product";

const NN: i32 = 0;
const TN: i32 = 1;
const NT: i32 = 2;

// (M, N, K)
const SHAPES: StaticArray<i32> = [
  1, 1, 1,
  3, 5, 17,
  5, 17, 3,
  17, 3, 5,
  4, 8, 9,
  7, 13, 100,
  1, 100, 3072,
  100, 1, 3072,
  3, 3072, 5,
  12, 20, 9,
  9, 33, 1,
  20, 16, 7,
  16, 24, 40,
  8, 16, 4,
  3, 5, 0,
  4, 9, 0,
];

function runCase(kind: i32, M: i32, N: i32, K: i32, padded: bool, accumulate: bool, withWork: bool): void {
  // leading dimensions: tight, or padded by amounts that are not multiples of 4
  const padA = padded ? 3 : 0, padB = padded ? 5 : 0, padC = padded ? 2 : 0;
  let lda: i32, ldb: i32, aRows: i32, bRows: i32;
  if (kind == NN) {
    lda = max(K, 1) + padA; aRows = M;
    ldb = max(N, 1) + padB; bRows = K;
  } else if (kind == TN) {
    lda = max(M, 1) + padA; aRows = K;
    ldb = max(N, 1) + padB; bRows = K;
  } else {
    lda = max(K, 1) + padA; aRows = M;
    ldb = max(K, 1) + padB; bRows = N;
  }
  const ldc = max(N, 1) + padC;
  const A = new Buf(aRows * lda).fill(-1, 1);
  const B = new Buf(bRows * ldb).fill(-1, 1);
  const C = new Buf(M * ldc).fill(-2, 2);
  const C0 = C.copy();
  // workspace for packed panels (A·B and Aᵀ·B only): 0, or workspaceFloats() f32 of garbage
  const work = new Buf(withWork ? workspaceFloats() : 0).fill(-9, 9);
  const work0 = work.copy();
  const w: usize = withWork ? work.p : 0;

  let name = "sgemm_nn";
  if (kind == NN) {
    sgemm_nn(C.p, ldc, A.p, lda, B.p, ldb, M, N, K, accumulate, w);
  } else if (kind == TN) {
    name = "sgemm_tn";
    sgemm_tn(C.p, ldc, A.p, lda, B.p, ldb, M, N, K, accumulate, w);
  } else {
    name = "sgemm_nt";
    sgemm_nt(C.p, ldc, A.p, lda, B.p, ldb, M, N, K, accumulate, 0);
  }
  const label = name + sz("M", M) + sz("N", N) + sz("K", K) + sz("lda", lda) + sz("ldb", ldb) + sz("ldc", ldc) +
    " accumulate=" + (accumulate ? "true" : "false") + (withWork ? " with workspace" : " work=0");
  checkGuards(label + " workspace", work, work0);

  if (kind == NN) checkProduct(label, C, C0, ldc, A, lda, 1, B, ldb, 1, M, N, K, accumulate);
  else if (kind == TN) checkProduct(label, C, C0, ldc, A, 1, lda, B, ldb, 1, M, N, K, accumulate);
  else checkProduct(label, C, C0, ldc, A, lda, 1, B, 1, ldb, M, N, K, accumulate);

  A.free(); B.free(); C.free(); C0.free(); work.free(); work0.free();
}

function runAll(kind: i32, accumulate: bool): void {
  seedTest(<u32>(1 + kind * 2 + (accumulate ? 1 : 0)));
  for (let s = 0; s < SHAPES.length; s += 3) {
    for (let v = 0; v < (kind == NT ? 2 : 4); v++) {
      runCase(kind, SHAPES[s], SHAPES[s + 1], SHAPES[s + 2], (v & 1) != 0, accumulate, (v & 2) != 0);
    }
  }
}

describe("sgemm_nn: C (+)= A·B", () => {
  it("overwrites C (accumulate=false), with and without a workspace", () => { runAll(NN, false); });
  it("adds to a pre-filled C (accumulate=true), with and without a workspace", () => { runAll(NN, true); });
});

describe("sgemm_tn: C (+)= Aᵀ·B", () => {
  it("overwrites C (accumulate=false), with and without a workspace", () => { runAll(TN, false); });
  it("adds to a pre-filled C (accumulate=true), with and without a workspace", () => { runAll(TN, true); });
});

describe("sgemm_nt: C (+)= A·Bᵀ", () => {
  it("overwrites C (accumulate=false)", () => { runAll(NT, false); });
  it("adds to a pre-filled C (accumulate=true)", () => { runAll(NT, true); });
});

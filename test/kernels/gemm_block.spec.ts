// The register-blocked pieces of gemm_block.ts on their own: blockAB (both op(A) = A and op(A) = Aᵀ)
// and each exported tile, against the naive f64 twin of product.ts.

import { blockAB, packedFloats, tile4x8, tile4x4, tile2x8, tile1x16, tile1x8, tile1x4, tile1x1 } from "../../assembly/gemm_block";
import { Exact } from "../../assembly/precision";
import { Buf, Check, checkGuards, seedTest, sz } from "./util";
import { checkProduct } from "./product";

// (M, N, K) for blockAB
const SHAPES: StaticArray<i32> = [
  1, 1, 1,
  3, 5, 17,
  5, 17, 3,
  17, 3, 5,
  4, 8, 9,
  7, 13, 100,
  4, 24, 1,
  4, 12, 2,
  8, 13, 7,
  4, 4, 3,
  9, 33, 1,
  5, 100, 3,
  12, 5, 4,
  16, 3, 1,
  9, 2, 7,
  2, 3, 0,
  10, 19, 7,
  11, 24, 100,
  10, 8, 17,
  9, 75, 100, // more 8-column strips (9) than one packing holds at K = 100 (7)
  9, 17, 0, // no depth, with the rows that take the packed path
  133, 19, 9, // more rows than one packing of op(A) holds (128), and a last row beside them
  130, 8, 4,
];

const DEPTHS: StaticArray<i32> = [0, 1, 3, 5, 17, 100];

const BLOCK: i32 = 0;
const T4X8: i32 = 1;
const T1X16: i32 = 2;
const T1X4: i32 = 3;
const T1X1: i32 = 4;
const T4X4: i32 = 5;
const T2X8: i32 = 6;
const T1X8: i32 = 7;

/** One call; `transposed` picks op(A) = Aᵀ (A stored K×M) instead of A (stored M×K). */
function runCase(what: i32, M: i32, N: i32, K: i32, transposed: bool, padded: bool, accumulate: bool, withWork: bool = false): void {
  const lda = (transposed ? M : max(K, 1)) + (padded ? 3 : 0);
  const ldb = N + (padded ? 5 : 0);
  const ldc = N + (padded ? 2 : 0);
  const sai = transposed ? 1 : lda, sak = transposed ? lda : 1;
  const A = new Buf((transposed ? K : M) * lda).fill(-1, 1);
  const B = new Buf(K * ldb).fill(-1, 1);
  const C = new Buf(M * ldc).fill(-2, 2);
  const C0 = C.copy();
  // blockAB's workspace: 0, or packedFloats(K) f32 of garbage
  const work = new Buf(withWork ? packedFloats(K) : 0).fill(-9, 9);
  const work0 = work.copy();
  let name = "blockAB";
  if (what == BLOCK) {
    blockAB<Exact>(C.p, ldc, A.p, sai, sak, B.p, ldb, M, N, K, accumulate, withWork ? work.p : 0);
  } else if (what == T4X8) {
    name = "tile4x8";
    tile4x8<Exact>(C.p, ldc, A.p, sai, sak, B.p, ldb, K, accumulate);
  } else if (what == T4X4) {
    name = "tile4x4";
    tile4x4<Exact>(C.p, ldc, A.p, sai, sak, B.p, ldb, K, accumulate);
  } else if (what == T1X16) {
    name = "tile1x16";
    tile1x16<Exact>(C.p, A.p, sak, B.p, ldb, K, accumulate);
  } else if (what == T2X8) {
    name = "tile2x8";
    tile2x8<Exact>(C.p, ldc, A.p, sai, sak, B.p, ldb, K, accumulate);
  } else if (what == T1X8) {
    name = "tile1x8";
    tile1x8<Exact>(C.p, A.p, sak, B.p, ldb, K, accumulate);
  } else if (what == T1X4) {
    name = "tile1x4";
    tile1x4<Exact>(C.p, A.p, sak, B.p, ldb, K, accumulate);
  } else {
    name = "tile1x1";
    tile1x1<Exact>(C.p, A.p, sak, B.p, ldb, K, accumulate);
  }
  const label = name + sz("M", M) + sz("N", N) + sz("K", K) + sz("sai", sai) + sz("sak", sak) + sz("ldb", ldb) +
    sz("ldc", ldc) + " accumulate=" + (accumulate ? "true" : "false") + (withWork ? " with workspace" : "");
  checkGuards(label + " workspace", work, work0);
  checkProduct(label, C, C0, ldc, A, sai, sak, B, ldb, 1, M, N, K, accumulate);
  A.free(); B.free(); C.free(); C0.free(); work.free(); work0.free();
}

function runBlock(accumulate: bool): void {
  seedTest(accumulate ? 11 : 12);
  for (let s = 0; s < SHAPES.length; s += 3) {
    // op(A) = A or Aᵀ, tight or padded leading dimensions, without or with a workspace (which packs op(A)
    // when it is Aᵀ with lda > ldb, and B otherwise)
    for (let v = 0; v < 8; v++) {
      runCase(BLOCK, SHAPES[s], SHAPES[s + 1], SHAPES[s + 2], (v & 1) != 0, (v & 2) != 0, accumulate, (v & 4) != 0);
    }
  }
}

function runTile(what: i32, M: i32, N: i32): void {
  seedTest(<u32>(20 + what));
  for (let d = 0; d < DEPTHS.length; d++) {
    for (let v = 0; v < 8; v++) {
      runCase(what, M, N, DEPTHS[d], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0);
    }
  }
}

describe("blockAB: one cache block of C (+)= op(A)·B", () => {
  it("overwrites C (accumulate=false)", () => { runBlock(false); });
  it("adds to a pre-filled C (accumulate=true)", () => { runBlock(true); });
});

describe("blockAB's packed panels", () => {
  it("give every value the bits of the unpacked tiles (packing changes nothing)", () => {
    seedTest(13);
    for (let s = 0; s < SHAPES.length; s += 3) {
      const M = SHAPES[s], N = SHAPES[s + 1], K = SHAPES[s + 2];
      for (let transposed = 0; transposed < 2; transposed++) {
        const sai = transposed ? 1 : max(K, 1), sak = transposed ? M : 1;
        const A = new Buf(M * max(K, 1)).fill(-1, 1), B = new Buf(K * N).fill(-1, 1);
        const packed = new Buf(M * N).fill(-2, 2);
        const plain = packed.copy();
        const work = new Buf(packedFloats(K)).fill(-9, 9);
        blockAB<Exact>(packed.p, N, A.p, sai, sak, B.p, N, M, N, K, true, work.p);
        blockAB<Exact>(plain.p, N, A.p, sai, sak, B.p, N, M, N, K, true, 0);
        const c = new Check("blockAB packed against unpacked" + sz("M", M) + sz("N", N) + sz("K", K) + sz("sai", sai));
        for (let i = 0; i < M * N; i++) c.same(i, packed.f(i), plain.f(i));
        c.done();
        A.free(); B.free(); packed.free(); plain.free(); work.free();
      }
    }
  });
});

describe("gemm_block tiles", () => {
  it("tile4x8", () => { runTile(T4X8, 4, 8); });
  it("tile4x4", () => { runTile(T4X4, 4, 4); });
  it("tile1x16", () => { runTile(T1X16, 1, 16); });
  it("tile1x4", () => { runTile(T1X4, 1, 4); });
  it("tile1x1", () => { runTile(T1X1, 1, 1); });
  it("tile2x8", () => { runTile(T2X8, 2, 8); });
  it("tile1x8", () => { runTile(T1X8, 1, 8); });
  it("tile2x8 and tile1x8 give each value the bits tile4x8 gives it (a split of rows changes nothing)", () => {
    seedTest(31);
    for (let d = 0; d < DEPTHS.length; d++) {
      const K = DEPTHS[d];
      const A = new Buf(4 * max(K, 1)).fill(-1, 1), B = new Buf(K * 8).fill(-1, 1);
      const four = new Buf(4 * 8).fill(-2, 2);
      const parts = four.copy();
      tile4x8<Exact>(four.p, 8, A.p, max(K, 1), 1, B.p, 8, K, true);
      tile2x8<Exact>(parts.p, 8, A.p, max(K, 1), 1, B.p, 8, K, true);
      tile1x8<Exact>(parts.addr(16), A.addr(2 * max(K, 1)), 1, B.p, 8, K, true);
      tile1x8<Exact>(parts.addr(24), A.addr(3 * max(K, 1)), 1, B.p, 8, K, true);
      const c = new Check("tile2x8 + tile1x8 against tile4x8, K " + K.toString());
      for (let i = 0; i < 32; i++) c.same(i, parts.f(i), four.f(i));
      c.done();
    }
  });
});

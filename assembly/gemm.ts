// Single-precision matrix products, row-major, in the three forms backprop needs.
// Every pointer is a byte offset into linear memory; every leading dimension (ld*) counts f32 elements.
// `accumulate` adds the product to C instead of overwriting it. `work` (0, or workspaceFloats() f32 owned by
// the caller, one per thread) lets A·B and Aᵀ·B copy strided panels into contiguous memory first. Each product
// runs in the precision set by set_precision (precision.ts).

import { anyLive, blockAB, packedFloats } from "./gemm_block";
import { Exact, Fused, fused, madd } from "./precision";

// Columns of C per cache block: keeps a K-block × NC panel of B inside L2 while rows of A stream past.
const NC: i32 = 512;
// Depth per cache block: 4 rows × KC of A (8 KiB) and a KC × 8 strip of B (16 KiB) stay in L1.
const KC: i32 = 512;

/** f32 of workspace the products may use. */
export function workspaceFloats(): i32 {
  return packedFloats(KC);
}

/** C (M×N, ldc) (+)= A (M×K, lda) · B (K×N, ldb). */
export function sgemm_nn(
  C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, work: usize,
): void {
  if (fused()) gemmAB<Fused>(C, ldc, A, lda, 1, B, ldb, M, N, K, accumulate, work);
  else gemmAB<Exact>(C, ldc, A, lda, 1, B, ldb, M, N, K, accumulate, work);
}

/** C (M×N, ldc) (+)= Aᵀ · B, where A is K×M (lda) and B is K×N (ldb). */
export function sgemm_tn(
  C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, work: usize,
): void {
  if (fused()) gemmAB<Fused>(C, ldc, A, 1, lda, B, ldb, M, N, K, accumulate, work);
  else gemmAB<Exact>(C, ldc, A, 1, lda, B, ldb, M, N, K, accumulate, work);
}

/**
 * C (M×N, ldc) (+)= A (M×K, lda) · Bᵀ, where B is N×K (ldb): dot products along contiguous rows.
 * live: 0, or N i32 flags; a column j whose flag is 0 is not computed and comes out as exactly 0 (backprop
 * passes the units whose activation derivative is 0 on every row), accumulating or not.
 */
export function sgemm_nt(
  C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, live: usize,
): void {
  if (fused()) gemmNT<Fused>(C, ldc, A, lda, B, ldb, M, N, K, accumulate, live);
  else gemmNT<Exact>(C, ldc, A, lda, B, ldb, M, N, K, accumulate, live);
  if (live != 0) zeroDeadColumns(C, ldc, M, N, live);
}

function gemmNT<P>(
  C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, live: usize,
): void {
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      if (anyLive(live, j, 4)) dot2x4<P>(C, ldc, A, lda, B, ldb, i, j, K, accumulate);
    }
    for (; j < N; j++) {
      if (!anyLive(live, j, 1)) continue;
      dot1x1<P>(C, ldc, A, lda, B, ldb, i, j, K, accumulate);
      dot1x1<P>(C, ldc, A, lda, B, ldb, i + 1, j, K, accumulate);
    }
  }
  for (; i < M; i++) {
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      if (anyLive(live, j, 4)) dot1x4<P>(C, ldc, A, lda, B, ldb, i, j, K, accumulate);
    }
    for (; j < N; j++) if (anyLive(live, j, 1)) dot1x1<P>(C, ldc, A, lda, B, ldb, i, j, K, accumulate);
  }
}

function zeroDeadColumns(C: usize, ldc: i32, M: i32, N: i32, live: usize): void {
  for (let j = 0; j < N; j++) {
    if (load<i32>(live + (<usize>j << 2)) != 0) continue;
    for (let i = 0; i < M; i++) store<f32>(C + ((<usize>i * ldc + j) << 2), 0);
  }
}

// C (+)= op(A) · B where op(A)[i][k] = A[i*sai + k*sak]; covers A·B (sai=lda, sak=1) and Aᵀ·B (sai=1, sak=lda).
function gemmAB<P>(
  C: usize, ldc: i32, A: usize, sai: i32, sak: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, work: usize,
): void {
  if (K == 0) {
    if (!accumulate) zeroRows(C, ldc, M, N);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = min(NC, N - j0);
      blockAB<P>(
        C + (<usize>j0 << 2), ldc,
        A + (<usize>(k0 * sak) << 2), sai, sak,
        B + ((<usize>k0 * ldb + j0) << 2), ldb,
        M, nc, kc, acc, work,
      );
    }
  }
}

function zeroRows(C: usize, ldc: i32, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) memory.fill(C + (<usize>(i * ldc) << 2), 0, <usize>N << 2);
}

// @inline helpers below: one output tile of A·Bᵀ; lanes hold partial sums over k, reduced at the end.

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function put(C: usize, ldc: i32, i: i32, j: i32, value: f32, accumulate: bool): void {
  const p = C + ((<usize>i * ldc + j) << 2);
  store<f32>(p, accumulate ? load<f32>(p) + value : value);
}

function dot2x4<P>(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, i: i32, j: i32, K: i32, accumulate: bool): void {
  const a0 = A + (<usize>(i * lda) << 2), a1 = a0 + (<usize>lda << 2);
  const b0 = B + (<usize>(j * ldb) << 2), b1 = b0 + (<usize>ldb << 2);
  const b2 = b1 + (<usize>ldb << 2), b3 = b2 + (<usize>ldb << 2);
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o), y2 = v128.load(b2 + o), y3 = v128.load(b3 + o);
    s00 = madd<P>(s00, x0, y0); s01 = madd<P>(s01, x0, y1);
    s02 = madd<P>(s02, x0, y2); s03 = madd<P>(s03, x0, y3);
    s10 = madd<P>(s10, x1, y0); s11 = madd<P>(s11, x1, y1);
    s12 = madd<P>(s12, x1, y2); s13 = madd<P>(s13, x1, y3);
  }
  let r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
  let r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
  for (; k < K; k++) {
    const o = <usize>k << 2;
    const x0 = load<f32>(a0 + o), x1 = load<f32>(a1 + o);
    const y0 = load<f32>(b0 + o), y1 = load<f32>(b1 + o), y2 = load<f32>(b2 + o), y3 = load<f32>(b3 + o);
    r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
    r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
  }
  put(C, ldc, i, j, r00, accumulate); put(C, ldc, i, j + 1, r01, accumulate);
  put(C, ldc, i, j + 2, r02, accumulate); put(C, ldc, i, j + 3, r03, accumulate);
  put(C, ldc, i + 1, j, r10, accumulate); put(C, ldc, i + 1, j + 1, r11, accumulate);
  put(C, ldc, i + 1, j + 2, r12, accumulate); put(C, ldc, i + 1, j + 3, r13, accumulate);
}

function dot1x4<P>(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, i: i32, j: i32, K: i32, accumulate: bool): void {
  const a0 = A + (<usize>(i * lda) << 2);
  const b0 = B + (<usize>(j * ldb) << 2), b1 = b0 + (<usize>ldb << 2);
  const b2 = b1 + (<usize>ldb << 2), b3 = b2 + (<usize>ldb << 2);
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    const x = v128.load(a0 + o);
    s0 = madd<P>(s0, x, v128.load(b0 + o)); s1 = madd<P>(s1, x, v128.load(b1 + o));
    s2 = madd<P>(s2, x, v128.load(b2 + o)); s3 = madd<P>(s3, x, v128.load(b3 + o));
  }
  let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
  for (; k < K; k++) {
    const o = <usize>k << 2;
    const x = load<f32>(a0 + o);
    r0 += x * load<f32>(b0 + o); r1 += x * load<f32>(b1 + o); r2 += x * load<f32>(b2 + o); r3 += x * load<f32>(b3 + o);
  }
  put(C, ldc, i, j, r0, accumulate); put(C, ldc, i, j + 1, r1, accumulate);
  put(C, ldc, i, j + 2, r2, accumulate); put(C, ldc, i, j + 3, r3, accumulate);
}

function dot1x1<P>(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, i: i32, j: i32, K: i32, accumulate: bool): void {
  const a0 = A + (<usize>(i * lda) << 2), b0 = B + (<usize>(j * ldb) << 2);
  let s = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= K; k += 4) s = madd<P>(s, v128.load(a0 + (<usize>k << 2)), v128.load(b0 + (<usize>k << 2)));
  let r = hsum(s);
  for (; k < K; k++) r += load<f32>(a0 + (<usize>k << 2)) * load<f32>(b0 + (<usize>k << 2));
  put(C, ldc, i, j, r, accumulate);
}

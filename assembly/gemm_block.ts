// Register-blocked tiles of C (+)= op(A) · B, with op(A)[i][k] = A[i*sai + k*sak] (row-major B, ldb).
// Each C element is summed in k order in every tile shape, so results never depend on how C was split. P: the
// precision of each multiply-add (precision.ts).

import { madd } from "./precision";

// Floats of B packed at once (24 KiB, inside L1 beside the tiles' other operands): as many 8-column strips as fit,
// up to 8, so that each row of B is read 256 contiguous bytes at a time rather than 32 (rows far apart defeat the
// prefetchers; whole lines do not).
const PANEL_FLOATS: i32 = 6144;
const MAX_STRIPS: i32 = 8;
// Rows of op(A) packed at once: at a depth of 512, 256 KiB, which stays in L2 while every strip of B passes.
const A_ROWS: i32 = 128;
// Rows of the scratch a last strip of fewer than 8 columns is computed in: a packing of op(A) and 1–3 rows after it.
const SCRATCH_ROWS: i32 = A_ROWS + 3;

/** Rows from which a block with a workspace is packed (fewer do not repay the packing). */
export const PACKED_ROWS: i32 = 8;

/**
 * Floats of workspace packedBlock needs for a depth of K: packed K×8 strips of B, A_ROWS×K of op(A), and a scratch
 * of SCRATCH_ROWS×8.
 */
export function packedFloats(K: i32): i32 {
  return max(K * 8, PANEL_FLOATS) + A_ROWS * K + SCRATCH_ROWS * 8;
}

/**
 * One cache block: tiles of 4×8, a 4×4 and single-column tails, then the last rows (single-row tails). With a
 * workspace (work ≠ 0, packedFloats(K) f32) and PACKED_ROWS rows or more, packedBlock's instead.
 */
export function blockAB<P>(
  C: usize, ldc: i32, A: usize, sai: i32, sak: i32, B: usize, ldb: i32,
  M: i32, N: i32, K: i32, accumulate: bool, work: usize,
): void {
  const M4 = M & ~3;
  if (work != 0 && M4 >= PACKED_ROWS) {
    packedBlock<P>(C, ldc, A, sai, sak, B, ldb, M, N, K, accumulate, work);
    return;
  }
  for (let i = 0; i < M4; i += 4) rowBlock<P>(C + (<usize>(i * ldc) << 2), ldc, A + (<usize>(i * sai) << 2), sai, sak, B, ldb, N, K, accumulate);
  for (let i = M4; i < M; i++) {
    rowTail<P>(C + (<usize>(i * ldc) << 2), A + (<usize>(i * sai) << 2), sak, B, ldb, 0, N, K, accumulate);
  }
}

/**
 * One cache block with at least PACKED_ROWS rows: both operands of the 4×8 tiles are first copied into contiguous panels (up
 * to A_ROWS rows of op(A) as K×4 panels, strips of B as K×8 ones), so that the tiles read both at fixed offsets
 * from two pointers; the last 1–3 rows take 2×8 and 1×8 tiles beside them, and a last strip of fewer than 8
 * columns is padded with zeros and computed in the scratch. Rows 12 KiB apart (3072 floats) all fall into one L1
 * set and evict each other; packed panels do not. work: packedFloats(K) f32.
 */
function packedBlock<P>(
  C: usize, ldc: i32, A: usize, sai: i32, sak: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32, accumulate: bool, work: usize,
): void {
  const M4 = M & ~3;
  const maxStrips = max(1, min(MAX_STRIPS, PANEL_FLOATS / (max(K, 1) * 8)));
  const panelA = work + (<usize>max(K * 8, PANEL_FLOATS) << 2), scratch = panelA + (<usize>(A_ROWS * K) << 2);
  for (let i0 = 0; i0 < M4; i0 += A_ROWS) {
    const rows = min(A_ROWS, M4 - i0), extra = i0 + rows == M4 ? M - M4 : 0;
    const c = C + (<usize>(i0 * ldc) << 2), a = A + (<usize>(i0 * sai) << 2);
    packRows(panelA, a, sai, sak, rows, K);
    let j = 0;
    while (j < N) {
      const strips = N - j >= 8 ? min(maxStrips, (N - j) >> 3) : 1;
      const width = min(8, N - j);
      if (width == 8) packStrips(work, B + (<usize>j << 2), ldb, K, strips);
      else packPaddedStrip(work, B + (<usize>j << 2), ldb, K, width);
      for (let s = 0; s < strips; s++, j += width) {
        const strip = work + (<usize>(s * K) << 5);
        if (width == 8) {
          stripTiles<P>(c + (<usize>j << 2), ldc, panelA, strip, a, sai, sak, rows, extra, K, accumulate);
        } else {
          toScratch(scratch, c + (<usize>j << 2), ldc, rows + extra, width, accumulate);
          stripTiles<P>(scratch, 8, panelA, strip, a, sai, sak, rows, extra, K, true);
          fromScratch(c + (<usize>j << 2), ldc, scratch, rows + extra, width);
        }
      }
    }
  }
}

/**
 * Columns j..j+8 of `rows` packed rows of C (c points at column j of the first) from the panels, then the `extra`
 * rows after them from op(A) itself (a points at the first packed row's op(A) row).
 */
function stripTiles<P>(
  c: usize, ldc: i32, panelA: usize, strip: usize, a: usize, sai: i32, sak: i32, rows: i32, extra: i32, K: i32, accumulate: bool,
): void {
  for (let i = 0; i < rows; i += 4) {
    tile4x8Packed<P>(c + (<usize>(i * ldc) << 2), ldc, panelA + (<usize>(i * K) << 2), strip, K, accumulate);
  }
  let i = rows;
  for (; i + 2 <= rows + extra; i += 2) tile2x8<P>(c + (<usize>(i * ldc) << 2), ldc, a + (<usize>(i * sai) << 2), sai, sak, strip, 8, K, accumulate);
  if (i < rows + extra) tile1x8<P>(c + (<usize>(i * ldc) << 2), a + (<usize>(i * sai) << 2), sak, strip, 8, K, accumulate);
}

/** The `width` columns of `rows` rows of C into an 8-wide scratch, zeros beside them (zeros alone without `accumulate`). */
function toScratch(scratch: usize, c: usize, ldc: i32, rows: i32, width: i32, accumulate: bool): void {
  memory.fill(scratch, 0, <usize>(rows * 8) << 2);
  if (!accumulate) return;
  for (let i = 0; i < rows; i++) memory.copy(scratch + (<usize>(i * 8) << 2), c + (<usize>(i * ldc) << 2), <usize>width << 2);
}

/** The `width` columns of `rows` rows of the scratch back into C. */
function fromScratch(c: usize, ldc: i32, scratch: usize, rows: i32, width: i32): void {
  for (let i = 0; i < rows; i++) memory.copy(c + (<usize>(i * ldc) << 2), scratch + (<usize>(i * 8) << 2), <usize>width << 2);
}

/** Copies `width` (< 8) columns of B (K rows from b, ldb) to work as one K×8 strip, zeros in the other columns. */
function packPaddedStrip(work: usize, b: usize, ldb: i32, K: i32, width: i32): void {
  memory.fill(work, 0, <usize>K << 5);
  for (let k = 0; k < K; k++) memory.copy(work + (<usize>k << 5), b + (<usize>(k * ldb) << 2), <usize>width << 2);
}

/**
 * Four rows (from `from`, `ld` floats apart, K long) written as K groups of 4 at `to` (group k holds the rows'
 * values at k): 4×4 transposes, then a scalar tail for K not divisible by 4.
 */
function transpose4(to: usize, from: usize, ld: i32, K: i32): void {
  const r1 = from + (<usize>ld << 2), r2 = r1 + (<usize>ld << 2), r3 = r2 + (<usize>ld << 2);
  const step: usize = 16;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    const x0 = v128.load(from + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
    const lo01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), hi01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
    const lo23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), hi23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
    const p = to + <usize>k * step;
    v128.store(p, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
    v128.store(p + step, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7));
    v128.store(p + 2 * step, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5));
    v128.store(p + 3 * step, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7));
  }
  for (; k < K; k++) {
    const o = <usize>k << 2, p = to + <usize>k * step;
    store<f32>(p, load<f32>(from + o)); store<f32>(p, load<f32>(r1 + o), 4);
    store<f32>(p, load<f32>(r2 + o), 8); store<f32>(p, load<f32>(r3 + o), 12);
  }
}

/**
 * Copies `rows` rows (a multiple of 4) of op(A) (a points at row 0; op(A)[i][k] = a[i*sai + k*sak], which is A
 * (sak = 1) or Aᵀ (sai = 1)) to work as K×4 panels, one per 4 rows: panel g holds op(A)[4g + r][k] at [k][r].
 */
export function packRows(work: usize, a: usize, sai: i32, sak: i32, rows: i32, K: i32): void {
  for (let i = 0; i < rows; i += 4) {
    const from = a + (<usize>(i * sai) << 2), to = work + (<usize>(i * K) << 2);
    if (sai == 1) {
      // Aᵀ: the panel's 4 values of each k are adjacent in A.
      for (let k = 0; k < K; k++) v128.store(to + (<usize>k << 4), v128.load(from + (<usize>(k * sak) << 2)));
    } else {
      // A (sak = 1): 4 rows, transposed 4 columns at a time.
      transpose4(to, from, sai, K);
    }
  }
}

/** Copies `strips` 8-column strips of B (K rows from b, ldb) to work, each K×8 contiguous, reading each row once. */
export function packStrips(work: usize, b: usize, ldb: i32, K: i32, strips: i32): void {
  if (strips == 1) {
    // One strip without the loop over strips: measured 5–10 % faster on A·B with K ≥ 512 (one strip per pack).
    for (let k = 0; k < K; k++) {
      const from = b + (<usize>(k * ldb) << 2), to = work + (<usize>k << 5);
      v128.store(to, v128.load(from));
      v128.store(to, v128.load(from, 16), 16);
    }
    return;
  }
  const stripBytes = <usize>K << 5;
  for (let k = 0; k < K; k++) {
    const from = b + (<usize>(k * ldb) << 2);
    let to = work + (<usize>k << 5);
    for (let s = 0; s < strips; s++, to += stripBytes) {
      v128.store(to, v128.load(from + (<usize>s << 5)));
      v128.store(to, v128.load(from + (<usize>s << 5), 16), 16);
    }
  }
}

/** Four rows of C, all N columns (c, a point at the rows' starts). */
function rowBlock<P>(c: usize, ldc: i32, a: usize, sai: i32, sak: i32, B: usize, ldb: i32, N: i32, K: i32, accumulate: bool): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) tile4x8<P>(c + (<usize>j << 2), ldc, a, sai, sak, B + (<usize>j << 2), ldb, K, accumulate);
  columnTail<P>(c, ldc, a, sai, sak, B, ldb, j, N, K, accumulate);
}

/** Columns j0..N (fewer than 8) of four rows of C: a 4×4 tile, then single-row pieces. */
function columnTail<P>(c: usize, ldc: i32, a: usize, sai: i32, sak: i32, B: usize, ldb: i32, j0: i32, N: i32, K: i32, accumulate: bool): void {
  let j = j0;
  if (j + 4 <= N) {
    tile4x4<P>(c + (<usize>j << 2), ldc, a, sai, sak, B + (<usize>j << 2), ldb, K, accumulate);
    j += 4;
  }
  for (let r = 0; r < 4; r++) {
    rowTail<P>(c + (<usize>(r * ldc) << 2), a + (<usize>(r * sai) << 2), sak, B, ldb, j, N, K, accumulate);
  }
}

/** Columns j0..N of one row of C (c points at the row, a at the row of op(A)): 16-, 4-wide and scalar pieces. */
function rowTail<P>(c: usize, a: usize, sak: i32, B: usize, ldb: i32, j0: i32, N: i32, K: i32, accumulate: bool): void {
  let j = j0;
  for (; j + 16 <= N; j += 16) tile1x16<P>(c + (<usize>j << 2), a, sak, B + (<usize>j << 2), ldb, K, accumulate);
  for (; j + 4 <= N; j += 4) tile1x4<P>(c + (<usize>j << 2), a, sak, B + (<usize>j << 2), ldb, K, accumulate);
  for (; j < N; j++) tile1x1<P>(c + (<usize>j << 2), a, sak, B + (<usize>j << 2), ldb, K, accumulate);
}

/** Whether any of the `count` columns from j is live (live: 0 = all are, or i32 flags as from live_units). */
@inline export function anyLive(live: usize, j: i32, count: i32): bool {
  if (live == 0) return true;
  for (let c = 0; c < count; c++) if (load<i32>(live + (<usize>(j + c) << 2)) != 0) return true;
  return false;
}

@inline function start(p: usize, accumulate: bool): v128 {
  return accumulate ? v128.load(p) : f32x4.splat(0);
}

/** C[i..i+4][j..j+8]: 8 accumulators, per k two loads of B and four broadcasts of A. */
export function tile4x8<P>(
  c0: usize, ldc: i32, a0: usize, sai: i32, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  const c1 = c0 + (<usize>ldc << 2), c2 = c1 + (<usize>ldc << 2), c3 = c2 + (<usize>ldc << 2);
  let s00 = start(c0, accumulate), s01 = start(c0 + 16, accumulate);
  let s10 = start(c1, accumulate), s11 = start(c1 + 16, accumulate);
  let s20 = start(c2, accumulate), s21 = start(c2 + 16, accumulate);
  let s30 = start(c3, accumulate), s31 = start(c3 + 16, accumulate);
  let pa = a0;
  let pb = b0;
  const da = <usize>sai << 2, stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa + da);
    const a2 = v128.load32_splat(pa + 2 * da), a3 = v128.load32_splat(pa + 3 * da);
    s00 = madd<P>(s00, a0, b0); s01 = madd<P>(s01, a0, b1);
    s10 = madd<P>(s10, a1, b0); s11 = madd<P>(s11, a1, b1);
    s20 = madd<P>(s20, a2, b0); s21 = madd<P>(s21, a2, b1);
    s30 = madd<P>(s30, a3, b0); s31 = madd<P>(s31, a3, b1);
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s00); v128.store(c0, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/**
 * C[i..i+4][j..j+8] from a packed K×4 panel of op(A) and a packed K×8 strip of B: every load at a fixed offset from
 * one of two pointers (a third of the instructions of tile4x8's loop are address arithmetic and the loop's own;
 * here the multiply-adds dominate). One k a turn: unrolled over two, V8 hoisted every load and spilled registers
 * (measured 22 against 43 GFLOP/s fused). Each sum still runs in k order: the bits of tile4x8.
 */
function tile4x8Packed<P>(c0: usize, ldc: i32, pa: usize, pb: usize, K: i32, accumulate: bool): void {
  const c1 = c0 + (<usize>ldc << 2), c2 = c1 + (<usize>ldc << 2), c3 = c2 + (<usize>ldc << 2);
  let s00 = start(c0, accumulate), s01 = start(c0 + 16, accumulate);
  let s10 = start(c1, accumulate), s11 = start(c1 + 16, accumulate);
  let s20 = start(c2, accumulate), s21 = start(c2 + 16, accumulate);
  let s30 = start(c3, accumulate), s31 = start(c3 + 16, accumulate);
  const end = pa + (<usize>K << 4);
  while (pa < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    s00 = madd<P>(s00, a, b0); s01 = madd<P>(s01, a, b1);
    a = v128.load32_splat(pa, 4);
    s10 = madd<P>(s10, a, b0); s11 = madd<P>(s11, a, b1);
    a = v128.load32_splat(pa, 8);
    s20 = madd<P>(s20, a, b0); s21 = madd<P>(s21, a, b1);
    a = v128.load32_splat(pa, 12);
    s30 = madd<P>(s30, a, b0); s31 = madd<P>(s31, a, b1);
    pa += 16;
    pb += 32;
  }
  v128.store(c0, s00); v128.store(c0, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/** C[i..i+2][j..j+8]: four accumulators, for the last rows of a block beside 4×8 tiles. */
export function tile2x8<P>(
  c0: usize, ldc: i32, a0: usize, sai: i32, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  const c1 = c0 + (<usize>ldc << 2);
  let s00 = start(c0, accumulate), s01 = start(c0 + 16, accumulate);
  let s10 = start(c1, accumulate), s11 = start(c1 + 16, accumulate);
  let pa = a0;
  let pb = b0;
  const da = <usize>sai << 2, stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa + da);
    s00 = madd<P>(s00, a0, b0); s01 = madd<P>(s01, a0, b1);
    s10 = madd<P>(s10, a1, b0); s11 = madd<P>(s11, a1, b1);
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s00); v128.store(c0, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
}

/** C[i][j..j+8]: two accumulators, for a last single row beside 4×8 tiles. */
export function tile1x8<P>(
  c0: usize, a0: usize, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  let s0 = start(c0, accumulate), s1 = start(c0 + 16, accumulate);
  let pa = a0;
  let pb = b0;
  const stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    const a = v128.load32_splat(pa);
    s0 = madd<P>(s0, a, v128.load(pb)); s1 = madd<P>(s1, a, v128.load(pb, 16));
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s0); v128.store(c0, s1, 16);
}

/** C[i..i+4][j..j+4]: the 4-wide column tail of a 4-row block, four independent accumulators. */
export function tile4x4<P>(
  c0: usize, ldc: i32, a0: usize, sai: i32, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  const c1 = c0 + (<usize>ldc << 2), c2 = c1 + (<usize>ldc << 2), c3 = c2 + (<usize>ldc << 2);
  let s0 = start(c0, accumulate), s1 = start(c1, accumulate), s2 = start(c2, accumulate), s3 = start(c3, accumulate);
  let pa = a0;
  let pb = b0;
  const da = <usize>sai << 2, stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    const b = v128.load(pb);
    s0 = madd<P>(s0, v128.load32_splat(pa), b);
    s1 = madd<P>(s1, v128.load32_splat(pa + da), b);
    s2 = madd<P>(s2, v128.load32_splat(pa + 2 * da), b);
    s3 = madd<P>(s3, v128.load32_splat(pa + 3 * da), b);
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s0); v128.store(c1, s1); v128.store(c2, s2); v128.store(c3, s3);
}

/** C[i][j..j+16]: four independent accumulators hide the add latency of a single row. */
export function tile1x16<P>(
  c0: usize, a0: usize, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  let s0 = start(c0, accumulate), s1 = start(c0 + 16, accumulate);
  let s2 = start(c0 + 32, accumulate), s3 = start(c0 + 48, accumulate);
  let pa = a0;
  let pb = b0;
  const stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    const a = v128.load32_splat(pa);
    s0 = madd<P>(s0, a, v128.load(pb)); s1 = madd<P>(s1, a, v128.load(pb, 16));
    s2 = madd<P>(s2, a, v128.load(pb, 32)); s3 = madd<P>(s3, a, v128.load(pb, 48));
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s0); v128.store(c0, s1, 16); v128.store(c0, s2, 32); v128.store(c0, s3, 48);
}

/** C[i][j..j+4]. */
export function tile1x4<P>(
  c0: usize, a0: usize, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  let s = start(c0, accumulate);
  let pa = a0;
  let pb = b0;
  const stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    s = madd<P>(s, v128.load32_splat(pa), v128.load(pb));
    pa += stepA;
    pb += stepB;
  }
  v128.store(c0, s);
}

/** C[i][j], the tail for N not divisible by 4. */
export function tile1x1<P>(
  c0: usize, a0: usize, sak: i32, b0: usize, ldb: i32, K: i32, accumulate: bool,
): void {
  // In lane 0 of a vector, so that Fused rounds it as the tiles round every other column.
  let s = f32x4.splat(accumulate ? load<f32>(c0) : 0);
  let pa = a0;
  let pb = b0;
  const stepA = <usize>sak << 2, stepB = <usize>ldb << 2;
  for (let k = 0; k < K; k++) {
    s = madd<P>(s, v128.load32_zero(pa), v128.load32_zero(pb));
    pa += stepA;
    pb += stepB;
  }
  store<f32>(c0, f32x4.extract_lane(s, 0));
}

// The dense layer: out = f(inp·W + b). Forward and backward side by side, outputs first, then inputs, then sizes,
// then the share of the work asked for (a range of columns or rows, so that threads can split a layer; see
// parallel.ts). The backward pair gives the weight gradient and dL/d(pre-activation) of the layer below, whose
// activation (inAct) produced this layer's input.

import { sgemm_nn, sgemm_nt, sgemm_tn } from "./gemm";
import { bias_add } from "./bias";
import { activation_forward, activation_backward, live_columns } from "./activations";
import { VISIT_FIRST, VISIT_LAST } from "./model";

/**
 * Columns j0..j1 of out = f(inp·W + b), every row; pre (if ≠ 0) keeps those columns of inp·W + b.
 * work: workspaceFloats() f32 for the product's panels.
 */
export function dense_forward(
  out: usize, pre: usize, inp: usize, W: usize, b: usize, rows: i32, inDim: i32, outDim: i32, act: i32, work: usize, j0: i32, j1: i32,
): void {
  // inp is (rows, inDim), W is (inDim, outDim), b is (outDim), out and pre are (rows, outDim)
  if (j0 >= j1) return;
  const o = <usize>j0 << 2, cols = j1 - j0;
  sgemm_nn(out + o, outDim, inp, inDim, W + o, outDim, rows, cols, inDim, false, work);
  bias_add(out + o, outDim, b + o, rows, cols);
  for (let r = 0; r < rows; r++) {
    const at = o + (<usize>(r * outDim) << 2);
    if (pre != 0) memory.copy(pre + at, out + at, <usize>cols << 2);
    activation_forward(act, out + at, out + at, cols);
  }
}

/**
 * Units j0..j1 of the layer below: dInp = (delta·Wᵀ) ⊙ f'(inp) for those columns, where inp is that layer's output
 * (activation inAct). Units whose derivative is 0 on every row (saturated, or dead relus) are marked 0 in inLive
 * (inDim i32) and skipped: their gradient is exactly 0. Where two layers read the same source (a VAE's heads),
 * `visit` (model.ts VISIT_*) says whether this one writes or adds, and whether it applies f' (the last one does).
 */
export function dense_backward_input(
  dInp: usize, inLive: usize, delta: usize, inp: usize, W: usize, rows: i32, inDim: i32, outDim: i32, inAct: i32, visit: i32, j0: i32, j1: i32,
): void {
  if (j0 >= j1) return;
  live_columns(inAct, inLive + (<usize>j0 << 2), inp + (<usize>j0 << 2), inDim, rows, j1 - j0);
  dense_backward_input_block(dInp, inLive, delta, inp, W, rows, inDim, outDim, inAct, visit, j0, j1);
}

/**
 * dense_backward_input's product and derivative, with inLive already set for units j0..j1 from every row of the
 * batch (live_columns): on `rows` rows (dInp, delta and inp point at the first), so that threads may split a batch
 * by rows as well as by units.
 */
export function dense_backward_input_block(
  dInp: usize, inLive: usize, delta: usize, inp: usize, W: usize, rows: i32, inDim: i32, outDim: i32, inAct: i32, visit: i32, j0: i32, j1: i32,
): void {
  // delta is (rows, outDim), W is (inDim, outDim), inp and dInp are (rows, inDim)
  if (j0 >= j1 || rows <= 0) return;
  const o = <usize>j0 << 2, cols = j1 - j0;
  sgemm_nt(dInp + o, inDim, delta, outDim, W + (<usize>(j0 * outDim) << 2), outDim, rows, cols, outDim, visit == VISIT_LAST, inLive + o);
  if (visit == VISIT_FIRST) return;
  for (let r = 0; r < rows; r++) {
    const at = o + (<usize>(r * inDim) << 2);
    activation_backward(inAct, dInp + at, inp + at, cols);
  }
}

/** Columns j0..j1 of dW = inpᵀ·delta, every row (the split of a layer wider than it is tall). */
export function dense_backward_weight_columns(
  dW: usize, delta: usize, inp: usize, rows: i32, inDim: i32, outDim: i32, work: usize, j0: i32, j1: i32,
): void {
  if (j0 >= j1) return;
  const o = <usize>j0 << 2;
  sgemm_tn(dW + o, outDim, inp, inDim, delta + o, outDim, inDim, j1 - j0, rows, false, work);
}

/** Rows i0..i1 of dW = inpᵀ·delta. */
export function dense_backward_weights(
  dW: usize, delta: usize, inp: usize, rows: i32, inDim: i32, outDim: i32, work: usize, i0: i32, i1: i32,
): void {
  // inp is (rows, inDim), delta is (rows, outDim), dW is (inDim, outDim)
  if (i0 >= i1) return;
  sgemm_tn(dW + (<usize>(i0 * outDim) << 2), outDim, inp + (<usize>i0 << 2), inDim, delta, outDim, i1 - i0, outDim, rows, false, work);
}

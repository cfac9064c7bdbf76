// The dense layer: out = f(inp·W + b). Forward and backward side by side, outputs first, then inputs, then sizes.
// The backward pair gives the parameter gradients and dL/d(pre-activation) of the layer below, whose
// activation (inAct) produced this layer's input.

import { sgemm_nn, sgemm_nt, sgemm_tn } from "./gemm";
import { bias_add, bias_grad } from "./bias";
import { activation_forward, activation_backward, live_units } from "./activations";

/** out = f(inp·W + b); pre (if ≠ 0) keeps inp·W + b. work: workspaceFloats() f32 for the product's panels. */
export function dense_forward(
  out: usize, pre: usize, inp: usize, W: usize, b: usize, rows: i32, inDim: i32, outDim: i32, act: i32, work: usize,
): void {
  // inp is (rows, inDim), W is (inDim, outDim), b is (outDim), out and pre are (rows, outDim)
  sgemm_nn(out, outDim, inp, inDim, W, outDim, rows, outDim, inDim, false, work);
  bias_add(out, outDim, b, rows, outDim);
  if (pre != 0) memory.copy(pre, out, <usize>(rows * outDim) << 2);
  activation_forward(act, out, out, rows * outDim);
}

/**
 * dInp = (delta·Wᵀ) ⊙ f'(inp): dL/d(pre-activation) of the layer below, whose output inp is (activation inAct).
 * Units of that layer whose derivative is 0 on every row (saturated, or dead relus) are marked 0 in inLive
 * (inDim i32) and skipped: their gradient is exactly 0.
 */
export function dense_backward_input(
  dInp: usize, inLive: usize, delta: usize, inp: usize, W: usize, rows: i32, inDim: i32, outDim: i32, inAct: i32,
): void {
  // delta is (rows, outDim), W is (inDim, outDim), inp and dInp are (rows, inDim)
  live_units(inAct, inLive, inp, rows, inDim);
  sgemm_nt(dInp, inDim, delta, outDim, W, outDim, rows, inDim, outDim, false, inLive);
  activation_backward(inAct, dInp, inp, rows * inDim);
}

/** dW = inpᵀ·delta, db = Σ over rows of delta. */
export function dense_backward_params(
  dW: usize, db: usize, delta: usize, inp: usize, rows: i32, inDim: i32, outDim: i32, work: usize,
): void {
  // inp is (rows, inDim), delta is (rows, outDim), dW is (inDim, outDim), db is (outDim)
  sgemm_tn(dW, outDim, inp, inDim, delta, outDim, inDim, outDim, rows, false, work);
  bias_grad(db, delta, outDim, rows, outDim, false);
}

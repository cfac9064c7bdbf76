// Forward, backward and update of a stack of dense layers, fused over whole epochs: the facade calls in once
// per epoch and every step runs here, on data and parameters already in linear memory.

import { sgemm_nn, sgemm_nt, sgemm_tn } from "./gemm";
import { bias_add, bias_grad } from "./bias";
import { activation_forward, activation_backward, live_units } from "./activations";
import { rmse_loss_grad } from "./loss";
import { rmsprop, rmsprop_tn } from "./optim";
import { rng_sample } from "./rng";
import {
  H_LAYERS, H_SCRATCH, H_RNG, H_GATHER, H_LR, H_RHO, H_MOMENTUM, H_EPSILON, H_WORK,
  L_IN, L_OUT, L_ACT, L_W, L_B, L_MS_W, L_MS_B, L_MOM_W, L_MOM_B, L_OUTPUT, L_DELTA, L_GRAD_W, L_GRAD_B, L_LIVE,
  word, real, ptr, layerField, layerPtr,
} from "./model";

/** Runs layers first..last on rows×in inputs at X (packed); each layer's output lands in its output buffer. */
export function forward(desc: usize, X: usize, rows: i32, first: i32, last: i32): void {
  let input = X;
  for (let l = first; l <= last; l++) {
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const out = layerPtr(desc, l, L_OUTPUT);
    // out (rows×out) = input (rows×in) · W (in×out)
    sgemm_nn(out, outDim, input, inDim, layerPtr(desc, l, L_W), outDim, rows, outDim, inDim, false, ptr(desc, H_WORK));
    bias_add(out, outDim, layerPtr(desc, l, L_B), rows, outDim);
    activation_forward(layerField(desc, l, L_ACT), out, out, rows * outDim);
    input = out;
  }
}

/** Forward pass and RMSE loss of a reconstruction of X; leaves dL/d(pre-activation) in the last layer's delta. */
function lossAndDelta(desc: usize, X: usize, rows: i32): f32 {
  const last = word(desc, H_LAYERS) - 1;
  forward(desc, X, rows, 0, last);
  const n = rows * layerField(desc, last, L_OUT);
  const delta = layerPtr(desc, last, L_DELTA), out = layerPtr(desc, last, L_OUTPUT);
  const loss = rmse_loss_grad(delta, out, X, n);
  activation_backward(layerField(desc, last, L_ACT), delta, out, n);
  return loss;
}

/**
 * Propagates layer l's delta to layer l−1 (before W_l changes): delta_{l−1} = (delta_l · W_lᵀ) ⊙ f'(out_{l−1}).
 * Units of layer l−1 whose derivative is 0 on every row (saturated, or dead relus) are marked in its live flags
 * and skipped: their delta is exactly 0.
 */
function propagate(desc: usize, l: i32, rows: i32): void {
  const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
  const below = layerPtr(desc, l - 1, L_DELTA), belowOut = layerPtr(desc, l - 1, L_OUTPUT);
  const kind = layerField(desc, l - 1, L_ACT), live = layerPtr(desc, l - 1, L_LIVE);
  live_units(kind, live, belowOut, rows, inDim);
  sgemm_nt(below, inDim, layerPtr(desc, l, L_DELTA), outDim, layerPtr(desc, l, L_W), outDim, rows, inDim, outDim, false, live);
  activation_backward(kind, below, belowOut, rows * inDim);
}

/** The live flags of layer l's units, or 0 (all live) for the last layer, whose delta comes from the loss. */
@inline function liveOf(desc: usize, l: i32): usize {
  return l == word(desc, H_LAYERS) - 1 ? 0 : layerPtr(desc, l, L_LIVE);
}

@inline function layerInput(desc: usize, X: usize, l: i32): usize {
  return l == 0 ? X : layerPtr(desc, l - 1, L_OUTPUT);
}

/**
 * One RMSProp step on the batch X (rows×in, packed). Returns the loss before the update; when it is not
 * finite nothing is updated.
 */
export function train_step(desc: usize, X: usize, rows: i32): f32 {
  const loss = lossAndDelta(desc, X, rows);
  if (!isFinite(loss)) return loss;
  const lr = real(desc, H_LR), rho = real(desc, H_RHO), momentum = real(desc, H_MOMENTUM), eps = real(desc, H_EPSILON);
  const scratch = ptr(desc, H_SCRATCH);
  for (let l = word(desc, H_LAYERS) - 1; l >= 0; l--) {
    if (l > 0) propagate(desc, l, rows);
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const delta = layerPtr(desc, l, L_DELTA);
    // W −= RMSProp(inputᵀ · delta), the gradient formed tile by tile inside the update
    rmsprop_tn(
      layerPtr(desc, l, L_W), layerPtr(desc, l, L_MS_W), layerPtr(desc, l, L_MOM_W),
      layerInput(desc, X, l), inDim, delta, outDim, inDim, outDim, rows, scratch, ptr(desc, H_WORK), liveOf(desc, l), lr, rho, momentum, eps,
    );
    const gb = layerPtr(desc, l, L_GRAD_B);
    bias_grad(gb, delta, outDim, rows, outDim, false);
    rmsprop(layerPtr(desc, l, L_B), layerPtr(desc, l, L_MS_B), layerPtr(desc, l, L_MOM_B), gb, outDim, lr, rho, momentum, eps);
  }
  return loss;
}

/** Loss and all gradients (into the layers' gradient buffers) for the batch X, without updating anything. */
export function gradients(desc: usize, X: usize, rows: i32): f32 {
  const loss = lossAndDelta(desc, X, rows);
  for (let l = word(desc, H_LAYERS) - 1; l >= 0; l--) {
    if (l > 0) propagate(desc, l, rows);
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const delta = layerPtr(desc, l, L_DELTA);
    sgemm_tn(layerPtr(desc, l, L_GRAD_W), outDim, layerInput(desc, X, l), inDim, delta, outDim, inDim, outDim, rows, false, ptr(desc, H_WORK));
    bias_grad(layerPtr(desc, l, L_GRAD_B), delta, outDim, rows, outDim, false);
  }
  return loss;
}

/**
 * Trains `batches` steps over the dataRows×in data set at data. Sequential: step b trains batch number
 * q = (firstBatch + b) mod ⌈dataRows/size⌉, rows [q·size, q·size + size) in data order (the last batch of a
 * pass may be shorter).
 * Random: each batch is `size` rows drawn without replacement (partial Fisher–Yates over idx, dataRows i32 of
 * scratch that starts every call as 0, 1, 2, …, so an epoch depends only on the generator state).
 * Writes each step's loss to losses[] and returns the number of steps taken: fewer than `batches` when a
 * loss was not finite (that loss is written, its step not applied).
 */
export function train_steps(
  desc: usize, data: usize, dataRows: i32, idx: usize, size: i32, batches: i32, firstBatch: i32, random: bool,
  losses: usize,
): i32 {
  const inDim = layerField(desc, 0, L_IN);
  const rowBytes = <usize>inDim << 2;
  const gather = ptr(desc, H_GATHER);
  const perPass = (dataRows + size - 1) / size;
  if (random) for (let r = 0; r < dataRows; r++) store<i32>(idx + (<usize>r << 2), r);
  for (let b = 0; b < batches; b++) {
    let X = data, rows = size;
    if (random) {
      rng_sample(ptr(desc, H_RNG), idx, dataRows, size);
      for (let r = 0; r < size; r++) {
        memory.copy(gather + <usize>r * rowBytes, data + <usize>load<i32>(idx + (<usize>r << 2)) * rowBytes, rowBytes);
      }
      X = gather;
    } else {
      const first = ((firstBatch + b) % perPass) * size;
      rows = min(size, dataRows - first);
      X = data + <usize>first * rowBytes;
    }
    const loss = train_step(desc, X, rows);
    store<f32>(losses + (<usize>b << 2), loss);
    if (!isFinite(loss)) return b;
  }
  return batches;
}

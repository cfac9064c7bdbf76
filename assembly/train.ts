// The training loop over a model descriptor (model.ts): the layers' forward passes in list order, the loss stage,
// the layers' backward passes in reverse, then the optimizer stage over the parameter ranges. The facade calls
// in once per epoch and every step runs here, on data and parameters already in linear memory.

import { dense_forward, dense_backward_input, dense_backward_params } from "./dense";
import { bias_grad } from "./bias";
import { loss_grad, loss_sum } from "./loss";
import { rmsprop, rmsprop_tn, adam, sgd } from "./optim";
import { corrupt } from "./corrupt";
import { rng_sample } from "./rng";
import {
  H_LAYERS, H_STATE, H_SCRATCH, H_GATHER, H_GATHER_T, H_WORK, H_CAPACITY, H_LOSS, H_OPTIMIZER, H_FUSED, H_LR,
  H_OPT_A, H_OPT_B, H_EPSILON, H_PARAM_COUNT, H_CORRUPTION, H_CORRUPT_A, H_CORRUPT_B, H_CORRUPT_C,
  L_KIND, L_SOURCE, L_IN, L_OUT, L_ACT, L_PARAM, L_OUTPUT, L_PRE, L_DELTA, L_LIVE,
  P_VALUE, P_GRAD, P_SLOT1, P_SLOT2, KIND_DENSE,
  word, real, ptr, layerField, layerPtr, paramPtr, paramCount, unknownKind,
} from "./model";

export const OPT_RMSPROP: i32 = 0;
export const OPT_ADAM: i32 = 1;
export const OPT_SGD: i32 = 2;

// The generator's 16 bytes come first in the state block, then Adam's u32 step count.
const STEP_OFFSET: usize = 16;

/** The input of layer l: its source layer's output, or the batch X. */
@inline function inputOf(desc: usize, X: usize, l: i32): usize {
  const source = layerField(desc, l, L_SOURCE);
  return source < 0 ? X : layerPtr(desc, source, L_OUTPUT);
}

/** Runs layers first..last on rows×in inputs at X (packed); each layer's output lands in its output buffer. */
export function forward(desc: usize, X: usize, rows: i32, first: i32, last: i32): void {
  for (let l = first; l <= last; l++) {
    if (layerField(desc, l, L_KIND) != KIND_DENSE) unknownKind();
    const param = layerField(desc, l, L_PARAM);
    // With first > 0 the caller's X is layer first's input, whatever its source.
    dense_forward(
      layerPtr(desc, l, L_OUTPUT), layerPtr(desc, l, L_PRE), l == first ? X : inputOf(desc, X, l),
      paramPtr(desc, param, P_VALUE), paramPtr(desc, param + 1, P_VALUE),
      rows, layerField(desc, l, L_IN), layerField(desc, l, L_OUT), layerField(desc, l, L_ACT), ptr(desc, H_WORK),
    );
  }
}

/** The forward pass and the loss of the output against T; leaves dL/d(pre-activation) in the last layer's delta. */
function lossAndDelta(desc: usize, X: usize, T: usize, rows: i32): f64 {
  const last = word(desc, H_LAYERS) - 1;
  forward(desc, X, rows, 0, last);
  return loss_grad(
    word(desc, H_LOSS), layerField(desc, last, L_ACT), layerPtr(desc, last, L_DELTA), layerPtr(desc, last, L_OUTPUT),
    layerPtr(desc, last, L_PRE), T, rows * layerField(desc, last, L_OUT),
  );
}

/**
 * The backward pass, last layer first: each layer passes dL/d(pre-activation) down to its source, then forms its
 * parameters' gradients. With `fusedUpdate`, dense layers instead apply RMSProp to their weights inside the
 * gradient product (the same bits as gradients then rmsprop), which never stores the weight gradient.
 */
function backward(desc: usize, X: usize, rows: i32, fusedUpdate: bool): void {
  const work = ptr(desc, H_WORK);
  for (let l = word(desc, H_LAYERS) - 1; l >= 0; l--) {
    if (layerField(desc, l, L_KIND) != KIND_DENSE) unknownKind();
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const delta = layerPtr(desc, l, L_DELTA), inp = inputOf(desc, X, l), param = layerField(desc, l, L_PARAM);
    const W = paramPtr(desc, param, P_VALUE);
    const source = layerField(desc, l, L_SOURCE);
    if (source >= 0) {
      dense_backward_input(
        layerPtr(desc, source, L_DELTA), layerPtr(desc, source, L_LIVE), delta, inp, W, rows, inDim, outDim,
        layerField(desc, source, L_ACT),
      );
    }
    if (!fusedUpdate) {
      dense_backward_params(paramPtr(desc, param, P_GRAD), paramPtr(desc, param + 1, P_GRAD), delta, inp, rows, inDim, outDim, work);
      continue;
    }
    const lr = real(desc, H_LR), rho = real(desc, H_OPT_A), momentum = real(desc, H_OPT_B), eps = real(desc, H_EPSILON);
    // W −= RMSProp(inpᵀ · delta), the gradient formed tile by tile inside the update; units that are dead on
    // every row (their live flag 0, set when the layer above passed its delta down) are skipped.
    rmsprop_tn(
      W, paramPtr(desc, param, P_SLOT1), paramPtr(desc, param, P_SLOT2), inp, inDim, delta, outDim, inDim, outDim, rows,
      ptr(desc, H_SCRATCH), work, isOutput(desc, l) ? 0 : layerPtr(desc, l, L_LIVE), lr, rho, momentum, eps,
    );
    const gb = paramPtr(desc, param + 1, P_GRAD);
    bias_grad(gb, delta, outDim, rows, outDim, false);
    rmsprop(paramPtr(desc, param + 1, P_VALUE), paramPtr(desc, param + 1, P_SLOT1), paramPtr(desc, param + 1, P_SLOT2), gb, outDim, lr, rho, momentum, eps);
  }
}

/** Whether layer l is the model's output (its delta comes from the loss, so it has no live flags). */
@inline function isOutput(desc: usize, l: i32): bool {
  return l == word(desc, H_LAYERS) - 1;
}

/** The optimizer stage: one update of every parameter range from its gradient. */
export function optimize(desc: usize): void {
  const kind = word(desc, H_OPTIMIZER);
  const lr = real(desc, H_LR), a = real(desc, H_OPT_A), b = real(desc, H_OPT_B), eps = real(desc, H_EPSILON);
  let lrT = lr;
  if (kind == OPT_ADAM) {
    const stepAt = ptr(desc, H_STATE) + STEP_OFFSET;
    const t = load<u32>(stepAt) + 1;
    store<u32>(stepAt, t);
    lrT = <f32>(<f64>lr * Math.sqrt(1.0 - Math.pow(<f64>b, <f64>t)) / (1.0 - Math.pow(<f64>a, <f64>t)));
  } else if (kind != OPT_RMSPROP && kind != OPT_SGD) unknownKind();
  for (let p = 0; p < word(desc, H_PARAM_COUNT); p++) {
    const value = paramPtr(desc, p, P_VALUE), grad = paramPtr(desc, p, P_GRAD), n = paramCount(desc, p);
    const slot1 = paramPtr(desc, p, P_SLOT1), slot2 = paramPtr(desc, p, P_SLOT2);
    if (kind == OPT_RMSPROP) rmsprop(value, slot1, slot2, grad, n, lr, a, b, eps);
    else if (kind == OPT_ADAM) adam(value, slot1, slot2, grad, n, lrT, a, b, eps);
    else sgd(value, slot1, grad, n, lr, a, b != 0);
  }
}

/**
 * One optimizer step on the batch X (rows×in, packed) with targets T (rows×out). Returns the loss before the
 * update; when it is not finite nothing is updated.
 */
export function train_step(desc: usize, X: usize, T: usize, rows: i32): f32 {
  const loss = <f32>lossAndDelta(desc, X, T, rows);
  if (!isFinite(loss)) return loss;
  // Only RMSProp has a fused path: a FUSED word beside another optimizer must not run RMSProp in its place.
  const fused = word(desc, H_FUSED) != 0 && word(desc, H_OPTIMIZER) == OPT_RMSPROP;
  backward(desc, X, rows, fused);
  if (!fused) optimize(desc);
  return loss;
}

/** Loss and all gradients (into the parameter ranges' gradient buffers) for the batch X, without updating anything. */
export function gradients(desc: usize, X: usize, T: usize, rows: i32): f64 {
  const loss = lossAndDelta(desc, X, T, rows);
  backward(desc, X, rows, false);
  return loss;
}

/**
 * The sum of the loss terms (loss_sum) of the model's outputs for rows×in inputs X against targets T, in chunks of
 * the activation buffers' capacity: the validation loss, with no corruption and no update.
 */
export function loss_total(desc: usize, X: usize, T: usize, rows: i32): f64 {
  const last = word(desc, H_LAYERS) - 1;
  const inDim = layerField(desc, 0, L_IN), outDim = layerField(desc, last, L_OUT);
  const chunk = word(desc, H_CAPACITY);
  let total: f64 = 0;
  for (let start = 0; start < rows; start += chunk) {
    const count = min(chunk, rows - start);
    forward(desc, X + (<usize>start * inDim << 2), count, 0, last);
    total += loss_sum(
      word(desc, H_LOSS), layerPtr(desc, last, L_OUTPUT), layerPtr(desc, last, L_PRE), T + (<usize>start * outDim << 2), count * outDim,
    );
  }
  return total;
}

/**
 * Trains `batches` steps over the dataRows rows of inputs at data and targets at target (the same pointer when the
 * model reconstructs its input). Sequential: step b trains batch number q = (firstBatch + b) mod ⌈dataRows/size⌉,
 * rows [q·size, q·size + size) in data order (the last batch of a pass may be shorter).
 * Random: each batch is `size` rows drawn without replacement (partial Fisher–Yates over idx, dataRows i32 of
 * scratch set to 0, 1, 2, … when `fresh`, so an epoch depends only on the generator state; an epoch taken in
 * several calls, the first fresh and the others not, gives the bits of one call).
 * With a corruption, each batch's inputs are copied and corrupted; the targets stay clean.
 * Writes each step's loss to losses[] and returns the number of steps taken: fewer than `batches` when a
 * loss was not finite (that loss is written, its step not applied).
 */
export function train_steps(
  desc: usize, data: usize, target: usize, dataRows: i32, idx: usize, size: i32, batches: i32, firstBatch: i32, random: bool,
  fresh: bool, losses: usize,
): i32 {
  const last = word(desc, H_LAYERS) - 1;
  const inBytes = <usize>layerField(desc, 0, L_IN) << 2, outBytes = <usize>layerField(desc, last, L_OUT) << 2;
  const gather = ptr(desc, H_GATHER), gatherT = ptr(desc, H_GATHER_T);
  const corruption = word(desc, H_CORRUPTION);
  const separate = target != data || corruption != 0; // the targets are not the batch's (unchanged) inputs
  const perPass = (dataRows + size - 1) / size;
  if (random && fresh) for (let r = 0; r < dataRows; r++) store<i32>(idx + (<usize>r << 2), r);
  for (let b = 0; b < batches; b++) {
    let X = data, T = target, rows = size;
    if (random) {
      rng_sample(ptr(desc, H_STATE), idx, dataRows, size);
      for (let r = 0; r < size; r++) {
        const row = <usize>load<i32>(idx + (<usize>r << 2));
        memory.copy(gather + <usize>r * inBytes, data + row * inBytes, inBytes);
        if (separate) memory.copy(gatherT + <usize>r * outBytes, target + row * outBytes, outBytes);
      }
      X = gather;
      T = separate ? gatherT : gather;
    } else {
      const first = ((firstBatch + b) % perPass) * size;
      rows = min(size, dataRows - first);
      X = data + <usize>first * inBytes;
      T = target + <usize>first * outBytes;
      if (corruption != 0) {
        memory.copy(gather, X, <usize>rows * inBytes);
        X = gather;
      }
    }
    if (corruption != 0) {
      corrupt(
        ptr(desc, H_STATE), X, rows * (<i32>inBytes >> 2), corruption,
        real(desc, H_CORRUPT_A), real(desc, H_CORRUPT_B), real(desc, H_CORRUPT_C),
      );
    }
    const loss = train_step(desc, X, T, rows);
    store<f32>(losses + (<usize>b << 2), loss);
    if (!isFinite(loss)) return b;
  }
  return batches;
}

// The training loop over a model descriptor (model.ts): the layers' forward passes in list order, the loss stage,
// the layers' backward passes in reverse, then the optimizer stage over the parameter ranges. The facade calls
// in once per epoch and every step runs here, on data and parameters already in linear memory.

import { dense_forward, dense_backward_input_block, dense_backward_weights, dense_backward_weight_columns } from "./dense";
import { live_columns } from "./activations";
import { PACKED_ROWS } from "./gemm_block";
import { bias_grad } from "./bias";
import { loss_grad_part, loss_sum, loss_value, reportedLoss } from "./loss";
import { rmsprop, rmsprop_tn, adam, sgd } from "./optim";
import { corrupt } from "./corrupt";
import { rng_sample } from "./rng";
import { widen_bytes } from "./widen";
import { sampling_forward, sampling_backward, kl_sum } from "./sampling";
import { set_precision } from "./precision";
import {
  H_LAYERS, H_STATE, H_SCRATCH, H_GATHER, H_GATHER_T, H_WORK, H_CAPACITY, H_LOSS, H_OPTIMIZER, H_FUSED, H_LR,
  H_OPT_A, H_OPT_B, H_EPSILON, H_PARAM_COUNT, H_CORRUPTION, H_CORRUPT_A, H_CORRUPT_B, H_CORRUPT_C, H_WORK_STRIDE, H_SYNC, H_PRECISION,
  H_ROW_SUM, H_KL_WEIGHT, H_NOISE, H_KL, H_KL_LOG,
  L_KIND, L_SOURCE, L_SOURCE2, L_IN, L_OUT, L_ACT, L_PARAM, L_OUTPUT, L_PRE, L_DELTA, L_LIVE, L_VISIT,
  P_VALUE, P_GRAD, P_SLOT1, P_SLOT2, KIND_DENSE, KIND_SAMPLING,
  word, real, ptr, layerField, layerPtr, paramPtr, paramCount, unknownKind,
} from "./model";
import {
  threadsOf, firstPart, endPart, share, sync, shareValue, post_call, nextCall, arg, announceReady,
  S_ARGS, S_CALL, S_CALL_ID, CALL_TRAIN_STEPS, CALL_GRADIENTS, CALL_FORWARD, CALL_LOSS_TOTAL, CALL_TRAIN_STEP, CALL_OPTIMIZE,
} from "./parallel";

export const OPT_RMSPROP: i32 = 0;
export const OPT_ADAM: i32 = 1;
export const OPT_SGD: i32 = 2;

/** train_steps' and loss_total's `kinds`: the data, and the targets, are stored as bytes (else f32). */
export const DATA_BYTES: i32 = 1;
export const TARGET_BYTES: i32 = 2;

// The generator's 16 bytes come first in the state block, then Adam's u32 step count.
const STEP_OFFSET: usize = 16;

/** The input of layer l: its source layer's output, or the batch X. */
@inline function inputOf(desc: usize, X: usize, l: i32): usize {
  const source = layerField(desc, l, L_SOURCE);
  return source < 0 ? X : layerPtr(desc, source, L_OUTPUT);
}

/** Thread t's packing workspace. */
@inline function workOf(desc: usize, t: i32): usize {
  return ptr(desc, H_WORK) + <usize>t * ptr(desc, H_WORK_STRIDE);
}

/** Thread t's 32 f32 of scratch. */
@inline function scratchOf(desc: usize, t: i32): usize {
  return ptr(desc, H_SCRATCH) + (<usize>t << 7);
}

// Columns of a layer's output are split in multiples of 8 (the product's widest tile); rows of weights in
// multiples of 4 (its tallest); flat arrays in multiples of 4 (one f32x4).
const COLUMN_ALIGN: i32 = 8;
const ROW_ALIGN: i32 = 4;
const FLAT_ALIGN: i32 = 4;

/**
 * Runs layers first..last on rows×in inputs at X (packed); each layer's output lands in its output buffer.
 * Each thread computes its share of every layer's output columns, or of its rows (splitByRows): x·W, the bias, the
 * activation.
 */
function forwardPart(desc: usize, X: usize, rows: i32, first: i32, last: i32, t: i32): void {
  set_precision(word(desc, H_PRECISION));
  const parts = threadsOf(desc);
  for (let l = first; l <= last; l++) {
    const kind = layerField(desc, l, L_KIND);
    if (kind == KIND_SAMPLING) {
      // Thread 0 alone: ε comes from the one generator, and rows × latent width is little work.
      if (t == 0) {
        sampling_forward(
          layerPtr(desc, l, L_OUTPUT), layerPtr(desc, l, L_PRE), headOutput(desc, l, L_SOURCE), headOutput(desc, l, L_SOURCE2),
          rows * layerField(desc, l, L_OUT), word(desc, H_NOISE), ptr(desc, H_STATE),
        );
      }
      sync(desc, t);
      continue;
    }
    if (kind != KIND_DENSE) unknownKind();
    const param = layerField(desc, l, L_PARAM);
    // With first > 0 the caller's X is layer first's input, whatever its source.
    const inp = l == first ? X : inputOf(desc, X, l);
    const W = paramPtr(desc, param, P_VALUE), b = paramPtr(desc, param + 1, P_VALUE);
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const out = layerPtr(desc, l, L_OUTPUT), pre = layerPtr(desc, l, L_PRE), act = layerField(desc, l, L_ACT);
    const byRows = splitByRows(rows, outDim, parts);
    for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
      // This part's rows r0..r1 and columns j0..j1: some rows and every column, or every row and some columns.
      const r0 = byRows ? share(rows, ROW_PAIR, p, parts) : 0, r1 = byRows ? share(rows, ROW_PAIR, p + 1, parts) : rows;
      const j0 = byRows ? 0 : share(outDim, COLUMN_ALIGN, p, parts), j1 = byRows ? outDim : share(outDim, COLUMN_ALIGN, p + 1, parts);
      const o = <usize>(r0 * outDim) << 2;
      dense_forward(out + o, pre == 0 ? 0 : pre + o, inp + (<usize>(r0 * inDim) << 2), W, b, r1 - r0, inDim, outDim, act, workOf(desc, t), j0, j1);
    }
    sync(desc, t);
  }
}

// Rows of a batch are split in pairs (the 2×8 tile beside the packed 4×8 ones).
const ROW_PAIR: i32 = 2;

/**
 * Whether a product with `cols` output columns shares out more evenly by rows (in pairs) than by columns (in
 * COLUMN_ALIGN strips): 100 columns are 13 strips, 7 and 6 on two threads, where 100 rows split 50 and 50. Each
 * value is the same sum either way.
 */
function splitByRows(rows: i32, cols: i32, parts: i32): bool {
  const strips = (cols + COLUMN_ALIGN - 1) / COLUMN_ALIGN, pairs = (rows + ROW_PAIR - 1) / ROW_PAIR;
  // Parts too short to be packed (gemm_block.ts PACKED_ROWS) run slower than a column split: the smallest part has at
  // least ⌊pairs/parts⌋ pairs, one of them perhaps a single row.
  if (parts == 1 || pairs / parts < PACKED_ROWS / ROW_PAIR + 1) return false;
  // The largest part against an even share, compared without division: ⌈pairs/parts⌉/pairs < ⌈strips/parts⌉/strips.
  return <i64>((pairs + parts - 1) / parts) * strips < <i64>((strips + parts - 1) / parts) * pairs;
}

/** The output buffer of the layer a sampling layer l names in its field `field` (L_SOURCE: mean, L_SOURCE2: log-variance). */
@inline function headOutput(desc: usize, l: i32, field: i32): usize {
  return layerPtr(desc, layerField(desc, l, field), L_OUTPUT);
}

/** The values over which the loss of `rows` rows of `cols` outputs is averaged: rows (H_ROW_SUM) or every value. */
@inline function lossCount(desc: usize, rows: i32, cols: i32): i32 {
  return word(desc, H_ROW_SUM) != 0 ? rows : rows * cols;
}

/** The KL terms (kl_sum) of the model's sampling layers on the batch's `rows` rows, summed; 0 without one. */
function klTotal(desc: usize, rows: i32): f64 {
  let total: f64 = 0;
  for (let l = 0; l < word(desc, H_LAYERS); l++) {
    if (layerField(desc, l, L_KIND) != KIND_SAMPLING) continue;
    total += kl_sum(headOutput(desc, l, L_SOURCE), headOutput(desc, l, L_SOURCE2), rows * layerField(desc, l, L_OUT));
  }
  return total;
}

/**
 * The forward pass and the loss of the output against T (summed by thread 0, handed to all); leaves dL/d(pre-activation)
 * in the last layer's delta, each thread its share of the values.
 */
function lossAndDelta(desc: usize, X: usize, T: usize, rows: i32, t: i32): f64 {
  const last = word(desc, H_LAYERS) - 1;
  forwardPart(desc, X, rows, 0, last, t);
  const kind = word(desc, H_LOSS), act = layerField(desc, last, L_ACT), n = rows * layerField(desc, last, L_OUT);
  const count = lossCount(desc, rows, layerField(desc, last, L_OUT));
  const Y = layerPtr(desc, last, L_OUTPUT), Z = layerPtr(desc, last, L_PRE), dZ = layerPtr(desc, last, L_DELTA);
  let loss: f64 = 0;
  if (t == 0) {
    loss = loss_value(kind, loss_sum(kind, Y, Z, T, n), <f64>count);
    // A sampling layer's KL term, a mean over rows, weighted by β (its gradient is the sampling layer's backward).
    const kl = klTotal(desc, rows) / <f64>rows;
    store<f32>(desc + (<usize>H_KL << 2), <f32>kl);
    if (kl != 0) loss += <f64>real(desc, H_KL_WEIGHT) * kl;
  }
  loss = shareValue(desc, t, loss);
  const parts = threadsOf(desc);
  // dL/dZ of a mean over `count`: loss_grad_part's n is that divisor (the loss is only read by RMSE, never row-summed).
  for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
    loss_grad_part(kind, act, dZ, Y, Z, T, count, loss, share(n, FLAT_ALIGN, p, parts), share(n, FLAT_ALIGN, p + 1, parts));
  }
  sync(desc, t);
  return reportedLoss(kind, loss);
}

/**
 * The backward pass, last layer first: each layer passes dL/d(pre-activation) down to its source (each thread its
 * share of the source's units, or of the rows: splitByRows), then forms its parameters' gradients (each thread its share of the weight rows).
 * With `fusedUpdate`, dense layers instead apply RMSProp to their weights inside the gradient product (the same
 * bits as gradients then rmsprop), which never stores the weight gradient.
 */
function backward(desc: usize, X: usize, rows: i32, fusedUpdate: bool, t: i32): void {
  set_precision(word(desc, H_PRECISION));
  const parts = threadsOf(desc);
  for (let l = word(desc, H_LAYERS) - 1; l >= 0; l--) {
    const kind = layerField(desc, l, L_KIND);
    if (kind == KIND_SAMPLING) {
      if (t == 0) samplingBackward(desc, l, rows);
      sync(desc, t);
      continue;
    }
    if (kind != KIND_DENSE) unknownKind();
    const inDim = layerField(desc, l, L_IN), outDim = layerField(desc, l, L_OUT);
    const delta = layerPtr(desc, l, L_DELTA), inp = inputOf(desc, X, l), param = layerField(desc, l, L_PARAM);
    const W = paramPtr(desc, param, P_VALUE);
    const source = layerField(desc, l, L_SOURCE);
    if (source >= 0) {
      // dInp = (delta·Wᵀ) ⊙ f'(inp) for this part's units j0..j1 of the layer below, or its rows; units whose
      // derivative is 0 on every row are flagged dead and skipped (their gradient is exactly 0).
      const dInp = layerPtr(desc, source, L_DELTA), inLive = layerPtr(desc, source, L_LIVE), inAct = layerField(desc, source, L_ACT);
      const visit = layerField(desc, l, L_VISIT);
      // The live flags of this part's units over every row; where the rows are split, every thread's flags before any
      // product reads them.
      const byRows = splitByRows(rows, inDim, parts);
      for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
        const j0 = share(inDim, COLUMN_ALIGN, p, parts), j1 = share(inDim, COLUMN_ALIGN, p + 1, parts);
        live_columns(inAct, inLive + (<usize>j0 << 2), inp + (<usize>j0 << 2), inDim, rows, j1 - j0);
      }
      if (byRows) sync(desc, t);
      for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
        const r0 = byRows ? share(rows, ROW_PAIR, p, parts) : 0, r1 = byRows ? share(rows, ROW_PAIR, p + 1, parts) : rows;
        const j0 = byRows ? 0 : share(inDim, COLUMN_ALIGN, p, parts), j1 = byRows ? inDim : share(inDim, COLUMN_ALIGN, p + 1, parts);
        const at = <usize>(r0 * inDim) << 2;
        dense_backward_input_block(dInp + at, inLive, delta + (<usize>(r0 * outDim) << 2), inp + at, W, r1 - r0, inDim, outDim, inAct, visit, j0, j1);
      }
      sync(desc, t); // W is read above before any thread updates it below
    }
    const lr = real(desc, H_LR), rho = real(desc, H_OPT_A), momentum = real(desc, H_OPT_B), eps = real(desc, H_EPSILON);
    const gW = paramPtr(desc, param, P_GRAD), MS = paramPtr(desc, param, P_SLOT1), MOM = paramPtr(desc, param, P_SLOT2);
    // Where nearly every unit is live, the gradient product then one contiguous RMSProp sweep beat the fused
    // update (measured 1.06–1.08× at batches 10 and 100 with every unit live); where many are dead the fused one
    // skips their tiles (0.80–0.92× unfused on saturated data); at batch 1 its outer-product path wins. Same bits.
    const sweep = fusedUpdate && rows > 1 && gW != 0 && mostlyLive(desc, l, outDim);
    if (!fusedUpdate || sweep) {
      // The gradient product (then, for RMSProp, its sweep over the same part): split by columns where the layer
      // is wider than tall, whose many columns share out evenly, by rows otherwise.
      const byColumns = outDim > inDim;
      const size = byColumns ? outDim : inDim, align = byColumns ? COLUMN_ALIGN : ROW_ALIGN;
      for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
        const s0 = share(size, align, p, parts), s1 = share(size, align, p + 1, parts);
        if (s0 == s1) continue;
        if (byColumns) {
          dense_backward_weight_columns(gW, delta, inp, rows, inDim, outDim, workOf(desc, t), s0, s1);
          if (!sweep) continue;
          for (let i = 0; i < inDim; i++) {
            const at = <usize>(i * outDim + s0) << 2;
            rmsprop(W + at, MS + at, MOM == 0 ? 0 : MOM + at, gW + at, s1 - s0, lr, rho, momentum, eps);
          }
        } else {
          dense_backward_weights(gW, delta, inp, rows, inDim, outDim, workOf(desc, t), s0, s1);
          const at = <usize>(s0 * outDim) << 2;
          if (sweep) rmsprop(W + at, MS + at, MOM == 0 ? 0 : MOM + at, gW + at, (s1 - s0) * outDim, lr, rho, momentum, eps);
        }
      }
    } else {
      for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
        const i0 = share(inDim, ROW_ALIGN, p, parts), i1 = share(inDim, ROW_ALIGN, p + 1, parts);
        if (i0 == i1) continue;
        const rowsAt = <usize>(i0 * outDim) << 2, a = inp + (<usize>i0 << 2);
        // W −= RMSProp(inpᵀ · delta) on this part's rows, the gradient formed tile by tile inside the update; units
        // dead on every row (their live flag 0, set when the layer above passed its delta down) are skipped.
        rmsprop_tn(
          W + rowsAt, MS + rowsAt, MOM == 0 ? 0 : MOM + rowsAt, a, inDim, delta, outDim, i1 - i0, outDim, rows,
          scratchOf(desc, t), workOf(desc, t), isOutput(desc, l) ? 0 : layerPtr(desc, l, L_LIVE), lr, rho, momentum, eps,
        );
      }
    }
    // The biases' gradient (each column summed over the rows in order) and update, each thread its share of columns.
    const gb = paramPtr(desc, param + 1, P_GRAD), bv = paramPtr(desc, param + 1, P_VALUE);
    const bms = paramPtr(desc, param + 1, P_SLOT1), bmom = paramPtr(desc, param + 1, P_SLOT2);
    for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
      const c0 = share(outDim, FLAT_ALIGN, p, parts), c1 = share(outDim, FLAT_ALIGN, p + 1, parts);
      if (c0 == c1) continue;
      const o = <usize>c0 << 2;
      bias_grad(gb + o, delta + o, outDim, rows, c1 - c0, false);
      if (fusedUpdate) rmsprop(bv + o, bms + o, bmom == 0 ? 0 : bmom + o, gb + o, c1 - c0, lr, rho, momentum, eps);
    }
  }
  sync(desc, t);
}

/**
 * The sampling layer l's backward: the heads' deltas from its own (dL/dz, which the decoder's first layer passed
 * down) and from the KL term. The heads are linear, so every unit of theirs is live.
 */
function samplingBackward(desc: usize, l: i32, rows: i32): void {
  const meanHead = layerField(desc, l, L_SOURCE), logVarHead = layerField(desc, l, L_SOURCE2), d = layerField(desc, l, L_OUT);
  sampling_backward(
    layerPtr(desc, meanHead, L_DELTA), layerPtr(desc, logVarHead, L_DELTA), layerPtr(desc, l, L_DELTA),
    headOutput(desc, l, L_SOURCE), headOutput(desc, l, L_SOURCE2), layerPtr(desc, l, L_PRE), rows * d, <f32>(<f64>real(desc, H_KL_WEIGHT) / <f64>rows),
  );
  for (let j = 0; j < d; j++) {
    store<i32>(layerPtr(desc, meanHead, L_LIVE) + (<usize>j << 2), 1);
    store<i32>(layerPtr(desc, logVarHead, L_LIVE) + (<usize>j << 2), 1);
  }
}

/** Whether at most one in 8 of layer l's `units` is dead on every row of the batch (the output layer's never are). */
function mostlyLive(desc: usize, l: i32, units: i32): bool {
  if (isOutput(desc, l)) return true;
  const flags = layerPtr(desc, l, L_LIVE);
  let dead = 0;
  for (let j = 0; j < units; j++) if (load<i32>(flags + (<usize>j << 2)) == 0) dead++;
  return dead * 8 <= units;
}

/** Whether layer l is the model's output (its delta comes from the loss, so it has no live flags). */
@inline function isOutput(desc: usize, l: i32): bool {
  return l == word(desc, H_LAYERS) - 1;
}

/** The optimizer stage: one update of every parameter range from its gradient, each thread its share of each range. */
function optimizePart(desc: usize, t: i32): void {
  const kind = word(desc, H_OPTIMIZER);
  const lr = real(desc, H_LR), a = real(desc, H_OPT_A), b = real(desc, H_OPT_B), eps = real(desc, H_EPSILON);
  let lrT = lr;
  if (kind == OPT_ADAM) {
    const stepAt = ptr(desc, H_STATE) + STEP_OFFSET;
    const step = load<u32>(stepAt) + 1;
    lrT = <f32>(<f64>lr * Math.sqrt(1.0 - Math.pow(<f64>b, <f64>step)) / (1.0 - Math.pow(<f64>a, <f64>step)));
    sync(desc, t); // every thread has read the count before thread 0 advances it
    if (t == 0) store<u32>(stepAt, step);
  } else if (kind != OPT_RMSPROP && kind != OPT_SGD) unknownKind();
  const parts = threadsOf(desc);
  for (let q = 0; q < word(desc, H_PARAM_COUNT); q++) {
    const n = paramCount(desc, q);
    for (let p = firstPart(desc, t); p < endPart(desc, t); p++) {
      const e0 = share(n, FLAT_ALIGN, p, parts), e1 = share(n, FLAT_ALIGN, p + 1, parts);
      if (e0 == e1) continue;
      const o = <usize>e0 << 2, count = e1 - e0;
      const value = paramPtr(desc, q, P_VALUE) + o, grad = paramPtr(desc, q, P_GRAD) + o;
      const slot1 = paramPtr(desc, q, P_SLOT1), slot2 = paramPtr(desc, q, P_SLOT2);
      const s1: usize = slot1 == 0 ? 0 : slot1 + o, s2: usize = slot2 == 0 ? 0 : slot2 + o;
      if (kind == OPT_RMSPROP) rmsprop(value, s1, s2, grad, count, lr, a, b, eps);
      else if (kind == OPT_ADAM) adam(value, s1, s2, grad, count, lrT, a, b, eps);
      else sgd(value, s1, grad, count, lr, a, b != 0);
    }
  }
  sync(desc, t);
}

/** The optimizer stage: one update of every parameter range from its gradient. */
export function optimize(desc: usize): void {
  post(desc, CALL_OPTIMIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  optimizePart(desc, 0);
}

/** One optimizer step; returns the loss before the update (when it is not finite nothing is updated). */
function stepPart(desc: usize, X: usize, T: usize, rows: i32, t: i32): f32 {
  const loss = <f32>lossAndDelta(desc, X, T, rows, t);
  if (!isFinite(loss)) return loss;
  // Only RMSProp has a fused path: a FUSED word beside another optimizer must not run RMSProp in its place.
  const fused = word(desc, H_FUSED) != 0 && word(desc, H_OPTIMIZER) == OPT_RMSPROP;
  backward(desc, X, rows, fused, t);
  if (!fused) optimizePart(desc, t);
  return loss;
}

/**
 * One optimizer step on the batch X (rows×in, packed) with targets T (rows×out). Returns the loss before the
 * update; when it is not finite nothing is updated.
 */
export function train_step(desc: usize, X: usize, T: usize, rows: i32): f32 {
  post(desc, CALL_TRAIN_STEP, <i32>X, <i32>T, rows, 0, 0, 0, 0, 0, 0, 0);
  return stepPart(desc, X, T, rows, 0);
}

function gradientsPart(desc: usize, X: usize, T: usize, rows: i32, t: i32): f64 {
  const loss = lossAndDelta(desc, X, T, rows, t);
  backward(desc, X, rows, false, t);
  return loss;
}

/** Loss and all gradients (into the parameter ranges' gradient buffers) for the batch X, without updating anything. */
export function gradients(desc: usize, X: usize, T: usize, rows: i32): f64 {
  post(desc, CALL_GRADIENTS, <i32>X, <i32>T, rows, 0, 0, 0, 0, 0, 0, 0);
  return gradientsPart(desc, X, T, rows, 0);
}

/** Runs layers first..last on rows×in inputs at X (packed); each layer's output lands in its output buffer. */
export function forward(desc: usize, X: usize, rows: i32, first: i32, last: i32): void {
  post(desc, CALL_FORWARD, <i32>X, rows, first, last, 0, 0, 0, 0, 0, 0);
  forwardPart(desc, X, rows, first, last, 0);
}

function lossTotalPart(desc: usize, X: usize, T: usize, rows: i32, kinds: i32, t: i32): f64 {
  const last = word(desc, H_LAYERS) - 1;
  const inCols = layerField(desc, 0, L_IN), outCols = layerField(desc, last, L_OUT);
  const dataBytes = (kinds & DATA_BYTES) != 0, targetBytes = (kinds & TARGET_BYTES) != 0;
  const inRow = <usize>inCols << (dataBytes ? 0 : 2), outRow = <usize>outCols << (targetBytes ? 0 : 2);
  const gather = ptr(desc, H_GATHER), gatherT = ptr(desc, H_GATHER_T);
  const sameTarget = T == X;
  const chunk = word(desc, H_CAPACITY);
  let total: f64 = 0;
  for (let start = 0; start < rows; start += chunk) {
    const count = min(chunk, rows - start);
    // Rows stored as bytes are widened into the gather buffers first (thread 0), then every thread reads them.
    if (t == 0) {
      for (let r = 0; r < count; r++) {
        const row = <usize>(start + r);
        if (dataBytes) widen_bytes(gather + (<usize>(r * inCols) << 2), X + row * inRow, inCols);
        if (targetBytes && !sameTarget) widen_bytes(gatherT + (<usize>(r * outCols) << 2), T + row * outRow, outCols);
      }
    }
    sync(desc, t);
    const input = dataBytes ? gather : X + <usize>start * inRow;
    const targets = sameTarget ? input : targetBytes ? gatherT : T + <usize>start * outRow;
    forwardPart(desc, input, count, 0, last, t);
    if (t == 0) {
      total += loss_sum(word(desc, H_LOSS), layerPtr(desc, last, L_OUTPUT), layerPtr(desc, last, L_PRE), targets, count * outCols);
      total += <f64>real(desc, H_KL_WEIGHT) * klTotal(desc, count);
    }
    sync(desc, t); // the next chunk's forward pass overwrites the outputs just summed
  }
  return total;
}

/**
 * The sum of the loss terms (loss_sum) of the model's outputs for rows×in inputs X against targets T, plus β times
 * the KL terms of a sampling layer (whose ε H_NOISE says), in chunks of the activation buffers' capacity: the
 * validation loss, with no corruption and no update. `kinds` as train_steps'.
 */
export function loss_total(desc: usize, X: usize, T: usize, rows: i32, kinds: i32): f64 {
  post(desc, CALL_LOSS_TOTAL, <i32>X, <i32>T, rows, kinds, 0, 0, 0, 0, 0, 0);
  return lossTotalPart(desc, X, T, rows, kinds, 0);
}

/** With a pool, hands the call and its arguments (and the descriptor) to the workers, which run it beside thread 0. */
function post(desc: usize, call: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32, a7: i32, a8: i32, a9: i32, a10: i32 = 0): void {
  const block = ptr(desc, H_SYNC);
  if (block == 0 || threadsOf(desc) == 1) return;
  const at = block + (<usize>S_ARGS << 2);
  store<i32>(at, <i32>desc);
  store<i32>(at, a0, 4); store<i32>(at, a1, 8); store<i32>(at, a2, 12); store<i32>(at, a3, 16); store<i32>(at, a4, 20);
  store<i32>(at, a5, 24); store<i32>(at, a6, 28); store<i32>(at, a7, 32); store<i32>(at, a8, 36); store<i32>(at, a9, 40);
  store<i32>(at, a10, 44);
  post_call(block, call);
}

/**
 * A worker's life: waits for calls on the pool's block and runs its part of each (as thread t), until the pool's
 * epoch is no longer `epoch`.
 * A call for fewer threads than t + 1 is not its to run.
 */
export function worker_loop(block: usize, t: i32, epoch: i32): void {
  let seen = load<i32>(block + (<usize>S_CALL << 2));
  if (!announceReady(block, epoch)) return;
  while (true) {
    const call = nextCall(block, seen, t, epoch);
    if (call < 0) return;
    seen = call;
    const desc = <usize>arg(block, 0);
    if (t >= threadsOf(desc)) continue;
    const id = load<i32>(block + (<usize>S_CALL_ID << 2));
    if (id == CALL_TRAIN_STEPS) {
      trainStepsPart(desc, arg(block, 1), arg(block, 2), arg(block, 3), arg(block, 4), arg(block, 5), arg(block, 6), arg(block, 7), arg(block, 8) != 0, arg(block, 9) != 0, arg(block, 10), arg(block, 11), t);
    } else if (id == CALL_GRADIENTS) gradientsPart(desc, arg(block, 1), arg(block, 2), arg(block, 3), t);
    else if (id == CALL_FORWARD) forwardPart(desc, arg(block, 1), arg(block, 2), arg(block, 3), arg(block, 4), t);
    else if (id == CALL_LOSS_TOTAL) lossTotalPart(desc, arg(block, 1), arg(block, 2), arg(block, 3), arg(block, 4), t);
    else if (id == CALL_TRAIN_STEP) stepPart(desc, arg(block, 1), arg(block, 2), arg(block, 3), t);
    else if (id == CALL_OPTIMIZE) optimizePart(desc, t);
  }
}

/**
 * Trains `batches` steps over the dataRows rows of inputs at data and targets at target (the same pointer when the
 * model reconstructs its input). Sequential: step b trains batch number q = (firstBatch + b) mod ⌈dataRows/size⌉,
 * rows [q·size, q·size + size) in data order (the last batch of a pass may be shorter).
 * Random: each batch is `size` rows drawn without replacement (partial Fisher–Yates over idx, dataRows i32 of
 * scratch set to 0, 1, 2, … when `fresh`, so an epoch depends only on the generator state; an epoch taken in
 * several calls, the first fresh and the others not, gives the bits of one call).
 * With a corruption, each batch's inputs are copied and corrupted; the targets stay clean.
 * `kinds` says which are stored as bytes (DATA_BYTES, TARGET_BYTES; else f32): each batch's rows of those are
 * widened into the gather buffers, exactly, so bytes train the bits of their values as f32.
 * Writes each step's loss to losses[] and returns the number of steps taken: fewer than `batches` when a
 * loss was not finite (that loss is written, its step not applied).
 */
export function train_steps(
  desc: usize, data: usize, target: usize, dataRows: i32, idx: usize, size: i32, batches: i32, firstBatch: i32, random: bool,
  fresh: bool, losses: usize, kinds: i32,
): i32 {
  post(desc, CALL_TRAIN_STEPS, <i32>data, <i32>target, dataRows, <i32>idx, size, batches, firstBatch, random ? 1 : 0, fresh ? 1 : 0, <i32>losses, kinds);
  return trainStepsPart(desc, data, target, dataRows, idx, size, batches, firstBatch, random, fresh, losses, kinds, 0);
}

function trainStepsPart(
  desc: usize, data: usize, target: usize, dataRows: i32, idx: usize, size: i32, batches: i32, firstBatch: i32, random: bool,
  fresh: bool, losses: usize, kinds: i32, t: i32,
): i32 {
  const last = word(desc, H_LAYERS) - 1;
  const inCols = layerField(desc, 0, L_IN), outCols = layerField(desc, last, L_OUT);
  const dataBytes = (kinds & DATA_BYTES) != 0, targetBytes = (kinds & TARGET_BYTES) != 0;
  // Strides of a row: in the data as stored (bytes or f32), and as the layers read it (f32).
  const inRow = <usize>inCols << (dataBytes ? 0 : 2), outRow = <usize>outCols << (targetBytes ? 0 : 2);
  const inF32 = <usize>inCols << 2, outF32 = <usize>outCols << 2;
  const gather = ptr(desc, H_GATHER), gatherT = ptr(desc, H_GATHER_T);
  const corruption = word(desc, H_CORRUPTION);
  const sameTarget = target == data;
  // The batch's inputs are copied when drawn at random, corrupted or stored as bytes; its targets when they must
  // stay clean beside corrupted inputs, or (other rows than the inputs) when drawn at random or stored as bytes.
  const copyX = random || corruption != 0 || dataBytes;
  const copyT = sameTarget ? corruption != 0 : random || targetBytes;
  const perPass = (dataRows + size - 1) / size;
  const parts = threadsOf(desc);
  if (random && fresh && t == 0) for (let r = 0; r < dataRows; r++) store<i32>(idx + (<usize>r << 2), r);
  for (let b = 0; b < batches; b++) {
    let rows = size, first = 0;
    if (!random) {
      first = ((firstBatch + b) % perPass) * size;
      rows = min(size, dataRows - first);
    }
    if (copyX || copyT) {
      // Thread 0 draws the rows (the generator is one sequence). A large batch is then copied by every thread, each
      // its share, once a barrier has published the rows drawn; a small one by thread 0 alone, without that barrier.
      const split = rows * (inCols + outCols) >= SPLIT_COPY_VALUES;
      if (random && t == 0) rng_sample(ptr(desc, H_STATE), idx, dataRows, size);
      if (random && split) sync(desc, t);
      const firstCopy = split ? firstPart(desc, t) : t == 0 ? 0 : parts, endCopy = split ? endPart(desc, t) : parts;
      for (let p = firstCopy; p < endCopy; p++) {
        for (let r = share(rows, 1, p, parts), end = share(rows, 1, p + 1, parts); r < end; r++) {
          const row = <usize>(random ? load<i32>(idx + (<usize>r << 2)) : first + r);
          if (copyX) putRow(gather + <usize>r * inF32, data + row * inRow, inCols, dataBytes);
          if (copyT) putRow(gatherT + <usize>r * outF32, target + row * outRow, outCols, targetBytes);
        }
      }
      if (corruption != 0) {
        if (split) sync(desc, t); // every row is copied before thread 0 corrupts them, in one sequence of the generator
        if (t == 0) corrupt(ptr(desc, H_STATE), gather, rows * inCols, corruption, real(desc, H_CORRUPT_A), real(desc, H_CORRUPT_B), real(desc, H_CORRUPT_C));
      }
    }
    const X = copyX ? gather : data + <usize>first * inRow;
    const T = copyT ? gatherT : sameTarget ? X : target + <usize>first * outRow;
    sync(desc, t);
    const loss = stepPart(desc, X, T, rows, t);
    if (t == 0) {
      store<f32>(losses + (<usize>b << 2), loss);
      const klLog = ptr(desc, H_KL_LOG);
      if (klLog != 0) store<f32>(klLog + (<usize>b << 2), real(desc, H_KL));
    }
    if (!isFinite(loss)) return b;
  }
  return batches;
}

// Values of a batch (inputs and targets) from which its copy is split among the threads: below, one barrier costs
// more than the copy it would share.
const SPLIT_COPY_VALUES: i32 = 65536;

/** One row of `cols` values into f32 at dst: copied, or widened from bytes (exactly). */
@inline function putRow(dst: usize, src: usize, cols: i32, bytes: bool): void {
  if (bytes) widen_bytes(dst, src, cols);
  else memory.copy(dst, src, <usize>cols << 2);
}

// The module's exports: every kernel (pointers and sizes in), the training loop and its stages, the heap start,
// and, as wasm globals, the descriptor layout and the kind, activation, loss, optimizer and corruption ids that
// the facade reads when it loads the module (so they are defined in one place: here, in assembly/).

export { sgemm_nn, sgemm_nt, sgemm_tn, workspaceFloats } from "./gemm";
export { bias_add, bias_grad } from "./bias";
export {
  activation_forward, activation_backward, live_units, live_columns,
  LINEAR as ACT_LINEAR, TANH as ACT_TANH, SIGMOID as ACT_SIGMOID, RELU as ACT_RELU, LEAKY_RELU as ACT_LEAKY_RELU, ELU as ACT_ELU,
  ACTIVATION_COUNT,
} from "./activations";
export { sum_squared_error, rmse_loss_grad, loss_grad, loss_grad_part, loss_sum, loss_value, LOSS_RMSE, LOSS_MSE, LOSS_BCE } from "./loss";
export { rmsprop, rmsprop_tn, adam, sgd } from "./optim";
export { corrupt, CORRUPT_NONE, CORRUPT_GAUSSIAN, CORRUPT_MASK, CORRUPT_SALT_AND_PEPPER } from "./corrupt";
export { rng_seed, rng_next, rng_below, rng_uniform, rng_normal, rng_shuffle, rng_sample } from "./rng";
export { dense_forward, dense_backward_input, dense_backward_weights } from "./dense";
export { forward, train_step, gradients, optimize, loss_total, train_steps, worker_loop, OPT_RMSPROP, OPT_ADAM, OPT_SGD, DATA_BYTES, TARGET_BYTES } from "./train";
export { widen_bytes } from "./widen";
export { all_finite } from "./finite";
export { sampling_forward, sampling_backward, kl_sum, NOISE_DRAW, NOISE_GIVEN, NOISE_NONE } from "./sampling";
export { set_precision, FUSED_AVAILABLE } from "./precision";
export { shut_down, S_MAIN_WAITS, S_READY, S_EPOCH, SYNC_WORDS } from "./parallel";
export {
  H_LAYERS, H_STATE, H_SCRATCH, H_GATHER, H_GATHER_T, H_WORK, H_CAPACITY, H_LOSS, H_OPTIMIZER, H_FUSED, H_LR, H_OPT_A,
  H_OPT_B, H_EPSILON, H_PARAMS, H_PARAM_COUNT, H_CORRUPTION, H_CORRUPT_A, H_CORRUPT_B, H_CORRUPT_C, H_THREADS, H_SYNC,
  H_WORK_STRIDE, H_PRECISION, H_ROW_SUM, H_KL_WEIGHT, H_NOISE, H_KL, H_KL_LOG, HEADER_WORDS,
  L_KIND, L_SOURCE, L_IN, L_OUT, L_ACT, L_PARAM, L_OUTPUT, L_PRE, L_DELTA, L_LIVE, L_SOURCE2, L_VISIT, LAYER_WORDS,
  P_VALUE, P_GRAD, P_SLOT1, P_SLOT2, P_COUNT, PARAM_WORDS, KIND_DENSE, KIND_SAMPLING, VISIT_ONLY, VISIT_FIRST, VISIT_LAST,
} from "./model";

/** First byte of linear memory that the facade may lay data out in. */
export function heap_base(): usize {
  return __heap_base;
}

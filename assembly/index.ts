// The module's exports: every kernel (pointers and sizes in), the fused training loop, and the heap start.
// The facade calls the training loop, forward, gradients, rng_seed/rng_normal and the helpers it needs; the
// other kernels are exported too, so that tests and benchmarks reach each one on its own.

export { sgemm_nn, sgemm_nt, sgemm_tn, workspaceFloats } from "./gemm";
export { bias_add, bias_grad } from "./bias";
export { activation_forward, activation_backward, live_units } from "./activations";
export { sum_squared_error, rmse_loss_grad } from "./loss";
export { rmsprop, rmsprop_tn } from "./optim";
export { rng_seed, rng_next, rng_below, rng_uniform, rng_normal, rng_shuffle, rng_sample } from "./rng";
export { forward, train_step, gradients, train_steps } from "./train";

/** First byte of linear memory that the facade may lay data out in. */
export function heap_base(): usize {
  return __heap_base;
}

/** The exported functions of `build/autoencoder.wasm` (see `assembly/index.ts`). Pointers are byte offsets. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  sgemm_nn(C: number, ldc: number, A: number, lda: number, B: number, ldb: number, M: number, N: number, K: number, accumulate: boolean, work: number): void;
  workspaceFloats(): number;
  /** The products' precision for the calls that follow (the training entry points set it from the model). */
  set_precision(fused: number): void;
  sgemm_nt(C: number, ldc: number, A: number, lda: number, B: number, ldb: number, M: number, N: number, K: number, accumulate: boolean, live: number): void;
  sgemm_tn(C: number, ldc: number, A: number, lda: number, B: number, ldb: number, M: number, N: number, K: number, accumulate: boolean, work: number): void;
  bias_add(Y: number, ld: number, b: number, rows: number, cols: number): void;
  bias_grad(g: number, D: number, ld: number, rows: number, cols: number, accumulate: boolean): void;
  activation_forward(kind: number, y: number, x: number, n: number): void;
  activation_backward(kind: number, d: number, y: number, n: number): void;
  live_units(kind: number, flags: number, y: number, rows: number, cols: number): void;
  sum_squared_error(Y: number, X: number, n: number): number;
  rmse_loss_grad(dY: number, Y: number, X: number, n: number): number;
  loss_grad(kind: number, act: number, dZ: number, Y: number, Z: number, T: number, n: number): number;
  loss_sum(kind: number, Y: number, Z: number, T: number, n: number): number;
  loss_value(kind: number, sum: number, count: number): number;
  /** Σ of −½·(1 + logVar − mean² − exp(logVar)) over n values (assembly/sampling.ts). */
  kl_sum(mean: number, logVar: number, n: number): number;
  /** 1 when each of the n f32 at p is finite, else 0. */
  all_finite(p: number, n: number): number;
  rmsprop(W: number, MS: number, MOM: number, G: number, n: number, lr: number, rho: number, momentum: number, eps: number): void;
  rmsprop_tn(
    W: number, MS: number, MOM: number, A: number, lda: number, D: number, ldd: number,
    M: number, N: number, K: number, scratch: number, work: number, live: number, lr: number, rho: number, momentum: number, eps: number,
  ): void;
  adam(W: number, M: number, V: number, G: number, n: number, lrT: number, beta1: number, beta2: number, eps: number): void;
  sgd(W: number, A: number, G: number, n: number, lr: number, momentum: number, nesterov: boolean): void;
  corrupt(state: number, X: number, n: number, kind: number, a: number, b: number, c: number): void;
  rng_seed(state: number, seedLo: number, seedHi: number): void;
  rng_next(state: number): number;
  rng_below(state: number, bound: number): number;
  rng_uniform(state: number, out: number, n: number, low: number, high: number): void;
  rng_normal(state: number, out: number, n: number, mean: number, std: number): void;
  rng_shuffle(state: number, idx: number, n: number): void;
  rng_sample(state: number, idx: number, n: number, k: number): void;
  forward(desc: number, X: number, rows: number, first: number, last: number): void;
  train_step(desc: number, X: number, T: number, rows: number): number;
  gradients(desc: number, X: number, T: number, rows: number): number;
  optimize(desc: number): void;
  loss_total(desc: number, X: number, T: number, rows: number, kinds: number): number;
  /** The threaded build's pool entry points and synchronization-block layout (absent from the single-thread build). */
  worker_loop(block: number, t: number, epoch: number): void;
  shut_down(block: number): void;
  readonly SYNC_WORDS: WebAssembly.Global;
  readonly S_READY: WebAssembly.Global;
  readonly S_EPOCH: WebAssembly.Global;
  readonly S_MAIN_WAITS: WebAssembly.Global;
  train_steps(
    desc: number, data: number, target: number, dataRows: number, idx: number, size: number, batches: number, firstBatch: number,
    random: boolean, fresh: boolean, losses: number, kinds: number,
  ): number;
}

/**
 * The functions every build exports (the threaded one adds worker_loop and shut_down). A module that lacks one is
 * from another version of the package; readAbi refuses it when it loads rather than when a call first needs it.
 */
export const KERNEL_FUNCTIONS = [
  'heap_base', 'sgemm_nn', 'workspaceFloats', 'set_precision', 'sgemm_nt', 'sgemm_tn', 'bias_add', 'bias_grad',
  'activation_forward', 'activation_backward', 'live_units', 'sum_squared_error', 'rmse_loss_grad', 'loss_grad',
  'loss_sum', 'loss_value', 'kl_sum', 'all_finite', 'rmsprop', 'rmsprop_tn', 'adam', 'sgd', 'corrupt', 'rng_seed',
  'rng_next', 'rng_below', 'rng_uniform', 'rng_normal', 'rng_shuffle', 'rng_sample', 'forward', 'train_step',
  'gradients', 'optimize', 'loss_total', 'train_steps',
] as const satisfies readonly (keyof Kernels)[];

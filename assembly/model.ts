// The model descriptor: a block of 32-bit words in linear memory, written once by the facade. Header words, then
// one record of LAYER_WORDS per layer; a table of parameter ranges (one entry of PARAM_WORDS per array the
// optimizer updates) lives elsewhere and is pointed to from the header. These constants are the one source of
// truth: index.ts exports them as wasm globals and the facade reads them from the module when it loads.

export const H_LAYERS = 0;      // number of layers
export const H_STATE = 1;       // 24 bytes of state saved with the model: generator (16 bytes), then the u32 step count
export const H_SCRATCH = 2;     // 32 f32 of scratch for fused kernels, one block per thread
export const H_GATHER = 3;      // capacity × input width: the batch's input rows are copied (and corrupted) here
export const H_GATHER_T = 4;    // capacity × output width: the batch's target rows, when gathered
export const H_WORK = 5;        // workspace for packed panels: max(workspaceFloats(), capacity × 8) f32, one per thread
export const H_CAPACITY = 6;    // rows the activation buffers hold
export const H_LOSS = 7;        // loss kind (loss.ts)
export const H_OPTIMIZER = 8;   // optimizer kind (optim.ts)
export const H_FUSED = 9;       // 1: dense layers apply RMSProp inside their weight-gradient product (same bits)
export const H_LR = 10;         // f32 learning rate
export const H_OPT_A = 11;      // f32 RMSProp decay ρ | Adam β₁ | SGD momentum
export const H_OPT_B = 12;      // f32 RMSProp momentum | Adam β₂ | SGD nesterov (0 or 1)
export const H_EPSILON = 13;    // f32 RMSProp and Adam ε
export const H_PARAMS = 14;     // the parameter-range table
export const H_PARAM_COUNT = 15;
export const H_CORRUPTION = 16; // corruption kind of training inputs (corrupt.ts)
export const H_CORRUPT_A = 17;  // f32 its parameters: stddev | fraction | fraction
export const H_CORRUPT_B = 18;  // f32 salt-and-pepper low
export const H_CORRUPT_C = 19;  // f32 salt-and-pepper high
export const H_THREADS = 20;    // threads a step is split among (parallel.ts); 0 or 1: one
export const H_SYNC = 21;       // the pool's synchronization block (parallel.ts); 0: one thread runs every part in turn
export const H_WORK_STRIDE = 22; // bytes between the threads' workspaces (H_WORK) and scratch blocks (H_SCRATCH: 128 bytes each)
export const H_PRECISION = 23;  // 1: the products fuse each multiply-add, where the build can (precision.ts); 0: exact
export const H_ROW_SUM = 24;    // 1: the loss is each row's sum of its terms, averaged over rows (the VAE's); 0: a mean over every value
export const H_KL_WEIGHT = 25;  // f32 β, the weight of a sampling layer's KL term in the loss
export const H_NOISE = 26;      // how sampling layers get ε (NOISE_* in sampling.ts)
export const H_KL = 27;         // f32 the last loss stage's KL term, a mean over rows, unweighted
export const H_KL_LOG = 28;     // train_steps writes each step's H_KL here (f32 per step); 0: nowhere
export const HEADER_WORDS = 29;

export const L_KIND = 0;        // layer kind (below)
export const L_SOURCE = 1;      // index of the layer whose output is this layer's input; −1: the batch's input
export const L_IN = 2;          // input width
export const L_OUT = 3;         // output width
export const L_ACT = 4;         // activation of the output (activations.ts)
export const L_PARAM = 5;       // dense: index of its weights' range in the parameter table; its biases' is the next
export const L_OUTPUT = 6;      // activations, capacity × out
export const L_PRE = 7;         // pre-activations, capacity × out, kept where the loss reads them (0: not kept)
export const L_DELTA = 8;       // dL/d(pre-activation), capacity × out
export const L_LIVE = 9;        // out i32 flags: units with a non-zero activation derivative in the batch
export const L_SOURCE2 = 10;    // sampling: the log-variance head (L_SOURCE is the mean head)
export const L_VISIT = 11;      // how backward passes this layer's delta to a source another layer also reads (VISIT_*)
export const LAYER_WORDS = 12;

export const P_VALUE = 0;       // the parameters (weights in × out row-major, forward is x·W + b; or biases)
export const P_GRAD = 1;        // their gradient
export const P_SLOT1 = 2;       // RMSProp mean squares | Adam m | SGD accumulator (0 without momentum)
export const P_SLOT2 = 3;       // RMSProp momentum (0 without) | Adam v
export const P_COUNT = 4;       // number of values
export const PARAM_WORDS = 5;

/**
 * Layer kinds: 0 is no kind, so a record left zeroed traps instead of running as something.
 * A variational autoencoder is: dense encoder layers; two dense heads z_mean and z_log_var whose L_SOURCE is the
 * same layer (z_log_var after z_mean, so backward visits it first); a sampling layer reading both heads
 * (L_SOURCE, L_SOURCE2) that keeps ε in its L_PRE buffer and adds β·KL to the loss; then the dense decoder.
 */
export const KIND_DENSE = 1;
export const KIND_SAMPLING = 2;

/** L_VISIT: the layer is its source's only reader: backward writes the source's delta and applies its derivative. */
export const VISIT_ONLY = 0;
/** L_VISIT: the first of two readers backward visits: writes the source's delta, leaves the derivative for the last. */
export const VISIT_FIRST = 1;
/** L_VISIT: the last of two readers: adds into the source's delta, then applies the source's activation derivative. */
export const VISIT_LAST = 2;

/** Traps: a kind, activation or loss id that this module does not know (the facade refuses such names first). */
export function unknownKind(): void {
  unreachable();
}

@inline export function word(desc: usize, index: i32): i32 {
  return load<i32>(desc + (<usize>index << 2));
}

@inline export function real(desc: usize, index: i32): f32 {
  return load<f32>(desc + (<usize>index << 2));
}

@inline export function ptr(desc: usize, index: i32): usize {
  return <usize>load<u32>(desc + (<usize>index << 2));
}

@inline export function layerField(desc: usize, layer: i32, field: i32): i32 {
  return word(desc, HEADER_WORDS + layer * LAYER_WORDS + field);
}

@inline export function layerPtr(desc: usize, layer: i32, field: i32): usize {
  return ptr(desc, HEADER_WORDS + layer * LAYER_WORDS + field);
}

/** Field of entry `index` of the parameter-range table. */
@inline export function paramPtr(desc: usize, index: i32, field: i32): usize {
  return <usize>load<u32>(ptr(desc, H_PARAMS) + (<usize>(index * PARAM_WORDS + field) << 2));
}

@inline export function paramCount(desc: usize, index: i32): i32 {
  return load<i32>(ptr(desc, H_PARAMS) + (<usize>(index * PARAM_WORDS + P_COUNT) << 2));
}

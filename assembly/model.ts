// The model descriptor: a block of 32-bit words in linear memory, written once by the facade
// (src/runtime/layout.ts mirrors these offsets). Header words, then one record of LAYER_WORDS per layer.

export const H_LAYERS = 0;      // number of dense layers
export const H_SCRATCH = 2;     // 32 f32 of scratch for fused kernels
export const H_RNG = 3;         // 16-byte generator state
export const H_GATHER = 4;      // capacity × input width: rows of a random batch are copied here
export const H_LR = 5;          // f32 learning rate
export const H_RHO = 6;         // f32 RMSProp decay
export const H_MOMENTUM = 7;    // f32 momentum
export const H_EPSILON = 8;     // f32 epsilon
export const H_WORK = 9;        // workspace for packed panels: max(workspaceFloats(), capacity × 8) f32
export const HEADER_WORDS = 16;

export const L_IN = 0;          // input width
export const L_OUT = 1;         // output width
export const L_ACT = 2;         // activation kind (activations.ts)
export const L_W = 3;           // weights, in × out row-major (forward is x·W + b)
export const L_B = 4;           // biases, out
export const L_MS_W = 5;        // RMSProp mean squares of W, then of b
export const L_MS_B = 6;
export const L_MOM_W = 7;       // momentum slots (0 when momentum is 0)
export const L_MOM_B = 8;
export const L_OUTPUT = 9;      // activations, capacity × out
export const L_DELTA = 10;      // dL/d(pre-activation), capacity × out
export const L_GRAD_W = 11;     // gradient buffers, used only when gradients are requested (0 otherwise)
export const L_GRAD_B = 12;     // bias gradient, out (also the scratch for the bias update)
export const L_LIVE = 13;       // out i32 flags: units with a non-zero activation derivative in the batch
export const LAYER_WORDS = 16;

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

import { ACTIVATION_KIND, type Kernels } from './kernels.js';
import type { Arena } from './arena.js';
import { getRuntime } from './wasm.js';

// Word offsets of the model descriptor; they mirror assembly/model.ts.
const H = { layers: 0, scratch: 2, rng: 3, gather: 4, lr: 5, rho: 6, momentum: 7, epsilon: 8, work: 9 } as const;
const HEADER_WORDS = 16;
const L = { in: 0, out: 1, act: 2, W: 3, b: 4, msW: 5, msb: 6, momW: 7, momb: 8, output: 9, delta: 10, gradW: 11, gradB: 12, live: 13 } as const;
const LAYER_WORDS = 16;

export type LayerActivation = keyof typeof ACTIVATION_KIND;

export interface LayerSpec {
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: LayerActivation;
}

export interface OptimizerSettings {
  readonly learningRate: number;
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
}

/** The per-parameter arrays of one layer, as named in the descriptor. */
export type LayerArray = 'W' | 'b' | 'msW' | 'msb' | 'momW' | 'momb' | 'gradW' | 'gradB';

interface Region {
  offset: number;
  bytes: number;
}

/**
 * A stack of dense layers laid out once in linear memory: the descriptor the kernels read, the parameters,
 * the optimizer slots, and activation buffers for batches of up to `capacity` rows.
 */
export class DenseStack {
  readonly kernels: Kernels;
  readonly desc: number;
  readonly rngState: number;
  private readonly arena: Arena;
  private readonly params: Region;
  private activations: Region | undefined;
  private gradients: Region | undefined;
  private saved: Region | undefined;
  private capacityRows = 0;
  private disposed = false;

  constructor(
    readonly layers: readonly LayerSpec[],
    optimizer: OptimizerSettings,
  ) {
    const { kernels, arena } = getRuntime();
    this.kernels = kernels;
    this.arena = arena;
    const sizes = [HEADER_WORDS + LAYER_WORDS * layers.length, 4, 32];
    const slots = optimizer.momentum !== 0 ? 3 : 2;
    for (let s = 0; s < slots; s++) for (const layer of layers) sizes.push(layer.inDim * layer.outDim, layer.outDim);
    for (const layer of layers) sizes.push(layer.outDim, layer.outDim);
    const [offsets, bytes] = pack(sizes);
    this.params = { offset: arena.alloc(bytes), bytes };
    const at = (i: number): number => this.params.offset + offsets[i]!;
    this.desc = at(0);
    this.rngState = at(1);
    this.f32(this.desc, sizes[0]!).fill(0);
    this.setWord(H.layers, layers.length);
    this.setWord(H.rng, this.rngState);
    this.setWord(H.scratch, at(2));
    let next = 3;
    const slotNames: LayerArray[][] = [['W', 'b'], ['msW', 'msb'], ['momW', 'momb']];
    for (let s = 0; s < slots; s++) {
      layers.forEach((_, l) => {
        this.setLayerWord(l, L[slotNames[s]![0]!], at(next++));
        this.setLayerWord(l, L[slotNames[s]![1]!], at(next++));
      });
    }
    layers.forEach((layer, l) => {
      this.setLayerWord(l, L.in, layer.inDim);
      this.setLayerWord(l, L.out, layer.outDim);
      this.setLayerWord(l, L.act, ACTIVATION_KIND[layer.activation]);
      this.setLayerWord(l, L.gradB, at(next++));
      this.setLayerWord(l, L.live, at(next++));
    });
    this.setOptimizer(optimizer);
  }

  /** Writes optimizer settings into the descriptor. */
  private setOptimizer(o: OptimizerSettings): void {
    const f = this.f32(this.desc, HEADER_WORDS);
    f[H.lr] = o.learningRate;
    f[H.rho] = o.decay;
    f[H.momentum] = o.momentum;
    f[H.epsilon] = o.epsilon;
  }

  /** A fresh view of n f32 at a byte offset (views die when memory grows: never keep one across an allocation). */
  f32(offset: number, n: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, offset, n);
  }

  /** A view of one layer's array (weights in×out, biases 1×out, and their optimizer slots and gradients). */
  view(layer: number, name: LayerArray): Float32Array {
    const spec = this.layers[layer]!;
    const pointer = this.layerWord(layer, L[name]);
    if (pointer === 0) throw new Error(`internal: layer ${layer} has no ${name} array`);
    const n = name === 'W' || name === 'msW' || name === 'momW' || name === 'gradW' ? spec.inDim * spec.outDim : spec.outDim;
    return this.f32(pointer, n);
  }

  /** The output buffer of a layer after `forward` (rows × outDim). */
  output(layer: number, rows: number): Float32Array {
    return this.f32(this.layerWord(layer, L.output), rows * this.layers[layer]!.outDim);
  }

  hasMomentum(): boolean {
    return this.layerWord(0, L.momW) !== 0;
  }

  get capacity(): number {
    return this.capacityRows;
  }

  /** Makes room for batches of `rows` rows (activation buffers, the batch gather buffer, the packing workspace). */
  ensureCapacity(rows: number): void {
    if (rows <= this.capacityRows) return;
    const sizes = [Math.max(this.kernels.workspaceFloats(), rows * 8), rows * this.layers[0]!.inDim];
    for (const layer of this.layers) sizes.push(rows * layer.outDim, rows * layer.outDim);
    const [offsets, bytes] = pack(sizes);
    if (this.activations) this.arena.release(this.activations.offset, this.activations.bytes);
    this.activations = { offset: this.arena.alloc(bytes), bytes };
    const at = (i: number): number => this.activations!.offset + offsets[i]!;
    this.setWord(H.work, at(0));
    this.setWord(H.gather, at(1));
    this.layers.forEach((_, l) => {
      this.setLayerWord(l, L.output, at(2 + 2 * l));
      this.setLayerWord(l, L.delta, at(3 + 2 * l));
    });
    this.capacityRows = rows;
  }

  /** Allocates the weight-gradient buffers (only needed by `gradients`). */
  ensureGradients(): void {
    if (this.gradients) return;
    const [offsets, bytes] = pack(this.layers.map((layer) => layer.inDim * layer.outDim));
    this.gradients = { offset: this.arena.alloc(bytes), bytes };
    this.layers.forEach((_, l) => this.setLayerWord(l, L.gradW, this.gradients!.offset + offsets[l]!));
  }

  /** Reserves n f32 of scratch memory outside the model (data sets, batches); free with `release`. */
  allocF32(n: number): number {
    return this.arena.alloc(n * 4);
  }

  release(offset: number, n: number): void {
    this.arena.release(offset, n * 4);
  }

  /**
   * Draws weights from the generator seeded with `seed` — N(0, 1), or N(0, 2/(in + out)) for 'glorot' — zeroes
   * the biases and momentum slots, and sets the mean-square slots to 1 (TF1's RMSProp starts there).
   */
  initialize(seed: number, weightInit: 'normal' | 'glorot'): void {
    const { kernels, rngState } = this;
    kernels.rng_seed(rngState, seed % 2 ** 32, Math.floor(seed / 2 ** 32));
    this.layers.forEach((layer, l) => {
      const W = this.view(l, 'W');
      const std = weightInit === 'glorot' ? Math.sqrt(2 / (layer.inDim + layer.outDim)) : 1;
      kernels.rng_normal(rngState, W.byteOffset, W.length, 0, std);
      this.view(l, 'b').fill(0);
      this.view(l, 'msW').fill(1);
      this.view(l, 'msb').fill(1);
      if (this.hasMomentum()) {
        this.view(l, 'momW').fill(0);
        this.view(l, 'momb').fill(0);
      }
    });
  }

  /**
   * Copies the model's state (generator, parameters, optimizer slots; everything after the descriptor, whose
   * pointers must not go back) aside: one memmove inside linear memory.
   */
  saveState(): void {
    const [from, bytes] = this.stateRange();
    this.saved ??= { offset: this.arena.alloc(bytes), bytes };
    new Uint8Array(this.kernels.memory.buffer).copyWithin(this.saved.offset, from, from + bytes);
  }

  /** Puts back what `saveState` copied. */
  restoreState(): void {
    if (!this.saved) throw new Error('internal: restoreState without saveState');
    const [to] = this.stateRange();
    new Uint8Array(this.kernels.memory.buffer).copyWithin(to, this.saved.offset, this.saved.offset + this.saved.bytes);
  }

  private stateRange(): [number, number] {
    return [this.rngState, this.params.offset + this.params.bytes - this.rngState];
  }

  /** Whether every weight and bias is a finite number. */
  parametersFinite(): boolean {
    return this.layers.every((_, l) => this.view(l, 'W').every(Number.isFinite) && this.view(l, 'b').every(Number.isFinite));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const region of [this.saved, this.gradients, this.activations, this.params]) {
      if (region) this.arena.release(region.offset, region.bytes);
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private word(index: number): number {
    return new Uint32Array(this.kernels.memory.buffer, this.desc, HEADER_WORDS)[index]!;
  }

  private setWord(index: number, value: number): void {
    new Uint32Array(this.kernels.memory.buffer, this.desc, HEADER_WORDS)[index] = value;
  }

  private layerWord(layer: number, field: number): number {
    return new Uint32Array(this.kernels.memory.buffer, this.desc + 4 * (HEADER_WORDS + LAYER_WORDS * layer), LAYER_WORDS)[field]!;
  }

  private setLayerWord(layer: number, field: number, value: number): void {
    new Uint32Array(this.kernels.memory.buffer, this.desc + 4 * (HEADER_WORDS + LAYER_WORDS * layer), LAYER_WORDS)[field] = value;
  }
}

/** Byte offsets of consecutive f32 arrays, each starting on a 64-byte line, and the total bytes. */
function pack(lengths: number[]): [number[], number] {
  const offsets: number[] = [];
  let end = 0;
  for (const n of lengths) {
    offsets.push(end);
    end += Math.ceil((n * 4) / 64) * 64;
  }
  return [offsets, end];
}

import type { Abi, ActivationName, CorruptionName, HeaderField, LayerField, LossName, NoiseName, ParamField, VisitName } from './abi.js';
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import type { Pool } from './pool.js';
import { ThreadGovernor } from './thread-governor.js';
import { getRuntime } from './wasm.js';

/**
 * One layer of a network, named as its parameters' scope: a dense layer `out = activation(in·W + b)`, or a VAE's
 * sampling layer `z = mean + exp(logVar/2)·ε` over two heads (no parameters; its activation is 'linear').
 */
export interface LayerSpec {
  readonly name: string;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: ActivationName;
  /** Default 'dense'. */
  readonly kind?: 'dense' | 'sampling';
  /** The layer whose output is this one's input (a sampling layer's: the mean head); −1 the batch. Default: the layer before. */
  readonly source?: number;
  /** A sampling layer's log-variance head. */
  readonly source2?: number;
  /** Where another layer reads the same source: which of the two backward visits first. Default 'only'. */
  readonly visit?: VisitName;
}

/** What a variational autoencoder adds to a network's loss. */
export interface LossSettings {
  /** Each row's loss is the sum of its terms, and the loss their mean over rows (else a mean over every value). */
  readonly rowSum: boolean;
  /** β: the weight of the sampling layer's KL term. */
  readonly klWeight: number;
}

/** The optimizer and its settings, as the optimizer stage reads them. */
export type OptimizerSettings =
  | { readonly name: 'rmsprop'; readonly learningRate: number; readonly decay: number; readonly momentum: number; readonly epsilon: number }
  | { readonly name: 'adam'; readonly learningRate: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly name: 'sgd'; readonly learningRate: number; readonly momentum: number; readonly nesterov: boolean };

/** A parameter array (a layer's weights or biases), where the optimizer finds it, and its optimizer slots. */
export interface ParameterRange {
  /** `<layer name>/weights` or `<layer name>/biases`. */
  readonly name: string;
  readonly layer: number;
  readonly rows: number;
  readonly cols: number;
  /** Index of its entry in the parameter-range table. */
  readonly entry: number;
  /** TF1's names of its slots, in slot order (`RMSProp`, `RMSProp_1`; `Adam`, `Adam_1`; `Momentum`). */
  readonly slots: readonly string[];
}

interface Region {
  offset: number;
  bytes: number;
}

const STATE_BYTES = 24; // the generator's 16 bytes, then the u32 step count (assembly/train.ts)
/** Batch sizes whose thread governors a model keeps (the oldest goes first). */
const MAX_GOVERNORS = 8;

/** The most threads a step is split among (each has 32 f32 of scratch in the descriptor's block). */
export const MAX_THREADS = 64;

/** TF1's slot names of each optimizer, and which of them exist for these settings. */
function slotNames(o: Pick<OptimizerSettings, 'name'> & { momentum?: number }): string[] {
  if (o.name === 'adam') return ['Adam', 'Adam_1'];
  if (o.name === 'sgd') return o.momentum !== 0 ? ['Momentum'] : [];
  return o.momentum !== 0 ? ['RMSProp', 'RMSProp_1'] : ['RMSProp'];
}

/** The parameter arrays of a list of layers (each dense layer's weights, then its biases) and their optimizer slots. */
export function parameterRanges(layers: readonly LayerSpec[], optimizer: Pick<OptimizerSettings, 'name'> & { momentum?: number }): ParameterRange[] {
  const slots = slotNames(optimizer);
  const dense = layers.flatMap((layer, l) => (isDense(layer) ? [[layer, l] as const] : []));
  return dense.flatMap(([layer, l], q) => [
    { name: `${layer.name}/weights`, layer: l, rows: layer.inDim, cols: layer.outDim, entry: 2 * q, slots },
    { name: `${layer.name}/biases`, layer: l, rows: 1, cols: layer.outDim, entry: 2 * q + 1, slots },
  ]);
}

function isDense(layer: LayerSpec): boolean {
  return (layer.kind ?? 'dense') === 'dense';
}

/**
 * A chain of layers laid out once in linear memory: the descriptor the kernels read, the parameter-range table,
 * the parameters, the optimizer slots, and activation buffers for batches of up to `capacity` rows.
 */
export class Network {
  readonly kernels: Kernels;
  readonly desc: number;
  /** Byte offset of the 24 bytes of state: the generator, then Adam's step count. */
  readonly statePointer: number;
  readonly parameters: readonly ParameterRange[];
  /** The loss's settings, β rounded to the f32 the kernels read. */
  readonly lossSettings: LossSettings;
  private readonly abi: Abi;
  private readonly arena: Arena;
  private readonly table: number;
  private readonly persistent: Region;
  private activations: Region | undefined;
  private weightGradients: Region | undefined;
  private saved: Region | undefined;
  private capacityRows = 0;
  private disposed = false;
  private threadCount = 1;
  private fusedProducts = false;
  private readonly governors = new Map<number, ThreadGovernor>();
  private pool: Pool | undefined;

  constructor(
    readonly layers: readonly LayerSpec[],
    readonly loss: LossName,
    readonly optimizer: OptimizerSettings,
    lossSettings: LossSettings = { rowSum: false, klWeight: 0 },
  ) {
    this.lossSettings = { rowSum: lossSettings.rowSum, klWeight: Math.fround(lossSettings.klWeight) };
    const { kernels, arena, abi } = getRuntime();
    this.kernels = kernels;
    this.arena = arena;
    this.abi = abi;
    this.parameters = parameterRanges(layers, optimizer);
    const slots = this.parameters[0]!.slots;
    const counts = this.parameters.map((p) => p.rows * p.cols);
    // Descriptor, table, scratch, then the state that saveState copies: generator, parameters, slots; then the
    // bias gradients and live flags.
    const sizes = [abi.headerWords + abi.layerWords * layers.length, abi.paramWords * counts.length, 32 * MAX_THREADS, STATE_BYTES / 4];
    for (let s = 0; s <= slots.length; s++) sizes.push(...counts);
    for (const layer of layers) sizes.push(isDense(layer) ? layer.outDim : 0, layer.outDim);
    const [offsets, bytes] = pack(sizes);
    this.persistent = { offset: arena.alloc(bytes), bytes };
    const at = (i: number): number => this.persistent.offset + offsets[i]!;
    this.desc = at(0);
    this.table = at(1);
    this.statePointer = at(3);
    new Uint8Array(kernels.memory.buffer, this.persistent.offset, bytes).fill(0);
    this.setHeader('LAYERS', layers.length);
    this.setHeader('PARAMS', this.table);
    this.setHeader('PARAM_COUNT', counts.length);
    this.setHeader('SCRATCH', at(2));
    this.setHeader('STATE', this.statePointer);
    this.setHeader('LOSS', abi.loss[loss]);
    this.setHeader('OPTIMIZER', abi.optimizer[optimizer.name]);
    this.setHeader('FUSED', optimizer.name === 'rmsprop' ? 1 : 0);
    this.setOptimizerSettings(optimizer);
    this.setHeader('ROW_SUM', lossSettings.rowSum ? 1 : 0);
    this.setHeaderReal('KL_WEIGHT', lossSettings.klWeight);
    let next = 4;
    for (const field of ['VALUE', 'SLOT1', 'SLOT2'].slice(0, slots.length + 1) as ParamField[]) {
      for (let p = 0; p < counts.length; p++) this.setParam(p, field, at(next++));
    }
    counts.forEach((count, p) => this.setParam(p, 'COUNT', count));
    let entry = 0;
    layers.forEach((layer, l) => {
      this.setLayer(l, 'KIND', isDense(layer) ? abi.kindDense : abi.kindSampling);
      this.setLayer(l, 'SOURCE', layer.source ?? l - 1);
      this.setLayer(l, 'SOURCE2', layer.source2 ?? 0);
      this.setLayer(l, 'VISIT', abi.visit[layer.visit ?? 'only']);
      this.setLayer(l, 'IN', layer.inDim);
      this.setLayer(l, 'OUT', layer.outDim);
      this.setLayer(l, 'ACT', abi.activation[layer.activation]);
      const biasGradient = at(next++);
      if (isDense(layer)) {
        this.setLayer(l, 'PARAM', entry);
        this.setParam(entry + 1, 'GRAD', biasGradient);
        entry += 2;
      }
      this.setLayer(l, 'LIVE', at(next++));
    });
    try {
      if (optimizer.name !== 'rmsprop') this.ensureGradients(); // the optimizer stage reads every gradient
    } catch (error) {
      arena.release(this.persistent.offset, this.persistent.bytes);
      throw error;
    }
  }

  /** Writes the optimizer's settings as the optimizer stage reads them (f32 words). */
  private setOptimizerSettings(o: OptimizerSettings): void {
    const [a, b, epsilon] =
      o.name === 'rmsprop' ? [o.decay, o.momentum, o.epsilon] : o.name === 'adam' ? [o.beta1, o.beta2, o.epsilon] : [o.momentum, o.nesterov ? 1 : 0, 0];
    this.setHeaderReal('LR', o.learningRate);
    this.setHeaderReal('OPT_A', a);
    this.setHeaderReal('OPT_B', b);
    this.setHeaderReal('EPSILON', epsilon);
  }

  /** Sets how training corrupts its inputs (until changed again): kind and its three f32 parameters. */
  setCorruption(kind: CorruptionName, a = 0, b = 0, c = 0): void {
    this.setHeader('CORRUPTION', this.abi.corruption[kind]);
    this.setHeaderReal('CORRUPT_A', a);
    this.setHeaderReal('CORRUPT_B', b);
    this.setHeaderReal('CORRUPT_C', c);
  }

  /** A fresh view of n f32 at a byte offset (views die when memory grows: never keep one across an allocation). */
  f32(offset: number, n: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, offset, n);
  }

  /** A view of a parameter's values, gradient, or optimizer slot `slot` (0-based). */
  view(range: ParameterRange, what: 'value' | 'grad' | number): Float32Array {
    const field: ParamField = what === 'value' ? 'VALUE' : what === 'grad' ? 'GRAD' : (['SLOT1', 'SLOT2'] as const)[what]!;
    const pointer = this.param(range.entry, field);
    if (pointer === 0) throw new Error(`internal: ${range.name} has no ${String(what)} array`);
    return this.f32(pointer, range.rows * range.cols);
  }

  /** The output buffer of a layer after `forward` (rows × outDim). */
  output(layer: number, rows: number): Float32Array {
    return this.f32(this.layerWord(layer, 'OUTPUT'), rows * this.layers[layer]!.outDim);
  }

  /** The pre-activation buffer of the last layer (kept for the BCE loss), or 0. */
  get outputPreActivation(): number {
    return this.layerWord(this.layers.length - 1, 'PRE');
  }

  get capacity(): number {
    return this.capacityRows;
  }

  get inputDim(): number {
    return this.layers[0]!.inDim;
  }

  get outputDim(): number {
    return this.layers.at(-1)!.outDim;
  }

  /** Adam's step count (0 for the other optimizers). */
  get steps(): number {
    return new Uint32Array(this.kernels.memory.buffer, this.statePointer + 16, 1)[0]!;
  }

  set steps(value: number) {
    new Uint32Array(this.kernels.memory.buffer, this.statePointer + 16, 1)[0] = value;
  }

  /** The generator's state: four u32 words. */
  get generator(): Uint32Array {
    return new Uint32Array(this.kernels.memory.buffer, this.statePointer, 4);
  }

  /** Makes room for batches of `rows` rows (activation buffers, the batch gather buffers, the packing workspace). */
  ensureCapacity(rows: number): void {
    if (rows <= this.capacityRows) return;
    const last = this.layers.length - 1;
    const workFloats = Math.max(this.kernels.workspaceFloats(), rows * 8);
    const sizes = [workFloats * this.threadCount, rows * this.inputDim, rows * this.outputDim];
    for (const layer of this.layers) sizes.push(rows * layer.outDim, rows * layer.outDim);
    if (this.loss === 'bce') sizes.push(rows * this.outputDim);
    const sampling = this.layers.flatMap((layer, l) => (isDense(layer) ? [] : [l]));
    for (const l of sampling) sizes.push(rows * this.layers[l]!.outDim);
    const [offsets, bytes] = pack(sizes);
    const offset = this.arena.alloc(bytes); // first: if it fails, the old buffers stay in place and in use
    if (this.activations) this.arena.release(this.activations.offset, this.activations.bytes);
    this.activations = { offset, bytes };
    const at = (i: number): number => this.activations!.offset + offsets[i]!;
    this.setHeader('WORK', at(0));
    this.setHeader('WORK_STRIDE', workFloats * 4);
    this.setHeader('GATHER', at(1));
    this.setHeader('GATHER_T', at(2));
    this.layers.forEach((_, l) => {
      this.setLayer(l, 'OUTPUT', at(3 + 2 * l));
      this.setLayer(l, 'DELTA', at(4 + 2 * l));
    });
    const pre = 3 + 2 * this.layers.length;
    if (this.loss === 'bce') this.setLayer(last, 'PRE', at(pre));
    sampling.forEach((l, i) => this.setLayer(l, 'PRE', at(pre + (this.loss === 'bce' ? 1 : 0) + i)));
    this.setHeader('CAPACITY', rows);
    this.capacityRows = rows;
  }

  /**
   * Runs the model on `threads` threads of the runtime's pool ('auto': one per core); one where there is no pool.
   * Called once, by the model's constructor; dispose() releases the pool.
   */
  useThreads(threads: 'auto' | number): void {
    const { pool } = getRuntime();
    const count = pool === undefined ? 1 : Math.min(MAX_THREADS, threads === 'auto' ? pool.cores : threads);
    if (count === 1) return;
    this.setThreads(count, pool!.acquire(count));
    this.pool = pool;
  }

  /**
   * Fuses each multiply-add of the products (`'fast'`) where the loaded build can; `'exact'` (the default) keeps
   * them a rounded product then a rounded sum, the same bits on every machine.
   */
  usePrecision(precision: 'exact' | 'fast'): void {
    this.fusedProducts = precision === 'fast' && this.abi.fusedAvailable;
    this.setHeader('PRECISION', this.fusedProducts ? 1 : 0);
  }

  /** The products' precision in effect. */
  get precision(): 'exact' | 'fast' {
    return this.fusedProducts ? 'fast' : 'exact';
  }

  /**
   * Runs the next call on `active` of the model's threads (1 ≤ active ≤ threads; default all): the workspaces stay
   * as they are, and the results are the same bits. Every call below into the kernels that splits work sets it.
   */
  private setActiveThreads(active: number = this.threadCount): void {
    if (!Number.isSafeInteger(active) || active < 1 || active > this.threadCount) throw new RangeError(`active threads must be from 1 to ${this.threadCount}, got ${active}`);
    // Only workers that are up can take part (a browser's pool starts them in the background).
    this.setHeader('THREADS', this.pool ? Math.min(active, 1 + this.pool.readyWorkers()) : active);
  }

  /**
   * Runs layers first..last on rows × their input width at X (packed); each layer's output lands in its buffer.
   * A sampling layer takes z = mean.
   */
  forward(X: number, rows: number, first: number, last: number): void {
    this.setActiveThreads();
    this.setNoise('none');
    this.kernels.forward(this.desc, X, rows, first, last);
  }

  /**
   * The loss of the batch at X against T and every gradient, into the gradient buffers; nothing is updated. A
   * sampling layer draws ε, or (`'given'`) takes what its ε buffer holds (see `noise`).
   */
  gradients(X: number, T: number, rows: number, noise: 'draw' | 'given' = 'draw'): number {
    this.setActiveThreads();
    this.setNoise(noise);
    return this.kernels.gradients(this.desc, X, T, rows);
  }

  /** The ε buffer of the sampling layer (rows × its width), for a given noise; undefined without one. */
  noise(rows: number): Float32Array | undefined {
    const l = this.samplingLayer;
    return l < 0 ? undefined : this.f32(this.layerWord(l, 'PRE'), rows * this.layers[l]!.outDim);
  }

  /** Where train_steps writes each step's KL term from now on (f32 per step; 0: nowhere). */
  setKlLog(pointer: number): void {
    this.setHeader('KL_LOG', pointer);
  }

  private setNoise(noise: NoiseName): void {
    this.setHeader('NOISE', this.abi.noise[noise]);
  }

  /** `train_steps` of assembly/train.ts (its arguments after the descriptor) on `threads` of the model's threads. */
  trainSteps(
    threads: number, data: number, target: number, dataRows: number, idx: number, size: number, batches: number, firstBatch: number,
    random: boolean, fresh: boolean, losses: number, kinds: number,
  ): number {
    this.setActiveThreads(threads);
    this.setNoise('draw');
    return this.kernels.train_steps(this.desc, data, target, dataRows, idx, size, batches, firstBatch, random, fresh, losses, kinds);
  }

  /** Threads the kernels may split a step among now: the model's, or fewer while a browser's workers start. */
  get threads(): number {
    return this.pool ? Math.min(this.threadCount, 1 + this.pool.readyWorkers()) : this.threadCount;
  }

  /** Threads the model was given (see assembly/parallel.ts). */
  get maxThreads(): number {
    return this.threadCount;
  }

  /**
   * The thread governor of this model's training at `batchSize` rows a step: kept from one `train` call to the
   * next, so that short calls learn from earlier ones; one per batch size, since time per step depends on it.
   */
  governorFor(batchSize: number): ThreadGovernor {
    let governor = this.governors.get(batchSize);
    if (governor === undefined || governor.threads !== this.threadCount) {
      if (this.governors.size >= MAX_GOVERNORS) this.governors.delete(this.governors.keys().next().value!);
      governor = new ThreadGovernor(this.threadCount);
      this.governors.set(batchSize, governor);
    }
    return governor;
  }

  /**
   * Splits each step among `threads` threads synchronized through the pool block at `sync`; with `sync` 0, one
   * thread runs every part in turn (the same results: how the splits are checked without a pool).
   */
  setThreads(threads: number, sync: number): void {
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new RangeError(`threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
    this.threadCount = threads;
    this.setHeader('THREADS', threads);
    this.setHeader('SYNC', sync);
    const rows = this.capacityRows;
    this.capacityRows = 0; // each thread needs its own workspace
    if (rows > 0) this.ensureCapacity(rows);
  }

  /** Allocates the weight-gradient buffers (the bias gradients always exist). */
  ensureGradients(): void {
    if (this.weightGradients) return;
    const weights = this.parameters.filter((p) => !isBiases(p));
    const [offsets, bytes] = pack(weights.map((p) => p.rows * p.cols));
    this.weightGradients = { offset: this.arena.alloc(bytes), bytes };
    weights.forEach((p, i) => this.setParam(p.entry, 'GRAD', this.weightGradients!.offset + offsets[i]!));
  }

  /** Reserves n f32 of scratch memory outside the model (data sets, batches); free with `release`. */
  allocF32(n: number): number {
    return this.arena.alloc(n * 4);
  }

  release(offset: number, n: number): void {
    this.arena.release(offset, n * 4);
  }

  /**
   * Seeds the generator with `seed` and draws each layer's weights in order, N(0, 1) or, for 'glorot',
   * N(0, 2/(in + out)); zeroes the biases; sets the slots to their optimizer's start (RMSProp's mean squares 1,
   * as TF1 does; everything else 0).
   */
  initialize(seed: number, weightInit: 'normal' | 'glorot'): void {
    const { kernels, statePointer } = this;
    kernels.rng_seed(statePointer, seed % 2 ** 32, Math.floor(seed / 2 ** 32));
    this.steps = 0;
    for (const range of this.parameters) {
      const values = this.view(range, 'value');
      if (isBiases(range)) values.fill(0);
      else {
        const std = weightInit === 'glorot' ? Math.sqrt(2 / (range.rows + range.cols)) : 1;
        kernels.rng_normal(statePointer, values.byteOffset, values.length, 0, std);
      }
      range.slots.forEach((slot, s) => this.view(range, s).fill(slot === 'RMSProp' ? 1 : 0));
    }
  }

  /**
   * Copies the model's state (generator, step count, parameters, optimizer slots; everything after the
   * descriptor and table, whose pointers must not go back) aside: one memmove inside linear memory.
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
    return [this.statePointer, this.persistent.offset + this.persistent.bytes - this.statePointer];
  }

  /** The loss of `count` output values (whole rows) whose loss terms (the kernels' loss_sum, plus β·KL) add up to `sum`. */
  lossValue(sum: number, count: number): number {
    return this.kernels.loss_value(this.abi.loss[this.loss], sum, this.lossSettings.rowSum ? count / this.outputDim : count);
  }

  /**
   * The sum of the loss terms of rows r0..r0+count of the output (after `forward` over every layer, or
   * `gradients`) against the targets at T, whose row 0 is output row 0.
   */
  reconstructionSum(r0: number, count: number, T: number): number {
    const cols = this.outputDim, at = 4 * r0 * cols, pre = this.outputPreActivation;
    return this.kernels.loss_sum(this.abi.loss[this.loss], this.output(this.layers.length - 1, r0 + count).byteOffset + at, pre && pre + at, T + at, count * cols);
  }

  /** The sum of the KL terms of rows r0..r0+count of the sampling layer's heads (after a forward pass); 0 without one. */
  klSum(r0: number, count: number): number {
    const l = this.samplingLayer;
    if (l < 0) return 0;
    const { source = 0, source2 = 0, outDim } = this.layers[l]!;
    const at = 4 * r0 * outDim;
    return this.kernels.kl_sum(this.layerWord(source, 'OUTPUT') + at, this.layerWord(source2, 'OUTPUT') + at, count * outDim);
  }

  /** The loss terms of rows r0..r0+count, summed: reconstructionSum, plus β·klSum where there is a sampling layer. */
  outputLossSum(r0: number, count: number, T: number): number {
    return this.reconstructionSum(r0, count, T) + this.lossSettings.klWeight * this.klSum(r0, count);
  }

  /** Index of the sampling layer, or −1. */
  get samplingLayer(): number {
    return this.layers.findIndex((layer) => !isDense(layer));
  }

  /**
   * The model's loss on rows × inputDim inputs at X against targets at T (`kinds`: which are stored as bytes, as
   * train_steps takes it): no corruption, no update.
   */
  evaluate(X: number, T: number, rows: number, kinds: number): number {
    this.setActiveThreads();
    this.setNoise('none');
    return this.lossValue(this.kernels.loss_total(this.desc, X, T, rows, kinds), rows * this.outputDim);
  }

  /** Whether every weight and bias is a finite number. */
  parametersFinite(): boolean {
    return this.parameters.every((range) => this.kernels.all_finite(this.param(range.entry, 'VALUE'), range.rows * range.cols) !== 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.release();
    for (const region of [this.saved, this.weightGradients, this.activations, this.persistent]) {
      if (region) this.arena.release(region.offset, region.bytes);
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private words(offset: number, count: number): Uint32Array {
    return new Uint32Array(this.kernels.memory.buffer, offset, count);
  }

  private setHeader(field: HeaderField, value: number): void {
    this.words(this.desc, this.abi.headerWords)[this.abi.header[field]] = value;
  }

  private setHeaderReal(field: HeaderField, value: number): void {
    new Float32Array(this.kernels.memory.buffer, this.desc, this.abi.headerWords)[this.abi.header[field]] = value;
  }

  private layerWord(layer: number, field: LayerField): number {
    const { headerWords, layerWords } = this.abi;
    return this.words(this.desc + 4 * (headerWords + layerWords * layer), layerWords)[this.abi.layer[field]]!;
  }

  private setLayer(layer: number, field: LayerField, value: number): void {
    const { headerWords, layerWords } = this.abi;
    new Int32Array(this.kernels.memory.buffer, this.desc + 4 * (headerWords + layerWords * layer), layerWords)[this.abi.layer[field]] = value;
  }

  private param(entry: number, field: ParamField): number {
    return this.words(this.table + 4 * this.abi.paramWords * entry, this.abi.paramWords)[this.abi.param[field]]!;
  }

  private setParam(entry: number, field: ParamField, value: number): void {
    this.words(this.table + 4 * this.abi.paramWords * entry, this.abi.paramWords)[this.abi.param[field]] = value;
  }
}

/** Whether a range holds a layer's biases (each layer's weights come first, then its biases). */
function isBiases(range: ParameterRange): boolean {
  return range.entry % 2 === 1;
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

import { DisposedError } from '../errors.js';
import { checkData, isMatrix, writeRows, type MatrixLike } from '../matrix.js';
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { getRuntime } from '../runtime/wasm.js';

/**
 * A data set copied into WebAssembly memory once, so that repeated `train` calls (any model of the same width)
 * skip the copy. Made by `bindData`; `dispose()` gives the memory back.
 */
export class BoundData {
  private offset: number | undefined;

  /** @internal Use `bindData`. */
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** Bytes each value takes in WebAssembly memory: 1 for a Uint8Array matrix (widened a batch at a time), else 4 (f32). */
    readonly bytesPerValue: 1 | 4,
    offset: number,
    /** @internal The module instance whose memory holds the copy. */
    readonly kernels: Kernels,
    private readonly arena: Arena,
  ) {
    this.offset = offset;
  }

  /** @internal The byte offset of the rows (bytes or f32, see bytesPerValue) in linear memory. */
  pointer(): number {
    if (this.offset === undefined) throw new DisposedError('this BoundData was disposed; bind the data again');
    return this.offset;
  }

  /**
   * Frees the copy. Training on it afterwards throws a `DisposedError`.
   *
   * @example
   * ```ts
   * const bound = bindData(data);
   * ae.train(bound, { epochs: 10 });
   * bound.dispose();
   * ```
   */
  dispose(): void {
    if (this.offset === undefined) return;
    this.arena.release(this.offset, this.rows * this.cols * this.bytesPerValue);
    this.offset = undefined;
  }
}

/**
 * Copies data into WebAssembly memory once. Pass the result to `train` as often as you like. A `Uint8Array` matrix
 * (pixels) stays one byte a value: the kernels widen each batch to f32, exactly, so it trains the same bits as its
 * values in a Float32Array in a quarter of the memory. Anything else is stored as f32.
 *
 * @example
 * ```ts
 * const bound = bindData(pixels);            // Matrix 5000 × 3072, Uint8Array (15 MB here) or Float32Array (61 MB)
 * for (let round = 0; round < 10; round++) ae.train(bound, { epochs: 25, batchSize: 10 });
 * bound.dispose();
 * ```
 */
export function bindData(data: MatrixLike): BoundData {
  const { rows, cols } = checkData(data, undefined);
  const { arena, kernels } = getRuntime();
  if (isMatrix(data) && data.data instanceof Uint8Array) {
    const offset = arena.alloc(rows * cols);
    new Uint8Array(kernels.memory.buffer, offset, rows * cols).set(data.data);
    return new BoundData(rows, cols, 1, offset, kernels, arena);
  }
  const offset = arena.alloc(rows * cols * 4);
  writeRows(data, 0, rows, new Float32Array(kernels.memory.buffer, offset, rows * cols));
  return new BoundData(rows, cols, 4, offset, kernels, arena);
}

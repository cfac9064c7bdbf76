import { DisposedError } from '../errors.js';
import { checkData, writeRows, type MatrixLike } from '../matrix.js';
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
    offset: number,
    /** @internal The module instance whose memory holds the copy. */
    readonly kernels: Kernels,
    private readonly arena: Arena,
  ) {
    this.offset = offset;
  }

  /** @internal The byte offset of the f32 rows in linear memory. */
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
    this.arena.release(this.offset, this.rows * this.cols * 4);
    this.offset = undefined;
  }
}

/**
 * Copies data into WebAssembly memory (as f32) once. Pass the result to `train` as often as you like.
 *
 * @example
 * ```ts
 * const bound = bindData(pixels);            // Matrix 5000 × 3072, Uint8Array or Float32Array
 * for (let round = 0; round < 10; round++) ae.train(bound, { epochs: 25, batchSize: 10 });
 * bound.dispose();
 * ```
 */
export function bindData(data: MatrixLike): BoundData {
  const { rows, cols } = checkData(data, undefined);
  const { arena, kernels } = getRuntime();
  const offset = arena.alloc(rows * cols * 4);
  writeRows(data, 0, rows, new Float32Array(kernels.memory.buffer, offset, rows * cols));
  return new BoundData(rows, cols, offset, kernels, arena);
}

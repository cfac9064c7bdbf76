import { checkData, checkShape, isMatrix, matrix, type Matrix, type MatrixLike } from '../matrix.js';
import { checkDimension } from '../model/options.js';

/**
 * `size` rows of `data` drawn at random without replacement (the chapter's `get_batch`), as a new `Matrix`
 * of the same element type. `random` returns numbers in [0, 1); default `Math.random` (pass a seeded one for
 * repeatable batches). Only the rows drawn are checked for finite values.
 *
 * @example
 * ```ts
 * const batch = getBatch(data, 10);   // Matrix 10 × data.cols
 * ```
 */
export function getBatch(data: MatrixLike, size: number, random: () => number = Math.random): Matrix {
  const { rows, cols } = checkShape(data, undefined);
  checkDimension(size, 'size');
  if (size > rows) throw new RangeError(`batch size ${size} is larger than the data (${rows} rows)`);
  const order = Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    // partial Fisher–Yates: a uniform pick among the rows not yet drawn (clamped, should random() return 1)
    const j = Math.min(rows - 1, i + Math.floor(random() * (rows - i)));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const drawn = order.slice(0, size);
  let batch: Matrix;
  if (isMatrix(data)) {
    const out = data.data instanceof Uint8Array ? new Uint8Array(size * cols) : new Float32Array(size * cols);
    drawn.forEach((row, i) => out.set(data.data.subarray(row * cols, (row + 1) * cols), i * cols));
    batch = { rows: size, cols, data: out };
  } else {
    batch = matrix(drawn.map((row) => data[row]!));
  }
  checkData(batch, cols, 'batch');
  return batch;
}

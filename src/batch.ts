import { checkData, isMatrix, type Matrix, type MatrixLike } from './matrix.js';
import { checkDimension } from './options.js';

/**
 * `size` rows of `data` drawn at random without replacement (the chapter's `get_batch`), as a new `Matrix`
 * of the same element type. `random` returns numbers in [0, 1); default `Math.random`.
 *
 * @example
 * ```ts
 * const batch = getBatch(data, 10);   // Matrix 10 × data.cols
 * ```
 */
export function getBatch(data: MatrixLike, size: number, random: () => number = Math.random): Matrix {
  const { rows, cols } = checkData(data, undefined);
  checkDimension(size, 'size');
  if (size > rows) throw new RangeError(`batch size ${size} is larger than the data (${rows} rows)`);
  const order = Array.from({ length: rows }, (_, i) => i);
  const out = isMatrix(data) && data.data instanceof Uint8Array ? new Uint8Array(size * cols) : new Float32Array(size * cols);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (rows - i)); // partial Fisher–Yates: a uniform pick among the rows not yet drawn
    [order[i], order[j]] = [order[j]!, order[i]!];
    const row = order[i]!;
    out.set(isMatrix(data) ? data.data.subarray(row * cols, (row + 1) * cols) : data[row]!, i * cols);
  }
  return { rows: size, cols, data: out };
}

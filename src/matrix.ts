/**
 * The one data type at the package boundary: a row-major matrix. A data set, a batch, a weight matrix,
 * a code: all are a `Matrix` (a bias is a 1×n matrix).
 */
export interface Matrix<T extends Float32Array | Uint8Array = Float32Array | Uint8Array> {
  readonly rows: number;
  readonly cols: number;
  /** rows × cols values, row after row. */
  readonly data: T;
}

/** What functions that take data accept: a `Matrix`, or an array of equally long rows of numbers. */
export type MatrixLike = Matrix | readonly (readonly number[])[];

/**
 * Makes a `Matrix` from rows of numbers (copied into a `Float32Array`).
 *
 * @example
 * ```ts
 * const m = matrix([[1, 2, 3], [4, 5, 6]]);   // { rows: 2, cols: 3, data: Float32Array [1, 2, 3, 4, 5, 6] }
 * ```
 */
export function matrix(rows: readonly (readonly number[])[]): Matrix<Float32Array> {
  const shape = shapeOf(rows, 'data');
  const data = new Float32Array(shape.rows * shape.cols);
  rows.forEach((row, r) => data.set(row, r * shape.cols));
  return { rows: shape.rows, cols: shape.cols, data };
}

/**
 * Rows of a `Matrix` as arrays of numbers.
 *
 * @example
 * ```ts
 * toArrays({ rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) });   // [[1, 2], [3, 4]]
 * ```
 */
export function toArrays(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}

/**
 * Checks data against an expected width and returns its shape; throws a `RangeError`/`TypeError` naming
 * the first problem: empty data, ragged or wrong-width rows, a length that does not match, a non-finite value.
 */
export function checkData(data: MatrixLike, expectedCols: number | undefined, what = 'data'): { rows: number; cols: number } {
  const shape = checkShape(data, expectedCols, what);
  if (isMatrix(data)) {
    if (data.data instanceof Float32Array) checkFinite(data.data, shape.cols, what);
  } else {
    data.forEach((row, r) => checkFinite(row, shape.cols, what, r));
  }
  return shape;
}

/** The shape checks of `checkData` alone (no pass over the values). */
export function checkShape(data: MatrixLike, expectedCols: number | undefined, what = 'data'): { rows: number; cols: number } {
  const shape = isMatrix(data) ? checkMatrixShape(data, what) : shapeOf(data, what, expectedCols);
  if (expectedCols !== undefined && shape.cols !== expectedCols) {
    throw new RangeError(`${what} has ${shape.cols} values per row, the model expects ${expectedCols}`);
  }
  return shape;
}

/**
 * A checked `Matrix` view of data: a `Matrix` as it is (after its shape is checked), rows of numbers copied into
 * a Float32Array. Throws like `checkShape`.
 *
 * @example
 * ```ts
 * asMatrix([[1, 2], [3, 4]]);   // { rows: 2, cols: 2, data: Float32Array [1, 2, 3, 4] }
 * ```
 */
export function asMatrix(data: MatrixLike, what = 'data'): Matrix {
  checkShape(data, undefined, what);
  return isMatrix(data) ? data : matrix(data);
}

/** Writes rows [start, start + count) of checked data into `target` as f32, row-major. */
export function writeRows(data: MatrixLike, start: number, count: number, target: Float32Array): void {
  if (isMatrix(data)) target.set(data.data.subarray(start * data.cols, (start + count) * data.cols));
  else {
    const cols = data[0]!.length;
    for (let r = 0; r < count; r++) target.set(data[start + r]!, r * cols);
  }
}

export function isMatrix(data: unknown): data is Matrix {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && 'data' in data;
}

function checkMatrixShape(m: Matrix, what: string): { rows: number; cols: number } {
  if (!(m.data instanceof Float32Array || m.data instanceof Uint8Array)) {
    throw new TypeError(`${what}.data must be a Float32Array or a Uint8Array`);
  }
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new RangeError(`${what} has shape ${m.rows}×${m.cols}; rows and cols must be non-negative integers`);
  }
  if (m.rows === 0 || m.cols === 0) throw new RangeError(`${what} is empty (${m.rows}×${m.cols}): expected at least one row of values`);
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${what} is ${m.rows}×${m.cols} but holds ${m.data.length} values (expected ${m.rows * m.cols})`);
  }
  return { rows: m.rows, cols: m.cols };
}

function shapeOf(rows: readonly (readonly number[])[], what: string, expectedCols?: number): { rows: number; cols: number } {
  if (!Array.isArray(rows)) throw new TypeError(`${what} must be a Matrix or an array of rows of numbers`);
  if (rows.length === 0) throw new RangeError(`${what} is empty: expected at least one row of values`);
  const first = rows[0];
  if (!Array.isArray(first)) throw new TypeError(`${what} row 0 is not an array of numbers`);
  const cols = expectedCols ?? first.length;
  const expected = expectedCols === undefined ? `row 0 has ${cols}` : `the model expects ${cols}`;
  if (cols === 0) throw new RangeError(`${what} row 0 is empty: expected at least one value per row`);
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) throw new TypeError(`${what} row ${r} is not an array of numbers`);
    if (row.length !== cols) throw new RangeError(`${what} row ${r} has ${row.length} values, ${expected}`);
  });
  return { rows: rows.length, cols };
}

function checkFinite(values: ArrayLike<unknown>, cols: number, what: string, row?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const r = row ?? Math.floor(i / cols);
      const c = row === undefined ? i % cols : i;
      throw new RangeError(`${what} row ${r}, column ${c} is ${String(v)}: values must be finite numbers`);
    }
  }
}

import { asMatrix, type Matrix, type MatrixLike } from '../matrix.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * A matrix as the bytes of a NumPy `.npy` file (format 1.0, C order): `float32` for a Float32Array,
 * `uint8` for a Uint8Array. `numpy.load('codes.npy')` reads it back.
 *
 * @example
 * ```ts
 * const bytes = encodeNpy(ae.encode(data));   // write it with writeFileAtomic('codes.npy', bytes)
 * ```
 */
export function encodeNpy(input: MatrixLike): Uint8Array {
  const m = asMatrix(input);
  const descr = m.data instanceof Float32Array ? '<f4' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const bytes = new Uint8Array(total + m.data.byteLength);
  bytes.set(MAGIC, 0);
  bytes.set([1, 0], 6);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  bytes.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), total);
  return bytes;
}

/**
 * A matrix as CSV text: one line per row, values separated by commas.
 *
 * @example
 * ```ts
 * encodeCsv({ rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) });   // "1,2\n3,4\n"
 * ```
 */
export function encodeCsv(input: MatrixLike): string {
  const m = asMatrix(input);
  const text = m.data instanceof Float32Array ? shortestFloat32 : String;
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), text).join(','));
  return lines.join('\n') + '\n';
}

/** The shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612). */
export function shortestFloat32(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(value);
}

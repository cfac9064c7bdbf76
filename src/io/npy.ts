import type { Matrix } from '../matrix.js';

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
export function encodeNpy(m: Matrix): Uint8Array {
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
export function encodeCsv(m: Matrix): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)).join(','));
  return lines.join('\n') + '\n';
}

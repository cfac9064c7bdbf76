import { asMatrix, type Matrix, type MatrixLike } from '../matrix.js';

/** How three colour values become one gray value. */
export type GrayMethod = 'mean' | 'luminance';

/** Options of {@link grayscale}. */
export interface GrayscaleOptions {
  /**
   * `'mean'` (default): (R + G + B) / 3, as the chapter does it.
   * `'luminance'`: 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), closer to how eyes weigh the channels.
   */
  method?: GrayMethod;
  /**
   * `'planar'` (default, CIFAR-10's layout): each row holds all R values, then all G, then all B.
   * `'interleaved'`: R, G, B of pixel 0, then of pixel 1, …
   */
  channels?: 'planar' | 'interleaved';
}

/**
 * Turns rows of colour pixels (3 values per pixel) into rows of gray values (1 per pixel), in one pass.
 * Values keep the input's scale: bytes 0–255 give gray values 0–255 (as `Float32Array`, unrounded).
 *
 * @example
 * ```ts
 * const { data } = await loadCifar10('./cifar-10-batches-py');   // 50000 × 3072 bytes, planar R, G, B
 * const gray = grayscale(data);                                    // 50000 × 1024 floats, (R + G + B) / 3
 * const luma = grayscale(data, { method: 'luminance' });
 * ```
 */
export function grayscale(input: MatrixLike, options: GrayscaleOptions = {}): Matrix<Float32Array> {
  const { method = 'mean', channels = 'planar' } = options;
  if (method !== 'mean' && method !== 'luminance') {
    throw new RangeError(`grayscale method is ${JSON.stringify(method)}; expected 'mean' or 'luminance'`);
  }
  if (channels !== 'planar' && channels !== 'interleaved') {
    throw new RangeError(`grayscale channels is ${JSON.stringify(channels)}; expected 'planar' or 'interleaved'`);
  }
  const data = asMatrix(input);
  const { rows, cols } = data;
  if (cols % 3 !== 0) {
    throw new RangeError(`data is ${rows}×${cols}: expected 3 values (R, G, B) per pixel, but ${cols} is not divisible by 3`);
  }
  const pixels = cols / 3;
  const out = new Float32Array(rows * pixels);
  const [wr, wg, wb] = method === 'mean' ? [1, 1, 1] : [0.299, 0.587, 0.114];
  const divisor = method === 'mean' ? 3 : 1;
  // Offsets of a pixel's G and B from its R, and the step from one R to the next.
  const [dg, db, step] = channels === 'planar' ? [pixels, 2 * pixels, 1] : [1, 2, 3];
  const src = data.data;
  for (let r = 0; r < rows; r++) {
    let i = r * cols;
    let o = r * pixels;
    const end = o + pixels;
    for (; o < end; o++, i += step) out[o] = (wr * src[i]! + wg * src[i + dg]! + wb * src[i + db]!) / divisor;
  }
  return { rows, cols: pixels, data: out };
}

/**
 * Operations on decoded images: resizing (area averaging), gray, flattening to a matrix row, PNG encoding, a
 * matrix row back into a picture, and grids of pictures.
 *
 * @module
 */

import { encode as encodePng } from 'fast-png';
import { asMatrix, type Matrix, type MatrixLike } from '../matrix.js';
import type { GrayMethod } from './grayscale.js';
import { checkImage, describe, isPositiveInteger, type Image } from './image.js';

/**
 * Scales an image by `scale`, as the chapter's `imresize(img, 1/8)` is used, but shrinking by averaging the area each
 * output pixel covers (like OpenCV's INTER_AREA; scipy's imresize filtered bilinearly). The new size is max(1, round(size · scale)).
 * Shrinking averages areas: each output pixel is the mean of the input area it covers, partly covered pixels weighted
 * by how much of them it covers. Enlarging repeats the nearest pixel. Values are rounded half up.
 *
 * @example
 * ```ts
 * const small = resize(photo, 1 / 8);   // 256×256 → 32×32, each pixel the mean of an 8×8 block
 * ```
 */
export function resize(image: Image, scale: number): Image {
  checkImage(image);
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`resize scale is ${scale}; expected a positive finite number`);
  const size = (n: number): number => Math.max(1, Math.round(n * scale));
  return resizeTo(image, size(image.width), size(image.height));
}

/**
 * Resizes an image to exactly `width` × `height`, each axis the way {@link resize} does it (area average when it
 * shrinks, nearest pixel when it grows); the aspect ratio may change.
 *
 * @example
 * ```ts
 * const thumb = resizeTo(photo, 32, 32);
 * ```
 */
export function resizeTo(image: Image, width: number, height: number): Image {
  checkImage(image);
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new RangeError(`resize target is ${width}×${height}; expected positive integer width and height`);
  }
  const c = image.channels;
  const across = axisTaps(image.width, width);
  const down = axisTaps(image.height, height);
  // Horizontal pass into exact sums (integer weights), then the vertical pass, then one division per value.
  const rowLength = width * c;
  const wide = new Float64Array(image.height * rowLength);
  for (let y = 0; y < image.height; y++) {
    const src = y * image.width * c;
    for (let x = 0; x < width; x++) {
      for (let t = across.offset[x]!; t < across.offset[x + 1]!; t++) {
        const from = src + across.index[t]! * c;
        const w = across.weight[t]!;
        for (let k = 0; k < c; k++) wide[y * rowLength + x * c + k]! += w * image.data[from + k]!;
      }
    }
  }
  const data = new Uint8Array(height * rowLength);
  const sum = new Float64Array(rowLength);
  const norm = across.norm * down.norm;
  for (let y = 0; y < height; y++) {
    sum.fill(0);
    for (let t = down.offset[y]!; t < down.offset[y + 1]!; t++) {
      const from = down.index[t]! * rowLength;
      const w = down.weight[t]!;
      for (let i = 0; i < rowLength; i++) sum[i]! += w * wide[from + i]!;
    }
    for (let i = 0; i < rowLength; i++) data[y * rowLength + i] = Math.round(sum[i]! / norm);
  }
  return { width, height, channels: c, data };
}

/** For each of m outputs along one axis, which of the n inputs it takes and with what (unnormalised) weight. */
interface Taps {
  offset: Int32Array;
  index: Int32Array;
  weight: Float64Array;
  /** What the weights of one output add up to. */
  norm: number;
}

function axisTaps(n: number, m: number): Taps {
  if (m > n) {
    // Nearest: output i's centre (i + ½)·n/m falls in input floor((2i + 1)·n / 2m).
    const index = Int32Array.from({ length: m }, (_, i) => Math.floor(((2 * i + 1) * n) / (2 * m)));
    return { offset: Int32Array.from({ length: m + 1 }, (_, i) => i), index, weight: new Float64Array(m).fill(1), norm: 1 };
  }
  const offset = new Int32Array(m + 1);
  // Area: measured in 1/m of an input pixel, output i covers [i·n, (i+1)·n) and input j covers [j·m, (j+1)·m),
  // so every overlap is a whole number and the sums stay exact.
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < m; i++) {
    const lo = i * n;
    const hi = lo + n;
    for (let j = Math.floor(lo / m); j * m < hi; j++) {
      index.push(j);
      weight.push(Math.min(hi, (j + 1) * m) - Math.max(lo, j * m));
    }
    offset[i + 1] = index.length;
  }
  return { offset, index: Int32Array.from(index), weight: Float64Array.from(weight), norm: n };
}

/**
 * Makes an image gray (1 channel): the mean of R, G, B (default, the chapter's way) or their luminance
 * 0.299 R + 0.587 G + 0.114 B, rounded to bytes. Alpha is ignored; a gray image comes back as a copy.
 *
 * @example
 * ```ts
 * const gray = toGray(photo);                  // (R + G + B) / 3
 * const luma = toGray(photo, 'luminance');
 * ```
 */
export function toGray(image: Image, method: GrayMethod = 'mean'): Image {
  checkImage(image);
  if (method !== 'mean' && method !== 'luminance') throw new RangeError(`toGray method is ${JSON.stringify(method)}; expected 'mean' or 'luminance'`);
  const { width, height, channels: c, data: src } = image;
  if (c === 1) return { width, height, channels: 1, data: src.slice() };
  const data = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < data.length; p++, i += c) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    // floor((s + 1) / 3) is s / 3 rounded: thirds never end in a half.
    data[p] = method === 'mean' ? Math.floor((r + g + b + 1) / 3) : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return { width, height, channels: 1, data };
}

/**
 * One data row from an image: 1 × (height · width · channels) bytes, row-major, channels interleaved (a copy).
 *
 * @example
 * ```ts
 * const row = flatten(toGray(resize(photo, 1 / 8)));   // ready for `ae.test(row)`
 * ```
 */
export function flatten(image: Image): Matrix<Uint8Array> {
  checkImage(image);
  return { rows: 1, cols: image.data.length, data: image.data.slice() };
}

/**
 * Encodes an image as an 8-bit PNG file.
 *
 * @example
 * ```ts
 * await writeFile('reconstruction.png', toPng(image));
 * ```
 */
export function toPng(image: Image): Uint8Array {
  checkImage(image);
  return encodePng({ width: image.width, height: image.height, data: image.data, depth: 8, channels: image.channels });
}

/** Options of {@link imageFromMatrixRow}. */
export interface RowImageOptions {
  /** The value shown as 0 (black); default 0. */
  min?: number;
  /** The value shown as 255 (white); default 255. Use `{ max: 1 }` for data scaled to 0–1. */
  max?: number;
  /** How a 3-channel row is laid out: `'interleaved'` RGBRGB… (default, as {@link flatten} makes them) or `'planar'` (CIFAR). */
  layout?: 'interleaved' | 'planar';
}

/**
 * Turns one row of a matrix (an input, a reconstruction) back into an image: values are mapped linearly from
 * [min, max] to [0, 255], clamped and rounded (NaN becomes 0).
 *
 * @example
 * ```ts
 * const { reconstructed } = ae.test(data);
 * const picture = imageFromMatrixRow(reconstructed, 0, 32, 32);          // gray, values 0–255
 * const colour = imageFromMatrixRow(cifar, 0, 32, 32, 3, { layout: 'planar' });
 * ```
 */
export function imageFromMatrixRow(input: MatrixLike, row: number, width: number, height: number, channels: 1 | 3 = 1, options: RowImageOptions = {}): Image {
  const m = asMatrix(input, 'matrix');
  const { rows, cols } = m;
  const { min = 0, max = 255, layout = 'interleaved' } = options;
  if (!Number.isInteger(row) || row < 0 || row >= rows) throw new RangeError(`row ${row} does not exist: the matrix has rows 0 to ${rows - 1}`);
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) throw new RangeError(`image size is ${width}×${height}; expected positive integers`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels is ${channels}; expected 1 or 3`);
  if (cols !== width * height * channels) {
    throw new RangeError(`matrix rows hold ${cols} values; a ${width}×${height} image with ${channels} channel(s) needs ${width * height * channels}`);
  }
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) throw new RangeError(`min ${min} and max ${max} must be finite with max > min`);
  if (layout !== 'interleaved' && layout !== 'planar') throw new RangeError(`layout is ${JSON.stringify(layout)}; expected 'interleaved' or 'planar'`);
  const pixels = width * height;
  const src = m.data.subarray(row * cols, (row + 1) * cols);
  const data = new Uint8Array(cols);
  const factor = 255 / (max - min);
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < channels; k++) {
      const v = (src[layout === 'planar' ? k * pixels + p : p * channels + k]! - min) * factor;
      data[p * channels + k] = v > 255 ? 255 : v > 0 ? Math.round(v) : 0;
    }
  }
  return { width, height, channels, data };
}

/**
 * Tiles images of one size and channel count into one picture, left to right and top to bottom, `columns` per row
 * (fewer if there are fewer images), with `gap` pixels (default 0) of 0-valued background between them.
 *
 * @example
 * ```ts
 * // originals on the top row, reconstructions below
 * const sheet = imageGrid([...originals, ...reconstructions], originals.length, { gap: 2 });
 * ```
 */
export function imageGrid(images: readonly Image[], columns: number, options: { gap?: number } = {}): Image {
  const { gap = 0 } = options;
  const first = images[0];
  if (!first) throw new RangeError('imageGrid needs at least one image');
  if (!isPositiveInteger(columns)) throw new RangeError(`columns is ${columns}; expected a positive integer`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`gap is ${gap}; expected a non-negative integer`);
  images.forEach((image, i) => {
    checkImage(image, `image ${i}`);
    if (image.width !== first.width || image.height !== first.height || image.channels !== first.channels) {
      throw new RangeError(`image ${i} is ${describe(image)}, image 0 is ${describe(first)}: grid images must match`);
    }
  });
  const { width: w, height: h, channels: c } = first;
  const across = Math.min(columns, images.length);
  const down = Math.ceil(images.length / across);
  const width = across * w + (across - 1) * gap;
  const height = down * h + (down - 1) * gap;
  const data = new Uint8Array(width * height * c);
  images.forEach((image, i) => {
    const left = (i % across) * (w + gap);
    const top = Math.floor(i / across) * (h + gap);
    for (let y = 0; y < h; y++) data.set(image.data.subarray(y * w * c, (y + 1) * w * c), ((top + y) * width + left) * c);
  });
  return { width, height, channels: c, data };
}

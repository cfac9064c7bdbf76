/**
 * Pictures in: decode PNG/JPEG (or a browser ImageData) into 8-bit pixels, refusing corrupt files and
 * decompression bombs. Web-standard APIs only; reading a path loads the Node file helper lazily.
 * Operations on the decoded images live in image-ops.ts.
 *
 * @module
 */

import { convertIndexedToRgb, decode as decodePng, type DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import { DataFormatError } from '../errors.js';
import { nodeFiles } from '../io/files.js';
import { checkKeys } from '../model/options.js';
import { readJpegFrame, readPngHeader, type JpegFrame, type PngHeader } from './image-header.js';
import { inflatesWithin, MAX_DEFLATE_RATIO } from './inflate.js';

/** A decoded picture: 8-bit values, channels interleaved (RGBRGB…), rows top to bottom. */
export interface Image {
  width: number;
  height: number;
  /** 1 gray, 3 RGB, 4 RGBA. */
  channels: 1 | 3 | 4;
  /** height × width × channels bytes. */
  data: Uint8Array;
}

/** A browser `ImageData` or anything shaped like it: RGBA bytes, row-major. */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

/** The default of the `maxPixels` option: 2²⁵ = 33,554,432 pixels (e.g. 8192 × 4096, 5792 × 5792). */
export const DEFAULT_MAX_PIXELS = 2 ** 25;

/** Options of {@link readImage} and {@link decodeImage}. */
export interface ImageReadOptions {
  /**
   * The largest image to decode, in pixels (width × height; default {@link DEFAULT_MAX_PIXELS}, 2²⁵ ≈ 33.5 million).
   * It is checked against the file's header before the decoder allocates anything, so a small file that declares a
   * huge picture (a decompression bomb) is refused in milliseconds. It bounds memory too: a PNG's decoded samples
   * may take at most 4 × maxPixels bytes (so 16-bit RGB and RGBA PNGs may have ⅔ and ½ as many pixels), and the
   * JPEG decoder's working memory at most 32 bytes per pixel. An `ImageData` is already decoded and is only copied.
   *
   * @example
   * ```ts
   * const poster = await readImage('poster.png', { maxPixels: 2 ** 27 });   // up to 134 megapixels
   * const thumb = decodeImage(bytes, 'upload.jpg', { maxPixels: 1024 * 1024 });
   * ```
   */
  maxPixels?: number;
}

/** Inflated image data past what the pixels need that is tolerated (and ignored), as libpng and browsers do. */
const PNG_EXCESS_DATA = 64 * 1024;
/** The largest embedded ICC profile accepted (real ones take kilobytes, rarely a megabyte; fast-png inflates it whole). */
const MAX_ICC_PROFILE = 16 * 2 ** 20;
/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7_PASSES = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
/** Every PNG is allowed the decoded samples of an 8-bit RGBA image of maxPixels pixels. */
const PNG_BYTES_PER_PIXEL = 4;
/**
 * Every 8×8 luma block costs at least one bit of coded data, so a complete JPEG holds at most 512 pixels per
 * byte; this allows twice that. More means a truncated file or a decompression bomb.
 */
const MAX_JPEG_PIXELS_PER_BYTE = 1024;
/**
 * jpeg-js's working memory as it counts it, per allowed pixel: its 4-component, full-resolution worst case takes 27
 * bytes (a 256-byte block of coefficients per 64 samples of each component, 1 byte per sample of component lines, 4
 * of gathered samples, 3 of output). Its real use is ~2.5 times that (each block is a small Int32Array of its own).
 */
const JPEG_BYTES_PER_PIXEL = 32;
/** What every JPEG may use besides: MCU padding of small images, quantization and Huffman tables. */
const JPEG_BASE_MEMORY = 2 ** 20;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Per PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA): samples per pixel and allowed bit depths. */
const PNG_COLOR_TYPES: Record<number, { samples: number; depths: number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};

/**
 * Reads a PNG or JPEG (told apart by their first bytes), or copies a browser `ImageData`, into an {@link Image}.
 * PNGs of any bit depth and colour type become 8-bit gray (1), RGB (3) or RGBA (4 — gray + alpha and palettes with
 * transparency too); a tRNS colour key is ignored. JPEGs become gray (1) or RGB (3).
 * A string is a file path and needs Node; a `Blob`/`File` (from `<input type=file>`) works anywhere. Bad input
 * throws a `DataFormatError` naming `name` (or the path), and so does an image over `options.maxPixels`
 * (default 2²⁵ ≈ 33.5 megapixels; see {@link ImageReadOptions}), before it is decoded.
 *
 * @example
 * ```ts
 * const photo = await readImage('photos/horse.jpg');             // Node
 * const pic = await readImage(await (await fetch(url)).arrayBuffer(), url);   // anywhere
 * const frame = await readImage(canvas.getContext('2d').getImageData(0, 0, 32, 32));
 * const scan = await readImage('scans/page.png', { maxPixels: 2 ** 27 });   // allow up to 134 megapixels
 * ```
 */
export async function readImage(source: string | Uint8Array | ArrayBuffer | Blob | ImageDataLike, name?: string, options?: ImageReadOptions): Promise<Image>;
export async function readImage(source: string | Uint8Array | ArrayBuffer | Blob | ImageDataLike, options: ImageReadOptions): Promise<Image>;
export async function readImage(source: string | Uint8Array | ArrayBuffer | Blob | ImageDataLike, nameOrOptions?: string | ImageReadOptions, options?: ImageReadOptions): Promise<Image> {
  const [given, maxPixels] = nameAndLimit(nameOrOptions, options, 'readImage');
  let name = given;
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    name ??= source;
    bytes = await (await nodeFiles('an image')).readFileBytes(source);
  } else if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    name ??= (source as { name?: string }).name || 'image file';
    bytes = new Uint8Array(await source.arrayBuffer());
  } else return fromImageData(source as ImageDataLike, name ?? 'image data');
  return decodeWithin(bytes, name ?? 'image bytes', maxPixels);
}

/**
 * Decodes PNG or JPEG bytes synchronously (what {@link readImage} does once it has the bytes), refusing images over
 * `options.maxPixels` (default 2²⁵) before decoding them.
 *
 * @example
 * ```ts
 * const image = decodeImage(bytes, 'upload.png');   // { width, height, channels, data }
 * const small = decodeImage(bytes, 'upload.png', { maxPixels: 4096 * 4096 });
 * ```
 */
export function decodeImage(bytes: Uint8Array, name?: string, options?: ImageReadOptions): Image;
export function decodeImage(bytes: Uint8Array, options: ImageReadOptions): Image;
export function decodeImage(bytes: Uint8Array, nameOrOptions?: string | ImageReadOptions, options?: ImageReadOptions): Image {
  const [name, maxPixels] = nameAndLimit(nameOrOptions, options, 'decodeImage');
  return decodeWithin(bytes, name ?? 'image bytes', maxPixels);
}

function decodeWithin(bytes: Uint8Array, name: string, maxPixels: number): Image {
  if (bytes.length === 0) throw new DataFormatError(name, 'is empty: expected a PNG or JPEG image');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePngImage(bytes, name, maxPixels);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpegImage(bytes, name, maxPixels);
  const start = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new DataFormatError(name, `is neither a PNG nor a JPEG (it starts with ${start})`);
}

/** The name (if given) and the checked maxPixels of the `(name?, options?)` or `(options)` forms. */
function nameAndLimit(nameOrOptions: string | ImageReadOptions | undefined, options: ImageReadOptions | undefined, fn: string): [string | undefined, number] {
  const [name, opts] = typeof nameOrOptions === 'object' && nameOrOptions !== null ? [undefined, nameOrOptions] : [nameOrOptions, options ?? {}];
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${fn}'s name must be a string, got ${typeof name}`);
  checkKeys(opts, ['maxPixels'], `${fn} option`);
  return [name, checkMaxPixels(opts.maxPixels)];
}

/** `maxPixels` as given (a positive safe integer) or the default; a RangeError otherwise. */
export function checkMaxPixels(maxPixels: number | undefined): number {
  if (maxPixels === undefined) return DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${String(maxPixels)}`);
  return maxPixels;
}

function fromImageData(source: ImageDataLike, name: string): Image {
  const { width, height, data } = source;
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new DataFormatError(name, `has size ${width}×${height}; expected positive integer width and height`);
  }
  if (data?.length !== width * height * 4) {
    throw new DataFormatError(name, `holds ${data?.length} values; a ${width}×${height} RGBA image needs ${width * height * 4}`);
  }
  return { width, height, channels: 4, data: new Uint8Array(data) };
}

function decodePngImage(bytes: Uint8Array, name: string, maxPixels: number): Image {
  const header = checkPngHeader(bytes, name, maxPixels);
  const colorType = header.colorType;
  let png: DecodedPng;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (error) {
    // The reader runs off the end of its DataView when the file stops early or a chunk claims more than is there.
    if (error instanceof RangeError && /bounds/.test(error.message)) throw new DataFormatError(name, 'is truncated, or a chunk is longer than the file');
    throw new DataFormatError(name, `is not a valid PNG (${messageOf(error)})`);
  }
  if (png.width !== header.width || png.height !== header.height) throw new DataFormatError(name, 'is not a valid PNG: its decoded size differs from its header');
  if (colorType === 3) {
    if (!png.palette?.length) throw new DataFormatError(name, 'is a palette PNG without a palette (no PLTE chunk)');
    // Each entry is RGB, or RGBA when a tRNS chunk gave the palette transparency.
    const channels = png.palette[0]!.length;
    let rgb: Uint8Array;
    try {
      rgb = convertIndexedToRgb(png);
    } catch (error) {
      throw new DataFormatError(name, `has bad palette data (${messageOf(error)})`);
    }
    if ((channels !== 3 && channels !== 4) || rgb.length !== png.width * png.height * channels) {
      throw new DataFormatError(name, 'has a malformed palette (repeated PLTE or tRNS chunks?)');
    }
    return { width: png.width, height: png.height, channels, data: rgb };
  }
  const samples = to8Bit(png);
  if (png.channels !== 2) return { width: png.width, height: png.height, channels: png.channels as 1 | 3 | 4, data: samples };
  // Gray + alpha has no place among 1/3/4 channels: it becomes RGBA, losing nothing.
  const rgba = new Uint8Array(png.width * png.height * 4);
  for (let i = 0, o = 0; o < rgba.length; i += 2, o += 4) {
    rgba[o] = rgba[o + 1] = rgba[o + 2] = samples[i]!;
    rgba[o + 3] = samples[i + 1]!;
  }
  return { width: png.width, height: png.height, channels: 4, data: rgba };
}

/**
 * Checks the IHDR chunk before anything is decoded: a known colour type and depth, a size within maxPixels, decoded
 * samples within 4 bytes per allowed pixel, and no more raw data than the IDAT chunks can inflate to.
 */
function checkPngHeader(bytes: Uint8Array, name: string, maxPixels: number): PngHeader {
  const header = readPngHeader(bytes, name);
  const { width, height, depth, colorType, idatBytes } = header;
  const type = PNG_COLOR_TYPES[colorType];
  if (!type?.depths.includes(depth)) throw new DataFormatError(name, `has colour type ${colorType} with bit depth ${depth}, which PNG does not allow`);
  if (header.interlace === 1 && depth < 8) {
    // fast-png's Adam7 decoder takes every pixel for a whole byte, which garbles 1-, 2- and 4-bit samples.
    throw new DataFormatError(name, `is an interlaced PNG with ${depth}-bit samples, which is not supported; save it without interlacing`);
  }
  if (width === 0 || height === 0) throw new DataFormatError(name, `has zero size (${width}×${height})`);
  const rawBytes = pngRawBytes(width, height, depth * type.samples, header.interlace);
  if (rawBytes > MAX_DEFLATE_RATIO * idatBytes) {
    throw new DataFormatError(name, `declares ${width}×${height} pixels, more than its ${idatBytes} bytes of image data can hold (truncated, or a decompression bomb)`);
  }
  checkPixels(width, height, maxPixels, name);
  // fast-png hands out 16-bit samples as 2 bytes each; palette and gray + alpha images are expanded to at most 4.
  const sampleBytes = depth === 16 ? 2 : 1;
  const decoded = width * height * type.samples * sampleBytes;
  if (decoded > PNG_BYTES_PER_PIXEL * maxPixels) {
    throw new DataFormatError(
      name,
      `${width} × ${height} pixels × ${type.samples} channels × ${sampleBytes} bytes = ${grouped(decoded)} bytes decoded, more than ${PNG_BYTES_PER_PIXEL} × maxPixels = ${grouped(PNG_BYTES_PER_PIXEL * maxPixels)} (pass a larger maxPixels to read it)`,
    );
  }
  checkInflatedSizes(header, rawBytes, name);
  return header;
}

/** Refuses image data that inflates to more than the pixels need, and oversized colour profiles, before fast-png inflates them. */
function checkInflatedSizes(header: PngHeader, rawBytes: number, name: string): void {
  try {
    if (!inflatesWithin(header.idat, rawBytes + PNG_EXCESS_DATA)) {
      throw new DataFormatError(name, `has image data that inflates to more than the ${grouped(rawBytes)} bytes its ${header.width}×${header.height} pixels need (a decompression bomb, or a damaged file)`);
    }
    if (!header.iccProfiles.every((profile) => inflatesWithin([profile], MAX_ICC_PROFILE))) {
      throw new DataFormatError(name, `has an embedded colour profile (iCCP) that inflates to more than ${grouped(MAX_ICC_PROFILE)} bytes (a decompression bomb, or a damaged file)`);
    }
  } catch (error) {
    if (error instanceof DataFormatError) throw error;
    throw new DataFormatError(name, `is not a valid PNG (its compressed data is corrupt: ${messageOf(error)})`);
  }
}

/** The bytes of a PNG's filtered scanlines, one filter byte per row (per row of each pass when interlaced). */
function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlace: number): number {
  const scanlines = (w: number, h: number): number => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (interlace !== 1) return scanlines(width, height);
  return ADAM7_PASSES.reduce((sum, [x0, y0, dx, dy]) => sum + scanlines(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/** 8-bit samples of a non-palette PNG: 16-bit values rounded to the nearest 8-bit value, 1/2/4-bit gray unpacked and stretched. */
function to8Bit(png: DecodedPng): Uint8Array {
  const { data, depth } = png;
  if (depth === 8) return data instanceof Uint8Array ? data : new Uint8Array(data);
  if (depth === 16) {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Math.round(data[i]! / 257);
    return out;
  }
  // Only gray comes in 1, 2 or 4 bits (palettes are expanded elsewhere); each row starts on a byte boundary.
  const out = new Uint8Array(png.width * png.height);
  const bytesPerRow = Math.ceil((png.width * depth) / 8);
  const mask = (1 << depth) - 1;
  const stretch = 255 / mask;
  for (let y = 0, o = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++, o++) {
      const bit = x * depth;
      const byte = data[y * bytesPerRow + (bit >> 3)]!;
      out[o] = ((byte >> (8 - depth - (bit & 7))) & mask) * stretch;
    }
  }
  return out;
}

function decodeJpegImage(bytes: Uint8Array, name: string, maxPixels: number): Image {
  const frame = readJpegFrame(bytes, name);
  const { width, height, components } = frame;
  if (frame.marker > 0xc2) {
    throw new DataFormatError(name, `is a JPEG of a kind that is not supported (SOF${frame.marker - 0xc0}: lossless, hierarchical or arithmetic-coded); only baseline, extended and progressive JPEGs are`);
  }
  if (width === 0 || height === 0) throw new DataFormatError(name, `has zero size (${width}×${height})`);
  if (components.some(({ h, v }) => h === 0 || v === 0)) throw new DataFormatError(name, 'is not a valid JPEG (a sampling factor in its frame header is 0)');
  if (width * height > MAX_JPEG_PIXELS_PER_BYTE * bytes.length) {
    throw new DataFormatError(name, `declares ${width}×${height} pixels, more than its ${bytes.length} bytes can hold (truncated, or a decompression bomb)`);
  }
  checkPixels(width, height, maxPixels, name);
  const need = jpegDecoderBytes(frame);
  const allowed = JPEG_BYTES_PER_PIXEL * maxPixels + JPEG_BASE_MEMORY;
  if (need > allowed) {
    const sampling = components.slice(0, 4).map(({ h, v }) => `${h}×${v}`).join(', ') + (components.length > 4 ? ', …' : '');
    throw new DataFormatError(
      name,
      `${width} × ${height} pixels in ${components.length} components sampled ${sampling} take ${grouped(need)} bytes to decode, more than ${JPEG_BYTES_PER_PIXEL} × maxPixels + 1 MiB = ${grouped(allowed)} (pass a larger maxPixels to read it)`,
    );
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // The same limits inside the decoder, for frames this walk did not see (a second SOF, or one found by jpeg-js's
      // recovery from damaged segments): what the declared frame needs, plus tables in proportion to the file.
      // (+ 1: jpeg-js multiplies by 1000 · 1000 again, which may round maxPixels itself down past the limit.)
      maxResolutionInMP: (maxPixels + 1) / 1e6,
      maxMemoryUsageInMB: (need + JPEG_BASE_MEMORY + 4 * bytes.length) / 2 ** 20,
    });
  } catch (error) {
    throw new DataFormatError(name, `is not a valid JPEG (${messageOf(error)})`);
  }
  const { data } = decoded;
  if (decoded.width !== width || decoded.height !== height) {
    throw new DataFormatError(name, 'is not a valid JPEG: its frame headers disagree about its size');
  }
  // jpeg-js always hands out RGB; a one-component JPEG is gray, so keep one of the three equal values.
  if (components.length !== 1) return { width, height, channels: 3, data };
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = data[3 * i]!;
  return { width, height, channels: 1, data: gray };
}

/**
 * The bytes jpeg-js counts against its memory limit for a frame (mirroring its decoder.js): for each component,
 * coefficient blocks for whole MCUs (256 bytes each) and 8-bit lines for its blocks; then the samples of every
 * component at full size and the RGB output.
 */
function jpegDecoderBytes({ width, height, components }: JpegFrame): number {
  const maxH = Math.max(1, ...components.map((c) => c.h));
  const maxV = Math.max(1, ...components.map((c) => c.v));
  const mcusPerLine = Math.ceil(width / 8 / maxH);
  const mcusPerColumn = Math.ceil(height / 8 / maxV);
  let total = width * height * (components.length + 3);
  for (const { h, v } of components) {
    total += 256 * mcusPerColumn * v * mcusPerLine * h;
    total += 64 * Math.ceil((Math.ceil(width / 8) * h) / maxH) * Math.ceil((Math.ceil(height / 8) * v) / maxV);
  }
  return total;
}

/** Refuses width × height over maxPixels, naming both. */
function checkPixels(width: number, height: number, maxPixels: number, name: string): void {
  if (width * height > maxPixels) {
    throw new DataFormatError(name, `${width} × ${height} = ${grouped(BigInt(width) * BigInt(height))} pixels, more than maxPixels ${grouped(maxPixels)} (pass a larger maxPixels to read it)`);
  }
}

/** 33554432 → '33,554,432', the same in every locale. */
function grouped(n: number | bigint): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Throws a `RangeError`/`TypeError` unless `image` is a well-formed {@link Image}. */
export function checkImage(image: Image, what = 'image'): void {
  const { width, height, channels, data } = image;
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) throw new RangeError(`${what} has size ${width}×${height}; expected positive integers`);
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new RangeError(`${what} has ${channels} channels; expected 1, 3 or 4`);
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what}.data must be a Uint8Array`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`${what} is ${describe(image)} but holds ${data.length} bytes (expected ${width * height * channels})`);
  }
}

export function describe(image: Image): string {
  return `${image.width}×${image.height}×${image.channels}`;
}

export function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** An error's message, with its cause's (fast-png wraps zlib errors as 'Error while decompressing the data:'). */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message.replace(/:$/, '')}: ${messageOf(error.cause)}`;
}

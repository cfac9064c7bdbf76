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

/** Images larger than this are refused (jpeg-js's own default cap). */
const MAX_PIXELS = 100_000_000;
/** Deflate cannot expand data by more than ~1032:1, so a PNG cannot hold more raw bytes than this per file byte. */
const MAX_DEFLATE_RATIO = 1032;
/**
 * Every 8×8 luma block costs at least one bit of coded data, so a complete JPEG holds at most 512 pixels per
 * byte; this allows twice that. More means a truncated file or a decompression bomb.
 */
const MAX_JPEG_PIXELS_PER_BYTE = 1024;
/** Generous bytes of decoder working memory per pixel (coefficient blocks, component lines, output). */
const JPEG_BYTES_PER_PIXEL = 16;
const JPEG_MIN_MEMORY_MB = 16;
const JPEG_MAX_MEMORY_MB = 512;

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
 * throws a `DataFormatError` naming `name` (or the path).
 *
 * @example
 * ```ts
 * const photo = await readImage('photos/horse.jpg');             // Node
 * const pic = await readImage(await (await fetch(url)).arrayBuffer(), url);   // anywhere
 * const frame = await readImage(canvas.getContext('2d').getImageData(0, 0, 32, 32));
 * ```
 */
export async function readImage(source: string | Uint8Array | ArrayBuffer | Blob | ImageDataLike, name?: string): Promise<Image> {
  if (typeof source === 'string') return decodeImage(await (await nodeFiles('an image')).readFileBytes(source), name ?? source);
  if (source instanceof Uint8Array) return decodeImage(source, name ?? 'image bytes');
  if (source instanceof ArrayBuffer) return decodeImage(new Uint8Array(source), name ?? 'image bytes');
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return decodeImage(new Uint8Array(await source.arrayBuffer()), name ?? ((source as { name?: string }).name || 'image file'));
  }
  return fromImageData(source as ImageDataLike, name ?? 'image data');
}

/**
 * Decodes PNG or JPEG bytes synchronously (what {@link readImage} does once it has the bytes).
 *
 * @example
 * ```ts
 * const image = decodeImage(bytes, 'upload.png');   // { width, height, channels, data }
 * ```
 */
export function decodeImage(bytes: Uint8Array, name = 'image bytes'): Image {
  if (bytes.length === 0) throw new DataFormatError(name, 'is empty: expected a PNG or JPEG image');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePngImage(bytes, name);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpegImage(bytes, name);
  const start = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new DataFormatError(name, `is neither a PNG nor a JPEG (it starts with ${start})`);
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

function decodePngImage(bytes: Uint8Array, name: string): Image {
  const colorType = checkPngHeader(bytes, name);
  let png: DecodedPng;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (error) {
    // The reader runs off the end of its DataView when the file stops early or a chunk claims more than is there.
    if (error instanceof RangeError && /bounds/.test(error.message)) throw new DataFormatError(name, 'is truncated, or a chunk is longer than the file');
    throw new DataFormatError(name, `is not a valid PNG (${messageOf(error)})`);
  }
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

/** Checks the IHDR chunk before anything is decoded (size, bombs); returns the colour type. */
function checkPngHeader(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Signature (8) + IHDR length (4) + type (4) + 13 data bytes + CRC (4).
  if (bytes.length < 33) throw new DataFormatError(name, `is truncated: ${bytes.length} bytes is too short for a PNG header`);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new DataFormatError(name, 'is not a valid PNG: the first chunk is not a 13-byte IHDR header');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24]!;
  const colorType = bytes[25]!;
  const type = PNG_COLOR_TYPES[colorType];
  if (!type?.depths.includes(depth)) throw new DataFormatError(name, `has colour type ${colorType} with bit depth ${depth}, which PNG does not allow`);
  if (bytes[28] === 1 && depth < 8) {
    // fast-png's Adam7 decoder takes every pixel for a whole byte, which garbles 1-, 2- and 4-bit samples.
    throw new DataFormatError(name, `is an interlaced PNG with ${depth}-bit samples, which is not supported; save it without interlacing`);
  }
  checkDeclaredSize(width, height, name);
  const rawBytes = height * (1 + Math.ceil((width * depth * type.samples) / 8));
  if (rawBytes > MAX_DEFLATE_RATIO * bytes.length) {
    throw new DataFormatError(name, `declares ${width}×${height} pixels, more than its ${bytes.length} bytes can hold (truncated, or a decompression bomb)`);
  }
  return colorType;
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

function decodeJpegImage(bytes: Uint8Array, name: string): Image {
  // The declared size is checked up front when the marker chain leads to it; damaged chains that only jpeg-js's
  // own recovery gets through are still bounded by the memory budget below.
  const frame = jpegFrame(bytes);
  if (frame) {
    checkDeclaredSize(frame.width, frame.height, name);
    if (frame.width * frame.height > MAX_JPEG_PIXELS_PER_BYTE * bytes.length) {
      throw new DataFormatError(name, `declares ${frame.width}×${frame.height} pixels, more than its ${bytes.length} bytes can hold (truncated, or a decompression bomb)`);
    }
  }
  const budgetMB = (bytes.length * MAX_JPEG_PIXELS_PER_BYTE * JPEG_BYTES_PER_PIXEL) / 2 ** 20;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      // A budget in proportion to the file, so that a damaged small file cannot make the decoder allocate much.
      maxMemoryUsageInMB: Math.min(JPEG_MAX_MEMORY_MB, Math.max(JPEG_MIN_MEMORY_MB, budgetMB)),
    });
  } catch (error) {
    throw new DataFormatError(name, `is not a valid JPEG (${messageOf(error)})`);
  }
  const { width, height, data } = decoded;
  checkDeclaredSize(width, height, name);
  if (frame && (width !== frame.width || height !== frame.height)) {
    throw new DataFormatError(name, 'is not a valid JPEG: its frame headers disagree about its size');
  }
  // jpeg-js always hands out RGB; a one-component JPEG is gray, so keep one of the three equal values.
  // (Without a readable frame header the file is damaged anyway, and stays RGB.)
  if (frame?.components !== 1) return { width, height, channels: 3, data };
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = data[3 * i]!;
  return { width, height, channels: 1, data: gray };
}

/**
 * The first frame header (SOF) of a JPEG, found by walking the marker segments; undefined if none comes before the
 * image data. Stray bytes between segments are skipped up to the next 0xFF, as libjpeg does (phones write such files).
 */
function jpegFrame(bytes: Uint8Array): { width: number; height: number; components: number } | undefined {
  const u16 = (at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
  let at = 2;
  while (at + 3 < bytes.length) {
    const marker = bytes[at + 1]!;
    if (bytes[at] !== 0xff || marker === 0xff) at += 1; // a stray or fill byte
    else if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) at += 2; // no segment follows
    else if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end of image before any frame
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 >= bytes.length) return undefined;
      return { height: u16(at + 5), width: u16(at + 7), components: bytes[at + 9]! };
    } else at += 2 + u16(at + 2);
  }
  return undefined;
}

function checkDeclaredSize(width: number, height: number, name: string): void {
  if (width === 0 || height === 0) throw new DataFormatError(name, `has zero size (${width}×${height})`);
  if (width * height > MAX_PIXELS) {
    throw new DataFormatError(name, `declares ${width}×${height} pixels; images over ${MAX_PIXELS / 1e6} megapixels are refused`);
  }
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

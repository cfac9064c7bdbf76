/**
 * The IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed: a magic number (two zero bytes, a type
 * code, a dimension count), one big-endian u32 size per dimension, then the values, big-endian.
 *
 * @module
 */

import { DataFormatError } from '../errors.js';
import { nodeFiles } from '../io/files.js';
import type { Matrix } from '../matrix.js';
import { checkKeys } from '../model/options.js';
import { MAX_DEFLATE_RATIO } from './inflate.js';

/** An IDX file's contents: its dimensions and its values, row-major (the last dimension varies fastest). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

interface IdxType {
  name: string;
  size: number;
  create(length: number): IdxArray['data'];
  /** A view of `length` values at `offset` (a multiple of `size`) in `buffer`. */
  view(buffer: ArrayBufferLike, offset: number, length: number): IdxArray['data'];
  /** Reads one big-endian value (DataView's default byte order); single bytes need no reordering. */
  get?(view: DataView, at: number): number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'uint8', size: 1, create: (n) => new Uint8Array(n), view: (b, at, n) => new Uint8Array(b, at, n) },
  0x09: { name: 'int8', size: 1, create: (n) => new Int8Array(n), view: (b, at, n) => new Int8Array(b, at, n) },
  0x0b: { name: 'int16', size: 2, create: (n) => new Int16Array(n), view: (b, at, n) => new Int16Array(b, at, n), get: (v, at) => v.getInt16(at) },
  0x0c: { name: 'int32', size: 4, create: (n) => new Int32Array(n), view: (b, at, n) => new Int32Array(b, at, n), get: (v, at) => v.getInt32(at) },
  0x0d: { name: 'float32', size: 4, create: (n) => new Float32Array(n), view: (b, at, n) => new Float32Array(b, at, n), get: (v, at) => v.getFloat32(at) },
  0x0e: { name: 'float64', size: 8, create: (n) => new Float64Array(n), view: (b, at, n) => new Float64Array(b, at, n), get: (v, at) => v.getFloat64(at) },
};

const MAX_DIMENSIONS = 8;
/** The longest possible header: the magic number and MAX_DIMENSIONS sizes. */
const MAX_HEADER_BYTES = 4 + 4 * MAX_DIMENSIONS;
/** The most a gzip-compressed file may decompress to; past this it is refused as a likely gzip bomb. */
const MAX_GUNZIPPED_BYTES = 2 ** 30;
/** Compressed bytes handed to the decompressor at a time (deflate expands a byte to at most ~1 KiB). */
const GZIP_INPUT_SLICE = 64 * 1024;
/** The shortest gzip file: a 10-byte header, an empty deflate stream (2 bytes), and the 8-byte trailer. */
const GZIP_MIN_BYTES = 20;

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

interface Header {
  type: IdxType;
  shape: number[];
  /** Where the values start. */
  offset: number;
  /** Bytes of values the header announces. */
  dataBytes: number;
}

/**
 * Parses a raw (uncompressed) IDX file. The values are copied out, so `bytes` may be reused afterwards.
 * Throws `DataFormatError` (naming `name`) on a bad magic number, an unknown type, a bad dimension count, or a
 * size that does not match the bytes present.
 *
 * @example
 * ```ts
 * const { shape, data } = parseIdx(bytes, 'train-labels-idx1-ubyte');   // shape [60000], data Uint8Array
 * ```
 */
export function parseIdx(bytes: Uint8Array | ArrayBuffer, name = 'IDX data'): IdxArray {
  return parseRaw(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes, name, false);
}

/**
 * Parses a raw IDX file, its size checked against its header before anything is allocated. `owned` bytes (read
 * from a file here, so held by no one else) are decoded where they are, without a copy when the values are
 * aligned in them (always but for float64 after an even number of dimensions); other bytes are copied out once.
 */
function parseRaw(all: Uint8Array, name: string, owned: boolean): IdxArray {
  const { type, shape, offset, dataBytes } = readHeader(all, name);
  const present = all.length - offset;
  if (present !== dataBytes) {
    const what = present < dataBytes ? 'truncated' : `${present - dataBytes} bytes of trailing data`;
    throw new DataFormatError(name, `the header announces ${shape.join('×')} ${type.name} values (${dataBytes} bytes) but ${present} bytes follow it (${what})`);
  }
  const count = dataBytes / type.size;
  const at = all.byteOffset + offset;
  let data: IdxArray['data'];
  if (owned && at % type.size === 0) {
    data = type.view(all.buffer, at, count);
  } else {
    data = type.create(count);
    bytesOf(data).set(all.subarray(offset, offset + dataBytes)); // byte for byte: int8 values come out signed
  }
  return { shape, data: fromBigEndian(type, data) };
}

/**
 * Reads an IDX file, raw or gzip-compressed (recognised by its 1f 8b magic): from bytes anywhere, or from a file
 * path in Node. Throws `DataFormatError` on a malformed file or a corrupt gzip stream. A gzip file is decompressed
 * once, straight into the returned array, and refused before that array is allocated when its header announces
 * more than 1 GiB or a size its gzip trailer contradicts (a truncated file), or as soon as it yields more or fewer
 * bytes than its header announces. A raw file from a path is decoded in the bytes read, mostly without a copy.
 *
 * @example
 * ```ts
 * const labels = await readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');   // shape [10000]
 * ```
 */
export async function readIdx(source: string | Uint8Array | ArrayBuffer, name?: string): Promise<IdxArray> {
  const file = name ?? nameOf(source);
  const owned = typeof source === 'string'; // bytes read here from a file belong to no one else
  const bytes = owned ? await (await nodeFiles('an IDX file')).readFileBytes(source) : source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  return isGzip(bytes) ? gunzipIdx(bytes, file) : parseRaw(bytes, file, owned);
}

/**
 * Reads an N×rows×cols uint8 image file (e.g. `train-images-idx3-ubyte.gz`) as an N×(rows·cols) matrix, each image
 * flattened row-major; `limit` keeps only the first images. Refuses other types and shapes with `DataFormatError`.
 *
 * @example
 * ```ts
 * const images = await loadIdxImages('t10k-images-idx3-ubyte.gz', { limit: 1000 });   // 1000×784, Uint8Array
 * ```
 */
export async function loadIdxImages(source: string | Uint8Array | ArrayBuffer, options: { limit?: number } = {}): Promise<Matrix<Uint8Array>> {
  const name = nameOf(source);
  checkKeys(options, ['limit'], 'IDX option');
  const limit = checkLimit(options.limit);
  return imagesOf(await readIdx(source, name), name, limit);
}

/**
 * Reads a one-dimensional uint8 label file (e.g. `train-labels-idx1-ubyte.gz`); `limit` keeps only the first labels.
 * Refuses other types and shapes with `DataFormatError`.
 *
 * @example
 * ```ts
 * const labels = await loadIdxLabels('t10k-labels-idx1-ubyte.gz');   // Uint8Array(10000)
 * ```
 */
export async function loadIdxLabels(source: string | Uint8Array | ArrayBuffer, options: { limit?: number } = {}): Promise<Uint8Array> {
  const name = nameOf(source);
  checkKeys(options, ['limit'], 'IDX option');
  const limit = checkLimit(options.limit);
  return labelsOf(await readIdx(source, name), name, limit);
}

/**
 * Fashion-MNIST (Node only): 28×28 grayscale photos of clothes, 60,000 for training and 10,000 for testing, each
 * a row of 784 bytes, with labels 0–9 (`labelNames[label]` names them). Read from where Debian's
 * `dataset-fashion-mnist` package installs it, or from `dir` holding the four official files (gzipped or not).
 * A missing file, a malformed one, or images and labels that do not pair up throw `DataFormatError`.
 *
 * @example
 * ```ts
 * const { images, labels, labelNames } = await loadFashionMnist({ split: 'test', limit: 100 });
 * labelNames[labels[0]!]!;   // 'Ankle boot'
 * ```
 */
export async function loadFashionMnist(
  options: { split?: 'train' | 'test'; limit?: number; dir?: string } = {},
): Promise<{ images: Matrix<Uint8Array>; labels: Uint8Array; labelNames: string[] }> {
  checkKeys(options, ['split', 'limit', 'dir'], 'Fashion-MNIST option');
  const { split = 'train', dir = FASHION_MNIST_DIR } = options;
  if (split !== 'train' && split !== 'test') throw new RangeError(`split is ${String(split)}, expected 'train' or 'test'`);
  const limit = checkLimit(options.limit);
  const prefix = `${dir.replace(/[\\/]+$/, '')}/${split === 'train' ? 'train' : 't10k'}`;
  const imageFile = await readFashionFile(`${prefix}-images-idx3-ubyte`);
  const labelFile = await readFashionFile(`${prefix}-labels-idx1-ubyte`);
  const images = imagesOf(imageFile.array, imageFile.path, limit);
  const labels = labelsOf(labelFile.array, labelFile.path, limit);
  if (imageFile.array.shape[0] !== labelFile.array.shape[0]) {
    throw new DataFormatError(labelFile.path, `holds ${labelFile.array.shape[0]} labels but ${imageFile.path} holds ${imageFile.array.shape[0]} images`);
  }
  const bad = labels.findIndex((label) => label >= FASHION_MNIST_LABELS.length);
  if (bad >= 0) throw new DataFormatError(labelFile.path, `image ${bad} has label ${labels[bad]}, expected 0 to ${FASHION_MNIST_LABELS.length - 1}`);
  return { images, labels, labelNames: [...FASHION_MNIST_LABELS] };
}

function readHeader(bytes: Uint8Array, name: string): Header {
  if (bytes.length < 4) throw new DataFormatError(name, `is ${bytes.length} bytes long, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = isGzip(bytes) ? ' (it is gzip-compressed: use readIdx)' : '';
    throw new DataFormatError(name, `does not start with an IDX magic number (00 00 type dimensions)${hint}`);
  }
  const code = bytes[2]!;
  const type = TYPES[code];
  if (!type) throw new DataFormatError(name, `has unknown IDX type code 0x${code.toString(16).padStart(2, '0')}, expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e`);
  const dimensions = bytes[3]!;
  if (dimensions === 0 || dimensions > MAX_DIMENSIONS) {
    throw new DataFormatError(name, `has ${dimensions} dimensions, expected 1 to ${MAX_DIMENSIONS}`);
  }
  const offset = 4 + 4 * dimensions;
  if (bytes.length < offset) throw new DataFormatError(name, `is truncated inside its header (${bytes.length} of ${offset} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, offset);
  const shape = Array.from({ length: dimensions }, (_, d) => view.getUint32(4 + 4 * d));
  const dataBytes = shape.reduce((product, size) => product * size, type.size);
  // Past 2^53 the product is no longer exact; no real file comes anywhere near it.
  if (dataBytes > Number.MAX_SAFE_INTEGER) throw new DataFormatError(name, `announces ${shape.join('×')} values, a size that overflows`);
  return { type, shape, offset, dataBytes };
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a gzip-compressed IDX file, decompressing it once, straight into the array it returns.
 *
 * Before anything large is allocated, only the IDX header is inflated (a few kilobytes of output at most), and the
 * size it announces (header and values) must be at most MAX_GUNZIPPED_BYTES, equal modulo 2^32 to the ISIZE field
 * of the gzip trailer (the last 4 bytes, little-endian), and no more than the compressed bytes can expand to. A
 * forged size, a cut file (whose last 4 bytes are then compressed data, not the trailer) or a file with bytes
 * after its trailer is refused there. Only then is the values' array allocated, once, at the announced size, and
 * each decompressed chunk is copied into it as it comes (the only copy, no list of chunks): more bytes than
 * announced are refused at the chunk that brings them, fewer when the stream ends, and a stream the decompressor
 * rejects (a bad CRC, a cut) as soon as it does.
 *
 * Several gzip members (concatenated .gz files) and bytes after the trailer are refused, by that same ISIZE check:
 * the last 4 bytes are then the last member's ISIZE, counting that member alone, or not a trailer at all, and the
 * message names both possibilities. Should they match the announced size anyway (a forgery, or bad luck), no
 * wrong values come out: a runtime that reads on into further members or skips zero padding (Node does both) has
 * everything it yields held to the announced size, exactly, and one that stops after the first member or rejects
 * what follows ends early or fails, both refused.
 */
async function gunzipIdx(compressed: Uint8Array, name: string): Promise<IdxArray> {
  if (compressed.length < GZIP_MIN_BYTES) {
    throw new DataFormatError(name, `is not a valid gzip stream (${compressed.length} bytes, fewer than the ${GZIP_MIN_BYTES} of the shortest one)`);
  }
  const isize = new DataView(compressed.buffer, compressed.byteOffset + compressed.length - 4, 4).getUint32(0, true);
  const reader = inflate(compressed);
  let received = 0; // decompressed bytes so far, the header's included
  const next = async (): Promise<Uint8Array | undefined> => {
    const { done, value } = await reader.read().catch((error: unknown) => {
      const after = received > 0 ? ` after ${received} decompressed bytes` : '';
      throw new DataFormatError(name, `is not a valid gzip stream (${inflateProblem(error)})${after}`);
    });
    if (done) return undefined;
    received += value.length;
    return value;
  };
  try {
    // The header: its first 4 bytes give its length, at most MAX_HEADER_BYTES.
    const head = new Uint8Array(MAX_HEADER_BYTES);
    let have = 0;
    let header: Header | undefined;
    let rest: Uint8Array | undefined; // the values that came in the chunk that completed the header
    while (!header) {
      const chunk = await next();
      if (!chunk) {
        readHeader(head.subarray(0, have), name); // throws: too short, or cut inside the header
        throw new DataFormatError(name, `ends inside its IDX header (${have} bytes)`);
      }
      const before = have;
      have += Math.min(chunk.length, MAX_HEADER_BYTES - have);
      head.set(chunk.subarray(0, have - before), before);
      const dimensions = head[3]!;
      // A bad dimension count is refused by readHeader as soon as the first 4 bytes are in.
      const length = have < 4 ? 4 : dimensions >= 1 && dimensions <= MAX_DIMENSIONS ? 4 + 4 * dimensions : 4;
      if (have >= length) {
        header = readHeader(head.subarray(0, length), name);
        rest = chunk.subarray(length - before);
      }
    }
    const { type, shape, offset, dataBytes } = header;
    const announced = offset + dataBytes;
    if (announced > MAX_GUNZIPPED_BYTES) {
      throw new DataFormatError(name, `announces ${announced} bytes, more than the ${MAX_GUNZIPPED_BYTES} a compressed IDX file may hold`);
    }
    if (announced % 2 ** 32 !== isize) {
      throw new DataFormatError(
        name,
        `announces ${announced} bytes (${shape.join('×')} ${type.name} values after a ${offset}-byte header) but its gzip trailer records ${isize} ` +
          '(ISIZE, the decompressed size mod 2^32): the file is truncated or altered, or joins several gzip members (decompress and recompress it as one)',
      );
    }
    if (announced > MAX_DEFLATE_RATIO * compressed.length) {
      throw new DataFormatError(name, `announces ${announced} bytes, more than its ${compressed.length} compressed bytes can hold (deflate expands at most ${MAX_DEFLATE_RATIO}:1): a forged size`);
    }
    const data = type.create(dataBytes / type.size);
    const out = bytesOf(data);
    let filled = 0;
    for (let chunk = rest; chunk; chunk = await next()) {
      if (chunk.length > out.length - filled) {
        throw new DataFormatError(name, `decompresses to more than the ${announced} bytes its header announces (trailing data or a gzip bomb)`);
      }
      out.set(chunk, filled);
      filled += chunk.length;
    }
    if (filled < out.length) {
      throw new DataFormatError(name, `decompresses to ${offset + filled} of the ${announced} bytes its header announces (truncated)`);
    }
    return { shape, data: fromBigEndian(type, data) };
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
}

/** What a DecompressionStream's error says: Node 22 throws a TypeError with an empty message and zlib's as its cause. */
function inflateProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { cause } = error as { cause?: unknown };
  return error.message || (cause instanceof Error ? cause.message : '') || (error as { code?: string }).code || error.name;
}

/** A reader of the decompressed bytes of `compressed`, fed to the decompressor in slices as it asks for them. */
function inflate(compressed: Uint8Array): ReadableStreamDefaultReader<Uint8Array> {
  // Small slices on demand: some runtimes inflate a whole input chunk at once, so a slice bounds what a bomb can
  // expand to before the checks see it.
  let at = 0;
  const input = new ReadableStream<BufferSource>(
    {
      pull(controller) {
        // A copy (Uint8Array's slice, not the view Buffer's would be): never a view of memory shared or reused.
        controller.enqueue(Uint8Array.prototype.slice.call(compressed, at, (at += GZIP_INPUT_SLICE)));
        if (at >= compressed.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return input.pipeThrough(new DecompressionStream('gzip')).getReader();
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Puts values stored big-endian into the host's byte order, in place; values of one byte need nothing. */
function fromBigEndian(type: IdxType, data: IdxArray['data']): IdxArray['data'] {
  const { get, size } = type;
  if (get && LITTLE_ENDIAN) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < data.length; i++) data[i] = get(view, i * size); // each value is read before its bytes are written
  }
  return data;
}

/** The bytes of a typed array, as a Uint8Array over the same memory. */
function bytesOf(data: IdxArray['data']): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function imagesOf(array: IdxArray, name: string, limit: number): Matrix<Uint8Array> {
  const { shape, data } = array;
  if (!(data instanceof Uint8Array) || shape.length !== 3) {
    throw new DataFormatError(name, `holds ${shape.join('×')} ${typeName(data)} values, expected N×rows×cols uint8 images`);
  }
  const cols = shape[1]! * shape[2]!;
  const rows = Math.min(shape[0]!, limit);
  return { rows, cols, data: rows === shape[0] ? data : data.slice(0, rows * cols) };
}

function labelsOf(array: IdxArray, name: string, limit: number): Uint8Array {
  const { shape, data } = array;
  if (!(data instanceof Uint8Array) || shape.length !== 1) {
    throw new DataFormatError(name, `holds ${shape.join('×')} ${typeName(data)} values, expected a list of uint8 labels`);
  }
  return data.length <= limit ? data : data.slice(0, limit);
}

/** 'uint8', 'int16', … from the typed array's class name. */
function typeName(data: IdxArray['data']): string {
  return data.constructor.name.replace('Array', '').toLowerCase();
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit is ${limit}, expected a positive integer`);
  return limit;
}

function nameOf(source: string | Uint8Array | ArrayBuffer): string {
  return typeof source === 'string' ? source : 'IDX data';
}

/** Reads `<base>.gz`, or `<base>` where only the uncompressed file is there. */
async function readFashionFile(base: string): Promise<{ path: string; array: IdxArray }> {
  for (const path of [`${base}.gz`, base]) {
    try {
      return { path, array: await readIdx(path) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
  }
  throw new DataFormatError(
    `${base}.gz`,
    'not found: install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (Debian, Ubuntu), or pass { dir } naming a folder that holds the four Fashion-MNIST files',
  );
}

/**
 * Binary checkpoint format (version 2; version 1 has the same layout). Web-standard APIs only, so it works in
 * Node, browsers and edge runtimes alike.
 *
 * All integers are little-endian; offsets are from the start of the file.
 *
 * ```text
 * magic        8 bytes   ASCII "WASMAE\r\n" (the \r\n catches text-mode mangling)
 * version      u32       2 (1: written before models had depth, losses and optimizers; read the same way)
 * headerLen    u32       H
 * header       H bytes   UTF-8 JSON object
 * tensorCount  u32       T
 * T times:
 *   nameLen    u16       N (> 0)
 *   name       N bytes   UTF-8, unique within the file
 *   rows       u32
 *   cols       u32
 *   padding    0-3 zero bytes, so that the payload starts at an offset that is a multiple of 4
 *   data       rows*cols f32 values, row-major
 * crc32        u32       CRC-32 (IEEE / zlib / PNG, polynomial 0xEDB88320) of every byte before it
 * ```
 *
 * Nothing may follow the checksum. Float bits are copied verbatim, so -0 and
 * NaN payloads survive a round trip.
 *
 * @module
 */

import { CheckpointError } from '../errors.js';

/** A named row-major matrix of 32-bit floats. */
export interface CheckpointTensor {
  name: string;
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A JSON header (architecture, hyper-parameters, ...) plus the tensors it describes. */
export interface Checkpoint {
  header: Record<string, unknown>;
  tensors: CheckpointTensor[];
}

/** The format version written by {@link encodeCheckpoint}; {@link decodeCheckpoint} reads it and version 1. */
export const CHECKPOINT_VERSION = 2;
const OLDEST_VERSION = 1;

const MAGIC = new Uint8Array([0x57, 0x41, 0x53, 0x4d, 0x41, 0x45, 0x0d, 0x0a]); // "WASMAE\r\n"
const MAX_NAME_BYTES = 0xffff;
/** Smallest possible tensor record: u16 name length, a 1-byte name, u32 rows, u32 cols. */
const MIN_TENSOR_BYTES = 2 + 1 + 4 + 4;

/**
 * Serialises a checkpoint to bytes.
 *
 * @throws RangeError if a tensor name is empty or longer than 65535 UTF-8 bytes,
 *   if rows/cols are not non-negative 32-bit integers, or if `data.length !== rows * cols`.
 * @throws TypeError if the header is not a JSON-serialisable object.
 * @example
 * ```ts
 * const bytes = encodeCheckpoint({
 *   header: { layers: [4, 2, 4] },
 *   tensors: [{ name: 'w0', rows: 2, cols: 4, data: new Float32Array(8) }],
 * });
 * ```
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  if (typeof ckpt.header !== 'object' || ckpt.header === null || Array.isArray(ckpt.header)) {
    throw new TypeError('checkpoint header must be a plain object');
  }
  const headerBytes = encoder.encode(JSON.stringify(ckpt.header));

  const records = ckpt.tensors.map((t) => {
    const name = encoder.encode(t.name);
    if (name.length === 0 || name.length > MAX_NAME_BYTES) {
      throw new RangeError(`tensor name must be 1..${MAX_NAME_BYTES} UTF-8 bytes, got ${name.length}`);
    }
    for (const dim of [t.rows, t.cols]) {
      if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
        throw new RangeError(`tensor '${t.name}': rows and cols must be non-negative 32-bit integers, got ${t.rows}x${t.cols}`);
      }
    }
    if (!(t.data instanceof Float32Array)) throw new TypeError(`tensor '${t.name}': data must be a Float32Array`);
    if (t.data.length !== t.rows * t.cols) {
      throw new RangeError(`tensor '${t.name}': data has ${t.data.length} values, expected ${t.rows}x${t.cols} = ${t.rows * t.cols}`);
    }
    return { t, name };
  });

  let size = MAGIC.length + 4 + 4 + headerBytes.length + 4;
  for (const { t, name } of records) size = align4(size + 2 + name.length + 8) + 4 * t.data.length;
  size += 4;

  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let pos = 0;
  bytes.set(MAGIC, pos);
  pos += MAGIC.length;
  view.setUint32(pos, CHECKPOINT_VERSION, true);
  view.setUint32(pos + 4, headerBytes.length, true);
  pos += 8;
  bytes.set(headerBytes, pos);
  pos += headerBytes.length;
  view.setUint32(pos, records.length, true);
  pos += 4;
  for (const { t, name } of records) {
    view.setUint16(pos, name.length, true);
    bytes.set(name, pos + 2);
    pos += 2 + name.length;
    view.setUint32(pos, t.rows, true);
    view.setUint32(pos + 4, t.cols, true);
    pos = align4(pos + 8); // padding bytes are already zero
    // Copy the raw bits as integers: endian-independent and leaves NaN payloads alone.
    for (const bits of new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)) {
      view.setUint32(pos, bits, true);
      pos += 4;
    }
  }
  view.setUint32(pos, crc32(bytes.subarray(0, pos)), true);
  return bytes;
}

/**
 * Parses bytes produced by {@link encodeCheckpoint}. The returned tensors own
 * their data (they never alias `bytes`).
 *
 * Every length is checked against the bytes actually present before anything
 * is allocated, so corrupt or hostile input fails fast with a clear message.
 *
 * @throws CheckpointError on bad magic, an unsupported version, truncation,
 *   a checksum mismatch, invalid header JSON, an impossible tensor size,
 *   duplicate tensor names, or trailing bytes.
 * @example
 * ```ts
 * const { header, tensors } = decodeCheckpoint(bytes);
 * const w0 = tensors.find((t) => t.name === 'w0');
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array | ArrayBuffer): Checkpoint {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const r = new Reader(u8);

  const magic = r.take(MAGIC.length, 'magic');
  if (!magic.every((b, i) => b === MAGIC[i])) {
    throw new CheckpointError('not a checkpoint: bad magic (expected "WASMAE\\r\\n")');
  }
  const version = r.u32('version');
  if (version < OLDEST_VERSION || version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`unsupported checkpoint version ${version} (expected ${OLDEST_VERSION} to ${CHECKPOINT_VERSION})`);
  }
  const headerBytes = r.take(r.u32('header length'), 'header');

  // First pass: walk the structure, recording where each payload lives.
  const count = r.u32('tensor count');
  if (count * MIN_TENSOR_BYTES > r.remaining) {
    throw new CheckpointError(
      `checkpoint truncated: ${count} tensors need at least ${count * MIN_TENSOR_BYTES} bytes, only ${r.remaining} present`,
    );
  }
  const entries: { name: string; rows: number; cols: number; offset: number }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const name = decodeUtf8(r.take(r.u16(`tensor ${i} name length`), `tensor ${i} name`), `tensor ${i} name`);
    if (name === '') throw new CheckpointError(`tensor ${i} has an empty name`);
    if (seen.has(name)) throw new CheckpointError(`duplicate tensor name '${name}'`);
    seen.add(name);
    const rows = r.u32(`tensor '${name}' rows`);
    const cols = r.u32(`tensor '${name}' cols`);
    const padding = r.take(align4(r.pos) - r.pos, `tensor '${name}' padding`);
    if (padding.some((b) => b !== 0)) throw new CheckpointError(`tensor '${name}' has non-zero padding`);
    const byteLength = rows * cols * 4;
    if (!Number.isSafeInteger(byteLength) || byteLength > r.remaining) {
      throw new CheckpointError(
        `tensor '${name}' is ${rows}x${cols}, which would overrun the file: needs ${byteLength} bytes at offset ${r.pos}, only ${r.remaining} present`,
      );
    }
    entries.push({ name, rows, cols, offset: r.skip(byteLength, `tensor '${name}' data`) });
  }
  const crcOffset = r.pos;
  const stored = r.u32('checksum');
  if (r.remaining > 0) throw new CheckpointError(`${r.remaining} trailing bytes after the checksum`);
  const computed = crc32(u8.subarray(0, crcOffset));
  if (stored !== computed) {
    throw new CheckpointError(`checksum mismatch: stored 0x${hex(stored)}, computed 0x${hex(computed)}`);
  }

  // Second pass: the bytes are intact; parse the header and copy the tensors out.
  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(headerBytes, 'header'));
  } catch (err) {
    throw new CheckpointError(`invalid header JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError('invalid header JSON: expected an object');
  }
  const tensors = entries.map(({ name, rows, cols, offset }) => {
    const data = new Float32Array(rows * cols);
    const bits = new Uint32Array(data.buffer);
    for (let j = 0; j < bits.length; j++) bits[j] = r.view.getUint32(offset + 4 * j, true);
    return { name, rows, cols, data };
  });
  return { header: header as Record<string, unknown>, tensors };
}

/** Bounds-checked little-endian cursor over the input. */
class Reader {
  readonly view: DataView;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Moves past the next `n` bytes and returns their offset, or throws if they are not all present. */
  skip(n: number, field: string): number {
    if (n > this.remaining) {
      throw new CheckpointError(
        `checkpoint truncated: ${field} needs ${n} bytes at offset ${this.pos}, only ${this.remaining} present`,
      );
    }
    this.pos += n;
    return this.pos - n;
  }

  /** Returns a view (not a copy) of the next `n` bytes. */
  take(n: number, field: string): Uint8Array {
    const at = this.skip(n, field);
    return this.bytes.subarray(at, at + n);
  }

  u16(field: string): number {
    return this.view.getUint16(this.skip(2, field), true);
  }

  u32(field: string): number {
    return this.view.getUint32(this.skip(4, field), true);
  }
}

function decodeUtf8(bytes: Uint8Array, field: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CheckpointError(`${field} is not valid UTF-8`);
  }
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// Hand-written because there is no web-standard CRC API, and it is 10 lines.
let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as in zlib and PNG) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

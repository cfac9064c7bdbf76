/**
 * What a PNG or JPEG says about itself before any pixel is decoded: size, bit depth, colour type, components.
 * Hand-written because neither fast-png nor jpeg-js can read the size without decoding the whole image.
 * Both walks step from one chunk or segment to the next by its length field, always forward, so they end within
 * as many steps as the file has bytes, whatever the bytes say.
 *
 * @module
 */

import { DataFormatError } from '../errors.js';

/** A PNG's IHDR chunk, plus the total length of its IDAT chunks (all the compressed pixel data). */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16 (not yet checked against the colour type). */
  depth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
  /** Bytes of compressed image data in all IDAT chunks. */
  idatBytes: number;
  /** The IDAT chunks' data, in order (views into the file): together, one zlib stream. */
  idat: Uint8Array[];
  /** The zlib streams of the iCCP chunks (embedded colour profiles; a valid file has at most one). */
  iccProfiles: Uint8Array[];
}

/** A JPEG's first frame header (SOF). */
export interface JpegFrame {
  /** 0xc0 to 0xcf except 0xc4, 0xc8 and 0xcc: the SOF marker's second byte (0xc0 baseline, 0xc1 extended, 0xc2 progressive). */
  marker: number;
  width: number;
  height: number;
  /** Horizontal and vertical sampling factors of each component, in frame order. */
  components: { h: number; v: number }[];
}

/**
 * Reads the IHDR chunk, which must come first and be intact (its CRC is checked), and walks the chunk list up to IEND
 * to add up IDAT lengths and refuse a truncated file or a second IHDR (fast-png would size its pixel buffer by the
 * later one).
 */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Signature (8) + IHDR length (4) + type (4) + 13 data bytes + CRC (4).
  if (bytes.length < 33) throw new DataFormatError(name, `is truncated: ${bytes.length} bytes is too short for a PNG header`);
  if (view.getUint32(8) !== 13 || chunkType(bytes, 12) !== 'IHDR') {
    throw new DataFormatError(name, 'is not a valid PNG: the first chunk is not a 13-byte IHDR header');
  }
  if (crc32(bytes.subarray(12, 29)) !== view.getUint32(29)) throw new DataFormatError(name, 'is not a valid PNG: its IHDR header is corrupt (CRC mismatch)');
  let idatBytes = 0;
  const idat: Uint8Array[] = [];
  const iccProfiles: Uint8Array[] = [];
  for (let at = 33; ; ) {
    // Length (4), type (4), data, CRC (4): every chunk up to IEND must be whole (fast-png reads no further).
    const length = at + 12 <= bytes.length ? view.getUint32(at) : Infinity;
    if (at + 12 + length > bytes.length) throw new DataFormatError(name, 'is truncated, or a chunk is longer than the file');
    const type = chunkType(bytes, at + 4);
    if (type === 'IHDR') throw new DataFormatError(name, 'is not a valid PNG: it has a second IHDR header');
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IDAT') {
      idatBytes += length;
      idat.push(data);
    }
    // A profile name (1 to 79 bytes, then 0) and a compression method byte come before the stream.
    if (type === 'iCCP') iccProfiles.push(data.subarray(data.indexOf(0) + 2));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24]!, colorType: bytes[25]!, interlace: bytes[28]!, idatBytes, idat, iccProfiles };
}

/**
 * The first frame header (SOF) of a JPEG, found by walking the marker segments from the start of the file. Stray
 * bytes between segments are skipped up to the next 0xFF, as libjpeg does (phones write such files). A file whose
 * image data (SOS) or end comes before any frame header, or that ends inside it, is refused.
 */
export function readJpegFrame(bytes: Uint8Array, name: string): JpegFrame {
  const u16 = (at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
  let at = 2;
  let stop = 'the end of the file';
  while (at + 3 < bytes.length) {
    const marker = bytes[at + 1]!;
    if (bytes[at] !== 0xff || marker === 0xff) at += 1; // a stray or fill byte
    else if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) at += 2; // no segment follows
    else if (marker === 0xda || marker === 0xd9) {
      stop = marker === 0xda ? 'its image data (SOS)' : 'its end-of-image marker';
      break;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // FF Cn, length (2), precision (1), height (2), width (2), component count (1), then 3 bytes per component.
      const count = bytes[at + 9];
      if (count === undefined || at + 10 + 3 * count > bytes.length) throw new DataFormatError(name, 'is not a valid JPEG (it ends inside its frame header)');
      if (count === 0 || u16(at + 2) < 8 + 3 * count) throw new DataFormatError(name, `is not a valid JPEG (its frame header is corrupt: ${count} components in ${u16(at + 2)} bytes)`);
      const components = Array.from({ length: count }, (_, i) => ({ h: bytes[at + 11 + 3 * i]! >> 4, v: bytes[at + 11 + 3 * i]! & 15 }));
      return { marker, height: u16(at + 5), width: u16(at + 7), components };
    } else at += 2 + u16(at + 2);
  }
  throw new DataFormatError(name, `is not a valid JPEG (no frame header (SOF) before ${stop})`);
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** PNG's CRC-32 (bit by bit: it runs over 17 header bytes only). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

// Images: decoding (PNG from two encoders, JPEG), refusal of bad files, area-averaging resize against a continuous
// twin, gray, flatten, PNG output, matrix rows back to pictures, grids, whole folders, and fuzzed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { encode as encodePng, type ImageData as PngImageData } from 'fast-png';
import jpeg from 'jpeg-js';
import { constants as zlibConstants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { DataFormatError } from '../../src/errors.js';
import { grayscale } from '../../src/data/grayscale.js';
import { decodeImage, readImage, type Image } from '../../src/data/image.js';
import { flatten, imageFromMatrixRow, imageGrid, resize, resizeTo, toGray, toPng } from '../../src/data/image-ops.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { DEFAULT_MAX_PIXELS } from '../../src/data/image.js';
import { seeded } from './helpers.js';

const fixtures = new URL('../fixtures/images/', import.meta.url);
const fixturePath = (name: string): string => fileURLToPath(new URL(name, fixtures));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)));

function randomImage(width: number, height: number, channels: 1 | 3 | 4, seed: number): Image {
  const random = seeded(seed);
  return { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, () => Math.floor(random() * 256)) };
}

function assertWellFormed(image: Image): void {
  assert.ok(Number.isInteger(image.width) && image.width > 0 && Number.isInteger(image.height) && image.height > 0);
  assert.ok([1, 3, 4].includes(image.channels));
  assert.ok(image.data instanceof Uint8Array);
  assert.equal(image.data.length, image.width * image.height * image.channels);
}

/** Asserts that `run` throws a DataFormatError for `file` whose message matches. */
function assertRefused(run: () => unknown, file: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `expected a DataFormatError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.message, message);
    return true;
  });
}

// ---- PNG surgery: chunks apart and back together, with fresh CRCs ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Chunk {
  type: string;
  data: Uint8Array;
}
function pngChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at);
    chunks.push({ type: String.fromCharCode(...png.subarray(at + 4, at + 8)), data: png.slice(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}
function pngFrom(chunks: Chunk[]): Uint8Array {
  const parts = chunks.map(({ type, data }) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(Array.from(type, (c) => c.charCodeAt(0)), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  });
  const png = new Uint8Array(8 + parts.reduce((n, p) => n + p.length, 0));
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  parts.reduce((at, part) => (png.set(part, at), at + part.length), 8);
  return png;
}
/** The same PNG with a different IHDR (width, height, bit depth, colour type), CRC fixed. */
function withHeader(png: Uint8Array, change: { width?: number; height?: number; depth?: number; colorType?: number }): Uint8Array {
  const chunks = pngChunks(png);
  const view = new DataView(chunks[0]!.data.buffer);
  if (change.width !== undefined) view.setUint32(0, change.width);
  if (change.height !== undefined) view.setUint32(4, change.height);
  if (change.depth !== undefined) view.setUint8(8, change.depth);
  if (change.colorType !== undefined) view.setUint8(9, change.colorType);
  return pngFrom(chunks);
}
/** Rewrites every chunk CRC in place so that a mutation reaches the decoder instead of the CRC check. */
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

/** Offset of the first baseline frame header (FF C0) of a JPEG. */
function sofOffset(bytes: Uint8Array): number {
  for (let i = 2; i < bytes.length - 1; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xc0) return i;
  throw new Error('no SOF0');
}
function withJpegSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const at = sofOffset(out);
  view.setUint16(at + 5, height);
  view.setUint16(at + 7, width);
  return out;
}

// ---- decoding ----

test('PNGs from an independent encoder: 16-bit gray, 2-bit gray, 4-bit palette + tRNS, gray + alpha, 16-bit RGBA', async () => {
  const expected = JSON.parse(readFileSync(fixturePath('expected.json'), 'utf8')) as Record<string, { width: number; height: number; channels: number; data: number[] }>;
  assert.equal(Object.keys(expected).length, 5);
  for (const [name, want] of Object.entries(expected)) {
    const image = await readImage(fixturePath(name));
    assertWellFormed(image);
    assert.deepEqual({ width: image.width, height: image.height, channels: image.channels }, { width: want.width, height: want.height, channels: want.channels }, name);
    assert.deepEqual(Array.from(image.data), want.data, name);
  }
});

test('PNG round trips through fast-png: every colour type, 1/8/16 bits, palettes, Adam7 interlacing', () => {
  const rgb = randomImage(6, 4, 3, 1);
  const cases: { name: string; png: PngImageData; interlace?: boolean; expect: Image }[] = [
    { name: 'gray 8', png: { ...randomImage(7, 5, 1, 2), depth: 8 }, expect: randomImage(7, 5, 1, 2) },
    { name: 'RGB 8', png: { ...rgb, depth: 8 }, expect: rgb },
    { name: 'RGBA 8', png: { ...randomImage(3, 5, 4, 3), depth: 8 }, expect: randomImage(3, 5, 4, 3) },
    { name: 'RGB 8 Adam7', png: { ...rgb, depth: 8 }, interlace: true, expect: rgb },
    {
      name: 'gray + alpha 8',
      png: { width: 2, height: 1, channels: 2, depth: 8, data: Uint8Array.from([10, 200, 30, 0]) },
      expect: { width: 2, height: 1, channels: 4, data: Uint8Array.from([10, 10, 10, 200, 30, 30, 30, 0]) },
    },
    {
      name: 'RGB 16',
      png: { width: 2, height: 1, channels: 3, depth: 16, data: Uint16Array.from([0, 128, 129, 65535, 257 * 100, 257 * 100 + 129]) },
      expect: { width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 0, 1, 255, 100, 101]) },
    },
    {
      name: '1-bit gray',
      png: { width: 5, height: 2, channels: 1, depth: 1, data: Uint8Array.from([0b10110000, 0b01001000]) },
      expect: { width: 5, height: 2, channels: 1, data: Uint8Array.from([255, 0, 255, 255, 0, 0, 255, 0, 0, 255]) },
    },
    {
      name: 'palette',
      png: { width: 3, height: 1, channels: 1, depth: 8, data: Uint8Array.from([2, 0, 1]), palette: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] },
      expect: { width: 3, height: 1, channels: 3, data: Uint8Array.from([7, 8, 9, 1, 2, 3, 4, 5, 6]) },
    },
    {
      name: 'palette with alpha',
      png: { width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.from([1, 0]), palette: [[1, 2, 3, 0], [4, 5, 6, 255]] },
      expect: { width: 2, height: 1, channels: 4, data: Uint8Array.from([4, 5, 6, 255, 1, 2, 3, 0]) },
    },
  ];
  for (const { name, png, interlace, expect } of cases) {
    const decoded = decodeImage(encodePng(png, interlace ? { interlace: 'Adam7' } : {}), name);
    assert.deepEqual(decoded, expect, name);
  }
  for (const channels of [1, 3, 4] as const) {
    const image = randomImage(9, 7, channels, 10 + channels);
    assert.deepEqual(decodeImage(toPng(image)), image, `toPng → decodeImage, ${channels} channel(s)`);
  }
});

test('readImage takes a path, bytes, an ArrayBuffer or an ImageData-like RGBA picture', async () => {
  const bytes = fixture('gradient-24x16.jpg');
  const fromPath = await readImage(fixturePath('gradient-24x16.jpg'));
  assert.deepEqual(await readImage(bytes), fromPath);
  assert.deepEqual(await readImage(bytes.slice().buffer), fromPath);
  const rgba = Uint8ClampedArray.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const copied = await readImage({ width: 2, height: 1, data: rgba });
  rgba[0] = 99;
  assert.deepEqual(copied, { width: 2, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
  await assert.rejects(readImage({ width: 2, height: 2, data: rgba }, 'canvas'), (e: unknown) => e instanceof DataFormatError && e.file === 'canvas' && /needs 16/.test(e.message));
  await assert.rejects(readImage({ width: 0, height: 2, data: rgba }), (e: unknown) => e instanceof DataFormatError && e.file === 'image data');
  // A path names itself in the error.
  const dir = await mkdtemp(join(tmpdir(), 'wa-image-'));
  try {
    const path = join(dir, 'broken.png');
    await writeFile(path, bytes.subarray(0, 100));
    await assert.rejects(readImage(path), (e: unknown) => e instanceof DataFormatError && e.file === path && e.message.startsWith(`${path}: `));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('JPEG: an RGB file from jpeg-js and a hand-made one-component (gray) file', () => {
  const rgb = decodeImage(fixture('gradient-24x16.jpg'));
  assert.deepEqual([rgb.width, rgb.height, rgb.channels], [24, 16, 3]);
  // The source was R = 10x, G = 15y, B = 128; JPEG is lossy, so compare errors, not bytes.
  let total = 0;
  let worst = 0;
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 24; x++) {
      [10 * x, 15 * y, 128].forEach((v, k) => {
        const error = Math.abs(rgb.data[(y * 24 + x) * 3 + k]! - v);
        total += error;
        worst = Math.max(worst, error);
      });
    }
  }
  assert.ok(total / (24 * 16 * 3) < 3, `mean error ${total / (24 * 16 * 3)}`);
  assert.ok(worst < 25, `worst error ${worst}`);

  const gray = decodeImage(fixture('gray-24x16.jpg'));
  assert.deepEqual([gray.width, gray.height, gray.channels], [24, 16, 1]);
  // Six flat 8×8 blocks, left to right then top to bottom.
  const blocks = [0, 64, 128, 192, 255, 100];
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 24; x++) {
      const want = blocks[Math.floor(y / 8) * 3 + Math.floor(x / 8)]!;
      assert.ok(Math.abs(gray.data[y * 24 + x]! - want) <= 1, `(${x}, ${y}) is ${gray.data[y * 24 + x]}, expected ${want}`);
    }
  }
});

test('bad files are refused with a DataFormatError naming the file and the problem', () => {
  const png = toPng(randomImage(8, 6, 3, 4));
  const jpg = fixture('gradient-24x16.jpg');
  assertRefused(() => decodeImage(new TextEncoder().encode('GIF89a and more'), 'anim.gif'), 'anim.gif', /anim\.gif: is neither a PNG nor a JPEG \(it starts with 47 49 46 38 39 61 20 61\)/);
  assertRefused(() => decodeImage(new Uint8Array(0), 'empty.png'), 'empty.png', /is empty/);
  assertRefused(() => decodeImage(new Uint8Array(10)), 'image bytes', /neither a PNG nor a JPEG/);

  // Every truncation of a PNG is refused (its IEND chunk, or more, is missing).
  for (let length = 1; length < png.length; length++) assertRefused(() => decodeImage(png.subarray(0, length), 'cut.png'), 'cut.png', /./);
  assertRefused(() => decodeImage(png.subarray(0, 40), 'cut.png'), 'cut.png', /cut\.png: is truncated, or a chunk is longer than the file/);
  const idat = pngChunks(png)[1]!;
  const badZlib = pngFrom([pngChunks(png)[0]!, { type: 'IDAT', data: idat.data.map((b, i) => (i === 0 ? b : b ^ 0xa5)) }, { type: 'IEND', data: new Uint8Array(0) }]);
  assertRefused(() => decodeImage(badZlib, 'z.png'), 'z.png', /^z\.png: is not a valid PNG \(its compressed data is corrupt: invalid zlib data\)$/);
  assertRefused(() => decodeImage(png.subarray(0, 20), 'cut.png'), 'cut.png', /truncated/);

  assert.equal(pngChunks(png)[1]!.type, 'IDAT');
  const flipped = png.slice();
  flipped[45]! ^= 0x40; // IHDR ends at byte 33; the IDAT data starts at 41
  assertRefused(() => decodeImage(flipped, 'flip.png'), 'flip.png', /CRC mismatch for chunk IDAT/);

  assertRefused(() => decodeImage(withHeader(png, { width: 0 }), 'z.png'), 'z.png', /has zero size \(0×6\)/);
  assertRefused(() => decodeImage(withHeader(png, { height: 0 }), 'z.png'), 'z.png', /has zero size \(8×0\)/);
  assertRefused(() => decodeImage(withHeader(png, { width: 60000, height: 60000 }), 'bomb.png'), 'bomb.png', /declares 60000×60000 pixels, more than its \d+ bytes of image data can hold/);
  assertRefused(() => decodeImage(withHeader(png, { width: 5000, height: 5000 }), 'bomb.png'), 'bomb.png', /declares 5000×5000 pixels, more than its \d+ bytes of image data can hold/);
  assertRefused(() => decodeImage(withHeader(png, { depth: 4 }), 'odd.png'), 'odd.png', /colour type 2 with bit depth 4, which PNG does not allow/);
  const interlaced = fixture('gray2-7x4.png');
  interlaced[28] = 1;
  assertRefused(() => decodeImage(fixCrcs(interlaced), 'i.png'), 'i.png', /interlaced PNG with 2-bit samples, which is not supported/);
  const palettePng = encodePng({ width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.from([0, 1]), palette: [[1, 2, 3], [4, 5, 6]] });
  const noPalette = pngFrom(pngChunks(palettePng).filter((c) => c.type !== 'PLTE'));
  assertRefused(() => decodeImage(noPalette, 'p.png'), 'p.png', /palette PNG without a palette/);
  const badIndex = encodePng({ width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.from([0, 7]), palette: [[1, 2, 3], [4, 5, 6]] });
  assertRefused(() => decodeImage(badIndex, 'p.png'), 'p.png', /bad palette data/);

  assertRefused(() => decodeImage(jpg.subarray(0, 3), 'cut.jpg'), 'cut.jpg', /cut\.jpg: is not a valid JPEG \(/);
  for (const file of [jpg, fixture('gray-24x16.jpg')]) {
    for (let length = 1; length < file.length; length++) assertRefused(() => decodeImage(file.subarray(0, length), 'cut.jpg'), 'cut.jpg', /./);
  }
  assertRefused(() => decodeImage(withJpegSize(jpg, 65000, 65000), 'bomb.jpg'), 'bomb.jpg', /declares 65000×65000 pixels, more than its 735 bytes can hold/);
  assertRefused(() => decodeImage(withJpegSize(jpg, 8000, 8000), 'bomb.jpg'), 'bomb.jpg', /declares 8000×8000 pixels, more than its 735 bytes can hold/);
  assertRefused(() => decodeImage(withJpegSize(jpg, 24, 0), 'z.jpg'), 'z.jpg', /zero size \(24×0\)/);
  // A second, huge frame header hides behind the first: the decoder's memory budget (in proportion to the file) stops it.
  const at = sofOffset(jpg);
  const sof = withJpegSize(jpg, 4000, 4000).subarray(at, at + 19);
  const twoFrames = Uint8Array.from([...jpg.subarray(0, at + 19), ...sof, ...jpg.subarray(at + 19)]);
  assertRefused(() => decodeImage(twoFrames, 'two.jpg'), 'two.jpg', /not a valid JPEG \(maxMemoryUsageInMB limit exceeded/);
});

// ---- maxPixels: bombs refused from their headers ----

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

/**
 * A zlib stream of `length` zero bytes, made of one full-flushed deflate piece (1 MiB of zeros, no history carried
 * over, ending on a byte boundary) repeated: hundreds of megabytes cost kilobytes and milliseconds to build.
 */
function zerosZlib(length: number): Uint8Array {
  const MiB = 2 ** 20;
  const flushed = (n: number): Uint8Array => deflateRawSync(Buffer.alloc(n), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  const piece = flushed(MiB);
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, (length % 65521) * 65536 + 1); // Adler-32 of zeros: a = 1, b = length
  // zlib header (deflate, 32K window, best compression), the pieces, a final empty fixed-Huffman block, the checksum.
  return concat([0x78, 0xda], ...Array.from({ length: Math.floor(length / MiB) }, () => piece), flushed(length % MiB), [0x03, 0x00], adler);
}

/** A PNG of zero-valued pixels (filter byte 0 on every row) with this header, built without holding the pixels. */
function zeroPng(width: number, height: number, depth: number, colorType: number): Uint8Array {
  const samples = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, colorType], 8);
  const raw = height * (1 + Math.ceil((width * samples * depth) / 8));
  return pngFrom([
    { type: 'IHDR', data: ihdr },
    ...(colorType === 3 ? [{ type: 'PLTE', data: Uint8Array.from([0, 0, 0, 255, 255, 255]) }] : []),
    { type: 'IDAT', data: zerosZlib(raw) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
}

/**
 * A baseline JPEG of flat mid-gray 8×8 blocks that take 2 bits each: its Huffman tables have a single 1-bit code
 * (DC difference 0, then AC end-of-block), so the scan is W·H/256 bytes of zeros (the 391 KB for 10000²).
 * `components` (default one, 1×1) are the sampling factor bytes of the frame header.
 */
function flatJpeg(width: number, height: number, components: number[] = [0x11]): Uint8Array {
  const segment = (marker: number, body: ArrayLike<number>): Uint8Array => concat([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255], body);
  const frame = [8, height >> 8, height & 255, width >> 8, width & 255, components.length, ...components.flatMap((hv, i) => [i + 1, hv, 0])];
  const scan = new Uint8Array(Math.ceil((Math.ceil(width / 8) * Math.ceil(height / 8)) / 4));
  return concat(
    [0xff, 0xd8],
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]), // quantization table 0: all ones
    segment(0xc0, frame),
    segment(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0x00]), // DC table 0: '0' → difference category 0
    segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0x00]), // AC table 0: '0' → end of block
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    scan,
    [0xff, 0xd9],
  );
}

/** Runs `refuse` (which must throw a DataFormatError for `file` matching `message`) and asserts it allocated little. */
function assertRefusedCheaply(refuse: () => unknown, file: string, message: RegExp): void {
  const before = process.memoryUsage();
  assertRefused(refuse, file, message);
  const after = process.memoryUsage();
  const MB = 2 ** 20;
  assert.ok(after.arrayBuffers - before.arrayBuffers < 50 * MB, `array buffers grew by ${((after.arrayBuffers - before.arrayBuffers) / MB).toFixed(0)} MB`);
  assert.ok(after.rss - before.rss < 50 * MB, `rss grew by ${((after.rss - before.rss) / MB).toFixed(0)} MB`);
}

test('the bomb builders make real files: a zero PNG and a flat JPEG decode when small', () => {
  assert.equal(DEFAULT_MAX_PIXELS, 2 ** 25);
  assert.deepEqual(inflateSync(zerosZlib(3 * 2 ** 20 + 5)), Buffer.alloc(3 * 2 ** 20 + 5));
  assert.deepEqual(decodeImage(zeroPng(30, 20, 1, 3)), { width: 30, height: 20, channels: 3, data: new Uint8Array(30 * 20 * 3) });
  assert.deepEqual(decodeImage(zeroPng(3, 2, 16, 6)), { width: 3, height: 2, channels: 4, data: new Uint8Array(3 * 2 * 4) });
  assert.deepEqual(decodeImage(flatJpeg(20, 12)), { width: 20, height: 12, channels: 1, data: new Uint8Array(20 * 12).fill(128) });
});

test('maxPixels: the issue\'s bombs are refused from their headers, naming the sizes, before the decoder allocates', () => {
  // 12 KB: a 1-bit palette PNG of 10000² pixels (fast-png used to take 548 MB and 23 s for it).
  const palette = zeroPng(10000, 10000, 1, 3);
  assert.ok(palette.length < 13_000, `${palette.length} bytes`);
  assertRefusedCheaply(() => decodeImage(palette, 'photo.png'), 'photo.png', /^photo\.png: 10000 × 10000 = 100,000,000 pixels, more than maxPixels 33,554,432 \(pass a larger maxPixels to read it\)$/);
  // ~780 KB: a 16-bit RGBA PNG of 10000² pixels (800 MB of samples; 2.3 GB to decode).
  const deep = zeroPng(10000, 10000, 16, 6);
  assert.ok(deep.length < 800_000, `${deep.length} bytes`);
  assertRefusedCheaply(() => decodeImage(deep, 'deep.png'), 'deep.png', /10000 × 10000 = 100,000,000 pixels, more than maxPixels 33,554,432/);
  // Within maxPixels but not within its bytes: 25 Mpixel of 16-bit RGBA is 200 MB of samples, over 4 × 2²⁵.
  assertRefusedCheaply(
    () => decodeImage(zeroPng(5000, 5000, 16, 6), 'deep.png'),
    'deep.png',
    /^deep\.png: 5000 × 5000 pixels × 4 channels × 2 bytes = 200,000,000 bytes decoded, more than 4 × maxPixels = 134,217,728 \(pass a larger maxPixels to read it\)$/,
  );
  // 391 KB: a JPEG of 10000² pixels whose blocks take 2 bits each (jpeg-js used to take 1.1 GB before refusing it).
  const flat = flatJpeg(10000, 10000);
  assert.ok(flat.length > 390_000 && flat.length < 392_000, `${flat.length} bytes`);
  assertRefusedCheaply(() => decodeImage(flat, 'flat.jpg'), 'flat.jpg', /^flat\.jpg: 10000 × 10000 = 100,000,000 pixels, more than maxPixels 33,554,432 \(pass a larger maxPixels to read it\)$/);
  // Few pixels, but 255 components sampled 15×15 in MCUs of 120×120 would have jpeg-js count out gigabytes of blocks.
  const padded = flatJpeg(1, 65535, new Array<number>(255).fill(0xff));
  assertRefusedCheaply(
    () => decodeImage(padded, 'thin.jpg'),
    'thin.jpg',
    /^thin\.jpg: 1 × 65535 pixels in 255 components sampled 15×15, 15×15, 15×15, 15×15, … take [\d,]+ bytes to decode, more than 32 × maxPixels \+ 1 MiB = 1,074,790,400 \(pass a larger maxPixels to read it\)$/,
  );
  // A later IHDR would give fast-png a new size for its pixel buffer: it is refused before decoding.
  const small = toPng(randomImage(8, 6, 3, 5));
  const [ihdr, ...rest] = pngChunks(small);
  const hidden = pngFrom([ihdr!, pngChunks(withHeader(small, { width: 60000, height: 60000 }))[0]!, ...rest]);
  assertRefusedCheaply(() => decodeImage(hidden, 'two.png'), 'two.png', /two\.png: is not a valid PNG: it has a second IHDR header/);
});

test('inflation: image data or a colour profile that inflates past what the picture needs is refused as it inflates', () => {
  // 1×1 gray pixel, but 512 MiB of zeros in a half-megabyte IDAT (fast-png used to take 1.6 GB and 7 s for it).
  const pixel = zeroPng(1, 1, 8, 0);
  const [ihdr, , iend] = pngChunks(pixel);
  const bomb = pngFrom([ihdr!, { type: 'IDAT', data: zerosZlib(512 * 2 ** 20) }, iend!]);
  assert.ok(bomb.length < 600_000, `${bomb.length} bytes`);
  assertRefusedCheaply(() => decodeImage(bomb, 'dot.png'), 'dot.png', /^dot\.png: has image data that inflates to more than the 2 bytes its 1×1 pixels need \(a decompression bomb, or a damaged file\)$/);
  // The same 512 MiB as an embedded ICC profile (name, 0, compression method 0, zlib stream), before valid pixels.
  const profile = (stream: Uint8Array): Chunk => ({ type: 'iCCP', data: concat(new TextEncoder().encode('sRGB'), [0, 0], stream) });
  const iccBomb = pngFrom([ihdr!, profile(zerosZlib(512 * 2 ** 20)), ...pngChunks(pixel).slice(1)]);
  assertRefusedCheaply(() => decodeImage(iccBomb, 'icc.png'), 'icc.png', /^icc\.png: has an embedded colour profile \(iCCP\) that inflates to more than 16,777,216 bytes/);
  // A profile of a real size is read past (and ignored).
  assert.deepEqual(decodeImage(pngFrom([ihdr!, profile(zerosZlib(3000)), ...pngChunks(pixel).slice(1)])), { width: 1, height: 1, channels: 1, data: Uint8Array.from([0]) });
});

test('inflation: up to 64 KiB past the scanlines is tolerated, one byte more is refused, interlaced or not', () => {
  // The bound is the exact size of the filtered scanlines (Adam7: of its seven passes) plus 64 KiB, as libpng tolerates.
  for (const [width, height, interlace] of [[13, 11, false], [13, 11, true], [1, 1, true], [3, 9, true], [9, 2, true]] as const) {
    const png = encodePng({ ...randomImage(width, height, 3, width * height), depth: 8 }, interlace ? { interlace: 'Adam7' } : {});
    const chunks = pngChunks(png);
    const raw = inflateSync(concat(...chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
    const padded = (extra: number): Uint8Array =>
      pngFrom([chunks[0]!, { type: 'IDAT', data: deflateSync(concat(raw, new Uint8Array(extra))) }, chunks.at(-1)!]);
    assert.deepEqual(decodeImage(padded(65536)), decodeImage(png), `${width}×${height} interlaced ${interlace}`);
    assertRefused(() => decodeImage(padded(65537), 'p.png'), 'p.png', new RegExp(`inflates to more than the ${raw.length.toLocaleString('en-US')} bytes its ${width}×${height} pixels need`));
  }
});

test('maxPixels: an image exactly at the limit decodes, one pixel more is refused; bytes bound 16-bit PNGs', async () => {
  const rgb = randomImage(8, 6, 3, 6);
  const png = toPng(rgb);
  assert.deepEqual(decodeImage(png, 'a.png', { maxPixels: 48 }), rgb);
  assert.deepEqual(decodeImage(png, { maxPixels: 48 }), rgb);
  assertRefused(() => decodeImage(png, 'a.png', { maxPixels: 47 }), 'a.png', /^a\.png: 8 × 6 = 48 pixels, more than maxPixels 47 \(pass a larger maxPixels to read it\)$/);
  await assert.rejects(readImage(png, { maxPixels: 47 }), (e: unknown) => e instanceof DataFormatError && e.file === 'image bytes' && /48 pixels, more than maxPixels 47/.test(e.message));
  assert.deepEqual(await readImage(png, 'a.png', { maxPixels: 48 }), rgb);

  const jpg = fixture('gradient-24x16.jpg');
  assert.deepEqual(decodeImage(jpg, 'g.jpg', { maxPixels: 384 }), decodeImage(jpg));
  assertRefused(() => decodeImage(jpg, 'g.jpg', { maxPixels: 383 }), 'g.jpg', /^g\.jpg: 24 × 16 = 384 pixels, more than maxPixels 383/);
  // 21 pixels: jpeg-js's own limit (in megapixels, times 1000 · 1000) must not round 21 down below 21.
  assert.deepEqual(decodeImage(flatJpeg(7, 3), { maxPixels: 21 }), { width: 7, height: 3, channels: 1, data: new Uint8Array(21).fill(128) });
  // A 1×1 JPEG still fits: jpeg-js's whole-MCU padding comes out of the fixed 1 MiB, not out of maxPixels.
  assert.deepEqual(decodeImage(flatJpeg(1, 1), { maxPixels: 1 }), { width: 1, height: 1, channels: 1, data: Uint8Array.from([128]) });
  // Larger than the old 100-megapixel cap, when asked for (the header check only; nothing is decoded).
  assertRefused(() => decodeImage(flatJpeg(10000, 10000), 'flat.jpg', { maxPixels: 10 ** 8 - 1 }), 'flat.jpg', /100,000,000 pixels, more than maxPixels 99,999,999/);

  // 16-bit RGBA, 4×3: 96 bytes of samples, so maxPixels 24 (4 bytes each) is exactly enough.
  const rgba16 = fixture('rgba16-4x3.png');
  assert.deepEqual(decodeImage(rgba16, 'r.png', { maxPixels: 24 }), decodeImage(rgba16));
  assertRefused(() => decodeImage(rgba16, 'r.png', { maxPixels: 23 }), 'r.png', /^r\.png: 4 × 3 pixels × 4 channels × 2 bytes = 96 bytes decoded, more than 4 × maxPixels = 92 \(pass a larger maxPixels to read it\)$/);

  // The option is checked.
  for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '100' as unknown as number]) {
    assert.throws(() => decodeImage(png, { maxPixels: bad }), { name: 'RangeError', message: /^maxPixels must be a positive integer, got / });
  }
  assert.throws(() => decodeImage(png, 'a.png', { maxPixel: 10 } as never), { name: 'RangeError', message: /unknown decodeImage option 'maxPixel': expected 'maxPixels'/ });
  await assert.rejects(readImage(png, { maxPixels: 0 }), { name: 'RangeError', message: /maxPixels must be a positive integer, got 0/ });
  // An ImageData is decoded already: it is copied whatever its size.
  assert.equal((await readImage({ width: 2, height: 1, data: new Uint8Array(8) }, { maxPixels: 1 })).width, 2);
});

test('headers: truncated, corrupt or missing ones are clear errors', () => {
  const png = toPng(randomImage(8, 6, 3, 7));
  assertRefused(() => decodeImage(png.subarray(0, 20), 'cut.png'), 'cut.png', /^cut\.png: is truncated: 20 bytes is too short for a PNG header$/);
  assertRefused(() => decodeImage(png.subarray(0, 36), 'cut.png'), 'cut.png', /^cut\.png: is truncated, or a chunk is longer than the file$/);
  const corrupt = png.slice();
  corrupt[17]! ^= 0x01; // the width's second byte: 8 becomes 65544, but the CRC still says 8
  assertRefused(() => decodeImage(corrupt, 'c.png'), 'c.png', /^c\.png: is not a valid PNG: its IHDR header is corrupt \(CRC mismatch\)$/);
  const late = pngFrom([{ type: 'tEXt', data: new TextEncoder().encode('a\0b') }, ...pngChunks(png)]);
  assertRefused(() => decodeImage(late, 'late.png'), 'late.png', /the first chunk is not a 13-byte IHDR header/);

  const jpg = fixture('gradient-24x16.jpg');
  const sof = sofOffset(jpg);
  for (const cut of [sof + 1, sof + 6, sof + 12]) {
    assertRefused(() => decodeImage(jpg.subarray(0, cut), 'cut.jpg'), 'cut.jpg', /^cut\.jpg: is not a valid JPEG \((it ends inside its frame header|no frame header \(SOF\) before the end of the file)\)$/);
  }
  assertRefused(() => decodeImage(jpg.subarray(0, sof + 12), 'cut.jpg'), 'cut.jpg', /it ends inside its frame header/);
  const noFrame = concat([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 63, 0, 0, 0, 0xff, 0xd9]);
  assertRefused(() => decodeImage(noFrame, 'nf.jpg'), 'nf.jpg', /^nf\.jpg: is not a valid JPEG \(no frame header \(SOF\) before its image data \(SOS\)\)$/);
  const lossless = jpg.slice();
  lossless[sof + 1] = 0xc3;
  assertRefused(() => decodeImage(lossless, 'l.jpg'), 'l.jpg', /is a JPEG of a kind that is not supported \(SOF3/);
  const zeroSampling = flatJpeg(8, 8, [0x01]);
  assertRefused(() => decodeImage(zeroSampling, 'z.jpg'), 'z.jpg', /a sampling factor in its frame header is 0/);
});

// ---- resize ----

/** The continuous twin: integrate the input over each output pixel's footprint, pixel by pixel, in float64. */
function naiveAreaResize(image: Image, width: number, height: number): number[] {
  const { width: w, height: h, channels: c } = image;
  const fx = w / width;
  const fy = h / height;
  const out: number[] = [];
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      for (let k = 0; k < c; k++) {
        let total = 0;
        for (let y = 0; y < h; y++) {
          const coverY = Math.max(0, Math.min((oy + 1) * fy, y + 1) - Math.max(oy * fy, y));
          for (let x = 0; x < w; x++) {
            const coverX = Math.max(0, Math.min((ox + 1) * fx, x + 1) - Math.max(ox * fx, x));
            total += coverX * coverY * image.data[(y * w + x) * c + k]!;
          }
        }
        out.push(total / (fx * fy));
      }
    }
  }
  return out;
}

test('resize averages areas: hand-computed 4×4 → 2×2, 3×3 → 1×1, and 3 → 2 (fractional coverage)', () => {
  const four = { width: 4, height: 4, channels: 1 as const, data: Uint8Array.from({ length: 16 }, (_, i) => i + 1) };
  // Block means 3.5, 5.5, 11.5, 13.5, rounded half up.
  assert.deepEqual(resize(four, 0.5), { width: 2, height: 2, channels: 1, data: Uint8Array.from([4, 6, 12, 14]) });
  const nine = { width: 3, height: 3, channels: 1 as const, data: Uint8Array.from({ length: 9 }, (_, i) => 10 * i) };
  assert.deepEqual(resize(nine, 1 / 3), { width: 1, height: 1, channels: 1, data: Uint8Array.from([40]) });
  // 3 → 2: each output covers 1.5 inputs, so weights are (1, ½)/1.5 = ⅔, ⅓ and ⅓, ⅔.
  const row = { width: 3, height: 1, channels: 1 as const, data: Uint8Array.from([0, 90, 180]) };
  assert.deepEqual(resize(row, 2 / 3), { width: 2, height: 1, channels: 1, data: Uint8Array.from([30, 150]) });
  // Channels stay apart: an RGB 2×1 → 1×1 averages each channel on its own.
  const rgb = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([0, 100, 255, 10, 200, 255]) };
  assert.deepEqual(resize(rgb, 0.5).data, Uint8Array.from([5, 150, 255]));
  // The chapter's 1/8: 16×8 → 2×1, each value the mean of an 8×8 block.
  const big = randomImage(16, 8, 1, 7);
  const small = resize(big, 1 / 8);
  assert.deepEqual([small.width, small.height], [2, 1]);
  for (let b = 0; b < 2; b++) {
    let sum = 0;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += big.data[y * 16 + 8 * b + x]!;
    assert.equal(small.data[b], Math.round(sum / 64));
  }
});

test('resize matches the continuous area twin on random images and non-integer scales', () => {
  const random = seeded(11);
  for (let trial = 0; trial < 200; trial++) {
    const w = 1 + Math.floor(random() * 13);
    const h = 1 + Math.floor(random() * 13);
    const channels = ([1, 3, 4] as const)[trial % 3]!;
    const scale = [1 / 8, 1 / 3, 0.37, 0.5, 2 / 3, 0.71, 0.9, 1][trial % 8]!;
    const image = randomImage(w, h, channels, 100 + trial);
    const out = resize(image, scale);
    assert.equal(out.width, Math.max(1, Math.round(w * scale)));
    assert.equal(out.height, Math.max(1, Math.round(h * scale)));
    const twin = naiveAreaResize(image, out.width, out.height);
    twin.forEach((v, i) => assert.ok(Math.abs(out.data[i]! - v) <= 0.5 + 1e-9, `${w}×${h}×${channels} at ${scale}: value ${i} is ${out.data[i]}, twin ${v}`));
  }
  // resizeTo may shrink the axes by different factors; the twin holds there too.
  const image = randomImage(10, 7, 3, 5);
  const out = resizeTo(image, 3, 2);
  naiveAreaResize(image, 3, 2).forEach((v, i) => assert.ok(Math.abs(out.data[i]! - v) <= 0.5 + 1e-9));
});

test('resize enlarges by repeating the nearest pixel, keeps size 1 at least, and checks its arguments', () => {
  const two = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([1, 2, 3, 4]) };
  assert.deepEqual(resize(two, 2).data, Uint8Array.from([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]));
  const three = { width: 3, height: 1, channels: 1 as const, data: Uint8Array.from([5, 6, 7]) };
  assert.deepEqual(resize(three, 2).data, Uint8Array.from([5, 5, 6, 6, 7, 7, 5, 5, 6, 6, 7, 7]));
  // 2 → 3: output centres fall at 1/3, 1 and 5/3 input pixels.
  assert.deepEqual(resizeTo(three, 3, 1).data, three.data);
  assert.deepEqual(resizeTo({ ...three, width: 2, data: Uint8Array.from([5, 6]) }, 3, 1).data, Uint8Array.from([5, 6, 6]));
  // Growing one axis and shrinking the other: 4×1 → 2×3.
  const wide = { width: 4, height: 1, channels: 1 as const, data: Uint8Array.from([0, 10, 100, 200]) };
  assert.deepEqual(resizeTo(wide, 2, 3).data, Uint8Array.from([5, 150, 5, 150, 5, 150]));
  const thin = randomImage(10, 3, 1, 8);
  assert.deepEqual([resize(thin, 0.1).width, resize(thin, 0.1).height], [1, 1]);
  assert.deepEqual(resize(thin, 1), thin);
  for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => resize(thin, bad), { name: 'RangeError', message: /resize scale/ });
  assert.throws(() => resizeTo(thin, 0, 2), { name: 'RangeError', message: /resize target is 0×2/ });
  assert.throws(() => resize({ ...thin, data: new Uint8Array(5) }, 0.5), { name: 'RangeError', message: /image is 10×3×1 but holds 5 bytes/ });
});

// ---- gray, flatten, PNG out, rows back to pictures, grids ----

test('toGray: rounded mean or luminance, alpha ignored, agreeing with grayscale() on the same pixels', () => {
  const rgb = { width: 3, height: 1, channels: 3 as const, data: Uint8Array.from([10, 20, 31, 10, 20, 32, 255, 0, 0]) };
  assert.deepEqual(toGray(rgb).data, Uint8Array.from([20, 21, 85])); // 61/3, 62/3, 255/3
  assert.deepEqual(toGray(rgb, 'luminance').data, Uint8Array.from([18, 18, 76])); // 18.264, 18.378, 76.245
  const rgba = { width: 1, height: 1, channels: 4 as const, data: Uint8Array.from([30, 60, 90, 0]) };
  assert.deepEqual(toGray(rgba), { width: 1, height: 1, channels: 1, data: Uint8Array.from([60]) });
  const gray = randomImage(4, 4, 1, 9);
  const copy = toGray(gray);
  assert.deepEqual(copy, gray);
  assert.notEqual(copy.data, gray.data);
  assert.throws(() => toGray(rgb, 'max' as 'mean'), { name: 'RangeError', message: /toGray method is "max"/ });

  const photo = randomImage(33, 17, 3, 12);
  const row = flatten(photo);
  for (const method of ['mean', 'luminance'] as const) {
    const exact = grayscale(row, { method, channels: 'interleaved' }).data;
    const rounded = toGray(photo, method).data;
    // Luminance can land on x.5 exactly, where float rounding may go either way.
    rounded.forEach((v, p) => assert.ok(Math.abs(v - exact[p]!) <= (method === 'mean' ? 0.5 - 1e-9 : 0.5 + 1e-6), `${method} pixel ${p}`));
  }
});

test('flatten copies an image into one row; toPng writes a PNG that reads back the same', () => {
  const image = randomImage(5, 3, 3, 13);
  const row = flatten(image);
  assert.deepEqual([row.rows, row.cols], [1, 45]);
  assert.deepEqual(row.data, image.data);
  row.data[0] = row.data[0]! ^ 1;
  assert.notEqual(row.data[0], image.data[0]);
  const png = toPng(image);
  assert.deepEqual(Array.from(png.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(decodeImage(png), image);
});

test('imageFromMatrixRow maps [min, max] to bytes, clamps, and reads planar or interleaved rows', () => {
  const m = { rows: 2, cols: 6, data: Float32Array.from([0, 0, 0, 0, 0, 0, -10, 0, 127.4, 255, 300, NaN]) };
  assert.deepEqual(imageFromMatrixRow(m, 1, 3, 2), { width: 3, height: 2, channels: 1, data: Uint8Array.from([0, 0, 127, 255, 255, 0]) });
  const unit = { rows: 1, cols: 4, data: Float32Array.from([0, 0.5, 1, 0.25]) };
  assert.deepEqual(imageFromMatrixRow(unit, 0, 2, 2, 1, { max: 1 }).data, Uint8Array.from([0, 128, 255, 64]));
  assert.deepEqual(imageFromMatrixRow(unit, 0, 2, 2, 1, { min: -1, max: 1 }).data, Uint8Array.from([128, 191, 255, 159]));
  // Two pixels, planar R R G G B B versus interleaved R G B R G B.
  const colour = { rows: 1, cols: 6, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(imageFromMatrixRow(colour, 0, 2, 1, 3, { layout: 'planar' }).data, Uint8Array.from([1, 3, 5, 2, 4, 6]));
  assert.deepEqual(imageFromMatrixRow(colour, 0, 2, 1, 3).data, Uint8Array.from([1, 2, 3, 4, 5, 6]));
  // A flattened image comes back as itself.
  const image = randomImage(4, 3, 3, 14);
  assert.deepEqual(imageFromMatrixRow(flatten(image), 0, 4, 3, 3), image);
  assert.throws(() => imageFromMatrixRow(m, 2, 3, 2), { name: 'RangeError', message: /row 2 does not exist: the matrix has rows 0 to 1/ });
  assert.throws(() => imageFromMatrixRow(m, 0, 2, 2), { name: 'RangeError', message: /matrix rows hold 6 values; a 2×2 image with 1 channel\(s\) needs 4/ });
  assert.throws(() => imageFromMatrixRow(m, 0, 3, 2, 1, { min: 1, max: 1 }), { name: 'RangeError', message: /max > min/ });
});

test('imageGrid tiles equal images with gaps, fewer columns when there are fewer images', () => {
  const tile = (v: number): Image => ({ width: 2, height: 1, channels: 1, data: Uint8Array.from([v, v + 1]) });
  const grid = imageGrid([tile(10), tile(20), tile(30)], 2, { gap: 1 });
  assert.deepEqual([grid.width, grid.height, grid.channels], [5, 3, 1]);
  // prettier-ignore
  assert.deepEqual(grid.data, Uint8Array.from([
    10, 11, 0, 20, 21,
     0,  0, 0,  0,  0,
    30, 31, 0,  0,  0,
  ]));
  const row = imageGrid([tile(1), tile(2)], 5);
  assert.deepEqual([row.width, row.height], [4, 1]);
  assert.deepEqual(row.data, Uint8Array.from([1, 2, 2, 3]));
  const colour = imageGrid([randomImage(3, 2, 3, 1), randomImage(3, 2, 3, 2)], 1);
  assert.deepEqual(colour.data, Uint8Array.from([...randomImage(3, 2, 3, 1).data, ...randomImage(3, 2, 3, 2).data]));
  assert.throws(() => imageGrid([], 2), { name: 'RangeError', message: /at least one image/ });
  assert.throws(() => imageGrid([tile(1), randomImage(2, 1, 3, 1)], 2), { name: 'RangeError', message: /image 1 is 2×1×3, image 0 is 2×1×1/ });
  assert.throws(() => imageGrid([tile(1)], 0), { name: 'RangeError', message: /columns is 0/ });
});

// ---- folders ----

test('loadImageFolder: sorted files, one row each, gray and resize options, odd files named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-folder-'));
  try {
    const images = [randomImage(8, 4, 3, 21), randomImage(8, 4, 3, 22), randomImage(8, 4, 3, 23)];
    await writeFile(join(dir, 'b.png'), toPng(images[1]!));
    await writeFile(join(dir, 'a.png'), toPng(images[0]!));
    await writeFile(join(dir, 'c.PNG'), toPng(images[2]!));
    await writeFile(join(dir, 'notes.txt'), 'not an image');
    await mkdir(join(dir, 'sub.png'));
    await symlink(join(dir, 'a.png'), join(dir, 'd.png'));

    const all = await loadImageFolder(dir);
    assert.deepEqual(all.files, ['a.png', 'b.png', 'c.PNG', 'd.png']);
    assert.deepEqual([all.data.rows, all.data.cols, all.width, all.height, all.channels], [4, 96, 8, 4, 3]);
    [0, 1, 2, 0].forEach((k, r) => assert.deepEqual(all.data.data.subarray(r * 96, (r + 1) * 96), images[k]!.data));

    const small = await loadImageFolder(`${dir}/`, { gray: 'luminance', scale: 0.5 });
    assert.deepEqual([small.data.cols, small.width, small.height, small.channels], [8, 4, 2, 1]);
    assert.deepEqual(small.data.data.subarray(8, 16), resize(toGray(images[1]!, 'luminance'), 0.5).data);
    const sized = await loadImageFolder(dir, { gray: true, width: 2, height: 3 });
    assert.deepEqual([sized.data.cols, sized.width, sized.height], [6, 2, 3]);
    assert.deepEqual(sized.data.data.subarray(0, 6), resizeTo(toGray(images[0]!), 2, 3).data);
    const onlyWidth = await loadImageFolder(dir, { width: 4 });
    assert.deepEqual([onlyWidth.width, onlyWidth.height], [4, 2]);

    // An odd-sized image is named; asking for one size brings it in line.
    await writeFile(join(dir, 'e.jpg'), fixture('gradient-24x16.jpg'));
    await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataFormatError && e.file === `${dir}/e.jpg` && /is 24×16×3 after preparing, but a\.png is 8×4×3: pass width and height/.test(e.message));
    const evened = await loadImageFolder(dir, { width: 8, height: 4, extensions: ['.png', '.JPG'] });
    assert.deepEqual(evened.files, ['a.png', 'b.png', 'c.PNG', 'd.png', 'e.jpg']);
    assert.deepEqual(evened.data.data.subarray(4 * 96), resizeTo(decodeImage(fixture('gradient-24x16.jpg')), 8, 4).data);
    // A gray image among colour ones: the hint is to make them all gray.
    await writeFile(join(dir, 'f.png'), toPng(randomImage(8, 4, 1, 24)));
    await assert.rejects(loadImageFolder(dir, { extensions: ['.png'] }), (e: unknown) => e instanceof DataFormatError && /f\.png: is 8×4×1 .* pass gray: true/.test(e.message));
    await writeFile(join(dir, 'g.png'), 'garbage');
    await assert.rejects(loadImageFolder(dir, { gray: true, extensions: ['.png'] }), (e: unknown) => e instanceof DataFormatError && e.file === `${dir}/g.png`);

    await assert.rejects(loadImageFolder(dir, { scale: 0.5, width: 2 }), { name: 'RangeError', message: /either scale or width\/height/ });
    await assert.rejects(loadImageFolder(join(dir, 'sub.png')), (e: unknown) => e instanceof DataFormatError && /holds no images \(files ending in \.png, \.jpg, \.jpeg\)/.test(e.message));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadImageFolder: maxPixels refuses the first image over it, naming the file, before decoding it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-folder-'));
  try {
    await writeFile(join(dir, 'a.png'), toPng(randomImage(8, 4, 3, 25)));
    await writeFile(join(dir, 'b.png'), zeroPng(10000, 10000, 1, 3));
    await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataFormatError && e.file === `${dir}/b.png` && /b\.png: 10000 × 10000 = 100,000,000 pixels, more than maxPixels 33,554,432/.test(e.message));
    await assert.rejects(loadImageFolder(dir, { maxPixels: 31 }), (e: unknown) => e instanceof DataFormatError && e.file === `${dir}/a.png` && /8 × 4 = 32 pixels, more than maxPixels 31/.test(e.message));
    await rm(join(dir, 'b.png'));
    assert.equal((await loadImageFolder(dir, { maxPixels: 32 })).data.cols, 96);
    for (const bad of [0, 2.5, -3]) await assert.rejects(loadImageFolder(dir, { maxPixels: bad }), { name: 'RangeError', message: /^maxPixels must be a positive integer/ });
  } finally {
    await rm(dir, { recursive: true });
  }
});

// ---- fuzzing ----

interface Mutation {
  kind: 'flip' | 'set' | 'truncate' | 'insert' | 'delete';
  at: number;
  value: number;
  bytes: Uint8Array;
}
const mutation = fc.record({
  kind: fc.constantFrom('flip', 'set', 'truncate', 'insert', 'delete'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
}) as fc.Arbitrary<Mutation>;

function mutate(source: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = source.slice();
  for (const { kind, at: rawAt, value, bytes: extra } of mutations) {
    const at = rawAt % Math.max(1, bytes.length);
    if (kind === 'flip') bytes[at] = bytes[at]! ^ (1 << (value & 7));
    else if (kind === 'set') bytes[at] = value;
    else if (kind === 'truncate') bytes = bytes.slice(0, at);
    else if (kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
    else bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + extra.length)]);
  }
  return bytes;
}

/** A mutated file either decodes to a well-formed, modestly sized image or is refused with a DataFormatError. */
function decodesOrRefuses(bytes: Uint8Array): void {
  try {
    const image = decodeImage(bytes, 'fuzz');
    assertWellFormed(image);
    // Bounded by the refusals: deflate's 1032:1 for PNG (×4 channels), 1024 pixels per byte (×3) for JPEG.
    assert.ok(image.data.length <= 4 * 1032 * bytes.length, `${image.width}×${image.height} from ${bytes.length} bytes`);
  } catch (error) {
    if (!(error instanceof DataFormatError)) throw new Error(`not a DataFormatError: ${String(error)}`, { cause: error });
    assert.equal(error.file, 'fuzz');
  }
}

const pngSeeds = [
  toPng(randomImage(8, 6, 3, 31)),
  encodePng({ ...randomImage(5, 5, 4, 32), depth: 8 }, { interlace: 'Adam7' }),
  encodePng({ width: 4, height: 3, channels: 1, depth: 16, data: Uint16Array.from({ length: 12 }, (_, i) => i * 5000) }),
  fixture('palette4-5x4.png'),
  fixture('gray2-7x4.png'),
];
const jpegSeeds = [fixture('gradient-24x16.jpg'), fixture('gray-24x16.jpg')];

test('fuzz: mutated PNGs (with and without fixed CRCs) decode or are refused, nothing else', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.constantFrom(...pngSeeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (seed, mutations, repairCrcs) => {
      const bytes = mutate(seed, mutations);
      decodesOrRefuses(repairCrcs ? fixCrcs(bytes) : bytes);
    }),
    { numRuns: 1500, seed: 20261127 },
  );
});

test('fuzz: mutated JPEGs decode or are refused, nothing else', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.constantFrom(...jpegSeeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
      decodesOrRefuses(mutate(seed, mutations));
    }),
    { numRuns: 1500, seed: 20261127 },
  );
});

test('fuzz: decoders given random bytes behind a PNG or JPEG signature', { timeout: 120_000 }, () => {
  const signatures = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Uint8Array.from([0xff, 0xd8, 0xff])];
  fc.assert(
    fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 200 }), (signature, rest) => {
      decodesOrRefuses(Uint8Array.from([...signature, ...rest]));
    }),
    { numRuns: 1500, seed: 20261127 },
  );
});

// jpeg-js is a dependency of the module under test; this keeps the fixture recipe honest (its encoder makes 3-channel files).
test('the RGB JPEG fixture is what jpeg-js\'s encoder makes of the gradient', () => {
  const data = new Uint8Array(24 * 16 * 4);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 24; x++) data.set([10 * x, 15 * y, 128, 255], 4 * (y * 24 + x));
  assert.deepEqual(new Uint8Array(jpeg.encode({ width: 24, height: 16, data }, 90).data), fixture('gradient-24x16.jpg'));
});

test('readImage takes a Blob or File (what <input type=file> gives) and names it in errors', async () => {
  const png = toPng({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) });
  const image = await readImage(new Blob([png as Uint8Array<ArrayBuffer>]));
  assert.deepEqual([image.width, image.height, Array.from(image.data)], [2, 1, [0, 255]]);
  await assert.rejects(readImage(new File([new Uint8Array([1, 2, 3])], 'notes.txt')), { name: 'DataFormatError', message: /^notes\.txt: / });
});

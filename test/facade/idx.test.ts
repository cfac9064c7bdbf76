// IDX reader (MNIST / Fashion-MNIST): every type code raw and gzipped, every refusal, the real Fashion-MNIST files
// against a naive node:zlib reader, and random corruptions that must end in a result or a DataFormatError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import fc from 'fast-check';

import { DataFormatError } from '../../src/errors.js';
import { loadFashionMnist, loadIdxImages, loadIdxLabels, parseIdx, readIdx, type IdxArray } from '../../src/data/idx.js';
import {
  FASHION_TEST_LABELS,
  FASHION_TRAIN_LABELS,
  FIXTURE_DIR,
  TYPE_FIXTURES,
  fixtureFiles,
  idxBytes,
  images,
  labels,
  pixel,
} from '../fixtures/idx/generate.js';

const fixture = (file: string): string => path.join(FIXTURE_DIR, file);
const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(zlib.gzipSync(bytes));

const REAL_DIR = '/usr/share/datasets/fashion-mnist';
const REAL = fs.existsSync(`${REAL_DIR}/train-images-idx3-ubyte.gz`);
const SKIP_REAL = REAL ? false : `Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist; .ci/run installs it)`;

/** Asserts that `promise` rejects with a DataFormatError naming `file` and matching `message`. */
async function refuses(promise: Promise<unknown> | (() => unknown), file: string, message: RegExp): Promise<void> {
  await assert.rejects(async () => (typeof promise === 'function' ? promise() : promise), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `expected a DataFormatError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.message, message);
    return true;
  });
}

/** A raw IDX file with header bytes `head` and `dataBytes` zero bytes of values. */
function forged(head: number[], dataBytes: number): Uint8Array {
  const bytes = new Uint8Array(head.length + dataBytes);
  bytes.set(head);
  return bytes;
}

const MiB = 2 ** 20;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void; // the usual way to reach it without starting Node with --expose-gc

/** Collects garbage, giving the collector's sweeping of array buffers (which follows it) time to end. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `run`, sampling memory every 2 ms: the peak growth of rss and of array buffers, in MiB. */
async function peakGrowth(run: () => Promise<unknown>): Promise<{ rss: number; arrayBuffers: number }> {
  const before = process.memoryUsage();
  let { rss, arrayBuffers } = before;
  const sample = () => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers);
  };
  const timer = setInterval(sample, 2);
  try {
    await run();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { rss: (rss - before.rss) / MiB, arrayBuffers: (arrayBuffers - before.arrayBuffers) / MiB };
}

/** Fills `bytes` with incompressible (pseudo-random, reproducible) bytes. */
function fillNoise(bytes: Uint8Array): void {
  let seed = 1;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as gzip has it: node:zlib's where there is one (Node 20.15), else a table. */
function crc32(bytes: Uint8Array, value = 0): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes, value);
  let c = ~value;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC-32 of `count` zero bytes, continuing from `value`. */
function crc32Zeros(count: number, value = 0): number {
  const zeros = new Uint8Array(Math.min(count, MiB));
  for (let left = count; left > 0; left -= zeros.length) value = crc32(zeros.subarray(0, Math.min(left, zeros.length)), value);
  return value;
}

/**
 * A valid single-member gzip of a one-dimensional uint8 IDX file of `count` zeros, assembled from deflate blocks
 * compressed on their own (full flush), so that no buffer of `count` bytes is ever made: about 1 KB per MiB.
 */
function gzipOfZeros(count: number): Uint8Array {
  const total = 8 + count;
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const head = new Uint8Array(Math.min(MiB, total));
  head.set([0, 0, 8, 1]);
  new DataView(head.buffer).setUint32(4, count);
  const zeros = new Uint8Array(MiB);
  const block = zlib.deflateRawSync(zeros, flush);
  const parts: Uint8Array[] = [new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]), zlib.deflateRawSync(head, flush)];
  let left = total - head.length;
  for (; left >= MiB; left -= MiB) parts.push(block);
  if (left > 0) parts.push(zlib.deflateRawSync(zeros.subarray(0, left), flush));
  parts.push(new Uint8Array([3, 0])); // a last, empty block
  const trailer = new DataView(new ArrayBuffer(8));
  trailer.setUint32(0, crc32Zeros(total - head.length, crc32(head)), true);
  trailer.setUint32(4, total % 2 ** 32, true);
  parts.push(new Uint8Array(trailer.buffer));
  return new Uint8Array(Buffer.concat(parts));
}

test('fixture files hold exactly what the generator writes', () => {
  for (const [file, bytes] of Object.entries(fixtureFiles())) {
    const stored = fs.readFileSync(fixture(file));
    assert.deepEqual(new Uint8Array(file.endsWith('.gz') ? zlib.gunzipSync(stored) : stored), bytes, file);
  }
  // Byte order pinned by hand, independent of the writer: int16 258 is 01 02, int32 16909060 is 01 02 03 04.
  assert.deepEqual([...fs.readFileSync(fixture('short.idx')).subarray(18, 20)], [0x01, 0x02]);
  assert.deepEqual([...fs.readFileSync(fixture('int.idx')).subarray(28, 32)], [0x01, 0x02, 0x03, 0x04]);
});

test('every type code, raw and gzipped, from a path, bytes and an ArrayBuffer', async () => {
  const kinds = { 0x08: Uint8Array, 0x09: Int8Array, 0x0b: Int16Array, 0x0c: Int32Array, 0x0d: Float32Array, 0x0e: Float64Array } as const;
  for (const { file, code, shape, values } of TYPE_FIXTURES) {
    const raw = new Uint8Array(fs.readFileSync(fixture(file)));
    const results: IdxArray[] = [
      parseIdx(raw, file),
      parseIdx(raw.slice().buffer, file),
      await readIdx(fixture(file)),
      await readIdx(raw),
      await readIdx(gzip(raw)),
      await readIdx(gzip(raw).slice().buffer),
    ];
    for (const { shape: s, data } of results) {
      assert.deepEqual(s, shape, file);
      assert.ok(data instanceof kinds[code as keyof typeof kinds], `${file}: ${data.constructor.name}`);
      assert.equal(data.length, values.length);
      values.forEach((v, i) => assert.ok(Object.is(data[i], code === 0x0d ? Math.fround(v) : v), `${file}[${i}]: ${data[i]} ≠ ${v}`));
    }
  }
});

test('parseIdx reads a view at any byte offset and copies the values out', () => {
  const raw = fs.readFileSync(fixture('double.idx'));
  const big = new Uint8Array(raw.length + 3);
  big.set(raw, 1);
  const view = big.subarray(1, 1 + raw.length); // values at an odd offset: no aligned Float64Array view possible
  const { data } = parseIdx(view);
  assert.equal(data[2], Math.PI);
  big.fill(0xff);
  assert.equal(data[2], Math.PI);
});

test('loadIdxImages and loadIdxLabels: flattened rows, limits, raw and gzip', async () => {
  for (const file of ['images-3x4x5.idx', 'images-3x4x5.idx.gz']) {
    const m = await loadIdxImages(fixture(file));
    assert.equal(m.rows, 3);
    assert.equal(m.cols, 20);
    assert.ok(m.data instanceof Uint8Array);
    for (let i = 0; i < 3; i++) for (let r = 0; r < 4; r++) for (let c = 0; c < 5; c++) assert.equal(m.data[i * 20 + r * 5 + c], pixel(i, r, c));
    const first2 = await loadIdxImages(fixture(file), { limit: 2 });
    assert.deepEqual({ rows: first2.rows, cols: first2.cols }, { rows: 2, cols: 20 });
    assert.deepEqual(first2.data, m.data.subarray(0, 40));
    assert.equal((await loadIdxImages(fixture(file), { limit: 99 })).rows, 3);
  }
  for (const file of ['labels-3.idx', 'labels-3.idx.gz']) {
    assert.deepEqual(await loadIdxLabels(fixture(file)), new Uint8Array([2, 0, 9]));
    assert.deepEqual(await loadIdxLabels(fixture(file), { limit: 1 }), new Uint8Array([2]));
  }
  assert.deepEqual(await loadIdxLabels(fs.readFileSync(fixture('labels-3.idx.gz'))), new Uint8Array([2, 0, 9]));
  for (const limit of [0, -1, 1.5, NaN]) await assert.rejects(loadIdxLabels(fixture('labels-3.idx'), { limit }), RangeError);
});

test('loadIdxImages and loadIdxLabels refuse the wrong type or shape', async () => {
  await refuses(loadIdxImages(fixture('labels-3.idx')), fixture('labels-3.idx'), /holds 3 uint8 values, expected N×rows×cols uint8 images/);
  await refuses(loadIdxImages(fixture('int.idx')), fixture('int.idx'), /holds 1×2×3 int32 values/);
  await refuses(loadIdxImages(idxBytes(0x09, [1, 2, 2], [1, 2, 3, 4])), 'IDX data', /int8 values/);
  await refuses(loadIdxLabels(fixture('images-3x4x5.idx.gz')), fixture('images-3x4x5.idx.gz'), /holds 3×4×5 uint8 values, expected a list of uint8 labels/);
  await refuses(loadIdxLabels(fixture('float.idx')), fixture('float.idx'), /float32/);
});

test('malformed headers and sizes are refused, naming the file', async () => {
  const ok = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /0 bytes long, too short/],
    ['short', new Uint8Array([0, 0, 8]), /too short for an IDX header/],
    ['wrong magic', new Uint8Array([0, 1, 8, 1, 0, 0, 0, 0]), /does not start with an IDX magic number/],
    ['unknown type', new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown IDX type code 0x0a/],
    ['zero dimensions', new Uint8Array([0, 0, 8, 0]), /has 0 dimensions, expected 1 to 8/],
    ['nine dimensions', forged([0, 0, 8, 9], 36), /has 9 dimensions/],
    ['header cut', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]), /truncated inside its header \(10 of 16 bytes\)/],
    ['truncated', ok.subarray(0, ok.length - 1), /announces 2×2 uint8 values \(4 bytes\) but 3 bytes follow it \(truncated\)/],
    ['trailing', new Uint8Array([...ok, 7, 7]), /but 6 bytes follow it \(2 bytes of trailing data\)/],
    ['int16 odd bytes', forged([0, 0, 0x0b, 1, 0, 0, 0, 2], 3), /\(4 bytes\) but 3 bytes follow/],
    ['2^31 values', forged([0, 0, 8, 1, 0x80, 0, 0, 0], 100), /announces 2147483648 uint8 values .* \(truncated\)/],
    ['overflow', forged([0, 0, 0x0e, 8, ...Array<number>(32).fill(0xff)], 8), /a size that overflows/],
  ];
  for (const [name, bytes, message] of cases) {
    await refuses(() => parseIdx(bytes, name), name, message);
    await refuses(readIdx(bytes, name), name, message);
  }
  await refuses(() => parseIdx(gzip(ok), 'g'), 'g', /gzip-compressed: use readIdx/);
  // Empty dimensions are consistent, not malformed.
  assert.deepEqual(parseIdx(forged([0, 0, 0x0c, 2, 0, 0, 0, 0, 0, 0, 0, 5], 0)).shape, [0, 5]);
});

test('gzip: corrupt, truncated, forged and bomb streams are refused without decompressing them whole', async () => {
  const ok = fs.readFileSync(fixture('images-3x4x5.idx.gz'));
  const flipped = new Uint8Array(ok);
  flipped[ok.length - 6]! ^= 0xff; // inside the CRC-32 trailer
  await refuses(readIdx(flipped, 'crc'), 'crc', /not a valid gzip stream/);
  // Cut: the last 4 bytes are compressed data, not the trailer, so its ISIZE check refuses it.
  await refuses(readIdx(ok.subarray(0, ok.length - 10), 'cut'), 'cut', /announces 76 bytes .* but its gzip trailer records \d+ .*truncated or altered/);
  await refuses(readIdx(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), 'junk'), 'junk', /not a valid gzip stream \(7 bytes, fewer than the 20 of the shortest one\)/);
  await refuses(readIdx(new Uint8Array([0x1f, 0x8b, 8, 0, ...Array<number>(16).fill(0)]), 'junk'), 'junk', /not a valid gzip stream/);
  // Errors from inside the stream: the header as for raw files, and sizes that disagree with the trailer.
  await refuses(readIdx(gzip(new Uint8Array([0, 0, 7, 1, ...Array<number>(40).fill(0)])), 'type'), 'type', /unknown IDX type code 0x07/);
  await refuses(readIdx(gzip(new Uint8Array([0, 0, 8])), 'tiny'), 'tiny', /3 bytes long, too short for an IDX header/);
  await refuses(readIdx(gzip(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1])), 'head'), 'head', /truncated inside its header \(8 of 12 bytes\)/);
  await refuses(readIdx(gzip(new Uint8Array([...images(3, 4, 5), 1])), 'trail'), 'trail', /announces 76 bytes .* gzip trailer records 77 \(ISIZE/);
  await refuses(readIdx(gzip(images(3, 4, 5).subarray(0, 70)), 'short'), 'short', /announces 76 bytes \(3×4×5 uint8 values after a 16-byte header\) but its gzip trailer records 70 .*truncated/);
  // Bytes after the trailer move the trailer: refused, whatever they are.
  await refuses(readIdx(Buffer.concat([ok, Buffer.from([0])]), 'zero'), 'zero', /gzip trailer records/);
  // (Node's DecompressionStream may reject these first, before the header is out: 'incorrect header check'.)
  await refuses(readIdx(Buffer.concat([ok, Buffer.from('xyzw')]), 'text'), 'text', /gzip trailer records|not a valid gzip stream/);
  // Zero bytes after the trailer with a forged ISIZE at their end pass that check; Node's DecompressionStream
  // ignores them, so the values read are the file's own, checked against its header, or the stream is refused.
  const padded = Buffer.concat([ok, Buffer.from([0, 0, 0, 0, 76, 0, 0, 0])]);
  await readIdx(padded, 'padded').then(
    ({ data }) => assert.deepEqual(data, images(3, 4, 5).subarray(16)),
    (error: unknown) => assert.ok(error instanceof DataFormatError, String(error)),
  );

  const before = process.memoryUsage().arrayBuffers;
  // A forged 2^31 (or 2^48) size is refused as soon as the header is out of the stream.
  await refuses(readIdx(gzip(forged([0, 0, 8, 1, 0x80, 0, 0, 0], 100)), 'forged'), 'forged', /announces 2147483656 bytes, more than the 1073741824/);
  await refuses(readIdx(gzip(forged([0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], 100)), 'forged'), 'forged', /more than the 1073741824/);
  // A bomb: 6 bytes announced, then 1 GiB of zeros in 1024 gzip members (1 MB compressed, valid per RFC 1952).
  // The trailer read is the last member's: its ISIZE (1 MiB) refuses the file once the header is out, at 14 bytes.
  const member = zlib.gzipSync(new Uint8Array(MiB));
  const first = zlib.gzipSync(idxBytes(0x08, [6], [1, 2, 3, 4, 5, 6]));
  const bomb = Buffer.concat([first, ...Array<Buffer>(1024).fill(member)]);
  await refuses(readIdx(bomb, 'bomb'), 'bomb', /announces 14 bytes .* gzip trailer records 1048576 .*joins several gzip members/);
  // The same bomb ending with a member of 14 bytes passes that check: it is refused at the chunk that goes past
  // the 14 bytes (Node's DecompressionStream goes on into the next members).
  const start = performance.now();
  await refuses(readIdx(Buffer.concat([bomb, first]), 'bomb'), 'bomb', /more than the 14 bytes its header announces \(trailing data or a gzip bomb\)/);
  console.log(`the bomb was refused after ${(performance.now() - start).toFixed(0)} ms`);
  // Several members that add up to what the header announces: read whole (by runtimes that read on, as Node).
  const halves = Buffer.concat([zlib.gzipSync(images(3, 4, 5).subarray(0, 40)), zlib.gzipSync(images(3, 4, 5).subarray(40))]);
  halves.writeUInt32LE(76, halves.length - 4); // the last member's ISIZE forged to the whole size (its CRC still checks)
  await readIdx(halves, 'halves').then(
    ({ data }) => assert.deepEqual(data, images(3, 4, 5).subarray(16)),
    (error: unknown) => assert.ok(error instanceof DataFormatError, String(error)),
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 128 * MiB, 'the refusals held on to memory');
});

test('gzip: a valid file is decompressed once, straight into its array', async (t) => {
  // 128 MiB of zeros in 130 KB, made of deflate blocks (1 GiB works too, in 1 MB, but takes seconds to inflate).
  const count = 128 * MiB;
  const gz = gzipOfZeros(count);
  let result: IdxArray | undefined;
  const growth = await peakGrowth(async () => {
    result = await readIdx(gz, 'zeros');
  });
  const { shape, data } = result!;
  assert.deepEqual(shape, [count]);
  assert.ok(data instanceof Uint8Array);
  assert.equal(data.buffer.byteLength, count, 'the values are their own buffer: no header, no spare room');
  assert.equal(crc32(data), crc32Zeros(count), 'all zeros');
  t.diagnostic(`reading ${count / MiB} MiB grew array buffers by at most ${growth.arrayBuffers.toFixed(0)} MiB and rss by ${growth.rss.toFixed(0)} MiB`);
  // One copy: the array, plus chunks in flight, not a list of chunks and a concatenation of them.
  assert.ok(growth.arrayBuffers < 1.5 * (count / MiB), `array buffers grew by ${growth.arrayBuffers.toFixed(0)} MiB for ${count / MiB} MiB of values`);

  // Values of 8 bytes straddle the 16 KiB chunks (their header is 12 bytes long): put into host order in place.
  const doubles = Array.from({ length: 10_000 }, (_, i) => (i - 5000) * Math.PI);
  const big = await readIdx(gzip(idxBytes(0x0e, [5000, 2], doubles)), 'doubles');
  assert.deepEqual(big.shape, [5000, 2]);
  assert.deepEqual(big.data, new Float64Array(doubles));
  const shorts = Array.from({ length: 30_001 }, (_, i) => ((i * 7919) % 65536) - 32768);
  assert.deepEqual((await readIdx(gzip(idxBytes(0x0b, [30_001], shorts)))).data, new Int16Array(shorts));
});

test('gzip: a size its trailer contradicts, a cut file or a forged size is refused before the values are allocated', async (t) => {
  const GiB = 2 ** 30;
  // Announces 1 GiB (header included, the most allowed) but holds 1000 bytes of values: ISIZE says 1008.
  const claims = new Uint8Array(8 + 1000);
  claims.set([0, 0, 8, 1]);
  new DataView(claims.buffer).setUint32(4, GiB - 8);
  claims.fill(7, 8);
  const valid = gzipOfZeros(GiB - 8); // 1 MB, a valid gzip of a 1 GiB IDX file
  const wrongIsize = new Uint8Array(valid);
  new DataView(wrongIsize.buffer).setUint32(wrongIsize.length - 4, GiB - 1, true);
  // Announces 1 GiB behind 100 kB of incompressible values, ISIZE forged to match: 1032 × 100 kB is too little.
  // (Larger than the first slice given to the decompressor, whose own checks would otherwise refuse it first.)
  const noise = new Uint8Array(8 + 100_000);
  noise.set(claims.subarray(0, 8));
  fillNoise(noise.subarray(8));
  const forgedIsize = new Uint8Array(gzip(noise));
  new DataView(forgedIsize.buffer).setUint32(forgedIsize.length - 4, GiB, true);
  const overCap = new Uint8Array(claims);
  new DataView(overCap.buffer).setUint32(4, GiB - 7);
  const cases: [string, Uint8Array, RegExp][] = [
    ['short content', gzip(claims), /announces 1073741824 bytes \(1073741816 uint8 values after a 8-byte header\) but its gzip trailer records 1008 \(ISIZE, the decompressed size mod 2\^32\): the file is truncated or altered/],
    ['ISIZE off by one', wrongIsize, /announces 1073741824 bytes .* gzip trailer records 1073741823 /],
    // A small file is all in the decompressor's first slice, which may fail it before its header is out.
    ['ISIZE of a small file', (() => { const g = new Uint8Array(gzip(images(3, 4, 5))); g[g.length - 4]!++; return g; })(), /announces 76 bytes .* records 77 |not a valid gzip stream \(incorrect length check\)/],
    ['cut in half', valid.subarray(0, valid.length >> 1), /announces 1073741824 bytes .* gzip trailer records \d+ .*truncated/],
    ['cut before the trailer', valid.subarray(0, valid.length - 8), /gzip trailer records \d+ .*truncated/],
    ['cut by a byte', valid.subarray(0, valid.length - 1), /gzip trailer records \d+ .*truncated/],
    ['ISIZE forged', forgedIsize, /announces 1073741824 bytes, more than its \d+ compressed bytes can hold \(deflate expands at most 1032:1\)/],
    ['over the cap', gzip(overCap), /announces 1073741825 bytes, more than the 1073741824 a compressed IDX file may hold/],
  ];
  for (const [name, bytes, message] of cases) {
    const growth = await peakGrowth(() => refuses(readIdx(bytes, name), name, message));
    t.diagnostic(`${name} (${bytes.length} bytes): rss +${growth.rss.toFixed(1)} MiB, array buffers +${growth.arrayBuffers.toFixed(1)} MiB`);
    assert.ok(growth.arrayBuffers < 64, `${name}: array buffers grew by ${growth.arrayBuffers.toFixed(0)} MiB`);
    assert.ok(growth.rss < 128, `${name}: rss grew by ${growth.rss.toFixed(0)} MiB`);
  }
});

test('gzip: a forged trailer that passes every check costs only what the stream really holds', async (t) => {
  // 1.1 MB of incompressible values behind a header announcing 1 GiB, ISIZE forged to match, the CRC left right:
  // nothing before the stream's end can tell, so the 1 GiB array is allocated, but only the pages written are
  // touched (rss), and the stream is refused when it ends (Node: "incorrect length check").
  const content = new Uint8Array(8 + 1_100_000);
  content.set([0, 0, 8, 1]);
  new DataView(content.buffer).setUint32(4, 2 ** 30 - 8);
  fillNoise(content.subarray(8));
  const bytes = new Uint8Array(gzip(content));
  new DataView(bytes.buffer).setUint32(bytes.length - 4, 2 ** 30, true);
  await collect();
  const before = process.memoryUsage().arrayBuffers;
  const growth = await peakGrowth(() => refuses(readIdx(bytes, 'forged'), 'forged', /not a valid gzip stream \(.+\) after \d+ decompressed bytes|decompresses to 1100008 of the 1073741824 bytes/));
  t.diagnostic(`forged trailer (${bytes.length} bytes): rss +${growth.rss.toFixed(1)} MiB, array buffers +${growth.arrayBuffers.toFixed(1)} MiB (the allocation, mostly untouched)`);
  assert.ok(growth.rss < 256, `rss grew by ${growth.rss.toFixed(0)} MiB`);
  // Nothing holds on to the refused array: a collection gives its 1 GiB back (and later tests do not see it).
  await collect();
  const left = process.memoryUsage().arrayBuffers - before;
  t.diagnostic(`after a collection: array buffers ${left >= 0 ? '+' : ''}${(left / MiB).toFixed(1)} MiB`);
  assert.ok(left < 64 * MiB, `${(left / MiB).toFixed(0)} MiB of array buffers still held after the refusal`);
});

test('raw files: the header is checked against the file size before anything is allocated; a file is decoded in the bytes read', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-raw-'));
  try {
    const claims = path.join(tmp, 'claims-1GiB.idx');
    const head = forged([0, 0, 8, 1, 0x3f, 0xff, 0xff, 0xf8], 1000); // 2^30 - 8 values announced, 1000 present
    fs.writeFileSync(claims, head);
    const growth = await peakGrowth(() => refuses(readIdx(claims), claims, /announces 1073741816 uint8 values \(1073741816 bytes\) but 1000 bytes follow it \(truncated\)/));
    t.diagnostic(`raw file announcing 1 GiB: rss +${growth.rss.toFixed(1)} MiB, array buffers +${growth.arrayBuffers.toFixed(1)} MiB`);
    assert.ok(growth.arrayBuffers < 64 && growth.rss < 128);
    await refuses(readIdx(head), 'IDX data', /\(truncated\)/);

    // Read from a path: the values are a view of the bytes read, not a copy (the file's 8-byte header before them).
    const bytesFile = path.join(tmp, 'bytes.idx');
    fs.writeFileSync(bytesFile, idxBytes(0x08, [5], [1, 2, 3, 4, 255]));
    const u8 = (await readIdx(bytesFile)).data;
    assert.deepEqual(u8, new Uint8Array([1, 2, 3, 4, 255]));
    assert.deepEqual([u8.byteOffset, u8.buffer.byteLength], [8, 13]);
    // float64 after one dimension is aligned (viewed in place), after two it is not (copied): both read right.
    for (const shape of [[4], [2, 2]]) {
      const file = path.join(tmp, `doubles-${shape.length}.idx`);
      fs.writeFileSync(file, idxBytes(0x0e, shape, [1.5, -0, Math.PI, -1e300]));
      const { data } = await readIdx(file);
      assert.ok(data instanceof Float64Array);
      assert.deepEqual([...data], [1.5, -0, Math.PI, -1e300]);
      assert.ok(Object.is(data[1], -0));
    }
    // Bytes passed in stay the caller's: the values are copied out of them.
    const mine = idxBytes(0x08, [3], [7, 8, 9]);
    const copied = (await readIdx(mine)).data;
    mine.fill(0);
    assert.deepEqual(copied, new Uint8Array([7, 8, 9]));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('loadFashionMnist from a folder: gzipped or raw files, names, limits and refusals', async () => {
  const dir = fixture('fashion');
  const train = await loadFashionMnist({ dir });
  assert.deepEqual({ rows: train.images.rows, cols: train.images.cols }, { rows: 4, cols: 6 });
  assert.deepEqual(train.images.data, images(4, 2, 3).subarray(16));
  assert.deepEqual(train.labels, new Uint8Array(FASHION_TRAIN_LABELS));
  assert.equal(train.labelNames[train.labels[0]!], 'Ankle boot');
  assert.deepEqual(train.labelNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  const test2 = await loadFashionMnist({ dir: `${dir}/`, split: 'test', limit: 1 });
  assert.deepEqual(test2.labels, new Uint8Array(FASHION_TEST_LABELS.slice(0, 1)));
  assert.deepEqual(test2.images.data, images(2, 2, 3).subarray(16, 22));

  await assert.rejects(loadFashionMnist({ dir, split: 'valid' as never }), RangeError);
  await refuses(loadFashionMnist({ dir: path.join(os.tmpdir(), 'no-such-fashion-mnist') }), path.join(os.tmpdir(), 'no-such-fashion-mnist', 'train-images-idx3-ubyte.gz'), /not found: install Fashion-MNIST with `apt-get install dataset-fashion-mnist`.*pass \{ dir \}/);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-'));
  try {
    fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), images(4, 2, 3));
    fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte.gz'), gzip(labels([1, 2, 3])));
    const labelFile = path.join(tmp, 'train-labels-idx1-ubyte.gz');
    await refuses(loadFashionMnist({ dir: tmp, limit: 2 }), labelFile, /holds 3 labels but .*train-images-idx3-ubyte holds 4 images/);
    fs.writeFileSync(labelFile, gzip(labels([1, 2, 10, 3])));
    await refuses(loadFashionMnist({ dir: tmp }), labelFile, /image 2 has label 10, expected 0 to 9/);
    fs.writeFileSync(labelFile, gzip(labels([1, 2]).subarray(0, 9)));
    await refuses(loadFashionMnist({ dir: tmp }), labelFile, /truncated/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** The reference twin: node:zlib and fixed offsets, as the Fashion-MNIST README reads the files. */
function naive(file: string, offset: number): Buffer {
  return zlib.gunzipSync(fs.readFileSync(path.join(REAL_DIR, file))).subarray(offset);
}

test('real Fashion-MNIST (Debian dataset-fashion-mnist): counts, shapes, first items, every byte', { skip: SKIP_REAL }, async (t) => {
  for (const [split, prefix, n, firstSum] of [['train', 'train', 60000, 76247], ['test', 't10k', 10000, 33456]] as const) {
    const start = performance.now();
    const { images: m, labels: l, labelNames } = await loadFashionMnist({ split });
    const ms = performance.now() - start;
    assert.deepEqual({ rows: m.rows, cols: m.cols, labels: l.length }, { rows: n, cols: 784, labels: n });
    assert.equal(Buffer.compare(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), naive(`${prefix}-images-idx3-ubyte.gz`, 16)), 0);
    assert.equal(Buffer.compare(Buffer.from(l.buffer, l.byteOffset, l.byteLength), naive(`${prefix}-labels-idx1-ubyte.gz`, 8)), 0);
    // Facts of the data set, counted independently with Python's gzip module: balanced classes, first item an ankle boot.
    const counts = Array<number>(10).fill(0);
    for (const label of l) counts[label]!++;
    assert.deepEqual(counts, Array<number>(10).fill(n / 10));
    assert.equal(labelNames[l[0]!], 'Ankle boot');
    assert.equal(m.data.subarray(0, 784).reduce((s, v) => s + v, 0), firstSum);
    assert.equal(m.data.subarray(0, 784 * 100).reduce((a, v) => Math.max(a, v), 0), 255);
    t.diagnostic(`${split}: ${n} images read in ${ms.toFixed(0)} ms`);
  }
  const few = await loadFashionMnist({ split: 'test', limit: 3 });
  assert.deepEqual(few.labels, new Uint8Array([9, 2, 1]));
  assert.equal(few.images.rows, 3);
});

test('random corruptions of IDX files, raw and gzipped: a valid result or a DataFormatError, quickly', { timeout: 300_000 }, async (t) => {
  const bases = [...TYPE_FIXTURES.map((f) => f.file), 'images-3x4x5.idx', 'labels-3.idx'].map((f) => new Uint8Array(fs.readFileSync(fixture(f))));
  if (REAL) {
    // Real data, kept small: the test-set labels whole, and its first 30 images.
    bases.push(new Uint8Array(naive('t10k-labels-idx1-ubyte.gz', 0)));
    const head = naive('t10k-images-idx3-ubyte.gz', 0).subarray(0, 16 + 30 * 784);
    new DataView(head.buffer, head.byteOffset).setUint32(4, 30);
    bases.push(new Uint8Array(head));
  }
  const position = fc.oneof(fc.nat(40), fc.nat()); // header bytes more often than their share
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: position, xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
    fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('size' as const), dim: fc.nat(8), value: fc.oneof(fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 30, 2 ** 16, 0, 1), fc.nat()) }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(3), value: fc.integer({ min: 0, max: 255 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  const apply = (bytes: Uint8Array, m: Mutation): Uint8Array => {
    const at = bytes.length === 0 ? 0 : ('at' in m ? m.at : 0) % bytes.length;
    const out = new Uint8Array(bytes);
    switch (m.kind) {
      case 'flip': if (out.length) out[at]! ^= m.xor; return out;
      case 'truncate': return out.subarray(0, at);
      case 'insert': return new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
      case 'size': if (out.length >= 8 + 4 * m.dim) new DataView(out.buffer).setUint32(4 + 4 * m.dim, m.value); return out;
      case 'byte': if (out.length) out[at] = m.value; return out;
    }
  };
  const readers = [readIdx, loadIdxImages, loadIdxLabels] as const;
  let results = 0;
  let peak = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.constantFrom('raw', 'gzip of mutated', 'mutated gzip'),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      fc.nat(readers.length - 1),
      async (base, mode, mutations, reader) => {
        const start = mode === 'mutated gzip' ? gzip(bases[base]!) : bases[base]!;
        const mutated = mutations.reduce(apply, start);
        const bytes = mode === 'gzip of mutated' ? gzip(mutated) : mutated;
        try {
          const result = await readers[reader]!(bytes);
          const length = 'shape' in result ? result.shape.reduce((a, b) => a * b, 1) : 'rows' in result ? result.rows * result.cols : result.length;
          assert.equal('data' in result ? result.data.length : result.length, length);
          results++;
        } catch (error) {
          assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
          assert.equal(error.file, 'IDX data');
        }
        if (mode === 'raw' && reader === 0) {
          try {
            parseIdx(bytes);
          } catch (error) {
            assert.ok(error instanceof DataFormatError, `parseIdx: ${String(error)}`);
          }
        }
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      },
    ),
    { numRuns: 2000, seed: 20261127 },
  );
  t.diagnostic(`${results} of 2000 corrupted files gave a valid result, the rest a DataFormatError`);
  assert.ok(results > 20, `only ${results} of 2000 corruptions gave a result: the property barely tests the happy path`);
  assert.ok(peak < 256 * 2 ** 20, `array buffers peaked at ${(peak / 2 ** 20).toFixed(0)} MiB`);
});

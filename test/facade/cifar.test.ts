// CIFAR-10 in both layouts against the fixture's expected.json (every image's byte sums, labels, sample pixels), from
// folders and from bytes; options; selectLabel; missing and bad files; and mutated files (property-based).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { DataFormatError } from '../../src/errors.js';
import { loadCifar10, selectLabel, type Cifar10, type CifarFiles } from '../../src/data/cifar.js';

const ROOT = fileURLToPath(new URL('../fixtures/cifar-sample', import.meta.url));
const PY = join(ROOT, 'cifar-10-batches-py');
const BIN = join(ROOT, 'cifar-10-batches-bin');

interface ExpectedFile {
  N: number;
  labels: number[];
  pixel_sum: number[];
  gray_sum: number[];
  luma_sum: number[];
  gray_position_weighted_sum: number[];
  pixel_rgb_at_row0_col0: number[][];
  pixel_rgb_at_row5_col17: number[][];
}
const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as {
  label_names: string[];
  files: Record<string, ExpectedFile>;
  data_batch_1_image0_gray: number[];
};
const TRAIN = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'];

/** Every file of a fixture folder as a CifarFiles map: ArrayBuffers under `prefix/name`, or Uint8Arrays under bare names. */
function filesOf(folder: string, as: 'ArrayBuffer' | 'Uint8Array', prefix = ''): CifarFiles {
  return Object.fromEntries(readdirSync(folder).map((name) => {
    const bytes = new Uint8Array(readFileSync(join(folder, name)));
    return [`${prefix}${name}`, as === 'ArrayBuffer' ? bytes.buffer : bytes];
  }));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Checks every image of `cifar` against expected.json, the files' images stacked in `files` order. */
function assertMatches(cifar: Cifar10, files: string[]): void {
  const { data, labels } = cifar;
  assert.equal(data.cols, 3072);
  assert.equal(data.rows, files.reduce((n, f) => n + expected.files[f]!.N, 0));
  assert.equal(data.data.length, data.rows * 3072);
  assert.deepEqual(cifar.labelNames, expected.label_names);
  let row = 0;
  for (const file of files) {
    const e = expected.files[file]!;
    for (let i = 0; i < e.N; i++, row++) {
      const image = data.data.subarray(row * 3072, (row + 1) * 3072);
      const where = `${file} image ${i}`;
      assert.equal(labels[row], e.labels[i], `${where}: label`);
      assert.equal(image.reduce((s, v) => s + v, 0), e.pixel_sum[i], `${where}: byte sum`);
      let gray = 0;
      let luma = 0;
      let weighted = 0;
      for (let p = 0; p < 1024; p++) {
        const [r, g, b] = [image[p]!, image[1024 + p]!, image[2048 + p]!];
        gray += (r + g + b) / 3;
        luma += 0.299 * r + 0.587 * g + 0.114 * b;
        weighted += ((r + g + b) / 3) * (p + 1);
      }
      assert.ok(close(gray, e.gray_sum[i]!) && close(luma, e.luma_sum[i]!), `${where}: gray/luma sums`);
      assert.ok(close(weighted, e.gray_position_weighted_sum[i]!), `${where}: position-weighted gray sum (plane layout)`);
      assert.deepEqual([image[0], image[1024], image[2048]], e.pixel_rgb_at_row0_col0[i], `${where}: pixel (0, 0)`);
      const p = 5 * 32 + 17;
      assert.deepEqual([image[p], image[1024 + p], image[2048 + p]], e.pixel_rgb_at_row5_col17[i], `${where}: pixel (5, 17)`);
    }
  }
  if (files[0] === 'data_batch_1') {
    const gray = Array.from({ length: 1024 }, (_, p) => (data.data[p]! + data.data[1024 + p]! + data.data[2048 + p]!) / 3);
    gray.forEach((g, p) => assert.ok(close(g, expected.data_batch_1_image0_gray[p]!), `first image, gray pixel ${p}`));
  }
}

async function assertRefused(load: Promise<unknown>, file: string | RegExp, pattern: RegExp): Promise<void> {
  await assert.rejects(load, (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
    if (typeof file === 'string') assert.equal(error.file, file);
    else assert.match(error.file, file);
    assert.match(error.message, pattern);
    return true;
  });
}

// ---- both layouts, every image ----

test('python layout from its folder: every image and label of both splits', async () => {
  assertMatches(await loadCifar10(PY), TRAIN);
  assertMatches(await loadCifar10(PY, { split: 'test' }), ['test_batch']);
});

test('binary layout from its folder: every image and label of both splits', async () => {
  assertMatches(await loadCifar10(BIN), TRAIN);
  assertMatches(await loadCifar10(`${BIN}/`, { split: 'test' }), ['test_batch']);
});

test('a parent folder holding cifar-10-batches-py / -bin works too', async () => {
  assertMatches(await loadCifar10(ROOT), TRAIN);
  assertMatches(await loadCifar10(ROOT, { split: 'test' }), ['test_batch']);
});

test('from bytes: ArrayBuffers under folder-prefixed names, Uint8Arrays under bare names', async () => {
  assertMatches(await loadCifar10(filesOf(PY, 'ArrayBuffer', 'cifar-10-batches-py/')), TRAIN);
  assertMatches(await loadCifar10(filesOf(BIN, 'ArrayBuffer', 'cifar-10-batches-bin/'), { split: 'test' }), ['test_batch']);
  assertMatches(await loadCifar10(filesOf(PY, 'Uint8Array'), { split: 'test' }), ['test_batch']);
  assertMatches(await loadCifar10(filesOf(BIN, 'Uint8Array')), TRAIN);
});

test('both layouts give identical results', async () => {
  for (const split of ['train', 'test'] as const) {
    const [py, bin] = [await loadCifar10(PY, { split }), await loadCifar10(BIN, { split })];
    assert.deepEqual(py, bin);
  }
});

// ---- options and selectLabel ----

test('labels keeps the images of the given classes, by name or number, in order', async () => {
  const all = await loadCifar10(PY);
  const horses = await loadCifar10(PY, { labels: ['horse'] });
  assert.equal(horses.data.rows, 9);
  assert.ok(horses.labels.every((l) => l === 7));
  assert.deepEqual(horses.data, selectLabel(all.data, all.labels, 'horse', all.labelNames));
  const mixed = await loadCifar10(BIN, { labels: [7, 'cat'] });
  const rows = [...all.labels.keys()].filter((r) => all.labels[r] === 7 || all.labels[r] === 3);
  assert.deepEqual(Array.from(mixed.labels), rows.map((r) => all.labels[r]));
  rows.forEach((r, k) => assert.deepEqual(mixed.data.data.subarray(k * 3072, (k + 1) * 3072), all.data.data.subarray(r * 3072, (r + 1) * 3072)));
  assert.equal((await loadCifar10(PY, { split: 'test', labels: ['horse'] })).data.rows, 1);
  await assert.rejects(loadCifar10(PY, { split: 'test', labels: [] }), { name: 'RangeError', message: /labels is empty/ });
});

test('limit keeps the first N kept images, across batches', async () => {
  const all = await loadCifar10(BIN);
  for (const limit of [1, 5, 20, 25, 100, 1000]) {
    const first = await loadCifar10(BIN, { limit });
    const n = Math.min(limit, 100);
    assert.deepEqual(first.data, { rows: n, cols: 3072, data: all.data.data.subarray(0, n * 3072) });
    assert.deepEqual(first.labels, all.labels.subarray(0, n));
  }
  const twoHorses = await loadCifar10(PY, { labels: ['horse'], limit: 4 });
  const horses = selectLabel(all.data, all.labels, 7);
  assert.deepEqual(twoHorses.data.data, horses.data.subarray(0, 4 * 3072));
});

test('bad options are refused with RangeError or TypeError', async () => {
  await assert.rejects(loadCifar10(PY, { split: 'valid' as never }), RangeError);
  await assert.rejects(loadCifar10(PY, { limit: 0 }), RangeError);
  await assert.rejects(loadCifar10(PY, { limit: 2.5 }), RangeError);
  await assert.rejects(loadCifar10(PY, { labels: ['unicorn'] }), /unknown label 'unicorn'/);
  await assert.rejects(loadCifar10(PY, { labels: [10] }), RangeError);
  await assert.rejects(loadCifar10(PY, { labels: 'horse' as never }), TypeError);
  await assert.rejects(loadCifar10(PY, { shuffle: true } as never), /unknown CIFAR-10 option 'shuffle'/);
  await assert.rejects(loadCifar10({ test_batch: 'bytes' as never }, { split: 'test' }), TypeError);
});

test('selectLabel: the 9 train horses, by name or number, in the element type given', async () => {
  const { data, labels, labelNames } = await loadCifar10(PY);
  const horses = selectLabel(data, labels, 'horse', labelNames);
  assert.equal(horses.rows, 9);
  assert.ok(horses.data instanceof Uint8Array);
  const sums = TRAIN.flatMap((f) => expected.files[f]!.pixel_sum.filter((_, i) => expected.files[f]!.labels[i] === 7));
  assert.deepEqual(Array.from({ length: 9 }, (_, r) => horses.data.subarray(r * 3072, (r + 1) * 3072).reduce((s, v) => s + v, 0)), sums);
  assert.deepEqual(selectLabel(data, labels, 7), horses);
  const floats = selectLabel({ rows: data.rows, cols: 3072, data: Float32Array.from(data.data) }, labels, 7);
  assert.ok(floats.data instanceof Float32Array);
  assert.deepEqual(floats.data, Float32Array.from(horses.data));
  assert.throws(() => selectLabel(data, labels, 'unicorn', labelNames), RangeError);
  assert.throws(() => selectLabel(data, labels, 'horse'), /pass labelNames/);
  assert.throws(() => selectLabel(data, labels.subarray(1), 7), RangeError);
});

// ---- missing and bad files ----

test('missing files: a DataFormatError naming what is missing and where to get CIFAR-10', async () => {
  const { test_batch: _, ...noTest } = filesOf(PY, 'Uint8Array');
  await assertRefused(loadCifar10(noTest, { split: 'test' }), 'the CIFAR-10 files given', /missing test_batch .*https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
  const { 'data_batch_3.bin': __, ...noThird } = filesOf(BIN, 'Uint8Array');
  await assertRefused(loadCifar10(noThird), 'the CIFAR-10 files given', /missing data_batch_3\.bin \(binary layout\)/);
  await assertRefused(loadCifar10(join(ROOT, '..')), join(ROOT, '..'), /missing data_batch_1, .*batches\.meta/);
  await assertRefused(loadCifar10(join(ROOT, 'nowhere')), join(ROOT, 'nowhere'), /not a folder.*kriz\/cifar/);
});

/** `bytes` with the first occurrence of `from` (latin-1) replaced by `to`. */
function replaced(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf(from);
  assert.ok(at >= 0, `${JSON.stringify(from)} not found`);
  return new Uint8Array(Buffer.from(text.slice(0, at) + to + text.slice(at + from.length), 'latin1'));
}

test('bad python batches: a DataFormatError naming the file', async () => {
  const files = filesOf(PY, 'Uint8Array');
  const batch = files.test_batch as Uint8Array;
  const testWith = (bytes: Uint8Array) => loadCifar10({ ...files, test_batch: bytes }, { split: 'test' });
  await assertRefused(testWith(batch.subarray(0, 30_000)), 'test_batch', /truncated/);
  await assertRefused(testWith(replaced(batch, 'K\x04K\x09', 'K\x0aK\x09')), 'test_batch', /image 0 has label 10/);
  await assertRefused(testWith(replaced(batch, 'K\x14M\x00\x0c', 'K\x0aM\x00\x18')), 'test_batch', /'data' is 10×6144 \|u1/);
  await assertRefused(testWith(replaced(batch, 'U\x02u1', 'U\x02i1')), 'test_batch', /'data' is 20×3072 \|i1/);
  await assertRefused(testWith(replaced(batch, 'U\x06labels', 'U\x06labelz')), 'test_batch', /'labels' is not a list/);
  await assertRefused(testWith(replaced(batch, 'U\x04data', 'U\x04date')), 'test_batch', /no numpy array under 'data'/);
  await assertRefused(testWith(replaced(batch, 'numpy\nndarray', 'os\nsystem')), 'test_batch', /'os\.system'.*refused/);
  await assertRefused(testWith(new Uint8Array([0x80, 2, 0x5d, 0x2e])), 'test_batch', /not hold a pickled dict/);
  const meta = files['batches.meta'] as Uint8Array;
  await assertRefused(loadCifar10({ ...files, 'batches.meta': replaced(meta, 'U\x05truckq\x0c', '') }, { split: 'test' }), 'batches.meta', /9 label names/);
});

test('bad binary batches: a DataFormatError naming the file', async () => {
  const files = filesOf(BIN, 'Uint8Array', 'bin/');
  const batch = files['bin/test_batch.bin'] as Uint8Array;
  const testWith = (bytes: Uint8Array) => loadCifar10({ ...files, 'bin/test_batch.bin': bytes }, { split: 'test' });
  await assertRefused(testWith(batch.subarray(0, batch.length - 1)), 'bin/test_batch.bin', /61459 bytes, not a multiple of 3073/);
  await assertRefused(testWith(new Uint8Array(0)), 'bin/test_batch.bin', /0 bytes/);
  const badLabel = batch.slice();
  badLabel[3 * 3073] = 10;
  await assertRefused(testWith(badLabel), 'bin/test_batch.bin', /image 3 has label 10/);
  const nine = new TextEncoder().encode(expected.label_names.slice(0, 9).join('\n'));
  await assertRefused(loadCifar10({ ...files, 'bin/batches.meta.txt': nine }, { split: 'test' }), 'bin/batches.meta.txt', /9 label names/);
  await assertRefused(loadCifar10({ ...files, 'other/test_batch.bin': batch }, { split: 'test' }), 'other/test_batch.bin', /given twice/);
});

test('a bad file in a folder is named by its path', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'cifar-'));
  try {
    cpSync(PY, folder, { recursive: true });
    writeFileSync(join(folder, 'data_batch_3'), readFileSync(join(PY, 'data_batch_3')).subarray(0, 500));
    await assertRefused(loadCifar10(folder), `${folder}/data_batch_3`, /truncated/);
    assert.equal((await loadCifar10(folder, { limit: 40 })).data.rows, 40, 'batches past the limit are not read');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

// ---- mutated files (property-based) ----

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: number[] };

// Positions: near the start (headers, keys, dtype), near the end (filenames, meta), or anywhere.
const position = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: -1200, max: -1 }), fc.integer({ min: 0, max: 1 << 20 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }) },
);

function mutate(original: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    const at = m.at < 0 ? Math.max(0, bytes.length + m.at) : m.at % (bytes.length + 1);
    if (m.kind === 'flip' && at < bytes.length) bytes[at]! ^= 1 << m.bit;
    if (m.kind === 'truncate') bytes = bytes.slice(0, at);
    if (m.kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
  }
  return bytes;
}

/** Mutates one of `names` thousands of times: loadCifar10 must return a well-formed result or throw DataFormatError. */
async function fuzzLayout(files: CifarFiles, names: string[], seed: number): Promise<void> {
  let results = 0;
  let slowest = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...names), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (name, mutations) => {
      const bytes = mutate(files[name] as Uint8Array, mutations);
      const start = performance.now();
      try {
        const cifar = await loadCifar10({ ...files, [name]: bytes }, { split: 'test' });
        assert.equal(cifar.data.data.length, cifar.data.rows * 3072);
        assert.equal(cifar.labels.length, cifar.data.rows);
        assert.ok(cifar.labels.every((l) => l < 10) && cifar.labelNames.length === 10);
        results++;
      } catch (error) {
        assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
        assert.equal(error.file, name);
      }
      const ms = performance.now() - start;
      slowest = Math.max(slowest, ms);
      // A sane bound for ~60 KB of input: a linear reader needs well under a millisecond.
    }),
    { numRuns: 2000, seed },
  );
  console.log(`${names.join(' / ')}: ${results} of 2000 mutated inputs still read, the rest refused; slowest call ${slowest.toFixed(1)} ms`);
}

test('mutated python files (2000 runs): a result or a DataFormatError, nothing else, no hang', async () => {
  await fuzzLayout(filesOf(PY, 'Uint8Array'), ['test_batch', 'batches.meta'], 20261127);
});

test('mutated binary files (2000 runs): a result or a DataFormatError, nothing else, no hang', async () => {
  await fuzzLayout(filesOf(BIN, 'Uint8Array'), ['test_batch.bin', 'batches.meta.txt'], 20261128);
});

test('label names match exactly first, then regardless of case', () => {
  const data = { rows: 3, cols: 1, data: new Uint8Array([10, 20, 30]) };
  const labels = new Uint8Array([0, 1, 1]);
  assert.deepEqual(selectLabel(data, labels, 'SNEAKER', ['Shirt', 'Sneaker']).data, new Uint8Array([20, 30]));
  assert.deepEqual(selectLabel(data, labels, 'b', ['b', 'B']).data, new Uint8Array([10]), 'an exact name wins');
  assert.throws(() => selectLabel(data, labels, 'boot', ['Shirt', 'Sneaker']), /unknown label 'boot': expected one of 'Shirt', 'Sneaker'/);
});

// grayscale() against a naive per-pixel twin on awkward shapes, and against the CIFAR fixture's recorded sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { grayscale, type GrayscaleOptions } from '../../src/data/grayscale.js';
import { seeded } from './helpers.js';

const cifarDir = new URL('../fixtures/cifar-sample/', import.meta.url);
const WEIGHTS = { mean: [1 / 3, 1 / 3, 1 / 3], luminance: [0.299, 0.587, 0.114] } as const;

/** The twin: pixel p of row r, channel k, read from where the layout puts it; float64 throughout. */
function naiveGray(rows: number, pixels: number, value: (r: number, p: number, k: number) => number, method: 'mean' | 'luminance'): number[] {
  const [wr, wg, wb] = WEIGHTS[method];
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < pixels; p++) out.push(wr * value(r, p, 0) + wg * value(r, p, 1) + wb * value(r, p, 2));
  }
  return out;
}

function assertClose(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-6 * Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}: value ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

test('matches the naive twin: both methods, both layouts, bytes and floats, awkward sizes', () => {
  const random = seeded(3);
  for (const rows of [1, 3, 5]) {
    for (const pixels of [1, 3, 5, 17, 100, 1024]) {
      const cols = 3 * pixels;
      const bytes = Uint8Array.from({ length: rows * cols }, () => Math.floor(random() * 256));
      const floats = Float32Array.from({ length: rows * cols }, () => (random() - 0.3) * 500);
      for (const data of [bytes, floats]) {
        for (const method of ['mean', 'luminance'] as const) {
          for (const channels of ['planar', 'interleaved'] as const) {
            const at = channels === 'planar' ? (r: number, p: number, k: number) => data[r * cols + k * pixels + p]! : (r: number, p: number, k: number) => data[r * cols + 3 * p + k]!;
            const gray = grayscale({ rows, cols, data }, { method, channels });
            assert.equal(gray.rows, rows);
            assert.equal(gray.cols, pixels);
            assert.ok(gray.data instanceof Float32Array);
            assertClose(gray.data, naiveGray(rows, pixels, at, method), `${rows}×${pixels} ${data.constructor.name} ${method} ${channels}`);
          }
        }
      }
    }
  }
});

test('defaults are the chapter\'s: mean of R, G, B over planar rows, in the input\'s scale', () => {
  // One row of two pixels, planar: R = [30, 255], G = [60, 255], B = [91, 255].
  const gray = grayscale({ rows: 1, cols: 6, data: Uint8Array.from([30, 255, 60, 255, 91, 255]) });
  assert.deepEqual(Array.from(gray.data), [Math.fround(181 / 3), 255]);
  const luma = grayscale({ rows: 1, cols: 3, data: Uint8Array.from([255, 0, 0]) }, { method: 'luminance' });
  assert.deepEqual(Array.from(luma.data), [Math.fround(0.299 * 255)]);
});

test('the CIFAR fixture: per-image gray and luminance sums, pixel order, and the first image in full', () => {
  const expected = JSON.parse(readFileSync(new URL('expected.json', cifarDir), 'utf8'));
  const file = expected.files.data_batch_1;
  const bytes = readFileSync(new URL('cifar-10-batches-bin/data_batch_1.bin', cifarDir));
  const rows = file.N as number;
  assert.equal(bytes.length, rows * 3073);
  // Records are 1 label byte + 3072 pixel bytes; drop the labels to get the N × 3072 data set.
  const data = new Uint8Array(rows * 3072);
  for (let r = 0; r < rows; r++) data.set(bytes.subarray(r * 3073 + 1, (r + 1) * 3073), r * 3072);
  const pixels = { rows, cols: 3072, data };
  const gray = grayscale(pixels);
  const luma = grayscale(pixels, { method: 'luminance' });
  const sum = (v: Float32Array, weight = (_p: number) => 1): number => v.reduce((s, x, p) => s + x * weight(p), 0);
  for (let r = 0; r < rows; r++) {
    const g = gray.data.subarray(r * 1024, (r + 1) * 1024);
    const l = luma.data.subarray(r * 1024, (r + 1) * 1024);
    assert.ok(Math.abs(sum(g) - file.gray_sum[r]) < 1e-6 * file.gray_sum[r], `image ${r}: gray sum ${sum(g)}, expected ${file.gray_sum[r]}`);
    assert.ok(Math.abs(sum(l) - file.luma_sum[r]) < 1e-6 * file.luma_sum[r], `image ${r}: luminance sum ${sum(l)}, expected ${file.luma_sum[r]}`);
    const weighted = file.gray_position_weighted_sum[r];
    assert.ok(Math.abs(sum(g, (p) => p + 1) - weighted) < 1e-6 * weighted, `image ${r}: pixels out of order`);
  }
  assertClose(gray.data.subarray(0, 1024), expected.data_batch_1_image0_gray, 'data_batch_1 image 0');
  // The wrong layout gives a visibly wrong answer on this data, so the test above can tell the layouts apart.
  const wrong = grayscale(pixels, { channels: 'interleaved' });
  assert.ok(Math.abs(sum(wrong.data.subarray(0, 1024), (p) => p + 1) - file.gray_position_weighted_sum[0]) > 1000);
});

test('bad shapes and options are refused with a RangeError naming them', () => {
  assert.throws(() => grayscale({ rows: 2, cols: 3073, data: new Uint8Array(2 * 3073) }), {
    name: 'RangeError',
    message: /data is 2×3073: expected 3 values \(R, G, B\) per pixel, but 3073 is not divisible by 3/,
  });
  assert.throws(() => grayscale({ rows: 0, cols: 3, data: new Uint8Array(0) }), { name: 'RangeError', message: /empty/ });
  assert.throws(() => grayscale({ rows: 2, cols: 3, data: new Uint8Array(5) }), { name: 'RangeError', message: /holds 5 values/ });
  const data = { rows: 1, cols: 3, data: new Uint8Array(3) };
  assert.throws(() => grayscale(data, { method: 'median' } as unknown as GrayscaleOptions), { name: 'RangeError', message: /method is "median"/ });
  assert.throws(() => grayscale(data, { channels: 'rgb' } as unknown as GrayscaleOptions), { name: 'RangeError', message: /channels is "rgb"/ });
});

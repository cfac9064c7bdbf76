// Data bound as bytes (a Uint8Array matrix: pixels) stays one byte a value in WebAssembly memory and is widened a
// batch at a time inside the kernels: it must train the bits of the same values bound as f32, in every way of
// drawing batches, with corruption, separate targets and validation, on one thread and on two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, bindData, memoryBytes, type Matrix, type TrainOptions } from '../../src/entries/node.js';

function pixels(rows: number, cols: number, seed: number): Matrix<Uint8Array> {
  let state = seed;
  return { rows, cols, data: Uint8Array.from({ length: rows * cols }, () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24) };
}
const asFloats = (m: Matrix<Uint8Array>): Matrix<Float32Array> => ({ rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) });

test('a Uint8Array matrix is bound one byte a value: a quarter of the memory of f32', () => {
  const before = memoryBytes();
  const bound = bindData(pixels(4000, 3072, 1));
  assert.equal(bound.bytesPerValue, 1);
  const grown = memoryBytes() - before;
  assert.ok(grown <= 4000 * 3072 + 2 ** 16, `memory grew by ${grown} bytes for 12,288,000 bytes of pixels`);
  bound.dispose();
  assert.equal(bindData(asFloats(pixels(2, 3, 1))).bytesPerValue, 4);
});

const data = pixels(90, 48, 7);
const target = pixels(90, 48, 8);
const CASES: { name: string; options: (bytes: boolean) => TrainOptions }[] = [
  { name: 'random batches', options: () => ({ batchSize: 7 }) },
  { name: 'batches in order', options: () => ({ batchSize: 8, shuffle: false }) },
  { name: 'masked inputs (denoising), in order and at random', options: () => ({ batchSize: 9, corruption: { type: 'mask', fraction: 0.25 } }) },
  { name: 'a separate target of bytes', options: (bytes) => ({ batchSize: 5, target: bytes ? target : asFloats(target) }) },
  { name: 'a separate target of f32 beside data of bytes', options: () => ({ batchSize: 6, shuffle: false, target: asFloats(target) }) },
  { name: 'a validation fraction', options: () => ({ batchSize: 10, validation: 0.2 }) },
  { name: 'validation data of bytes with its target', options: (bytes) => ({ batchSize: 10, validation: { data: bytes ? data : asFloats(data), target: bytes ? target : asFloats(target) } }) },
];

for (const threads of [1, 2]) {
  for (const c of CASES) {
    test(`${threads} thread${threads > 1 ? 's' : ''}: bytes train the bits of their f32 values — ${c.name}`, () => {
      const run = (bytes: boolean) => {
        const ae = new Autoencoder(48, [13, 5], { seed: 4, threads, weightInit: 'glorot', learningRate: 0.01 });
        const history = ae.train(bytes ? data : asFloats(data), { epochs: 3, logEvery: 0, ...c.options(bytes) });
        const weights = Object.values(ae.getWeights()).map((w) => Array.from(new Uint32Array(Float32Array.from(w.data).buffer)));
        ae.dispose();
        return { losses: [...history], validation: history.validation, weights };
      };
      assert.deepEqual(run(true), run(false));
    });
  }
}

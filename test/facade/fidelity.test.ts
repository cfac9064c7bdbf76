// The wasm model against a float64 reference of the same math (test/reference.ts), started from the same weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, toArrays } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { ReferenceAutoencoder, finiteDifferenceGradients } from '../reference.js';
import { randomRows, referenceLayers, relativeError } from './helpers.js';

const TF1_RMSPROP = { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-10 };
const rows = toArrays(iris);

function compareLosses(wasm: number[], reference: number[], tolerance: number): number {
  assert.equal(wasm.length, reference.length);
  let worst = 0;
  wasm.forEach((loss, i) => {
    const error = relativeError(loss, reference[i]!);
    worst = Math.max(worst, error);
    assert.ok(error <= tolerance, `step ${i}: wasm loss ${loss}, reference ${reference[i]} (relative error ${error})`);
  });
  return worst;
}

test('3 iris epochs, one sample at a time: the loss after every step matches float64 within 1e-4', () => {
  const ae = new Autoencoder(4, 1, { seed: 7 });
  const ref = new ReferenceAutoencoder(referenceLayers(ae), TF1_RMSPROP);
  const wasmLosses: number[] = [];
  ae.train(iris, { epochs: 3, logEvery: 0, onEpoch: ({ batchLosses }) => wasmLosses.push(...batchLosses) });
  const refLosses: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) for (const row of rows) refLosses.push(ref.step([row]));
  assert.equal(wasmLosses.length, 450);
  compareLosses(wasmLosses, refLosses, 1e-4);
  ae.dispose();
});

test('2 epochs of fixed-order batches of 10 match float64 within 1e-4, with the same final weights', () => {
  const ae = new Autoencoder(4, 2, { seed: 3 });
  const ref = new ReferenceAutoencoder(referenceLayers(ae), TF1_RMSPROP);
  const wasmLosses: number[] = [];
  ae.train(iris, { epochs: 2, batchSize: 10, shuffle: false, logEvery: 0, onEpoch: ({ batchLosses }) => wasmLosses.push(...batchLosses) });
  const refLosses: number[] = [];
  for (let epoch = 0; epoch < 2; epoch++) for (let r = 0; r < rows.length; r += 10) refLosses.push(ref.step(rows.slice(r, r + 10)));
  assert.equal(wasmLosses.length, 30);
  compareLosses(wasmLosses, refLosses, 1e-4);
  const final = referenceLayers(ae);
  final.forEach((layer, l) => layer.W.forEach((w, i) => assert.ok(relativeError(w, ref.layers[l]!.W[i]!) < 1e-4, `layer ${l} W[${i}]`)));
  ae.dispose();
});

test('sigmoid and relu encoders, momentum, wider data, uneven batches: losses track float64', () => {
  const data = randomRows(23, 7, 11);
  for (const activation of ['sigmoid', 'relu', 'tanh'] as const) {
    const optimizer = { decay: 0.8, momentum: 0.5, epsilon: 1e-6 };
    const ae = new Autoencoder(7, 3, { seed: 5, activation, learningRate: 0.01, optimizer });
    const ref = new ReferenceAutoencoder(referenceLayers(ae), { learningRate: 0.01, ...optimizer });
    const wasmLosses: number[] = [];
    ae.train(data, { epochs: 3, batchSize: 5, shuffle: false, logEvery: 0, onEpoch: ({ batchLosses }) => wasmLosses.push(...batchLosses) });
    const refLosses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) for (let r = 0; r < data.length; r += 5) refLosses.push(ref.step(data.slice(r, r + 5)));
    compareLosses(wasmLosses, refLosses, 1e-4);
    ae.dispose();
  }
});

test('analytic gradients from wasm agree with central finite differences of the float64 loss', () => {
  const data = randomRows(6, 5, 2, -2, 2);
  for (const activation of ['tanh', 'sigmoid'] as const) {
    const ae = new Autoencoder(5, 3, { seed: 9, activation });
    const layers = referenceLayers(ae);
    const numeric = finiteDifferenceGradients(layers, data);
    const { loss, gradients } = ae.gradients(data);
    assert.ok(relativeError(loss, new ReferenceAutoencoder(layers, TF1_RMSPROP).loss(data)) < 1e-6);
    const analytic = [gradients['encode/weights'], gradients['encode/biases'], gradients['decode/weights'], gradients['decode/biases']];
    const expected = [numeric.W[0]!, numeric.b[0]!, numeric.W[1]!, numeric.b[1]!];
    analytic.forEach((g, k) => {
      assert.equal(g.data.length, expected[k]!.length);
      g.data.forEach((value, i) => {
        const error = Math.abs(value - expected[k]![i]!) / Math.max(Math.abs(expected[k]![i]!), 1e-2);
        assert.ok(error < 1e-4, `${activation} gradient ${k}[${i}]: wasm ${value}, finite differences ${expected[k]![i]}`);
      });
    });
    ae.dispose();
  }
});

test('gradients of more rows than one chunk (300 rows, 128 per chunk) agree with the float64 reference', () => {
  const data = randomRows(300, 5, 4, -2, 2);
  const ae = new Autoencoder(5, 3, { seed: 5 });
  const reference = new ReferenceAutoencoder(referenceLayers(ae), TF1_RMSPROP).gradients(data);
  const { loss, gradients } = ae.gradients(data);
  assert.ok(relativeError(loss, reference.loss) < 1e-6, `loss ${loss}, reference ${reference.loss}`);
  const analytic = [gradients['encode/weights'], gradients['encode/biases'], gradients['decode/weights'], gradients['decode/biases']];
  const expected = [reference.W[0]!, reference.b[0]!, reference.W[1]!, reference.b[1]!];
  analytic.forEach((g, k) => {
    g.data.forEach((value, i) => {
      const error = Math.abs(value - expected[k]![i]!) / Math.max(Math.abs(expected[k]![i]!), 1e-2);
      assert.ok(error < 1e-5, `gradient ${k}[${i}]: wasm ${value}, reference ${expected[k]![i]}`);
    });
  });
  ae.dispose();
});

// The description every interchange format writes from and reads into: a model's dense layers and the options that
// rebuild it, bit for bit, for every model kind; descriptions our models cannot be are refused by layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, VariationalAutoencoder } from '../../src/entries/index.js';
import { buildModel, denseLayers, describeModel, type ModelDescription } from '../../src/interop/description.js';
import { randomRows } from './helpers.js';

const models = () => [
  new Autoencoder(5, 3, { seed: 2 }),
  new Autoencoder(7, [5, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 3 }),
  new VariationalAutoencoder(6, 2, { seed: 4 }),
  new VariationalAutoencoder(6, 2, { hidden: [5, 4], activation: 'elu', outputActivation: 'sigmoid', klWeight: 0.5, seed: 5 }),
];

test('describe then build gives back every kind of model, weights bit for bit and the same outputs, with fresh optimizer state', () => {
  for (const model of models()) {
    model.train(randomRows(20, model.inputDim, 1, 0, 1), { epochs: 2, batchSize: 5, logEvery: 0 });
    const description = describeModel(model);
    const copy = buildModel(description);
    assert.equal(copy.constructor, model.constructor);
    assert.deepEqual(copy.getWeights(), model.getWeights());
    assert.equal(copy.epochsTrained, 0, 'a fresh model: only the weights travel');
    const rows = randomRows(4, model.inputDim, 9, 0, 1);
    if (model instanceof Autoencoder) assert.deepEqual((copy as Autoencoder).test(rows), model.test(rows));
    else assert.deepEqual((copy as VariationalAutoencoder).evaluate(rows), model.evaluate(rows));
    assert.deepEqual(denseLayers(description).map((l) => l.name), Object.keys(model.getWeights()).filter((k) => k.endsWith('/weights')).map((k) => k.slice(0, -8)));
    copy.dispose();
    model.dispose();
  }
});

test('a description our models cannot be is refused, naming the layer', () => {
  const model = new Autoencoder(7, [5, 3], { activation: 'relu' });
  const description = describeModel(model) as Extract<ModelDescription, { kind: 'autoencoder' }>;
  model.dispose();
  const withLayer = (l: number, change: object): ModelDescription => ({ ...description, layers: description.layers.map((layer, k) => (k === l ? { ...layer, ...change } : layer)) });
  assert.throws(() => buildModel(withLayer(1, { activation: 'tanh' })), /layer encode_1 has activation 'tanh', expected 'relu' \(one activation inside, one on the output\)/);
  assert.throws(() => buildModel(withLayer(2, { outDim: 4 })), /layer 2 is decode 3 → 4, expected decode 3 → 5/);
  assert.throws(() => buildModel(withLayer(0, { biases: new Float32Array(4) })), /encode\/biases holds 4 values, expected 5/);
  assert.throws(() => buildModel({ ...description, layers: description.layers.slice(1) }), /has 4 dense layers, got 3/);
  const weights = Float32Array.from(description.layers[1]!.weights);
  weights[3] = NaN;
  assert.throws(() => buildModel(withLayer(1, { weights })), /encode_1\/weights holds NaN at 3: a model's weights and biases must be finite/);
  assert.throws(() => buildModel(withLayer(3, { biases: new Float32Array([0, 0, -Infinity, 0, 0, 0, 0]) })), /decode_1\/biases holds -Infinity at 2/);
});

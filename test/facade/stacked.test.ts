// pretrainStacked, reproduced by hand stage by stage, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, pretrainStacked, type AutoencoderOptions } from '../../src/entries/index.js';
import { randomRows } from './helpers.js';

test('pretrainStacked equals training each stage by hand and stacking their layers', () => {
  const data = randomRows(30, 8, 12, 0, 1);
  const options: AutoencoderOptions = { seed: 5, activation: 'sigmoid', outputActivation: 'sigmoid', loss: 'bce', learningRate: 0.01 };
  const train = { epochs: 4, batchSize: 5, logEvery: 0, corruption: { type: 'mask', fraction: 0.2 } } as const;
  const deep = pretrainStacked(data, [6, 4, 3], options, train);
  assert.deepEqual(deep.hidden, [6, 4, 3]);

  const stage1 = new Autoencoder(8, 6, options);
  stage1.train(data, train);
  const codes1 = stage1.encode(data);
  const stage2 = new Autoencoder(6, 4, { ...options, seed: 6, outputActivation: 'sigmoid', loss: 'mse' });
  stage2.train(codes1, train);
  const codes2 = stage2.encode(codes1);
  const stage3 = new Autoencoder(4, 3, { ...options, seed: 7, outputActivation: 'sigmoid', loss: 'mse' });
  stage3.train(codes2, train);
  const [w1, w2, w3] = [stage1, stage2, stage3].map((stage) => stage.getWeights());
  const w = deep.getWeights();
  assert.deepEqual([w['encode/weights'], w['encode/biases'], w['decode_2/weights'], w['decode_2/biases']],
    [w1!['encode/weights'], w1!['encode/biases'], w1!['decode/weights'], w1!['decode/biases']]);
  assert.deepEqual([w['encode_1/weights'], w['encode_1/biases'], w['decode_1/weights'], w['decode_1/biases']],
    [w2!['encode/weights'], w2!['encode/biases'], w2!['decode/weights'], w2!['decode/biases']]);
  assert.deepEqual([w['encode_2/weights'], w['encode_2/biases'], w['decode/weights'], w['decode/biases']],
    [w3!['encode/weights'], w3!['encode/biases'], w3!['decode/weights'], w3!['decode/biases']]);
  assert.deepEqual(deep.encode(data), stage3.encode(codes2), 'the deep encoder is the stages\' encoders in turn');
  assert.deepEqual(deep.options, new Autoencoder(8, [6, 4, 3], options).options);
  for (const ae of [deep, stage1, stage2, stage3]) ae.dispose();
});

test('pretrainStacked refuses what cannot carry from stage to stage', () => {
  const data = randomRows(10, 4, 1);
  assert.throws(() => pretrainStacked(data, [3, 2], {}, { target: data }), /takes no target/);
  assert.throws(() => pretrainStacked(data, [3, 2], {}, { validation: data }), /validation as a fraction only/);
  assert.throws(() => pretrainStacked(data, [3, 0]), /hidden\[1\] must be a positive integer/);
});

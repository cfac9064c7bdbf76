// train's targets, corruption (denoising), validation and early stopping; corrupt(); version-2 checkpoints of
// every optimizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, corrupt, decodeCheckpoint, matrix, type AutoencoderOptions } from '../../src/entries/index.js';
import { randomRows } from './helpers.js';

const x = randomRows(40, 6, 21);
const quiet = { logEvery: 0 } as const;

test('test() and gradients() take a target: the loss and row losses compare the output with it', () => {
  const target = randomRows(40, 6, 22, 0, 1);
  const ae = new Autoencoder(6, [4, 2], { loss: 'mse', outputActivation: 'sigmoid', seed: 3 });
  const { reconstructed, loss, rowLosses } = ae.test(x, { target });
  let total = 0;
  target.forEach((row, r) => {
    const squared = row.reduce((sum, t, c) => sum + Math.fround(reconstructed.data[r * 6 + c]! - Math.fround(t)) ** 2, 0); // in f32, as the kernel subtracts
    assert.ok(Math.abs(rowLosses[r]! - squared / 6) < 1e-12, `row ${r}`);
    total += squared;
  });
  assert.ok(Math.abs(loss - total / 240) < 1e-12);
  assert.equal(ae.gradients(x, { target }).loss.toFixed(6), loss.toFixed(6));
  assert.throws(() => ae.test(x, { target: target.slice(1) }), /target has 39 rows, data has 40/);
  assert.throws(() => ae.train(x, { target: randomRows(40, 5, 1) }), /target row 0 has 5 values, the model expects 6/);
  ae.dispose();
});

/** The weights after training a fresh model with these options. */
function trained(options: AutoencoderOptions, data: number[][], train: Parameters<Autoencoder['train']>[1]) {
  const ae = new Autoencoder(6, [5, 3], options);
  const history = ae.train(data, { ...quiet, ...train });
  const weights = ae.getWeights();
  ae.dispose();
  return { weights, history };
}

test('corruption: a corruption that changes nothing trains as none; the targets stay the clean rows', () => {
  const plain = trained({ seed: 4 }, x, { epochs: 3, batchSize: 8, shuffle: false });
  for (const corruption of [{ type: 'gaussian', stddev: 0 }, { type: 'mask', fraction: 0 }, { type: 'saltAndPepper', fraction: 0 }] as const) {
    assert.deepEqual(trained({ seed: 4 }, x, { epochs: 3, batchSize: 8, shuffle: false, corruption }).weights, plain.weights, corruption.type);
  }
  // Masking every value is training on zeros towards the clean rows.
  const zeros = x.map((row) => row.map(() => 0));
  assert.deepEqual(
    trained({ seed: 4 }, x, { epochs: 3, batchSize: 8, shuffle: false, corruption: { type: 'mask', fraction: 1 } }).weights,
    trained({ seed: 4 }, zeros, { epochs: 3, batchSize: 8, shuffle: false, target: x }).weights,
  );
  const noisy = { epochs: 3, batchSize: 8, corruption: { type: 'gaussian', stddev: 0.3 } } as const;
  assert.deepEqual(trained({ seed: 4 }, x, noisy).weights, trained({ seed: 4 }, x, noisy).weights, 'the same seed draws the same corruption');
  assert.notDeepEqual(trained({ seed: 4 }, x, noisy).weights, trained({ seed: 4 }, x, { epochs: 3, batchSize: 8 }).weights);
});

test('corruption options are checked by name', () => {
  const ae = new Autoencoder(6, 2);
  assert.throws(() => ae.train(x, { corruption: { type: 'blur' } as never }), /unknown corruption type 'blur'/);
  assert.throws(() => ae.train(x, { corruption: { type: 'mask', fraction: 1.5 } }), /corruption.fraction must be a number in \[0, 1\]/);
  assert.throws(() => ae.train(x, { corruption: { type: 'gaussian', stddev: -1 } }), /corruption.stddev must be a finite number ≥ 0/);
  assert.throws(() => ae.train(x, { corruption: { type: 'gaussian', stddev: 1, fraction: 0.1 } as never }), /unknown gaussian corruption options 'fraction'/);
  assert.throws(() => ae.train(x, { corruption: { type: 'saltAndPepper', fraction: 0.1, high: Infinity } }), /corruption.high must be a finite number/);
  ae.dispose();
});

test('corrupt() draws each value independently with its own seeded generator', () => {
  const ones = { rows: 200, cols: 500, data: new Float32Array(100_000).fill(1) };
  const masked = corrupt(ones, { type: 'mask', fraction: 0.3 }, 5);
  assert.deepEqual(masked, corrupt(ones, { type: 'mask', fraction: 0.3 }, 5));
  assert.notDeepEqual(masked.data, corrupt(ones, { type: 'mask', fraction: 0.3 }, 6).data);
  const zeroed = masked.data.filter((v) => v === 0).length / 100_000;
  assert.ok(Math.abs(zeroed - 0.3) < 0.006, `mask rate ${zeroed}`); // 4 standard errors
  const sp = corrupt(ones, { type: 'saltAndPepper', fraction: 0.2, low: -1, high: 2 }, 5).data;
  const low = sp.filter((v) => v === -1).length / 100_000, high = sp.filter((v) => v === 2).length / 100_000;
  assert.ok(sp.every((v) => v === -1 || v === 1 || v === 2));
  assert.ok(Math.abs(low - 0.1) < 0.004 && Math.abs(high - 0.1) < 0.004, `salt ${high}, pepper ${low}`);
  const g = corrupt(ones, { type: 'gaussian', stddev: 0.5 }, 5).data;
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const std = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length);
  assert.ok(Math.abs(mean - 1) < 0.007 && Math.abs(std - 0.5) < 0.007, `mean ${mean}, std ${std}`);
  assert.deepEqual(corrupt([[1, 2]], { type: 'mask', fraction: 0 }), matrix([[1, 2]]));
});

test('validation: a fraction holds out the last rows from training and reports their loss every epoch', () => {
  const seen: number[] = [];
  const ae = new Autoencoder(6, [5, 3], { seed: 8 });
  const heldOut = x.slice(30);
  const history = ae.train(x, {
    ...quiet, epochs: 4, batchSize: 5, validation: 0.25,
    onEpoch: ({ validationLoss }) => {
      seen.push(validationLoss!);
      assert.ok(Math.abs(validationLoss! - ae.test(heldOut).loss) < 1e-12, 'the same loss, summed in another order');
    },
  });
  assert.deepEqual(history.validation, seen);
  assert.equal(history.validation!.length, 4);
  assert.deepEqual(ae.getWeights(), trained({ seed: 8 }, x.slice(0, 30), { epochs: 4, batchSize: 5 }).weights, 'the last ⌈0.25·40⌉ rows are not trained on');
  const target = randomRows(10, 6, 3);
  const explicit = ae.train(x, { ...quiet, epochs: 1, validation: { data: heldOut, target } });
  assert.ok(Math.abs(explicit.validation![0]! - ae.test(heldOut, { target }).loss) < 1e-12);
  assert.equal(ae.train(x, { ...quiet, epochs: 1 }).validation, undefined);
  assert.throws(() => ae.train(x, { validation: 1 }), /validation must be a fraction in \(0, 1\) or data, got 1/);
  assert.throws(() => ae.train(x.slice(0, 2), { validation: 0.9 }), /holds out 2 of 2 rows/);
  assert.throws(() => ae.train(x, { validation: { data: heldOut, target: target.slice(2) } }), /validation target has 8 rows, validation data has 10/);
  assert.throws(() => ae.train(x, { batchSize: 35, validation: 0.25 }), /batchSize 35 is larger than the data \(30 rows after the validation rows are held out\)/);
  ae.dispose();
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', () => {
  const runs = (restoreBest: boolean, minDelta: number) => {
    const ae = new Autoencoder(6, [5, 3], { seed: 8, learningRate: 0.01 });
    const weights: ReturnType<Autoencoder['getWeights']>[] = [];
    const history = ae.train(x, {
      ...quiet, epochs: 30, batchSize: 5, validation: 0.25, earlyStopping: { patience: 3, minDelta, restoreBest },
      onEpoch: () => weights.push(ae.getWeights()),
    });
    const result = { history, weights, final: ae.getWeights(), epochsTrained: ae.epochsTrained };
    ae.dispose();
    return result;
  };
  // With a huge minDelta only the first epoch improves: 1 + 3 epochs run.
  const stopped = runs(true, 1e9);
  assert.equal(stopped.history.length, 4);
  assert.equal(stopped.epochsTrained, 4);
  assert.deepEqual(stopped.final, stopped.weights[0]);
  assert.deepEqual(runs(false, 1e9).final, stopped.weights[3]);
  // Otherwise the rule holds epoch by epoch, and the best epoch's weights are kept.
  const { history, weights, final } = runs(true, 0);
  const validation = history.validation!;
  let best = 0;
  for (let epoch = 1; epoch < validation.length; epoch++) if (validation[epoch]! < validation[best]!) best = epoch;
  assert.ok(validation.length === 30 || validation.length - 1 - best === 3, `stopped at ${validation.length} with the best at ${best}`);
  assert.deepEqual(final, weights[best]);
  const ae = new Autoencoder(6, 2);
  assert.throws(() => ae.train(x, { earlyStopping: { patience: 2 } }), /earlyStopping needs validation data/);
  assert.throws(() => ae.train(x, { validation: 0.1, earlyStopping: { patience: 0 } }), /earlyStopping.patience must be a positive integer/);
  ae.dispose();
});

for (const options of [
  { optimizer: { name: 'adam' } },
  { optimizer: { name: 'sgd', momentum: 0.9, nesterov: true } },
  { optimizer: { name: 'sgd' } },
  { activation: 'leakyRelu', outputActivation: 'sigmoid', loss: 'bce', optimizer: { name: 'rmsprop', momentum: 0.5 } },
] as AutoencoderOptions[]) {
  test(`a version-2 checkpoint of ${JSON.stringify(options)} resumes bit for bit`, () => {
    const data = randomRows(30, 6, 9, 0, 1);
    const train = { ...quiet, epochs: 3, batchSize: 4, corruption: { type: 'mask', fraction: 0.2 } } as const;
    const straight = new Autoencoder(6, [4, 2], { ...options, learningRate: 0.01 });
    straight.train(data, train);
    straight.train(data, train);
    const first = new Autoencoder(6, [4, 2], { ...options, learningRate: 0.01 });
    first.train(data, train);
    const bytes = first.toBytes();
    const resumed = Autoencoder.fromBytes(bytes);
    assert.deepEqual(resumed.options, first.options);
    assert.deepEqual(resumed.hidden, [4, 2]);
    resumed.train(data, train);
    assert.deepEqual(resumed.getWeights(), straight.getWeights());
    assert.deepEqual(resumed.toBytes(), straight.toBytes());
    const { header, tensors } = decodeCheckpoint(bytes);
    assert.deepEqual(header.hidden, [4, 2]);
    const slots = { adam: ['Adam', 'Adam_1'], sgd: options.optimizer!.name === 'sgd' && options.optimizer!.momentum ? ['Momentum'] : [], rmsprop: ['RMSProp', 'RMSProp_1'] }[options.optimizer!.name!];
    assert.deepEqual(tensors.filter((t) => t.name.startsWith('decode_1/biases')).map((t) => t.name), ['decode_1/biases', ...slots.map((s) => `decode_1/biases/${s}`)]);
    assert.equal(header.steps, options.optimizer!.name === 'adam' ? 3 * 8 : 0, "Adam's step count");
    for (const ae of [straight, first, resumed]) ae.dispose();
  });
}

test('a loss that grows by orders of magnitude is divergence, even while it stays finite', () => {
  const ae = new Autoencoder(6, 2, { learningRate: 1e38 });
  const before = ae.getWeights();
  assert.throws(() => ae.train(x, { ...quiet, epochs: 5 }), (e: Error & { history?: number[] }) =>
    e.name === 'DivergenceError' && /the mean loss grew from [\d.]+ \(the first step\) to [\d.e+]+ in epoch 0, more than 10000-fold/.test(e.message) && e.history!.length === 0);
  assert.deepEqual(ae.getWeights(), before, 'put back to the start of the epoch');
  assert.equal(ae.epochsTrained, 0);
  ae.dispose();
});

test('an abort throws the signal\'s reason with the history of the finished epochs on it', async () => {
  const ae = new Autoencoder(6, 2);
  const controller = new AbortController();
  await assert.rejects(
    ae.trainAsync(x, { ...quiet, epochs: 10, validation: 0.2, signal: controller.signal, onEpoch: ({ epoch }) => epoch === 2 && controller.abort() }),
    (e: Error & { history?: number[] & { validation?: number[] } }) => e.name === 'AbortError' && e.history!.length === 3 && e.history!.validation!.length === 3,
  );
  const reason = { why: 'user' };
  assert.throws(() => ae.train(x, { ...quiet, epochs: 2, signal: AbortSignal.abort(reason) }), (e) => e === reason && Array.isArray((e as { history?: unknown }).history));
  assert.throws(() => ae.train(x, { ...quiet, epochs: 2, signal: AbortSignal.abort('text') }), (e) => e === 'text', 'a reason that is not an object is thrown as it is');
  ae.dispose();
});

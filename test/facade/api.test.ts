import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, bindData, getBatch, init, matrix, memoryBytes, toArrays } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { randomRows, seeded } from './helpers.js';

test('defaults follow the chapter', () => {
  const ae = new Autoencoder(4, 1);
  assert.deepEqual(ae.options, {
    epochs: 250,
    learningRate: 0.001,
    activation: 'tanh',
    outputActivation: 'linear',
    loss: 'rmse',
    seed: 1,
    weightInit: 'normal',
    optimizer: { name: 'rmsprop', decay: 0.9, momentum: 0, epsilon: 1e-10 },
  });
  assert.deepEqual([ae.hidden, ae.hiddenDim], [[1], 1]);
  const w = ae.getWeights();
  assert.deepEqual(Object.keys(w), ['encode/weights', 'encode/biases', 'decode/weights', 'decode/biases']);
  assert.deepEqual([w['encode/weights'].rows, w['encode/weights'].cols], [4, 1]);
  assert.deepEqual([w['encode/biases'].rows, w['encode/biases'].cols], [1, 1]);
  assert.deepEqual([w['decode/weights'].rows, w['decode/weights'].cols], [1, 4]);
  assert.deepEqual([w['decode/biases'].rows, w['decode/biases'].cols], [1, 4]);
  assert.ok(w['encode/biases'].data.every((b) => b === 0) && w['decode/biases'].data.every((b) => b === 0));
  ae.dispose();
});

test('initial weights are N(0, 1) draws of the seeded generator, or Glorot-scaled ones', () => {
  for (const [weightInit, expected] of [['normal', 1], ['glorot', 2 / (3072 + 100)]] as const) {
    const ae = new Autoencoder(3072, 100, { seed: 123, weightInit });
    for (const name of ['encode/weights', 'decode/weights'] as const) {
      const W = ae.getWeights()[name].data;
      const mean = W.reduce((s, w) => s + w, 0) / W.length;
      const variance = W.reduce((s, w) => s + (w - mean) ** 2, 0) / W.length;
      assert.ok(Math.abs(mean) < 0.01 * Math.sqrt(expected), `${weightInit} ${name} mean ${mean}`);
      assert.ok(Math.abs(variance / expected - 1) < 0.01, `${weightInit} ${name} variance ${variance}, expected ${expected}`);
    }
    ae.dispose();
  }
  assert.throws(() => new Autoencoder(4, 2, { weightInit: 'he' as 'normal' }), /unknown weightInit 'he': expected one of 'normal', 'glorot'/);
});

test('the same seed gives bit-identical weights after training; another seed does not', () => {
  const data = randomRows(40, 6, 1);
  const train = (seed: number) => {
    const ae = new Autoencoder(6, 2, { seed });
    ae.train(data, { epochs: 5, batchSize: 8, logEvery: 0 });
    const w = ae.getWeights();
    ae.dispose();
    return w;
  };
  const a = train(42), b = train(42), c = train(43);
  for (const name of Object.keys(a) as (keyof typeof a)[]) assert.deepEqual(a[name].data, b[name].data);
  assert.notDeepEqual(a['encode/weights'].data, c['encode/weights'].data);
});

test('training lowers the loss on iris and returns one history entry per epoch', () => {
  const ae = new Autoencoder(4, 2);
  const before = ae.test(iris).loss;
  const history = ae.train(iris, { epochs: 40, logEvery: 0 });
  assert.equal(history.length, 40);
  assert.ok(history[39]! < history[0]!);
  assert.ok(ae.test(iris).loss < before);
  assert.equal(ae.epochsTrained, 40);
  ae.train(iris, { epochs: 2, logEvery: 0 });
  assert.equal(ae.epochsTrained, 42);
  ae.dispose();
});

test('train continues from the current weights and optimizer state', () => {
  const once = new Autoencoder(4, 2, { seed: 4 });
  once.train(iris, { epochs: 6, logEvery: 0 });
  const twice = new Autoencoder(4, 2, { seed: 4 });
  twice.train(iris, { epochs: 3, logEvery: 0 });
  twice.train(iris, { epochs: 3, logEvery: 0 });
  assert.deepEqual(once.getWeights(), twice.getWeights());
  once.dispose();
  twice.dispose();
});

test('batch training: batchesPerEpoch sets the steps per epoch; default covers the data', () => {
  const ae = new Autoencoder(4, 2);
  const steps: number[] = [];
  ae.train(iris, { epochs: 2, batchSize: 10, logEvery: 0, onEpoch: ({ batchLosses }) => steps.push(batchLosses.length) });
  ae.train(iris, { epochs: 1, batchSize: 7, batchesPerEpoch: 500, logEvery: 0, onEpoch: ({ batchLosses }) => steps.push(batchLosses.length) });
  ae.train(iris, { epochs: 1, batchSize: 1, logEvery: 0, onEpoch: ({ batchLosses }) => steps.push(batchLosses.length) });
  assert.deepEqual(steps, [15, 15, 500, 150]);
  ae.dispose();
});

test('onEpoch reports epoch, loss and batch losses; logEvery prints like the chapter', () => {
  const ae = new Autoencoder(4, 1);
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    ae.train(iris, { epochs: 21 });
  } finally {
    console.log = log;
  }
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^epoch 0: loss = \d+\.\d+/);
  assert.match(lines[2]!, /^epoch 20: loss = /);
  const infos: { epoch: number; loss: number }[] = [];
  ae.train(iris, { epochs: 2, logEvery: 0, onEpoch: ({ epoch, loss, batchLosses }) => {
    infos.push({ epoch, loss });
    assert.ok(Math.abs(loss - batchLosses.reduce((s, l) => s + l, 0) / batchLosses.length) < 1e-9);
  } });
  assert.deepEqual(infos.map((i) => i.epoch), [0, 1]);
  ae.dispose();
});

test('an aborted signal stops training between epochs; trainAsync lets a timer abort it', async () => {
  const ae = new Autoencoder(4, 1);
  const controller = new AbortController();
  let epochs = 0;
  assert.throws(
    () => ae.train(iris, { epochs: 100, logEvery: 0, signal: controller.signal, onEpoch: ({ epoch }) => { epochs++; if (epoch === 4) controller.abort(); } }),
    { name: 'AbortError' },
  );
  assert.equal(epochs, 5);
  assert.equal(ae.epochsTrained, 5);
  await assert.rejects(ae.trainAsync(iris, { epochs: 1e6, logEvery: 0, signal: AbortSignal.timeout(30) }), { name: 'TimeoutError' });
  assert.ok(ae.epochsTrained > 5);
  ae.dispose();
});

test('a long epoch is taken in bounded calls: trainAsync yields inside it and a signal stops it there', async () => {
  // 2^24 steps on 4 rows are one epoch of seconds; the timer can only fire, and the abort be heard, between calls.
  const ae = new Autoencoder(4, 1);
  const rows = [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6], [4, 5, 6, 7]];
  let epochs = 0;
  const timer = AbortSignal.timeout(20);
  await assert.rejects(ae.trainAsync(rows, { epochs: 1, batchesPerEpoch: 2 ** 24, logEvery: 0, signal: timer, onEpoch: () => epochs++ }), { name: 'TimeoutError' });
  assert.equal(epochs, 0, 'stopped inside the epoch');
  assert.equal(ae.epochsTrained, 0);
  assert.ok(Number.isFinite(ae.test(rows).loss), 'the model stays usable');
  ae.dispose();
});

test('test, encode and decode agree; test reports the RMSE', () => {
  const ae = new Autoencoder(4, 2);
  ae.train(iris, { epochs: 5, logEvery: 0 });
  const { hidden, reconstructed, loss } = ae.test(iris);
  assert.deepEqual([hidden.rows, hidden.cols, reconstructed.rows, reconstructed.cols], [150, 2, 150, 4]);
  assert.deepEqual(ae.encode(iris), hidden);
  assert.deepEqual(ae.decode(hidden), reconstructed);
  let squared = 0;
  iris.data.forEach((x, i) => (squared += (x - reconstructed.data[i]!) ** 2));
  assert.ok(Math.abs(loss - Math.sqrt(squared / iris.data.length)) < 1e-6);
  assert.deepEqual(ae.test([[8, 4, 6, 2]]).hidden.rows, 1);
  ae.dispose();
});

test('rowLosses is each row\'s RMSE, and an anomaly score: a row unlike the training data scores highest', () => {
  const ae = new Autoencoder(4, 2, { seed: 3, learningRate: 0.01 });
  ae.train(iris, { epochs: 50, batchSize: 10, logEvery: 0 });
  const odd = [9, 1, 0.5, 4]; // wide flat sepals with tiny petals: no iris looks like this
  const rows = { rows: 151, cols: 4, data: Float32Array.from([...iris.data, ...odd]) };
  const { reconstructed, loss, rowLosses } = ae.test(rows);
  assert.equal(rowLosses.length, 151);
  for (let r = 0; r < 151; r++) {
    let squared = 0;
    for (let c = 0; c < 4; c++) squared += (rows.data[r * 4 + c]! - reconstructed.data[r * 4 + c]!) ** 2;
    assert.ok(Math.abs(rowLosses[r]! - Math.sqrt(squared / 4)) < 1e-6, `row ${r}`);
  }
  let squared = 0;
  rows.data.forEach((x, i) => (squared += (x - reconstructed.data[i]!) ** 2));
  assert.ok(Math.abs(loss - Math.sqrt(squared / rows.data.length)) < 1e-6);
  assert.equal(rowLosses.indexOf(Math.max(...rowLosses)), 150, 'the odd row scores highest');
  ae.dispose();
});

test('more rows than one evaluation chunk, and Uint8 pixel data', () => {
  const ae = new Autoencoder(16, 4, { seed: 2 });
  const random = seeded(5);
  const pixels = { rows: 2500, cols: 16, data: Uint8Array.from({ length: 2500 * 16 }, () => Math.floor(random() * 256)) };
  const whole = ae.encode(pixels);
  const floats = matrix(toArrays(pixels));
  assert.deepEqual(whole, ae.encode(floats));
  const tail = ae.encode({ rows: 3, cols: 16, data: floats.data.slice(-48) });
  assert.deepEqual(whole.data.slice(-12), tail.data);
  assert.deepEqual(ae.test(pixels).rowLosses.slice(-3), ae.test({ rows: 3, cols: 16, data: floats.data.slice(-48) }).rowLosses);
  ae.dispose();
});

test('setWeights replaces any subset, and getWeights returns copies', () => {
  const ae = new Autoencoder(3, 2);
  ae.setWeights({ 'decode/biases': [[1, 2, 3]], 'encode/weights': { rows: 3, cols: 2, data: new Float32Array([1, 0, 0, 1, 0, 0]) } });
  const w = ae.getWeights();
  assert.deepEqual(Array.from(w['decode/biases'].data), [1, 2, 3]);
  assert.deepEqual(Array.from(w['encode/weights'].data), [1, 0, 0, 1, 0, 0]);
  w['decode/biases'].data[0] = 99;
  assert.equal(ae.getWeights()['decode/biases'].data[0], 1);
  ae.setWeights({ 'decode/weights': [[0, 0, 0], [0, 0, 0]] });
  assert.deepEqual(Array.from(ae.test([[5, 6, 7]]).reconstructed.data), [1, 2, 3]);
  ae.dispose();
});

test('getBatch draws distinct rows of the data', () => {
  const data = Array.from({ length: 20 }, (_, i) => [i, i * 2]);
  const batch = getBatch(data, 20, seeded(1));
  const firsts = toArrays(batch).map((row) => row[0]!);
  assert.deepEqual([...firsts].sort((a, b) => a - b), data.map((row) => row[0]));
  toArrays(batch).forEach((row) => assert.equal(row[1], row[0]! * 2));
  assert.equal(getBatch(iris, 10).rows, 10);
});

test('dispose gives memory back: building and disposing models does not grow memory', () => {
  const grow = () => {
    const ae = new Autoencoder(3072, 100);
    ae.train(randomRows(20, 3072, 3), { epochs: 1, batchSize: 10, logEvery: 0 });
    ae.dispose();
  };
  grow();
  const before = memoryBytes();
  for (let i = 0; i < 5; i++) grow();
  assert.equal(memoryBytes(), before);
  const ae = new Autoencoder(2, 1);
  ae.dispose();
  assert.throws(() => ae.test([[1, 2]]), /disposed/);
});

test('bindData copies data once; training on it equals training on the data', () => {
  const data = randomRows(50, 6, 4);
  const direct = new Autoencoder(6, 3, { seed: 8 });
  direct.train(data, { epochs: 4, batchSize: 5, logEvery: 0 });
  const viaBound = new Autoencoder(6, 3, { seed: 8 });
  const bound = bindData(data);
  const before = memoryBytes();
  viaBound.train(bound, { epochs: 2, batchSize: 5, logEvery: 0 });
  viaBound.train(bound, { epochs: 2, batchSize: 5, logEvery: 0 });
  assert.equal(memoryBytes(), before);
  assert.deepEqual(viaBound.getWeights(), direct.getWeights());
  assert.throws(() => new Autoencoder(5, 2).train(bound, { logEvery: 0 }), /bound data has 6 values per row, the model expects 5/);
  bound.dispose();
  assert.throws(() => viaBound.train(bound, { logEvery: 0 }), /disposed/);
  direct.dispose();
  viaBound.dispose();
});

test('sequential epochs shorter than the data continue where the previous epoch stopped', () => {
  const data = randomRows(4, 3, 12);
  const stepwise = new Autoencoder(3, 2, { seed: 6 });
  const losses: number[] = [];
  stepwise.train(data, { epochs: 4, batchesPerEpoch: 1, logEvery: 0, onEpoch: ({ batchLosses }) => losses.push(batchLosses[0]!) });
  const onePass = new Autoencoder(3, 2, { seed: 6 });
  const passLosses: number[] = [];
  onePass.train(data, { epochs: 1, logEvery: 0, onEpoch: ({ batchLosses }) => passLosses.push(...batchLosses) });
  assert.deepEqual(losses, passLosses);
  assert.deepEqual(stepwise.getWeights(), onePass.getWeights());
  stepwise.dispose();
  onePass.dispose();
});

test('init after the module is loaded changes nothing; options are frozen', async () => {
  const ae = new Autoencoder(4, 1);
  const before = memoryBytes();
  await init({ wasm: new Uint8Array([0, 97, 115, 109]) });
  assert.equal(memoryBytes(), before);
  ae.train(iris, { epochs: 1, logEvery: 0 });
  assert.ok(Object.isFrozen(ae.options) && Object.isFrozen(ae.options.optimizer));
  ae.dispose();
});

test('getBatch checks only the rows it draws', () => {
  const data = [[1, 2], [3, 4], [NaN, 5]];
  const first = () => 0; // always the first row not yet drawn: rows 0, 1, …
  assert.deepEqual(Array.from(getBatch(data, 2, first).data), [1, 2, 3, 4]);
  assert.throws(() => getBatch(data, 3, first), /batch row 2, column 0 is NaN/);
  const pixels = { rows: 3, cols: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
  const batch = getBatch(pixels, 2, () => 0.999999);
  assert.ok(batch.data instanceof Uint8Array);
  assert.deepEqual(Array.from(batch.data), [5, 6, 1, 2]); // last remaining row each time: rows 2, then 0
});

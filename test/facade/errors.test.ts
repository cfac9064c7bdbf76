// Bad input gets a typed error that names the problem; nothing reaches the user as a wasm trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, DivergenceError, VariationalAutoencoder, bindData, memoryBytes, trainInWorker } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';

test('dimensions must be positive integers', () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity, '4' as unknown as number]) {
    assert.throws(() => new Autoencoder(bad, 2), { name: 'RangeError', message: /inputDim must be a positive integer/ });
    assert.throws(() => new Autoencoder(4, bad), { name: 'RangeError', message: /hiddenDim must be a positive integer/ });
  }
});

test('options are checked: activation, learning rate, epochs, seed, optimizer', () => {
  assert.throws(() => new Autoencoder(4, 2, { activation: 'softmax' as 'tanh' }), { name: 'RangeError', message: /unknown activation 'softmax': expected one of 'tanh', 'sigmoid', 'relu'/ });
  assert.throws(() => new Autoencoder(4, 2, { learningRate: 0 }), /learningRate must be a finite number > 0/);
  assert.throws(() => new Autoencoder(4, 2, { learningRate: NaN }), /learningRate/);
  assert.throws(() => new Autoencoder(4, 2, { epochs: -1 }), /epochs must be an integer ≥ 0/);
  assert.throws(() => new Autoencoder(4, 2, { seed: 1.5 }), /seed must be a non-negative integer/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { decay: 1 } }), /optimizer.decay must be a number in \[0, 1\)/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { momentum: -0.1 } }), /optimizer.momentum/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { epsilon: -1 } }), /optimizer.epsilon/);
});

test('data: empty, ragged, wrong width, non-finite, bad matrices', () => {
  const ae = new Autoencoder(4, 2);
  const cases: [unknown, RegExp][] = [
    [[], /data is empty: expected at least one row/],
    [[[1, 2, 3, 4], [1, 2, 3]], /data row 1 has 3 values, the model expects 4/],
    [[[1, 2, 3, 4, 5]], /data row 0 has 5 values, the model expects 4/],
    [[[1, 2, NaN, 4]], /data row 0, column 2 is NaN: values must be finite numbers/],
    [[[1, 2, 3, 4], [1, Infinity, 3, 4]], /data row 1, column 1 is Infinity/],
    [{ rows: 2, cols: 4, data: new Float32Array(7) }, /data is 2×4 but holds 7 values \(expected 8\)/],
    [{ rows: 1, cols: 3, data: new Float32Array(3) }, /data has 3 values per row, the model expects 4/],
    [{ rows: 0, cols: 4, data: new Float32Array(0) }, /data is empty/],
    [{ rows: 1, cols: 4, data: new Float32Array([1, 2, -Infinity, 4]) }, /data row 0, column 2 is -Infinity/],
    [{ rows: 1, cols: 4, data: [1, 2, 3, 4] }, /data.data must be a Float32Array or a Uint8Array/],
    [[['1', 2, 3, 4]], /data row 0, column 0 is 1: values must be finite numbers/],
    [[[1, 2, 3, 4], 'abcd'], /data row 1 is not an array/],
    ['not data', /must be a Matrix or an array of rows/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => ae.train(data as number[][], { epochs: 1, logEvery: 0 }), message);
    assert.throws(() => ae.test(data as number[][]), message);
  }
  assert.throws(() => ae.decode([[1, 2, 3]]), /codes row 0 has 3 values, the model expects 2/);
  ae.dispose();
});

test('train options: batch size larger than the data, bad counts, checkpointEvery without a receiver', () => {
  const ae = new Autoencoder(4, 2);
  assert.throws(() => ae.train(iris, { batchSize: 151 }), { name: 'RangeError', message: /batchSize 151 is larger than the data \(150 rows\)/ });
  assert.throws(() => ae.train(iris, { batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => ae.train(iris, { batchesPerEpoch: 2.5 }), /batchesPerEpoch must be a positive integer/);
  assert.throws(() => ae.train(iris, { epochs: -3 }), /epochs must be an integer ≥ 0/);
  assert.throws(() => ae.train(iris, { checkpointEvery: 5 }), { name: 'TypeError', message: /checkpointEvery needs an onCheckpoint/ });
  assert.equal(ae.epochsTrained, 0);
  ae.dispose();
});

test('setWeights: unknown names and wrong shapes are refused before anything changes', () => {
  const ae = new Autoencoder(3, 2);
  const before = ae.getWeights();
  assert.throws(() => ae.setWeights({ 'encode/bias': [[1, 2]] } as never), /unknown parameter 'encode\/bias': expected one of 'encode\/weights'/);
  assert.throws(() => ae.setWeights({ 'decode/biases': [[0, 0, 0]], 'encode/weights': [[1, 2]] }), /encode\/weights has 1 rows, expected 3×2/);
  assert.throws(() => ae.setWeights({ 'encode/biases': [[1, NaN]] }), /encode\/biases row 0, column 1 is NaN/);
  assert.deepEqual(ae.getWeights(), before);
  ae.dispose();
});

function divergence(run: () => void): DivergenceError {
  try {
    run();
  } catch (error) {
    if (error instanceof DivergenceError) return error;
    throw error;
  }
  assert.fail('expected a DivergenceError');
}

test('a non-finite loss stops training with DivergenceError; the weights of the last finite step are kept', () => {
  const ae = new Autoencoder(4, 1);
  // 2·3e38 overflows to +Inf and 2·(−3e38) to −Inf: their sum, the pre-activation, is NaN.
  ae.setWeights({ 'encode/weights': [[3e38], [3e38], [-3e38], [-3e38]] });
  const before = ae.getWeights();
  const error = divergence(() => ae.train([[2, 2, 2, 2]], { epochs: 3, logEvery: 0 }));
  assert.match(error.message, /training diverged: the loss became NaN in epoch 0, step 0; the weights of the last finite step were kept/);
  assert.deepEqual(error.history, []);
  assert.deepEqual(ae.getWeights(), before);
  ae.dispose();
});

test('weights that overflow are put back to the start of the epoch, and training can go on from there', () => {
  const ae = new Autoencoder(4, 1, { learningRate: 1e38 });
  ae.setWeights({ 'decode/weights': [[3e38, 3e38, 3e38, 3e38]] });
  const error = divergence(() => ae.train([[1, 2, 3, 4]], { epochs: 10, logEvery: 0 }));
  assert.match(error.message, /training diverged: .*; the weights overflowed, so the model was put back to its state at the start of epoch \d+/);
  assert.equal(ae.epochsTrained, error.history.length);
  for (const w of Object.values(ae.getWeights())) assert.ok(w.data.every(Number.isFinite));
  ae.dispose();
});

test('data too large for WebAssembly memory is refused with a RangeError, not a trap', () => {
  assert.throws(() => new Autoencoder(1 << 24, 64), { name: 'RangeError', message: /out of WebAssembly memory/ });
  assert.ok(memoryBytes() < 2 ** 32);
});

test('disposing a model or its bound data from a callback stops training before memory is touched', () => {
  const data = [[1, 2, 3, 4], [4, 3, 2, 1]];
  const ae = new Autoencoder(4, 2);
  let other: Autoencoder | undefined;
  let before: Float32Array | undefined;
  assert.throws(
    () => ae.train(data, { epochs: 3, logEvery: 0, onEpoch: () => {
      ae.dispose();
      other = new Autoencoder(4, 2, { seed: 9 }); // may reuse the freed memory
      before = other.getWeights()['encode/weights'].data;
    } }),
    { name: 'DisposedError', message: /this Autoencoder was disposed/ },
  );
  assert.deepEqual(other!.getWeights()['encode/weights'].data, before);
  other!.dispose();
  const model = new Autoencoder(4, 2);
  const bound = bindData(data);
  assert.throws(() => model.train(bound, { epochs: 3, logEvery: 0, onEpoch: () => bound.dispose() }), { name: 'DisposedError', message: /BoundData was disposed/ });
  model.dispose();
});

test('unknown option names are refused, in the constructor and in train', () => {
  assert.throws(() => new Autoencoder(4, 2, { learning_rate: 0.5 } as never), { name: 'RangeError', message: /unknown options 'learning_rate': expected 'epochs', 'learningRate'/ });
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { rho: 0.9 } } as never), /unknown optimizer options 'rho'/);
  const ae = new Autoencoder(4, 2);
  assert.throws(() => ae.train(iris, { learningRate: 0.1 } as never), /unknown train options 'learningRate'/);
  assert.throws(() => ae.setWeights({ toString: [[1]] } as never), /unknown parameter 'toString'/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { epsilon: 0 } }), /optimizer.epsilon must be a finite number > 0/);
  ae.dispose();
});

test('trainInWorker outside a runtime with Web Workers says what to use instead', async () => {
  await assert.rejects(trainInWorker([[1, 2]], { hidden: 1 }), { name: 'TypeError', message: /trainInWorker needs Web Workers .*; in Node, use train or trainAsync/ });
  await assert.rejects(trainInWorker([[1, NaN]], { hidden: 1 }), { name: 'RangeError', message: /data row 0, column 1 is NaN/ });
});

test("trainInWorker names a VariationalAutoencoder's mistakes, and the shape it expects, in every runtime", async () => {
  const rows = [[0.25, 0.75]];
  await assert.rejects(trainInWorker(rows, { model: { hidden: [4] } } as never), {
    name: 'TypeError',
    message: "trainInWorker needs an Autoencoder's hidden layer widths (e.g. { hidden: 64 }) or a VariationalAutoencoder's latentDim (e.g. { latentDim: 2, model: { hidden: [256] } })",
  });
  for (const bad of [0, -1, 1.5, NaN, '2']) {
    await assert.rejects(trainInWorker(rows, { latentDim: bad as number }), {
      name: 'RangeError',
      message: `latentDim must be a positive integer, the width of the VariationalAutoencoder's code (e.g. { latentDim: 2 }), got ${String(bad)}`,
    });
  }
  // @ts-expect-error: hidden asks for an Autoencoder, latentDim for a VariationalAutoencoder
  await assert.rejects(trainInWorker(rows, { hidden: 4, latentDim: 2 }), { name: 'TypeError', message: /, not both: a VariationalAutoencoder's hidden layers go in model\.hidden$/ });
  await assert.rejects(trainInWorker(rows, { latentDim: 2, model: { hidden: 4 as never } }), { name: 'RangeError', message: /hidden must be an array of 0 to 64 layer widths, e\.g\. \[256\]; got 4/ });
});

test('trainInWorker refuses a checkpoint of the other kind of model, saying what to pass, before it looks for a worker', async () => {
  const rows = [[0.25, 0.75]];
  const vae = new VariationalAutoencoder(2, 3, { hidden: [4] });
  const ae = new Autoencoder(2, [4, 1]);
  await assert.rejects(trainInWorker(rows, { hidden: 4, checkpoint: vae.toBytes() }), {
    name: 'CheckpointError',
    message: 'this checkpoint holds a VariationalAutoencoder, not an Autoencoder: pass its latentDim instead of hidden, e.g. { latentDim: 3, checkpoint }',
  });
  await assert.rejects(trainInWorker(rows, { latentDim: 3, checkpoint: ae.toBytes() }), {
    name: 'CheckpointError',
    message: 'this checkpoint holds an Autoencoder, not a VariationalAutoencoder: pass its hidden instead of latentDim, e.g. { hidden: [4,1], checkpoint }',
  });
  await assert.rejects(trainInWorker(rows, { latentDim: 2, checkpoint: vae.toBytes() }), {
    name: 'RangeError',
    message: "latentDim is 2, but the checkpoint's VariationalAutoencoder has latentDim 3: pass { latentDim: 3, checkpoint }",
  });
  await assert.rejects(trainInWorker(rows, { latentDim: 3, checkpoint: vae.toBytes() }), /trainInWorker needs Web Workers/, 'a checkpoint of the kind asked for passes');
  vae.dispose();
  ae.dispose();
});

// What happens to memory when things go wrong mid-way: a refused growth, a model disposed during its own training,
// a worker job refused before it starts. Nothing of another object may be overwritten, nothing may stay locked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, VariationalAutoencoder, bindData, trainInWorker } from '../../src/entries/index.js';
import { getRuntime } from '../../src/runtime/wasm.js';
import { randomRows } from './helpers.js';

const sevens = (rows: number) => ({ rows, cols: 4, data: new Float32Array(rows * 4).fill(7) });

test('a growth the runtime refuses leaves the model training in the buffers it had', () => {
  const data = bindData(randomRows(40, 4, 1)); // bound first, so that the refused allocation is the model's own
  const ae = new Autoencoder(4, 3);
  ae.train(data, { epochs: 1, batchSize: 4, logEvery: 0 });
  const { arena } = getRuntime();
  const alloc = arena.alloc.bind(arena);
  arena.alloc = () => {
    arena.alloc = alloc;
    throw new RangeError('out of WebAssembly memory: the runtime refused to grow it');
  };
  assert.throws(() => ae.train(data, { epochs: 1, batchSize: 20, logEvery: 0 }), /refused to grow/);
  const other = bindData(sevens(16));
  ae.train(data, { epochs: 2, batchSize: 4, logEvery: 0 });
  ae.train(other, { epochs: 1, batchSize: 4, logEvery: 0 });
  const copy = new Float32Array(getRuntime().kernels.memory.buffer, other.pointer(), 64);
  assert.ok(copy.every((v) => v === 7), 'the bound data was not written over');
  assert.doesNotThrow(() => ae.dispose(), 'the model gives back exactly the blocks it holds');
  other.dispose();
  data.dispose();
});

test('a model disposed from onEpoch stops training without writing into memory it gave back', () => {
  for (const train of [{ corruption: { type: 'mask', fraction: 0.1 } }, { validation: 0.25, earlyStopping: { patience: 1 } }] as const) {
    const ae = new Autoencoder(4, 3);
    let other: ReturnType<typeof bindData> | undefined;
    assert.throws(
      () => ae.train(randomRows(40, 4, 2), { ...train, epochs: 3, logEvery: 0, onEpoch: () => {
        ae.dispose();
        other = bindData(sevens(64)); // lands where the model's memory was
      } }),
      { name: 'DisposedError' },
    );
    assert.ok(new Float32Array(getRuntime().kernels.memory.buffer, other!.pointer(), 256).every((v) => v === 7), JSON.stringify(train));
    other!.dispose();
  }
});

test('trainInWorker refuses bad options before it takes a worker, so the worker stays free', async () => {
  const posted: unknown[] = [];
  const worker = { postMessage: (m: unknown) => posted.push(m), addEventListener() {}, removeEventListener() {}, terminate() {} } as unknown as Worker;
  await assert.rejects(trainInWorker([[1, 2]], { hidden: 1, worker, target: [[1, NaN]] }), /target row 0, column 1 is NaN/);
  await assert.rejects(trainInWorker([[1, 2]], { hidden: 1, worker, validation: null as never }), { name: 'TypeError', message: /validation must be a fraction/ });
  const job = trainInWorker([[1, 2]], { hidden: 1, worker });
  assert.equal(posted.length, 1, 'the worker was free for the next job');
  void job;
});

test('trainInWorker refuses a checkpoint of the other kind before it takes a worker, and asks the worker for the kind of model asked for', async () => {
  const posted: { kind: string; latentDim?: number }[] = [];
  const worker = { postMessage: (m: { kind: string }) => posted.push(m), addEventListener() {}, removeEventListener() {}, terminate() {} } as unknown as Worker;
  const ae = new Autoencoder(2, 1);
  await assert.rejects(trainInWorker([[1, 2]], { latentDim: 1, worker, checkpoint: ae.toBytes() }), { name: 'CheckpointError' });
  ae.dispose();
  const job = trainInWorker([[1, 2]], { latentDim: 3, worker });
  assert.deepEqual(posted.map(({ kind, latentDim }) => [kind, latentDim]), [['vae', 3]], 'the worker was free for the next job');
  void job;
});

test('validation of the wrong kind and holes in hidden are clear errors', () => {
  const ae = new Autoencoder(4, 2);
  assert.throws(() => ae.train(randomRows(8, 4, 3), { validation: null as never }), { name: 'TypeError', message: /validation must be a fraction in \(0, 1\), data, or \{ data, target \}/ });
  assert.throws(() => ae.train(randomRows(8, 4, 3), { validation: 'last' as never }), { name: 'TypeError' });
  ae.dispose();
  // eslint-disable-next-line no-sparse-arrays
  assert.throws(() => new Autoencoder(4, [, 2] as number[]), /hidden\[0\] must be a positive integer, got undefined/);
});

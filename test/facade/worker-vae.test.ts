// trainInWorker with a VariationalAutoencoder, in Node: the package's training worker (src/worker/worker.ts) runs
// on a worker thread behind the part of the Web Worker interface trainInWorker uses, and must give the bits that
// training on this thread gives, epoch terms and checkpoints included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker as NodeWorker } from 'node:worker_threads';
import { Autoencoder, VariationalAutoencoder, trainInWorker, type EpochInfo, type VaeWorkerTrainOptions } from '../../src/entries/index.js';
import { weightsHex } from '../browser/bits.js';
import { randomRows } from './helpers.js';

// The worker thread's global scope answers as a module worker's does, then loads the worker module through tsx.
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.addEventListener = (type, listener) => parentPort.on(type, (data) => listener({ data }));
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
import(workerData.tsx).then(({ register }) => { register(); return import(workerData.worker); });
`;

/** The package's training worker on a worker thread, as a Worker; `close()` ends the thread. */
function trainingWorker(): { worker: Worker; close: () => Promise<number> } {
  const thread = new NodeWorker(BOOT, {
    eval: true,
    workerData: { tsx: import.meta.resolve('tsx/esm/api'), worker: new URL('../../src/worker/worker.ts', import.meta.url).href },
  });
  type Listener = (event: { data: unknown } | { type: string; message: string }) => void;
  const wrapped = new Map<Listener, (value: unknown) => void>();
  const worker = {
    postMessage: (message: unknown, transfer: Transferable[]) => thread.postMessage(message, transfer as never),
    addEventListener: (type: string, listener: Listener) => {
      const asEvent = (value: unknown) => listener(type === 'message' ? { data: value } : { type, message: String(value) });
      wrapped.set(listener, asEvent);
      thread.on(type, asEvent);
    },
    removeEventListener: (type: string, listener: Listener) => void thread.off(type, wrapped.get(listener)!),
    terminate: () => void thread.terminate(),
  };
  return { worker: worker as unknown as Worker, close: () => thread.terminate() };
}

const data = randomRows(60, 8, 41, 0, 1);
const JOB = {
  latentDim: 2,
  model: { hidden: [6], seed: 5, activation: 'elu', outputActivation: 'sigmoid', optimizer: { name: 'adam' } },
  epochs: 3,
  batchSize: 8,
  corruption: { type: 'mask', fraction: 0.1 },
  validation: 0.2,
} as const satisfies VaeWorkerTrainOptions;

/** onEpoch's info as it crosses from the worker: without the batch losses. */
const crossing = ({ batchLosses: _batchLosses, ...info }: EpochInfo) => info;

test('trainInWorker trains a VariationalAutoencoder to the bits train gives on this thread, with reconstruction and kl every epoch', async () => {
  const { worker, close } = trainingWorker();
  try {
    const epochs: unknown[] = [];
    const result = await trainInWorker(data, { ...JOB, worker, onEpoch: (info) => epochs.push(info) });
    const { latentDim, model, ...train } = JOB;
    const local = new VariationalAutoencoder(8, latentDim, model);
    const localEpochs: unknown[] = [];
    const history = local.train(data, { ...train, logEvery: 0, onEpoch: (info) => localEpochs.push(crossing(info)) });
    assert.ok(result.model instanceof VariationalAutoencoder);
    assert.equal(weightsHex(result.model.getWeights()), weightsHex(local.getWeights()));
    assert.deepEqual(result.checkpoint, local.toBytes(), 'the checkpoint is the one train leaves');
    assert.deepEqual([...result.history], [...history]);
    assert.deepEqual(result.history.validation, history.validation);
    assert.deepEqual(epochs, localEpochs);
    assert.ok(epochs.every((info) => typeof (info as EpochInfo).reconstruction === 'number' && typeof (info as EpochInfo).kl === 'number'));
    result.model.dispose();
    local.dispose();
  } finally {
    await close();
  }
});

test('trainInWorker continues checkpoints of both kinds where train continues them', async () => {
  const { worker, close } = trainingWorker();
  try {
    const { latentDim, model, ...train } = JOB;
    const vae = new VariationalAutoencoder(8, latentDim, model);
    const ae = new Autoencoder(8, [5, 3], { seed: 6, optimizer: { name: 'adam' } });
    for (const local of [vae, ae]) local.train(data, { ...train, logEvery: 0 });
    const continued = [
      await trainInWorker(data, { latentDim, checkpoint: vae.toBytes(), worker, epochs: 2, batchSize: 8 }),
      await trainInWorker(data, { hidden: [5, 3], checkpoint: ae.toBytes(), worker, epochs: 2, batchSize: 8 }),
    ];
    for (const local of [vae, ae]) local.train(data, { epochs: 2, batchSize: 8, logEvery: 0 });
    assert.ok(continued[0]!.model instanceof VariationalAutoencoder && continued[1]!.model instanceof Autoencoder);
    assert.deepEqual(continued.map(({ model }) => model.epochsTrained), [5, 5]);
    assert.deepEqual(continued.map(({ model }) => weightsHex(model.getWeights())), [vae, ae].map((local) => weightsHex(local.getWeights())));
    for (const model of [vae, ae, ...continued.map((c) => c.model)]) model.dispose();
  } finally {
    await close();
  }
});

test("a VariationalAutoencoder's error in the worker arrives typed, and the worker takes the next job", async () => {
  const { worker, close } = trainingWorker();
  try {
    await assert.rejects(trainInWorker(data, { latentDim: 2 ** 25, worker, epochs: 1 }), { name: 'RangeError', message: /latentDim is 33554432; at most 16777216/ });
    const { model } = await trainInWorker(data, { latentDim: 2, worker, epochs: 1 });
    assert.equal(model.latentDim, 2);
    model.dispose();
  } finally {
    await close();
  }
});

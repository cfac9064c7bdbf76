// Work split among threads must not change a bit. Without a pool, one thread runs every part of each phase in turn
// (assembly/parallel.ts), which gives exactly what that many threads would: these tests check every split rule
// against one thread, for every model kind, optimizer and batch size. Then the same with real threads: the Node
// entry loads the threaded build, whose pool runs each part on a worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Autoencoder, VariationalAutoencoder, type AutoencoderOptions, type TrainOptions, type VariationalAutoencoderOptions } from '../../src/entries/node.js';
import type { Network } from '../../src/runtime/network.js';
import { getRuntime } from '../../src/runtime/wasm.js';
import { runningWorkers } from '../../src/runtime/node-workers.js';
import { PROBE_EVERY, ThreadGovernor } from '../../src/runtime/thread-governor.js';
import { randomRows } from './helpers.js';

function splitInto<M extends Autoencoder | VariationalAutoencoder>(ae: M, threads: number): M {
  (ae as unknown as { network: Network }).network.setThreads(threads, 0);
  return ae;
}

/** Every weight's bits, in order. */
function bits(ae: Autoencoder | VariationalAutoencoder): Uint32Array[] {
  return Object.values(ae.getWeights()).map((w) => new Uint32Array(Float32Array.from(w.data).buffer));
}

interface Case {
  name: string;
  inputDim: number;
  hidden: number | number[];
  model: AutoencoderOptions;
  train?: TrainOptions;
}

const CASES: Case[] = [
  { name: "the chapter's model", inputDim: 75, hidden: 19, model: {} },
  { name: 'deep relu, Adam, glorot', inputDim: 61, hidden: [27, 9], model: { activation: 'relu', optimizer: { name: 'adam' }, weightInit: 'glorot' } },
  { name: 'sigmoid output, BCE, RMSProp with momentum', inputDim: 40, hidden: [13], model: { outputActivation: 'sigmoid', loss: 'bce', optimizer: { name: 'rmsprop', momentum: 0.5 } } },
  { name: 'elu, SGD with Nesterov momentum, MSE', inputDim: 33, hidden: [17, 6, 3], model: { activation: 'elu', loss: 'mse', learningRate: 0.001, weightInit: 'glorot', optimizer: { name: 'sgd', momentum: 0.9, nesterov: true } } },
  { name: 'denoising, leaky relu, validation', inputDim: 52, hidden: [21], model: { activation: 'leakyRelu' }, train: { corruption: { type: 'mask', fraction: 0.3 }, validation: 0.2 } },
  { name: 'saturated raw pixels (dead units skipped)', inputDim: 48, hidden: 11, model: {}, train: {} },
  // 37 rows of 1000 inputs and targets pass SPLIT_COPY_VALUES (assembly/train.ts): every thread copies its share.
  { name: 'denoising, wide rows (a batch copied by every thread)', inputDim: 1000, hidden: 9, model: {}, train: { corruption: { type: 'gaussian', stddev: 0.1 } } },
];

/** Weights, losses, test and gradients of a model of `c` trained at `batchSize` on `threads` threads, made by `build`. */
function outcome(c: Case, batchSize: number, build: (c: Case) => Autoencoder) {
  const data = randomRows(90, c.inputDim, 7, 0, c.name.startsWith('saturated') ? 255 : 1);
  const ae = build(c);
  const history = ae.train(data, { epochs: 2, batchSize, logEvery: 0, ...c.train });
  const result = { weights: bits(ae), losses: [...history], validation: history.validation, test: ae.test(data.slice(0, 13)).rowLosses, gradients: ae.gradients(data.slice(0, 9)) };
  ae.dispose();
  return result;
}

const model = (c: Case, threads: number) => new Autoencoder(c.inputDim, c.hidden, { seed: 3, ...c.model, threads });

for (const c of CASES) {
  test(`split among 2, 3 and 4 threads, ${c.name} trains the bits of one thread at batches 1, 5, 8 and 37`, () => {
    for (const batchSize of [1, 5, 8, 37]) {
      const one = outcome(c, batchSize, (c) => model(c, 1));
      for (const threads of [2, 3, 4]) assert.deepEqual(outcome(c, batchSize, (c) => splitInto(model(c, 1), threads)), one, `${threads} threads, batch ${batchSize}`);
    }
  });
}

for (const c of CASES) {
  test(`on real threads (2 and 4), ${c.name} trains the bits of one thread at batches 1, 8 and 37`, () => {
    for (const batchSize of [1, 8, 37]) {
      const one = outcome(c, batchSize, (c) => model(c, 1));
      for (const threads of [2, 4]) {
        const result = outcome(c, batchSize, (c) => {
          const ae = model(c, threads);
          assert.equal(ae.threads, threads);
          return ae;
        });
        assert.deepEqual(result, one, `${threads} threads, batch ${batchSize}`);
      }
    }
  });
}

interface VaeCase {
  name: string;
  inputDim: number;
  latentDim: number;
  model: VariationalAutoencoderOptions;
  train?: TrainOptions;
}

const VAE_CASES: VaeCase[] = [
  { name: 'a VAE, hidden [13], BCE, RMSProp', inputDim: 40, latentDim: 3, model: { hidden: [13], outputActivation: 'sigmoid' } },
  { name: 'a VAE, hidden [27, 9], relu, Adam, MSE, β 0.5', inputDim: 61, latentDim: 5, model: { hidden: [27, 9], activation: 'relu', optimizer: { name: 'adam' }, klWeight: 0.5, weightInit: 'glorot' } },
  { name: 'a VAE without hidden layers, validation', inputDim: 33, latentDim: 2, model: { learningRate: 0.01 }, train: { validation: 0.2 } },
];

/** Weights, losses, evaluation, gradients for a given noise, and samples of a VAE of `c` trained at `batchSize`. */
function vaeOutcome(c: VaeCase, batchSize: number, build: (c: VaeCase) => VariationalAutoencoder) {
  const data = randomRows(90, c.inputDim, 7, 0, 1);
  const vae = build(c);
  const history = vae.train(data, { epochs: 2, batchSize, logEvery: 0, ...c.train });
  const result = {
    weights: bits(vae), losses: [...history], validation: history.validation, evaluate: vae.evaluate(data.slice(0, 13)),
    gradients: vae.gradients(data.slice(0, 9), { noise: randomRows(9, c.latentDim, 5) }), sample: vae.sample(3),
  };
  vae.dispose();
  return result;
}

const vae = (c: VaeCase, threads: number) => new VariationalAutoencoder(c.inputDim, c.latentDim, { seed: 3, ...c.model, threads });

for (const c of VAE_CASES) {
  test(`split among 2, 3 and 4 threads, and on real threads (2 and 4), ${c.name} trains the bits of one thread at batches 1, 5 and 37`, () => {
    for (const batchSize of [1, 5, 37]) {
      const one = vaeOutcome(c, batchSize, (c) => vae(c, 1));
      for (const threads of [2, 3, 4]) assert.deepEqual(vaeOutcome(c, batchSize, (c) => splitInto(vae(c, 1), threads)), one, `split in ${threads}, batch ${batchSize}`);
      for (const threads of [2, 4]) assert.deepEqual(vaeOutcome(c, batchSize, (c) => vae(c, threads)), one, `${threads} threads, batch ${batchSize}`);
    }
  });
}

test('threads: \'auto\' is one per core; a count outside 1–64 is refused, in options and in fromBytes', () => {
  const pool = getRuntime().pool!;
  const auto = new Autoencoder(4, 2, { threads: 'auto' });
  assert.equal(auto.threads, Math.min(64, pool.cores));
  for (const [options, threads] of [[{ threads: 2 }, 2], [{}, 1]] as const) {
    const copy = Autoencoder.fromBytes(auto.toBytes(), options);
    assert.equal(copy.threads, threads, 'threads is not kept in the checkpoint: fromBytes takes it');
    copy.dispose();
  }
  assert.throws(() => Autoencoder.fromBytes(auto.toBytes(), { thread: 2 } as never), /unknown fromBytes option 'thread': expected 'threads'/);
  auto.dispose();
  for (const bad of [0, 65, 1.5, '2', null]) {
    assert.throws(() => new Autoencoder(4, 2, { threads: bad as never }), { name: 'RangeError', message: /^threads must be 'auto' or an integer from 1 to 64, got / });
  }
  const ae = new Autoencoder(4, 2);
  for (const bad of [0, 65, 1.5]) assert.throws(() => splitInto(ae, bad), /threads must be an integer from 1 to 64/);
  ae.dispose();
});

test('the pool never keeps Node alive: a script that trains on 2 threads and never disposes exits by itself', () => {
  const script = `
    import { Autoencoder } from './src/entries/node.ts';
    const ae = new Autoencoder(8, 3, { threads: 2 });
    ae.train([[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]], { epochs: 3, logEvery: 0 });
    console.log('trained on', ae.threads, 'threads');
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.error, undefined, 'the script exited before the timeout');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /trained on 2 threads/);
});

test('the pool grows to the most threads a live model asks for and shuts down when the last such model is disposed', async () => {
  const settle = async (expected: number) => {
    for (let wait = 0; runningWorkers() !== expected && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
    return runningWorkers();
  };
  assert.equal(await settle(0), 0);
  const three = new Autoencoder(6, 2, { threads: 3 });
  const two = new Autoencoder(6, 2, { threads: 2 });
  assert.equal(runningWorkers(), 2, 'one pool of 2 workers serves both models');
  three.dispose();
  two.train([[1, 2, 3, 4, 5, 6]], { epochs: 2, logEvery: 0 });
  assert.equal(await settle(2), 2, 'a model still uses the pool');
  two.dispose();
  assert.equal(await settle(0), 0, 'the workers exit with the last model');
  const again = new Autoencoder(6, 2, { threads: 2 });
  assert.deepEqual([again.threads, runningWorkers()], [2, 1], 'a new pool starts for the next model');
  again.train([[1, 2, 3, 4, 5, 6]], { epochs: 2, logEvery: 0 });
  again.dispose();
  assert.equal(await settle(0), 0);
});

test('the governor keeps to whichever of one thread and all of them took less time per step, probing the other every PROBE_EVERY-th call', () => {
  const governor = new ThreadGovernor(2);
  const run = (calls: number, perStep: Record<number, number>) =>
    Array.from({ length: calls }, () => {
      const threads = governor.next();
      governor.record(threads, perStep[threads]!);
      return threads;
    });
  const calls = run(PROBE_EVERY * 2, { 1: 1.0, 2: 0.6 });
  assert.deepEqual(calls.map((t, i) => (t === 1 ? i : -1)).filter((i) => i >= 0), [PROBE_EVERY - 1, 2 * PROBE_EVERY - 1], 'on 2 threads, one probe of 1 per PROBE_EVERY calls');
  // The call before a probe takes 10× as long on 2 threads (a compile in the background): the model stays on them.
  assert.deepEqual(run(PROBE_EVERY - 2, { 1: 1.0, 2: 0.6 }).filter((t) => t === 1), []);
  assert.deepEqual(run(1, { 1: 1.0, 2: 6.0 }), [2]);
  assert.deepEqual(run(1, { 1: 1.0, 2: 0.6 }), [1], 'the probe of one thread');
  assert.equal(governor.onOneThread, false);
  // Another process takes a core: 2 threads now take 3× as long per step; at the next probe one thread wins.
  const loaded = run(PROBE_EVERY * 2, { 1: 1.0, 2: 3.0 });
  assert.equal(governor.onOneThread, true);
  assert.equal(loaded.at(-2), 1);
  assert.deepEqual(loaded.slice(PROBE_EVERY).filter((t) => t === 2), [2], 'on one thread, one probe of 2 per PROBE_EVERY calls');
  // The core is free again: the probes of 2 threads bring the model back to them.
  run(PROBE_EVERY * 4, { 1: 1.0, 2: 0.5 });
  assert.equal(governor.onOneThread, false);
  assert.equal(governor.next(), 2);
  const single = new ThreadGovernor(1);
  assert.deepEqual(Array.from({ length: 40 }, () => single.next()), new Array(40).fill(1));
});

test('a model keeps its governor from one train call to the next, one per batch size', (t) => {
  const seen = new Set<ThreadGovernor>();
  const next = t.mock.method(ThreadGovernor.prototype, 'next', function (this: ThreadGovernor) {
    seen.add(this);
    return 1;
  });
  const ae = new Autoencoder(8, 3, { threads: 2 });
  const data = randomRows(40, 8, 3, 0, 1);
  for (let call = 0; call < 3; call++) ae.train(data, { epochs: 1, batchSize: 10, logEvery: 0 });
  assert.equal(seen.size, 1, 'three train calls at batch 10, one governor');
  ae.train(data, { epochs: 1, batchSize: 5, logEvery: 0 });
  assert.equal(seen.size, 2, 'another batch size, another governor');
  assert.ok(next.mock.callCount() >= 4);
  ae.dispose();
});

test('switching between one thread and two from call to call changes no bit', (t) => {
  const next = t.mock.method(ThreadGovernor.prototype, 'next', function (this: { calls: number; threads: number }) {
    return Math.min(this.threads, 1 + (this.calls++ % 2));
  });
  // 3072 → 100 at batch 100 is more work than one call takes: every step is a call of its own.
  const data = randomRows(300, 3072, 11, -1 / 32, 1 / 32);
  const train = (threads: number) => {
    const ae = new Autoencoder(3072, 100, { seed: 5, threads });
    const history = ae.train(data, { epochs: 3, batchSize: 100, logEvery: 0 });
    const result = { weights: bits(ae), losses: [...history] };
    ae.dispose();
    return result;
  };
  assert.deepEqual(train(2), train(1));
  assert.equal(next.mock.callCount(), 2 * 9, 'one call into the kernels per step: 3 epochs of 3 batches, twice');
});

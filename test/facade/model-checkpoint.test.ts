import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Autoencoder, CheckpointError, decodeCheckpoint, encodeCheckpoint, memoryBytes } from '../../src/entries/index.js';
import { checkpointTo, load, save } from '../../src/io/node.js';
import { iris } from '../../src/datasets/index.js';
import { randomRows } from './helpers.js';

test('toBytes/fromBytes restores weights, optimizer state, generator and options: training continues bit for bit', () => {
  const data = randomRows(30, 5, 8);
  const options = { seed: 11, activation: 'sigmoid' as const, learningRate: 0.01, optimizer: { momentum: 0.5 } };
  const straight = new Autoencoder(5, 2, options);
  straight.train(data, { epochs: 6, batchSize: 4, logEvery: 0 });

  const first = new Autoencoder(5, 2, options);
  first.train(data, { epochs: 3, batchSize: 4, logEvery: 0 });
  const resumed = Autoencoder.fromBytes(first.toBytes());
  assert.deepEqual(resumed.options, first.options);
  assert.equal(resumed.epochsTrained, 3);
  assert.deepEqual(resumed.getWeights(), first.getWeights());
  resumed.train(data, { epochs: 3, batchSize: 4, logEvery: 0 });
  assert.deepEqual(resumed.getWeights(), straight.getWeights());
  for (const ae of [straight, first, resumed]) ae.dispose();
});

test('the checkpoint holds the named tensors and TF1-named optimizer slots', () => {
  const ae = new Autoencoder(4, 3, { optimizer: { momentum: 0.9 } });
  const { header, tensors } = decodeCheckpoint(ae.toBytes());
  assert.equal(header.format, 'wasm-autoencoder/autoencoder');
  assert.deepEqual(tensors.map((t) => `${t.name} ${t.rows}×${t.cols}`), [
    'encode/weights 4×3', 'encode/weights/RMSProp 4×3', 'encode/weights/RMSProp_1 4×3',
    'encode/biases 1×3', 'encode/biases/RMSProp 1×3', 'encode/biases/RMSProp_1 1×3',
    'decode/weights 3×4', 'decode/weights/RMSProp 3×4', 'decode/weights/RMSProp_1 3×4',
    'decode/biases 1×4', 'decode/biases/RMSProp 1×4', 'decode/biases/RMSProp_1 1×4',
  ]);
  assert.ok(tensors[1]!.data.every((ms) => ms === 1), 'TF1 starts the mean squares at 1');
  ae.dispose();
});

test('corrupt, truncated and foreign checkpoints are refused with CheckpointError', () => {
  const ae = new Autoencoder(4, 2);
  const bytes = ae.toBytes();
  for (let cut = 0; cut < bytes.length; cut += 7) assert.throws(() => Autoencoder.fromBytes(bytes.slice(0, cut)), CheckpointError);
  for (let at = 0; at < bytes.length; at += 5) {
    const bad = bytes.slice();
    bad[at]! ^= 0x40;
    assert.throws(() => Autoencoder.fromBytes(bad), CheckpointError);
  }
  const { header, tensors } = decodeCheckpoint(bytes);
  const foreign = encodeCheckpoint({ header: { ...header, format: 'something-else' }, tensors });
  assert.throws(() => Autoencoder.fromBytes(foreign), /not an autoencoder checkpoint/);
  const missing = encodeCheckpoint({ header, tensors: tensors.filter((t) => t.name !== 'decode/biases') });
  assert.throws(() => Autoencoder.fromBytes(missing), /checkpoint has no tensor 'decode\/biases'/);
  const reshaped = encodeCheckpoint({ header: { ...header, hidden: [3] }, tensors });
  assert.throws(() => Autoencoder.fromBytes(reshaped), /checkpoint tensor 'encode\/weights' is 4×2, expected 4×3/);
  const deeper = encodeCheckpoint({ header: { ...header, hidden: [2, 1] }, tensors });
  assert.throws(() => Autoencoder.fromBytes(deeper), /checkpoint has no tensor 'encode_1\/weights'/);
  const { hidden: _, steps: __, ...version1 } = header;
  const reshapedVersion1 = encodeCheckpoint({ header: { ...version1, hiddenDim: 3 }, tensors });
  assert.throws(() => Autoencoder.fromBytes(reshapedVersion1), /checkpoint tensor 'encode\/weights' is 4×2, expected 4×3/);
  for (const mixed of [{ ...header, hiddenDim: 2 }, { ...header, steps: undefined }, { ...version1, hiddenDim: 2, steps: 0 }]) {
    assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: mixed, tensors })), /checkpoint header mixes versions/);
  }
  const adam = new Autoencoder(4, 2, { optimizer: { name: 'adam' } });
  const adamCheckpoint = decodeCheckpoint(adam.toBytes());
  const { hidden: ___, steps: ____, ...adamVersion1 } = adamCheckpoint.header;
  assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: { ...adamVersion1, hiddenDim: 2 }, tensors: adamCheckpoint.tensors })), /mixes versions/);
  adam.dispose();
  for (const hidden of [[], [2, 0], 'x', Array(65).fill(2)]) {
    assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: { ...header, hidden }, tensors })), /checkpoint header has invalid dimensions/);
  }
  const badOptions = encodeCheckpoint({ header: { ...header, options: { activation: 'gelu' } }, tensors });
  assert.throws(() => Autoencoder.fromBytes(badOptions), /invalid options: unknown activation 'gelu'/);
  ae.dispose();
});

test('save/load round-trip through a file; checkpointEvery writes the file atomically during training', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-'));
  const file = path.join(dir, 'iris.ae');
  const ae = new Autoencoder(4, 1);
  const epochsSeen: number[] = [];
  const write = checkpointTo(file);
  ae.train(iris, { epochs: 10, logEvery: 0, checkpointEvery: 4, onCheckpoint: (bytes, epoch) => { epochsSeen.push(epoch); write(bytes); } });
  assert.deepEqual(epochsSeen, [4, 8]);
  assert.equal((await load(file)).epochsTrained, 8);
  await save(ae, file);
  const loaded = await load(file);
  assert.deepEqual(loaded.getWeights(), ae.getWeights());
  assert.equal(loaded.epochsTrained, 10);
  assert.deepEqual(fs.readdirSync(dir), ['iris.ae']);
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40));
  await assert.rejects(load(file), CheckpointError);
  fs.rmSync(dir, { recursive: true });
});

test('a tiny forged checkpoint cannot make the module allocate: tensors are checked before the model is built', () => {
  const before = memoryBytes();
  const forged = encodeCheckpoint({
    header: { format: 'wasm-autoencoder/autoencoder', inputDim: 16384, hiddenDim: 8192, epochsTrained: 0, rng: [1, 2, 3, 4], options: {} },
    tensors: [],
  });
  assert.ok(forged.length < 200);
  assert.throws(() => Autoencoder.fromBytes(forged), /checkpoint has no tensor 'encode\/weights'/);
  assert.equal(memoryBytes(), before);
  assert.throws(() => encodeCheckpoint({ header: {}, tensors: [{ name: 'w', rows: 1, cols: 2, data: new Float64Array(2) as never }] }), {
    name: 'TypeError',
    message: /tensor 'w': data must be a Float32Array/,
  });
});

test('metadata travels with the checkpoint as JSON; a checkpoint without it reads as {}', () => {
  const ae = new Autoencoder(4, 2);
  assert.deepEqual(ae.metadata, {});
  ae.metadata.scale = 1 / 255;
  ae.metadata.labels = ['setosa', 'versicolor'];
  const copy = Autoencoder.fromBytes(ae.toBytes());
  assert.deepEqual(copy.metadata, { scale: 1 / 255, labels: ['setosa', 'versicolor'] });
  (copy.metadata.labels as string[]).push('virginica');
  assert.deepEqual(ae.metadata.labels, ['setosa', 'versicolor'], 'the copy has metadata of its own');
  (ae.metadata.labels as string[]).push('virginica');
  const later = Autoencoder.fromBytes(ae.toBytes());
  assert.deepEqual(later.metadata.labels, ['setosa', 'versicolor', 'virginica'], 'toBytes writes the metadata as it is now');
  later.dispose();

  const { header, tensors } = decodeCheckpoint(ae.toBytes());
  const { metadata: _, ...older } = header;
  const fromOlder = Autoencoder.fromBytes(encodeCheckpoint({ header: older, tensors }));
  assert.deepEqual(fromOlder.metadata, {});
  for (const bad of [[1, 2], 'scale', null]) {
    assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: { ...header, metadata: bad }, tensors })), /invalid metadata \(expected a JSON object\)/);
  }
  for (const model of [copy, fromOlder]) model.dispose();
  ae.dispose();
});

test('metadata that JSON cannot hold is a TypeError at toBytes, naming the problem', () => {
  const ae = new Autoencoder(4, 2);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  ae.metadata.cycle = cycle;
  assert.throws(() => ae.toBytes(), (error: Error) => error instanceof TypeError && /metadata reaches one object twice \(a cycle/.test(error.message));
  ae.metadata = { big: 1n };
  assert.throws(() => ae.toBytes(), /metadata must be JSON-serialisable/);
  ae.metadata = [1, 2] as unknown as Record<string, unknown>;
  assert.throws(() => ae.toBytes(), /metadata must be a plain object/);
  ae.metadata = { toJSON: () => [1] };
  assert.throws(() => ae.toBytes(), /metadata must be a plain object that JSON writes as one/);
  ae.metadata = { fine: true };
  const copy = Autoencoder.fromBytes(ae.toBytes());
  assert.equal(copy.metadata.fine, true);
  copy.dispose();
  ae.dispose();
});

test('impossible checkpoints are refused: a generator that cannot leave 0, values training never writes, metadata that could not be saved again', () => {
  const ae = new Autoencoder(4, 2, { optimizer: { name: 'rmsprop', momentum: 0.5 } });
  ae.train(iris, { epochs: 1, batchSize: 10, logEvery: 0 });
  const { header, tensors } = decodeCheckpoint(ae.toBytes());
  const refused = (changed: { header?: Record<string, unknown>; tensor?: [string, number] }, message: RegExp) => {
    const forged = tensors.map((t) => ({ ...t, data: t.name === changed.tensor?.[0] ? t.data.map((v, i) => (i === 1 ? changed.tensor![1] : v)) : t.data }));
    assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: changed.header ?? header, tensors: forged })), (e) => e instanceof CheckpointError && message.test((e as Error).message));
  };
  refused({ header: { ...header, rng: [0, 0, 0, 0] } }, /impossible generator state: all four words are 0/);
  refused({ tensor: ['encode/weights', NaN] }, /tensor 'encode\/weights' holds NaN at 1/);
  refused({ tensor: ['decode/biases', -Infinity] }, /tensor 'decode\/biases' holds -Infinity at 1/);
  refused({ tensor: ['encode/weights/RMSProp', -0.5] }, /'encode\/weights\/RMSProp' holds -0.5 at 1: a RMSProp slot is a mean of squares/);
  refused({ tensor: ['encode/weights/RMSProp_1', Infinity] }, /RMSProp_1' holds Infinity/);
  const deep: Record<string, unknown> = {};
  let node = deep;
  for (let i = 0; i < 200; i++) node = (node.child = {}) as Record<string, unknown>;
  refused({ header: { ...header, metadata: deep } }, /invalid metadata: it is nested more than 64 levels deep/);
  refused({ header: { ...header, metadata: JSON.parse('{"__proto__": {"polluted": true}}') } }, /invalid metadata: it has a key named __proto__/);
  refused({ header: { ...header, metadata: { text: 'x'.repeat(1 << 20) } } }, /invalid metadata: it takes 1048587 bytes as JSON; at most 1048576/);
  ae.metadata = deep;
  assert.throws(() => ae.toBytes(), { name: 'TypeError', message: /metadata is nested more than 64 levels deep/ });
  let deeper: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) deeper = { child: deeper };
  ae.metadata = deeper;
  assert.throws(() => ae.toBytes(), { name: 'TypeError', message: /metadata is nested more than 64 levels deep/ }, 'no stack overflow');
  ae.metadata = { fine: { nested: [1, 2, { a: 3 }] } };
  assert.deepEqual(Autoencoder.fromBytes(ae.toBytes()).metadata, ae.metadata);
  const adam = new Autoencoder(4, 2, { optimizer: { name: 'adam' } });
  const stored = decodeCheckpoint(adam.toBytes());
  const negativeV = stored.tensors.map((t) => (t.name === 'encode/biases/Adam_1' ? { ...t, data: t.data.map(() => -1) } : t));
  assert.throws(() => Autoencoder.fromBytes(encodeCheckpoint({ header: stored.header, tensors: negativeV })), /a Adam_1 slot is a mean of squares/);
  adam.dispose();
  ae.dispose();
});

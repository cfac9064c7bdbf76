// Models of the one-hidden-layer kind train exactly as the code before the layer-by-layer core did: state
// hashes recorded with that code, and version-1 checkpoints it wrote, which still load and resume bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Autoencoder, decodeCheckpoint, type AutoencoderOptions, type TrainOptions } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';

const fixtures = new URL('../fixtures/checkpoints/', import.meta.url);

interface GoldenCase {
  inputDim: number;
  hidden: number;
  rows: number;
  scale: number;
  options: AutoencoderOptions;
  train: TrainOptions;
  history: number[];
  sha256: string;
}

/** The LCG data the golden cases were trained on. */
function lcgRows(rows: number, cols: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** SHA-256 over every stored tensor (parameters and optimizer slots), by name. */
function stateHash(ae: Autoencoder): string {
  const hash = createHash('sha256');
  const tensors = decodeCheckpoint(ae.toBytes()).tensors.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of tensors) {
    hash.update(t.name);
    hash.update(new Uint8Array(t.data.buffer));
  }
  return hash.digest('hex');
}

const golden = JSON.parse(fs.readFileSync(new URL('v1-golden.json', fixtures), 'utf8')) as GoldenCase[];
for (const c of golden) {
  test(`one hidden layer, unchanged bit for bit: ${c.inputDim}→${c.hidden} ${JSON.stringify(c.options)} ${JSON.stringify(c.train)}`, () => {
    const ae = new Autoencoder(c.inputDim, c.hidden, c.options);
    const data = { rows: c.rows, cols: c.inputDim, data: lcgRows(c.rows, c.inputDim, c.inputDim + c.hidden, c.scale) };
    assert.deepEqual(ae.train(data, { ...c.train, logEvery: 0 }), c.history);
    assert.equal(stateHash(ae), c.sha256);
    ae.dispose();
  });
}

for (const name of ['v1-iris', 'v1-iris-momentum']) {
  test(`a version-1 checkpoint (${name}) loads and resumes bit for bit`, () => {
    const ae = Autoencoder.fromBytes(fs.readFileSync(new URL(`${name}.ae`, fixtures)));
    assert.deepEqual(ae.metadata, { note: 'written by version-1 code' });
    assert.equal(ae.epochsTrained, 3);
    ae.train(iris, { epochs: 2, batchSize: 10, logEvery: 0 });
    const expected = decodeCheckpoint(fs.readFileSync(new URL(`${name}.resumed.ae`, fixtures)));
    const weights = ae.getWeights();
    for (const t of expected.tensors.filter((t) => !t.name.includes('/RMSProp'))) {
      assert.deepEqual(weights[t.name as keyof typeof weights].data, t.data, t.name);
    }
    assert.equal(ae.epochsTrained, 5);
    ae.dispose();
  });
}

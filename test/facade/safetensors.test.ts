// safetensors: the format (header length, JSON header, F32 tensors in PyTorch's out × in layout, our __metadata__),
// bit-exact round trips for every model kind, files without our metadata, hostile input refused before allocating
// (and fuzzed), and, where Debian's python3-torch is installed, PyTorch loading our files (examples/pytorch), its
// forward pass against ours, one SGD step there read back exactly, and a file PyTorch wrote without our metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Autoencoder, DataFormatError, VariationalAutoencoder } from '../../src/entries/index.js';
import { MAX_HEADER_BYTES, fromSafetensors, toSafetensors } from '../../src/interop/safetensors.js';
import { assertWithin1e5, randomRows } from './helpers.js';
import { PYTHON, PYTHON_TIMEOUT_MS, torchMissing } from './torch.js';

type Model = Autoencoder | VariationalAutoencoder;
type Header = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const models = (): Model[] => [
  new Autoencoder(5, 3, { seed: 2 }),
  new Autoencoder(7, [5, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 3 }),
  new Autoencoder(6, [5, 4, 2], { activation: 'sigmoid', outputActivation: 'tanh', loss: 'mse', seed: 6 }),
  new VariationalAutoencoder(6, 2, { seed: 4 }),
  new VariationalAutoencoder(6, 2, { hidden: [5, 3], activation: 'elu', outputActivation: 'sigmoid', klWeight: 0.5, seed: 5 }),
];

/** The header and the data of safetensors bytes, read without the code under test. */
function split(bytes: Uint8Array): { header: Header; data: Uint8Array; length: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const length = Number(view.getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.subarray(8 + length), length };
}

/** Safetensors bytes from a header (any JSON, its text, or raw bytes) and data. */
function join(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A file of F32 tensors of these names and shapes, in this order, their values 0, 1, 2, …. */
function fileOf(tensors: [string, number[]][], metadata?: Record<string, string>): Uint8Array {
  const header: Header = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return join(header, new Uint8Array(Float32Array.from({ length: offset / 4 }, (_, i) => i).buffer));
}

/** A model's file with its header changed by `change`, its data kept. */
function edited(model: Model, change: (header: Header) => void, data?: (data: Uint8Array) => Uint8Array): Uint8Array {
  const { header, data: original } = split(toSafetensors(model));
  change(header);
  return join(header, data ? data(original) : original);
}

function refuses(bytes: Uint8Array, pattern: RegExp, options: Parameters<typeof fromSafetensors>[1] = {}): void {
  assert.throws(() => fromSafetensors(bytes, { name: 'bad.safetensors', ...options }), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
    assert.equal(error.file, 'bad.safetensors');
    assert.match(error.message, pattern);
    return true;
  });
}

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

test('the format: a little-endian u64 header length, a JSON header padded to 8 bytes, F32 tensors in PyTorch\'s out × in layout named as the state_dict names them, and our __metadata__', () => {
  const ae = new Autoencoder(7, [5, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 3 });
  const bytes = toSafetensors(ae);
  const { header, data, length } = split(bytes);
  assert.equal(new DataView(bytes.buffer).getUint32(4, true), 0, 'the high half of the length');
  assert.equal(length % 8, 0, 'the data 8-byte aligned');
  assert.equal(bytes[8], 0x7b);
  assert.match(new TextDecoder().decode(bytes.subarray(8, 8 + length)), /^\{.*\} *$/);
  assert.deepEqual(Object.keys(header), ['__metadata__', '0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias', '6.weight', '6.bias']);
  assert.deepEqual(header.__metadata__, {
    format: 'pt',
    'wasm-autoencoder.model': 'Autoencoder',
    'wasm-autoencoder.input_dim': '7',
    'wasm-autoencoder.hidden': '[5,3]',
    'wasm-autoencoder.activation': 'relu',
    'wasm-autoencoder.output_activation': 'sigmoid',
    'wasm-autoencoder.loss': 'bce',
    'wasm-autoencoder.layers': '{"0":"encode","2":"encode_1","4":"decode","6":"decode_1"}',
  });
  const weights = ae.getWeights() as Record<string, { rows: number; cols: number; data: Float32Array }>;
  const scopes = ['encode', 'encode_1', 'decode', 'decode_1'];
  let offset = 0;
  scopes.forEach((scope, l) => {
    const W = weights[`${scope}/weights`]!;
    const b = weights[`${scope}/biases`]!;
    const w = header[`${2 * l}.weight`];
    assert.deepEqual(w, { dtype: 'F32', shape: [W.cols, W.rows], data_offsets: [offset, offset + 4 * W.data.length] });
    const values = new Float32Array(data.slice(offset, offset + 4 * W.data.length).buffer);
    for (let o = 0; o < W.cols; o++) for (let i = 0; i < W.rows; i++) assert.equal(values[o * W.rows + i], W.data[i * W.cols + o], `${2 * l}.weight[${o}][${i}]`);
    offset += 4 * W.data.length;
    assert.deepEqual(header[`${2 * l}.bias`], { dtype: 'F32', shape: [b.cols], data_offsets: [offset, offset + 4 * b.cols] });
    assert.deepEqual(new Float32Array(data.slice(offset, offset + 4 * b.cols).buffer), b.data);
    offset += 4 * b.cols;
  });
  assert.equal(data.length, offset, 'the tensors fill the data');
  ae.dispose();

  const vae = new VariationalAutoencoder(6, 2, { hidden: [5, 3], activation: 'elu', outputActivation: 'sigmoid', klWeight: 0.5, seed: 5 });
  const v = split(toSafetensors(vae)).header;
  assert.deepEqual(Object.keys(v), [
    '__metadata__', 'encoder.0.weight', 'encoder.0.bias', 'encoder.2.weight', 'encoder.2.bias', 'z_mean.weight', 'z_mean.bias',
    'z_log_var.weight', 'z_log_var.bias', 'decoder.0.weight', 'decoder.0.bias', 'decoder.2.weight', 'decoder.2.bias', 'decoder.4.weight', 'decoder.4.bias',
  ]);
  assert.deepEqual(v['z_log_var.weight'].shape, [2, 3]);
  assert.deepEqual(v['decoder.0.weight'].shape, [3, 2]);
  assert.deepEqual(v.__metadata__, {
    format: 'pt',
    'wasm-autoencoder.model': 'VariationalAutoencoder',
    'wasm-autoencoder.input_dim': '6',
    'wasm-autoencoder.hidden': '[5,3]',
    'wasm-autoencoder.latent_dim': '2',
    'wasm-autoencoder.activation': 'elu',
    'wasm-autoencoder.output_activation': 'sigmoid',
    'wasm-autoencoder.reconstruction': 'bce',
    'wasm-autoencoder.kl_weight': '0.5',
    'wasm-autoencoder.layers': '{"encoder.0":"encode","encoder.2":"encode_1","z_mean":"z_mean","z_log_var":"z_log_var","decoder.0":"decode","decoder.2":"decode_1","decoder.4":"decode_2"}',
  });
  for (const value of Object.values(v.__metadata__)) assert.equal(typeof value, 'string');
  vae.dispose();
  const flat = split(toSafetensors(new VariationalAutoencoder(4, 2, { seed: 1 }))).header;
  assert.deepEqual(Object.keys(flat).slice(1), ['z_mean.weight', 'z_mean.bias', 'z_log_var.weight', 'z_log_var.bias', 'decoder.0.weight', 'decoder.0.bias'], 'no hidden layers: an empty encoder');
});

test('ours → safetensors → ours is bit-exact in the weights for every model kind, with the same options and outputs and fresh optimizer state', () => {
  for (const model of models()) {
    model.train(randomRows(20, model.inputDim, 1, 0, 1), { epochs: 2, batchSize: 5, logEvery: 0 });
    const bytes = toSafetensors(model);
    const copy = fromSafetensors(bytes);
    assert.equal(copy.constructor, model.constructor);
    assert.deepEqual(copy.hidden, model.hidden);
    const mine = model.getWeights() as Record<string, { data: Float32Array }>;
    const theirs = copy.getWeights() as Record<string, { data: Float32Array }>;
    assert.deepEqual(Object.keys(theirs), Object.keys(mine));
    for (const name of Object.keys(mine)) assert.deepEqual(bits(theirs[name]!.data), bits(mine[name]!.data), name);
    assert.equal(copy.epochsTrained, 0, 'a fresh model: only the weights travel');
    assert.deepEqual(toSafetensors(copy), bytes, 'written again byte for byte');
    const rows = randomRows(4, model.inputDim, 9, 0, 1);
    if (model instanceof Autoencoder) {
      const c = copy as Autoencoder;
      assert.deepEqual([c.options.activation, c.options.outputActivation, c.options.loss], [model.options.activation, model.options.outputActivation, model.options.loss]);
      assert.deepEqual(c.test(rows), model.test(rows));
    } else {
      const c = copy as VariationalAutoencoder;
      assert.equal(c.latentDim, model.latentDim);
      assert.deepEqual([c.options.activation, c.options.outputActivation, c.options.reconstruction, c.options.klWeight], [model.options.activation, model.options.outputActivation, model.options.reconstruction, model.options.klWeight]);
      assert.deepEqual(c.encode(rows), model.encode(rows));
      assert.deepEqual(c.decode(model.encode(rows).mean), model.decode(model.encode(rows).mean));
      assert.deepEqual(c.evaluate(rows), model.evaluate(rows));
    }
    const fromBuffer = fromSafetensors(bytes.slice().buffer);
    assert.deepEqual(fromBuffer.getWeights(), model.getWeights(), 'an ArrayBuffer reads the same');
    const unaligned = new Uint8Array(bytes.length + 1);
    unaligned.set(bytes, 1);
    const shifted = fromSafetensors(unaligned.subarray(1));
    assert.deepEqual(shifted.getWeights(), model.getWeights(), 'bytes at an odd offset read the same');
    for (const m of [copy, fromBuffer, shifted, model]) m.dispose();
  }
});

test('a file without our metadata loads with { activation, outputActivation } and is refused without them, naming what is missing; options that contradict our metadata are refused', () => {
  const ae = new Autoencoder(6, [4, 2], { activation: 'relu', outputActivation: 'sigmoid', seed: 7 });
  const vae = new VariationalAutoencoder(6, 2, { hidden: [4], activation: 'tanh', seed: 8 });
  const rows = randomRows(3, 6, 2, 0, 1);
  for (const model of [ae, vae]) {
    const foreign = edited(model, (h) => delete h.__metadata__);
    const onlyFormat = edited(model, (h) => (h.__metadata__ = { format: 'pt' }));
    const { activation, outputActivation } = model.options;
    for (const bytes of [foreign, onlyFormat]) {
      refuses(bytes, /has no wasm-autoencoder __metadata__, so its activations are unknown: pass them.*\(missing: activation, outputActivation\)/);
      refuses(bytes, /\(missing: outputActivation\)/, { activation });
      refuses(bytes, /\(missing: activation\)/, { outputActivation });
      const copy = fromSafetensors(bytes, { activation, outputActivation });
      assert.equal(copy.constructor, model.constructor);
      assert.deepEqual(copy.getWeights(), model.getWeights());
      if (copy instanceof Autoencoder) {
        assert.equal(copy.options.loss, 'rmse', 'the default loss');
        assert.deepEqual(copy.test(rows).reconstructed, (model as Autoencoder).test(rows).reconstructed);
      } else {
        assert.deepEqual([copy.options.reconstruction, copy.options.klWeight], ['mse', 1], 'the default reconstruction term and β');
        assert.deepEqual(copy.encode(rows), (model as VariationalAutoencoder).encode(rows));
      }
      copy.dispose();
    }
  }
  const ours = toSafetensors(ae);
  assert.throws(() => fromSafetensors(ours, { activation: 'tanh' }), /activation is 'tanh' but safetensors was written with activation 'relu' \(its __metadata__ 'wasm-autoencoder.activation'\)/);
  assert.throws(() => fromSafetensors(ours, { outputActivation: 'linear' }), RangeError);
  // What the caller passed stays a RangeError, whatever the file: an unknown activation is the options' fault.
  const foreignAe = edited(ae, (h) => delete h.__metadata__);
  for (const bytes of [ours, foreignAe]) {
    assert.throws(() => fromSafetensors(bytes, { activation: 'swish' as never, outputActivation: 'sigmoid' }), (e: unknown) => e instanceof RangeError && /unknown activation 'swish': expected one of 'tanh'/.test(e.message));
    assert.throws(() => fromSafetensors(bytes, { activation: 'relu', outputActivation: 'softmax' as never }), (e: unknown) => e instanceof RangeError && /unknown outputActivation 'softmax': expected one of 'linear', 'tanh'/.test(e.message));
  }
  assert.throws(() => fromSafetensors(foreignAe, { activation: 'linear' as never, outputActivation: 'sigmoid' }), (e: unknown) => e instanceof RangeError && /unknown activation 'linear'/.test(e.message));
  const agreeing = fromSafetensors(ours, { activation: 'relu', outputActivation: 'sigmoid' });
  agreeing.dispose();
  assert.throws(() => fromSafetensors(ours, { threads: 2 } as never), /unknown fromSafetensors option 'threads'/);
  ae.dispose();
  vae.dispose();
});

test('hostile containers: truncated, a header length past the end, a huge header, bad JSON, huge shapes and offsets, overlaps, gaps, trailing bytes, other dtypes: DataFormatError, without allocating', () => {
  const ae = new Autoencoder(7, [5, 3], { activation: 'relu', seed: 3 });
  const good = toSafetensors(ae);
  const before = process.memoryUsage().arrayBuffers;
  for (let cut = 0; cut < good.length; cut++) refuses(good.subarray(0, cut), /too short|announces a \d+-byte header|not valid UTF-8 JSON|run past|bytes after|overrun|more values/);
  refuses(good.subarray(0, 7), /is 7 bytes long, too short for a safetensors header/);
  refuses(good.subarray(0, good.length - 1), /tensor '6\.bias' whose data_offsets \[452, 480\] run past the 479 bytes of data/);
  for (const length of [BigInt(good.length - 7), 2n ** 40n, 2n ** 64n - 1n]) {
    const forged = good.slice();
    new DataView(forged.buffer).setBigUint64(0, length, true);
    refuses(forged, /announces a \d+-byte header but only \d+ bytes follow its length/);
  }
  // A header over the bound is refused before it is decoded, however well-formed.
  const padded = `{"__metadata__":{"pad":"${'x'.repeat(MAX_HEADER_BYTES)}"}}`;
  refuses(join(padded), new RegExp(`announces a ${padded.length}-byte header, more than the ${MAX_HEADER_BYTES} read`));
  refuses(join(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), /nested deeper than the 4 levels/);
  refuses(join('[]'), /does not start with '\{'/);
  refuses(join('{"a": '), /not valid UTF-8 JSON/);
  refuses(join(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8 JSON/);
  refuses(join({ __metadata__: { a: 1 } }), /__metadata__ 'a' that is not a string/);
  refuses(join({ __metadata__: ['a'] }), /__metadata__ that is not an object of strings/);
  const tensor = (entry: object, dataBytes = 16) => join({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16], ...entry } }, new Uint8Array(dataBytes));
  refuses(tensor({ shape: [2 ** 31, 2 ** 31] }), /tensor 'w' of shape \[2147483648, 2147483648\], more values than its 16 bytes of data hold/);
  refuses(tensor({ shape: [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1] }), /more values than its 16 bytes/);
  refuses(tensor({ shape: [2, 3] }, 32), /tensor 'w' of shape \[2, 3\] \(24 bytes of F32\) but data_offsets \[0, 16\] give it 16 bytes/);
  refuses(tensor({ shape: [-1, 2] }), /shape is not a list of at most 8 non-negative integers/);
  refuses(tensor({ shape: [1.5, 2] }), /shape is not a list/);
  refuses(tensor({ shape: [1, 1, 1, 1, 1, 1, 1, 1, 4] }), /shape is not a list of at most 8/);
  refuses(tensor({ data_offsets: [0, 2 ** 53] }), /data_offsets are not two non-negative integers/);
  refuses(tensor({ data_offsets: [0, 2 ** 40] }), /data_offsets \[0, 1099511627776\] run past the 16 bytes of data/);
  refuses(tensor({ data_offsets: [16, 0] }), /data_offsets \[16, 0\] end before they begin/);
  refuses(tensor({ data_offsets: [0] }), /data_offsets are not two/);
  refuses(tensor({}, 20), /has 4 bytes after its last tensor's data/);
  refuses(tensor({ dtype: 'F16' }), /tensor 'w' of dtype 'F16': only F32 \(float32\) tensors are supported/);
  refuses(tensor({ dtype: 'F64', shape: [2, 1] }), /tensor 'w' of dtype 'F64'/);
  refuses(tensor({ dtype: undefined }), /tensor 'w' without a dtype/);
  refuses(join({ w: [1] }), /tensor 'w' whose entry is not an object/);
  const two = (a: [number, number], b: [number, number], bytes = 32) =>
    join({ a: { dtype: 'F32', shape: [4], data_offsets: a }, b: { dtype: 'F32', shape: [4], data_offsets: b } }, new Uint8Array(bytes));
  refuses(two([0, 16], [8, 24]), /tensors 'a' and 'b' whose bytes overlap/);
  refuses(two([0, 16], [0, 16]), /whose bytes overlap/);
  refuses(two([16, 32], [32, 48], 48), /has 16 bytes no tensor holds, before tensor 'a' \(at 0\)/);
  refuses(two([0, 16], [20, 36], 36), /has 4 bytes no tensor holds, before tensor 'b' \(at 16\)/);
  // The same tensor named twice: JSON keeps the last, and the bytes of the first are then held by none.
  refuses(join('{"0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"0.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /4 bytes no tensor holds/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 << 20, 'no large allocation');
  ae.dispose();
});

test('tensors the layout does not have, missing tensors, metadata that is missing, malformed or lies, shapes our models cannot have: DataFormatError naming the tensor, key or layer', () => {
  const ae = new Autoencoder(7, [5, 3], { activation: 'relu', seed: 3 });
  const vae = new VariationalAutoencoder(6, 2, { hidden: [5, 3], seed: 4 });
  const flat = new VariationalAutoencoder(6, 2, { seed: 4 });
  const rename = (from: string, to: string) => (h: Header) => {
    h[to] = h[from];
    delete h[from];
  };
  // A model's file without these tensors, their bytes gone too (the tensors after them move up).
  const without = (model: Model, ...names: string[]) => {
    let { header, data } = split(toSafetensors(model));
    for (const name of names) {
      const [begin, end] = header[name].data_offsets as [number, number];
      delete header[name];
      for (const entry of Object.values(header)) if (entry.data_offsets && entry.data_offsets[0] >= end) entry.data_offsets = entry.data_offsets.map((o: number) => o - (end - begin));
      data = new Uint8Array([...data.subarray(0, begin), ...data.subarray(end)]);
    }
    return join(header, data);
  };
  const meta = (key: string, value: string | undefined) => (h: Header) => {
    if (value === undefined) delete h.__metadata__[`wasm-autoencoder.${key}`];
    else h.__metadata__[`wasm-autoencoder.${key}`] = value;
  };

  // Unknown tensors, each named.
  refuses(edited(ae, rename('6.bias', 'classifier.bias')), /has tensor 'classifier\.bias', which the layout does not have \(an Autoencoder is one nn\.Sequential/);
  refuses(edited(ae, rename('2.weight', '3.weight')), /has tensor '3\.weight', which the layout does not have/);
  refuses(edited(ae, rename('0.weight', 'encoder.0.weight')), /has tensor '0\.bias', which the layout does not have \(a VariationalAutoencoder|has tensor 'encoder\.0\.weight'/);
  refuses(edited(ae, rename('0.weight', '00.weight')), /has tensor '00\.weight'/);
  refuses(edited(vae, rename('z_mean.bias', 'mu.bias')), /has tensor 'mu\.bias', which the layout does not have \(a VariationalAutoencoder has encoder/);
  refuses(edited(vae, rename('encoder.0.weight', '0.weight')), /has tensor '0\.weight', which the layout does not have/);
  const asAutoencoder = (h: Header) => [meta('model', 'Autoencoder'), meta('loss', 'rmse')].forEach((change) => change(h));
  refuses(edited(vae, asAutoencoder), /has tensor 'encoder\.0\.weight', which the layout does not have \(an Autoencoder/);
  const asVae = (h: Header) => [meta('model', 'VariationalAutoencoder'), meta('latent_dim', '3'), meta('reconstruction', 'mse'), meta('kl_weight', '1')].forEach((change) => change(h));
  refuses(edited(ae, asVae), /has tensor '0\.weight', which the layout does not have \(a VariationalAutoencoder/);
  refuses(edited(ae, meta('model', 'VariationalAutoencoder')), /has wasm-autoencoder __metadata__ without 'wasm-autoencoder\.latent_dim'/);
  refuses(edited(ae, (h) => (h.__metadata__ = null)), /__metadata__ that is not an object/);
  // Missing tensors, each named.
  refuses(without(ae, '2.bias'), /has no tensor '2\.bias' \(missing;/);
  refuses(without(ae, '2.weight'), /has no tensor '2\.weight' \(missing;/);
  refuses(edited(ae, rename('2.weight', '8.weight')), /has no tensor '2\.weight'/);
  refuses(without(vae, 'z_log_var.weight'), /has no tensor 'z_log_var\.weight'/);
  refuses(without(flat, 'decoder.0.weight'), /has no tensor 'decoder\.0\.weight'/);
  refuses(without(flat, 'decoder.0.weight', 'decoder.0.bias'), /has no tensor 'decoder\.0\.weight'/);
  refuses(join({}), /holds no tensors/);
  refuses(without(ae, '6.weight', '6.bias'), /holds 3 Linear layers; an Autoencoder has an even number from 2 to 128/);
  // Shapes that do not fit: a bias of another width, a weight of another rank.
  refuses(edited(ae, (h) => (h['0.bias'].shape = [1, 5])), /tensor '0\.bias' of shape \[1, 5\], expected \[5\] \(the rows of 0\.weight\)/);
  refuses(edited(ae, (h) => (h['0.weight'].shape = [35])), /tensor '0\.weight' of shape \[35\], expected 2 dimensions \(out × in\)/);
  // Metadata that lies about sizes or names, or is malformed.
  refuses(edited(ae, meta('input_dim', '8')), /__metadata__ 'wasm-autoencoder\.input_dim' = 8 but its tensors make it 7/);
  refuses(edited(ae, meta('input_dim', '100000000')), /input_dim' = 100000000 but its tensors make it 7/);
  refuses(edited(ae, meta('hidden', '[4,3]')), /'wasm-autoencoder\.hidden' = \[4, 3\] but its tensors make it \[5, 3\]/);
  refuses(edited(ae, meta('hidden', '[5]')), /hidden' = \[5\] but its tensors make it \[5, 3\]/);
  refuses(edited(vae, meta('latent_dim', '3')), /latent_dim' = 3 but its tensors make it 2/);
  refuses(edited(vae, meta('layers', '{"encoder.0":"decode"}')), /'wasm-autoencoder\.layers' = .* but its tensors make it \{"encoder\.0":"encode"/);
  refuses(edited(ae, meta('hidden', '[1e9, 3]')), /'wasm-autoencoder\.hidden' = \[1000000000, 3\] but its tensors make it \[5, 3\]/);
  refuses(edited(ae, meta('hidden', '[1.5, 3]')), /'wasm-autoencoder\.hidden' = '\[1\.5, 3\]', expected a JSON list of 1 to 64 positive integers/);
  refuses(edited(ae, meta('hidden', '[]')), /expected a JSON list of 1 to 64/);
  refuses(edited(ae, meta('hidden', `[${Array(65).fill(5)}]`)), /expected a JSON list of 1 to 64/);
  refuses(edited(ae, meta('hidden', '[5,')), /expected a JSON list/);
  refuses(edited(ae, meta('input_dim', '-7')), /'wasm-autoencoder\.input_dim' = '-7', expected a positive integer/);
  refuses(edited(ae, meta('input_dim', undefined)), /wasm-autoencoder __metadata__ without 'wasm-autoencoder\.input_dim'/);
  refuses(edited(ae, meta('model', undefined)), /without 'wasm-autoencoder\.model'/);
  refuses(edited(ae, meta('model', 'Transformer')), /'wasm-autoencoder\.model' = 'Transformer', expected 'Autoencoder' or 'VariationalAutoencoder'/);
  refuses(edited(ae, meta('activation', 'linear')), /'wasm-autoencoder\.activation' = 'linear', expected one of 'tanh'/);
  refuses(edited(ae, meta('output_activation', 'swish')), /output_activation' = 'swish'/);
  refuses(edited(ae, meta('loss', 'hinge')), /'wasm-autoencoder\.loss' = 'hinge'/);
  refuses(edited(vae, meta('kl_weight', 'NaN')), /'wasm-autoencoder\.kl_weight' = 'NaN', expected a number from 0 to 1e\+30/);
  refuses(edited(vae, meta('kl_weight', '-1')), /'wasm-autoencoder\.kl_weight' = '-1', expected a number from 0 to 1e\+30/);
  refuses(edited(vae, meta('kl_weight', '-1e-9')), /'wasm-autoencoder\.kl_weight' = '-1e-9', expected a number from 0/);
  refuses(edited(vae, meta('kl_weight', '1e31')), /'wasm-autoencoder\.kl_weight' = '1e31', expected a number from 0 to 1e\+30/);
  refuses(edited(vae, meta('kl_weight', 'Infinity')), /'wasm-autoencoder\.kl_weight' = 'Infinity'/);
  refuses(edited(vae, meta('kl_weight', '')), /'wasm-autoencoder\.kl_weight' = '', expected a number/);
  refuses(edited(vae, meta('reconstruction', 'l1')), /reconstruction' = 'l1'/);
  for (const [model, klWeight] of [[vae, '0'], [vae, '1e30']] as const) {
    const copy = fromSafetensors(edited(model, meta('kl_weight', klWeight))) as VariationalAutoencoder;
    assert.equal(copy.options.klWeight, Number(klWeight), 'the bounds of kl_weight are read');
    copy.dispose();
  }
  // Options our models refuse, from metadata: the file's fault, so a DataFormatError keeping the model's message.
  refuses(edited(ae, meta('loss', 'bce')), /loss 'bce' needs outputActivation 'sigmoid'/);

  // Each of our keys missing in turn (layers is optional: without it the module names are not checked), and the
  // model key alone: a DataFormatError naming the key, never a TypeError.
  const required = {
    autoencoder: ['model', 'input_dim', 'hidden', 'activation', 'output_activation', 'loss'],
    vae: ['model', 'input_dim', 'hidden', 'latent_dim', 'activation', 'output_activation', 'reconstruction', 'kl_weight'],
  };
  for (const [model, keys] of [[ae, required.autoencoder], [vae, required.vae], [flat, required.vae]] as const) {
    for (const key of keys) refuses(edited(model, meta(key, undefined)), new RegExp(`has wasm-autoencoder __metadata__ without 'wasm-autoencoder\\.${key}'`));
    const copy = fromSafetensors(edited(model, meta('layers', undefined)));
    assert.deepEqual(copy.getWeights(), model.getWeights(), 'without layers: read');
    copy.dispose();
  }
  for (const model of ['Autoencoder', 'VariationalAutoencoder']) {
    refuses(join({ __metadata__: { 'wasm-autoencoder.model': model } }), /has wasm-autoencoder __metadata__ without 'wasm-autoencoder\.hidden'/);
    refuses(join({ __metadata__: { 'wasm-autoencoder.model': model, 'wasm-autoencoder.hidden': '[2]' } }), /without 'wasm-autoencoder\.input_dim'/);
  }
  refuses(join({ __metadata__: { 'wasm-autoencoder.layers': '{}' } }), /without 'wasm-autoencoder\.model'/);

  // Shapes our models cannot have: DataFormatError naming the layer, before the model is made.
  const mixed = fileOf([['0.weight', [3, 4]], ['0.bias', [3]], ['2.weight', [5, 3]], ['2.bias', [5]]]); // 4 → 3 → 5: no mirror
  refuses(mixed, /cannot rebuild: layer 1 is decode 3 → 5, expected decode 3 → 4/, { activation: 'tanh', outputActivation: 'linear' });
  const vaeMixed = fileOf([['z_mean.weight', [2, 4]], ['z_mean.bias', [2]], ['z_log_var.weight', [3, 4]], ['z_log_var.bias', [3]], ['decoder.0.weight', [4, 2]], ['decoder.0.bias', [4]]]);
  refuses(vaeMixed, /layer 1 is z_log_var 4 → 3, expected z_log_var 4 → 2/, { activation: 'tanh', outputActivation: 'linear' });
  const zero = fileOf([['0.weight', [0, 4]], ['0.bias', [0]], ['2.weight', [4, 0]], ['2.bias', [4]]]);
  refuses(zero, /has tensor '0\.weight' of shape \[0, 4\]; a layer of ours has 1 to 16777216 inputs and outputs/, { activation: 'tanh', outputActivation: 'linear' });
  const huge = join({ '0.weight': { dtype: 'F32', shape: [2 ** 40, 0], data_offsets: [0, 0] }, '0.bias': { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 0] } });
  refuses(huge, /tensor '0\.bias' of shape \[1099511627776\], more values than its 0 bytes/);
  const wide = join({ '0.weight': { dtype: 'F32', shape: [2 ** 40, 0], data_offsets: [0, 0] }, '0.bias': { dtype: 'F32', shape: [0], data_offsets: [0, 0] } });
  refuses(wide, /shape \[1099511627776, 0\]/); // a huge empty weight: refused at once
  for (const m of [ae, vae, flat]) m.dispose();
});

test('NaN and infinite weights and biases: DataFormatError naming the tensor and the index in its own (out × in) shape', () => {
  const ae = new Autoencoder(7, [5, 3], { activation: 'relu', seed: 3 });
  const vae = new VariationalAutoencoder(6, 2, { hidden: [5, 3], seed: 4 });
  /** The model's file with `value` written at `index` of tensor `name` (row-major in the file's shape). */
  const poisoned = (model: Model, name: string, index: number[], value: number) => {
    const { header, data } = split(toSafetensors(model));
    const { shape, data_offsets: [begin] } = header[name] as { shape: number[]; data_offsets: [number, number] };
    const flat = index.reduce((sum, i, d) => sum * shape[d]! + i, 0);
    const copy = data.slice();
    new DataView(copy.buffer).setFloat32(begin + 4 * flat, value, true);
    return join(header, copy);
  };
  refuses(poisoned(ae, '0.weight', [0, 0], NaN), /has tensor '0\.weight' of shape \[5, 7\] holding NaN at \[0, 0\]: a model's weights and biases must be finite/);
  refuses(poisoned(ae, '0.weight', [3, 6], Infinity), /has tensor '0\.weight' of shape \[5, 7\] holding Infinity at \[3, 6\]/);
  refuses(poisoned(ae, '2.weight', [2, 4], -Infinity), /has tensor '2\.weight' of shape \[3, 5\] holding -Infinity at \[2, 4\]/);
  refuses(poisoned(ae, '6.bias', [6], NaN), /has tensor '6\.bias' of shape \[7\] holding NaN at \[6\]/);
  refuses(poisoned(vae, 'z_log_var.weight', [1, 2], Infinity), /has tensor 'z_log_var\.weight' of shape \[2, 3\] holding Infinity at \[1, 2\]/);
  refuses(poisoned(vae, 'decoder.4.bias', [5], NaN), /has tensor 'decoder\.4\.bias' of shape \[6\] holding NaN at \[5\]/);
  // A NaN of another payload (a signalling NaN's bits) is caught the same way.
  const { header, data } = split(toSafetensors(ae));
  const signalling = data.slice();
  new DataView(signalling.buffer).setUint32(header['0.bias'].data_offsets[0] + 4, 0xff800001, true);
  refuses(join(header, signalling), /has tensor '0\.bias' of shape \[5\] holding NaN at \[1\]/);
  // Without our metadata, with the activations given: the same.
  refuses(edited(ae, (h) => delete h.__metadata__, (d) => {
    const copy = d.slice();
    new DataView(copy.buffer).setFloat32(0, NaN, true);
    return copy;
  }), /has tensor '0\.weight' of shape \[5, 7\] holding NaN at \[0, 0\]/, { activation: 'relu', outputActivation: 'linear' });
  // The largest finite float32 is a weight like any other.
  const big = fromSafetensors(poisoned(ae, '0.weight', [0, 0], 3.4028234663852886e38));
  assert.equal(big.getWeights()['encode/weights'].data[0], 3.4028234663852886e38);
  for (const m of [big, ae, vae]) m.dispose();
});

test('fuzz: random bytes, cut and mutated files, and random headers are read or refused with DataFormatError (a RangeError only for options the file contradicts), nothing else', () => {
  const valid = [new Autoencoder(4, 2, { seed: 1 }), new VariationalAutoencoder(4, 2, { hidden: [3], seed: 2 })].map((m) => {
    const bytes = toSafetensors(m);
    m.dispose();
    return bytes;
  });
  const counts = { read: 0, refused: 0 };
  const outcome = (bytes: Uint8Array, options = {}): void => {
    let model: Model | undefined;
    try {
      model = fromSafetensors(bytes, options);
    } catch (error) {
      // The options given here are valid: a RangeError may only say the file's metadata contradicts them.
      if (!(error instanceof DataFormatError || (error instanceof RangeError && /was written with/.test(error.message)))) throw error;
      counts.refused++;
      return;
    }
    assert.ok(model instanceof Autoencoder || model instanceof VariationalAutoencoder);
    counts.read++;
    model.dispose();
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => outcome(bytes)), { numRuns: 300, seed: 20261212 });
  // Mutations of valid files: bytes overwritten anywhere (the header's text too), a cut, an extension.
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat()),
      fc.uint8Array({ maxLength: 8 }),
      fc.boolean(),
      (file, edits, cut, extra, withOptions) => {
        const bytes = new Uint8Array([...file.subarray(0, cut === null ? file.length : cut % (file.length + 1)), ...extra]);
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
        outcome(bytes, withOptions ? { activation: 'tanh', outputActivation: 'linear' } : {});
      },
    ),
    { numRuns: 500, seed: 20261213 },
  );
  assert.ok(counts.read > 0 && counts.refused > 0, `mutations both read and refused: ${JSON.stringify(counts)}`);
  // Headers made of the format's own pieces, in random combinations.
  const dimension = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 2 ** 31, 2 ** 53, 1.5));
  const entry = fc.record({
    dtype: fc.constantFrom('F32', 'F32', 'F16', 'I64', 'x'),
    shape: fc.array(dimension, { maxLength: 3 }),
    data_offsets: fc.tuple(fc.integer({ min: 0, max: 160 }), fc.integer({ min: 0, max: 160 })),
  });
  const name = fc.constantFrom('0.weight', '0.bias', '2.weight', '2.bias', '4.weight', 'z_mean.weight', 'z_mean.bias', 'z_log_var.weight', 'z_log_var.bias', 'decoder.0.weight', 'decoder.0.bias', 'encoder.0.weight', '__proto__', 'x');
  const metadata = fc.dictionary(fc.constantFrom('format', 'wasm-autoencoder.model', 'wasm-autoencoder.input_dim', 'wasm-autoencoder.hidden', 'wasm-autoencoder.activation'), fc.constantFrom('Autoencoder', '3', '[2]', '[]', 'tanh', 'pt'));
  fc.assert(
    fc.property(fc.dictionary(name, entry, { maxKeys: 8 }), fc.option(metadata), fc.integer({ min: 0, max: 160 }), (tensors, meta, dataBytes) => {
      const header = meta === null ? tensors : { __metadata__: meta, ...tensors };
      outcome(join(header, new Uint8Array(Float32Array.from({ length: dataBytes >> 2 }, (_, i) => i / 7).buffer)), { activation: 'tanh', outputActivation: 'linear' });
      outcome(join(header, new Uint8Array(dataBytes)));
    }),
    { numRuns: 500, seed: 20261214 },
  );
});

// ---- PyTorch (Debian's python3-torch; examples/pytorch) ----

const EXAMPLES = fileURLToPath(new URL('../../examples/pytorch', import.meta.url));

/** Runs a Python script with examples/pytorch importable, `args` as sys.argv[1:]; returns the JSON it prints. */
async function python(script: string, ...args: string[]): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const prelude = `import sys, json\nsys.path.insert(0, ${JSON.stringify(EXAMPLES)})\nimport torch\ntorch.manual_seed(0)\n`;
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', prelude + script, ...args], { timeout: PYTHON_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wae-safetensors-'));
}

const assertClose = (actual: ArrayLike<number>, expected: readonly number[], what: string) => assertWithin1e5(actual, expected, what, (a, e) => `ours ${a}, PyTorch ${e}`);

/**
 * PyTorch's outputs of model files for rows (argv: file, rows.json, file, rows.json, …; one Python for all, as torch's
 * import takes seconds): an autoencoder's code and reconstruction, a VAE's encoding and decoding of the mean.
 */
const FORWARD = `
from safetensors_io import load_model
from autoencoder import VAE
flat = lambda t: t.reshape(-1).tolist()
def forward(file, rows):
    model, metadata = load_model(file)
    model.eval()
    x = torch.tensor(json.load(open(rows)), dtype=torch.float32)
    with torch.no_grad():
        if isinstance(model, VAE):
            mean, log_var = model.encode(x)
            return {'mean': flat(mean), 'log_var': flat(log_var), 'decoded': flat(model.decode(mean))}
        depth = len(json.loads(metadata['wasm-autoencoder.hidden']))
        return {'hidden': flat(model[:2 * depth](x)), 'reconstructed': flat(model(x))}
print(json.dumps([forward(*pair) for pair in zip(sys.argv[1::2], sys.argv[2::2])]))
`;

test('PyTorch loads our files into the modules of examples/pytorch, and its forward pass matches test, encode and decode within 1e-5', { skip: torchMissing }, async () => {
  const dir = tmpdir();
  const all = [
    ...models(),
    new Autoencoder(5, [4, 3], { activation: 'leakyRelu', outputActivation: 'elu', seed: 9 }),
  ];
  const inputs = all.map((model, m) => {
    model.train(randomRows(20, model.inputDim, 1, 0, 1), { epochs: 2, batchSize: 5, logEvery: 0 });
    const rows = randomRows(5, model.inputDim, 30 + m, -2, 2);
    const file = path.join(dir, `model-${m}.safetensors`), rowsFile = path.join(dir, `rows-${m}.json`);
    fs.writeFileSync(file, toSafetensors(model));
    fs.writeFileSync(rowsFile, JSON.stringify(rows));
    return { rows, args: [file, rowsFile] };
  });
  const outputs = await python(FORWARD, ...inputs.flatMap((input) => input.args));
  for (const [m, model] of all.entries()) {
    const rows = inputs[m]!.rows, torch = outputs[m];
    if (model instanceof Autoencoder) {
      const { hidden, reconstructed } = model.test(rows);
      assertClose(hidden.data, torch.hidden, `model ${m} code`);
      assertClose(reconstructed.data, torch.reconstructed, `model ${m} reconstruction`);
    } else {
      const { mean, logVar } = model.encode(rows);
      assertClose(mean.data, torch.mean, `model ${m} mean`);
      assertClose(logVar.data, torch.log_var, `model ${m} log_var`);
      assertClose(model.decode(mean).data, torch.decoded, `model ${m} decode`);
    }
    model.dispose();
  }
  fs.rmSync(dir, { recursive: true });
});

test('one SGD step in PyTorch, saved back with examples/pytorch, loads with fromSafetensors with exactly PyTorch\'s weights (and is the file toSafetensors writes)', { skip: torchMissing }, async () => {
  const dir = tmpdir();
  // argv: before, rows.json, after, before, rows.json, after, … (one Python for every model).
  const STEP = `
from safetensors_io import load_model, save_model
from autoencoder import VAE
def step(before, rows, after):
    torch.manual_seed(0)
    model, metadata = load_model(before)
    x = torch.tensor(json.load(open(rows)), dtype=torch.float32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if isinstance(model, VAE):
        reconstructed, mean, log_var = model(x)
        kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(1)
        loss = (((reconstructed - x) ** 2).sum(1) + kl).mean()
    else:
        loss = ((model(x) - x) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    save_model(model, after, metadata)
    with torch.no_grad():
        tuned = model.decode(model.encode(x)[0]) if isinstance(model, VAE) else model(x)
    return {'state': {name: {'shape': list(t.shape), 'values': t.reshape(-1).tolist()} for name, t in model.state_dict().items()}, 'after': tuned.reshape(-1).tolist()}
print(json.dumps([step(*triple) for triple in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3])]))
`;
  const list = models();
  const inputs = list.map((model, m) => {
    const rows = randomRows(6, model.inputDim, 50 + m, 0, 1);
    const before = path.join(dir, `before-${m}.safetensors`), rowsFile = path.join(dir, `rows-${m}.json`);
    const after = path.join(dir, `after-${m}.safetensors`);
    fs.writeFileSync(before, toSafetensors(model));
    fs.writeFileSync(rowsFile, JSON.stringify(rows));
    return { rows, after, args: [before, rowsFile, after] };
  });
  const steps = await python(STEP, ...inputs.flatMap((input) => input.args));
  for (const [m, model] of list.entries()) {
    const { rows, after } = inputs[m]!, torch = steps[m];
    const bytes = new Uint8Array(fs.readFileSync(after));
    const tuned = fromSafetensors(bytes, { name: after });
    assert.equal(tuned.constructor, model.constructor);
    const weights = tuned.getWeights() as Record<string, { rows: number; cols: number; data: Float32Array }>;
    const modules = JSON.parse(split(bytes).header.__metadata__['wasm-autoencoder.layers']) as Record<string, string>;
    let changed = 0;
    for (const [module, scope] of Object.entries(modules)) {
      const W = weights[`${scope}/weights`]!;
      const w = torch.state[`${module}.weight`];
      assert.deepEqual(w.shape, [W.cols, W.rows]);
      for (let o = 0; o < W.cols; o++) {
        for (let i = 0; i < W.rows; i++) assert.equal(W.data[i * W.cols + o], Math.fround(w.values[o * W.rows + i]), `${module}.weight[${o}][${i}] exactly`);
      }
      assert.deepEqual(Array.from(weights[`${scope}/biases`]!.data), torch.state[`${module}.bias`].values.map(Math.fround), `${module}.bias exactly`);
      const old = (model.getWeights() as Record<string, { data: Float32Array }>)[`${scope}/weights`]!.data;
      changed += W.data.filter((v, k) => v !== old[k]).length;
    }
    assert.ok(changed > 0, 'the step changed the weights');
    assert.equal(Object.keys(torch.state).length, 2 * Object.keys(modules).length, 'every tensor read');
    const outputs = tuned instanceof Autoencoder ? tuned.test(rows).reconstructed : tuned.decode(tuned.encode(rows).mean);
    assertClose(outputs.data, torch.after, `model ${m} after the step`);
    assert.deepEqual(toSafetensors(tuned), bytes, 'PyTorch\'s file and ours are the same bytes');
    tuned.dispose();
    model.dispose();
  }
  fs.rmSync(dir, { recursive: true });
});

test('a file PyTorch wrote without our metadata loads with { activation, outputActivation }, and is refused without them', { skip: torchMissing }, async () => {
  const dir = tmpdir();
  const rows = randomRows(4, 6, 70, -1, 1);
  fs.writeFileSync(path.join(dir, 'rows.json'), JSON.stringify(rows));
  const FOREIGN = `
from torch import nn
from safetensors_io import save_file
from autoencoder import VAE
x = torch.tensor(json.load(open(sys.argv[1])), dtype=torch.float32)
net = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2), nn.ReLU(), nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 6), nn.Sigmoid())
vae = VAE(6, 2, [3], 'elu', 'linear')
save_file(net.state_dict(), sys.argv[2])
save_file(vae.state_dict(), sys.argv[3])
flat = lambda t: t.reshape(-1).tolist()
with torch.no_grad():
    mean, log_var = vae.encode(x)
    print(json.dumps({'net': flat(net(x)), 'code': flat(net[:4](x)), 'mean': flat(mean), 'log_var': flat(log_var), 'decoded': flat(vae.decode(mean))}))
`;
  const netFile = path.join(dir, 'net.safetensors');
  const vaeFile = path.join(dir, 'vae.safetensors');
  const torch = await python(FOREIGN, path.join(dir, 'rows.json'), netFile, vaeFile);
  const net = new Uint8Array(fs.readFileSync(netFile));
  assert.equal(split(net).header.__metadata__, undefined, 'no metadata');
  refuses(net, /has no wasm-autoencoder __metadata__, so its activations are unknown: .*\(missing: activation, outputActivation\)/);
  refuses(net, /\(missing: outputActivation\)/, { activation: 'relu' });
  const ae = fromSafetensors(net, { activation: 'relu', outputActivation: 'sigmoid' });
  assert.ok(ae instanceof Autoencoder);
  assert.deepEqual(ae.hidden, [4, 2]);
  const { hidden, reconstructed } = ae.test(rows);
  assertClose(hidden.data, torch.code, 'code');
  assertClose(reconstructed.data, torch.net, 'reconstruction');
  ae.dispose();
  const vaeBytes = new Uint8Array(fs.readFileSync(vaeFile));
  refuses(vaeBytes, /\(missing: activation, outputActivation\)/);
  const vae = fromSafetensors(vaeBytes, { activation: 'elu', outputActivation: 'linear' });
  assert.ok(vae instanceof VariationalAutoencoder);
  assert.deepEqual([vae.inputDim, vae.latentDim, vae.hidden], [6, 2, [3]]);
  const { mean, logVar } = vae.encode(rows);
  assertClose(mean.data, torch.mean, 'mean');
  assertClose(logVar.data, torch.log_var, 'log_var');
  assertClose(vae.decode(mean).data, torch.decoded, 'decode');
  vae.dispose();
  fs.rmSync(dir, { recursive: true });
});

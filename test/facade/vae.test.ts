// The variational autoencoder: names and shapes, gradients against a float64 reference by central finite
// differences (hidden of 0, 1 and 2 layers, both reconstruction terms, β ≠ 1), evaluate, training, sampling,
// interpolation, anomaly scores and checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Autoencoder, CheckpointError, DivergenceError, VariationalAutoencoder, anomalyThreshold, decodeCheckpoint, encodeCheckpoint, loadModel, type VariationalAutoencoderOptions } from '../../src/entries/index.js';
import { getRuntime } from '../../src/runtime/wasm.js';
import { namedLayers, vaeFiniteDifferences, vaeLoss, type RefVae } from '../reference-vae.js';
import type { RefLayer } from '../reference.js';
import { randomRows } from './helpers.js';

/** The model's parameters as a float64 reference. */
function reference(vae: VariationalAutoencoder): RefVae {
  const w = vae.getWeights() as Record<string, { rows: number; cols: number; data: Float32Array }>;
  const layer = (name: string, activation: RefLayer['activation']): RefLayer => {
    const W = w[`${name}/weights`]!;
    return { W: Float64Array.from(W.data), b: Float64Array.from(w[`${name}/biases`]!.data), inDim: W.rows, outDim: W.cols, activation };
  };
  const { hidden, options } = vae;
  const scope = (base: string, k: number) => (k === 0 ? base : `${base}_${k}`);
  return {
    encoder: hidden.map((_, k) => layer(scope('encode', k), options.activation)),
    mean: layer('z_mean', 'linear'),
    logVar: layer('z_log_var', 'linear'),
    decoder: [...hidden, 0].map((_, k) => layer(scope('decode', k), k === hidden.length ? options.outputActivation : options.activation)),
    reconstruction: options.reconstruction,
    klWeight: options.klWeight,
  };
}

/** Blocks of WebAssembly memory handed out and not given back. */
const usedBlocks = () => getRuntime().arena.usedBlocks;

/** Rows of f32 values (what the model sees), as numbers. */
const f32Rows = (rows: number[][]) => rows.map((row) => row.map(Math.fround));

test('layers, names and shapes for hidden [], [5] and [6, 4]; summary; the latent width everywhere', () => {
  const expected: [number[], string[]][] = [
    [[], ['z_mean', 'z_log_var', 'decode']],
    [[5], ['encode', 'z_mean', 'z_log_var', 'decode', 'decode_1']],
    [[6, 4], ['encode', 'encode_1', 'z_mean', 'z_log_var', 'decode', 'decode_1', 'decode_2']],
  ];
  for (const [hidden, names] of expected) {
    const vae = new VariationalAutoencoder(9, 3, { hidden });
    const weights = vae.getWeights() as Record<string, { rows: number; cols: number }>;
    assert.deepEqual(Object.keys(weights), names.flatMap((n) => [`${n}/weights`, `${n}/biases`]));
    const widths = [9, ...hidden];
    assert.deepEqual([weights['z_mean/weights']!.rows, weights['z_mean/weights']!.cols], [widths.at(-1), 3]);
    assert.deepEqual([weights['z_log_var/weights']!.rows, weights['z_log_var/weights']!.cols], [widths.at(-1), 3]);
    const decoderWidths = [3, ...[...hidden].reverse(), 9];
    names.filter((n) => n.startsWith('decode')).forEach((n, k) => {
      assert.deepEqual([weights[`${n}/weights`]!.rows, weights[`${n}/weights`]!.cols], [decoderWidths[k], decoderWidths[k + 1]], n);
    });
    assert.match(vae.summary(), /^z\s+3 → 3\s+sampling\s+0$/m);
    assert.match(vae.summary(), /loss mse \(summed over each row\) \+ 1 × KL, optimizer rmsprop/);
    vae.dispose();
  }
  const bce = new VariationalAutoencoder(4, 2, { outputActivation: 'sigmoid' });
  assert.equal(bce.options.reconstruction, 'bce', "bce is the default with a sigmoid output");
  assert.equal(bce.options.weightInit, 'glorot', "glorot is the VAE's default: N(0, 1) weights overflow exp(logVar)");
  assert.equal(new VariationalAutoencoder(4, 2, { weightInit: 'normal' }).options.weightInit, 'normal');
  bce.dispose();
});

test('options are checked: bce needs a sigmoid output, β ≥ 0, no loss option, widths are positive integers', () => {
  const bad: [VariationalAutoencoderOptions, RegExp][] = [
    [{ reconstruction: 'bce' }, /reconstruction 'bce' needs outputActivation 'sigmoid'/],
    [{ reconstruction: 'rmse' as never }, /unknown reconstruction 'rmse': expected 'bce' or 'mse'/],
    [{ klWeight: -1 }, /klWeight must be a number from 0 to 1e\+30, got -1/],
    [{ klWeight: 1e31 }, /klWeight must be a number from 0 to 1e\+30, got 1e\+31/],
    [{ klWeight: Number.NaN }, /klWeight must be a number from 0 to 1e\+30, got NaN/],
    [{ loss: 'mse' } as never, /unknown options 'loss'/],
    [{ hidden: [4, 0] }, /hidden\[1\] must be a positive integer, got 0/],
    [{ hidden: 4 as never }, /hidden must be an array of 0 to 64 layer widths/],
  ];
  for (const [options, message] of bad) assert.throws(() => new VariationalAutoencoder(6, 2, options), message);
  assert.throws(() => new VariationalAutoencoder(6, 0), /latentDim must be a positive integer, got 0/);
  const before = usedBlocks();
  assert.throws(() => new VariationalAutoencoder(6, 2, { threads: 100 }), /threads must be 'auto' or an integer from 1 to 64, got 100/);
  assert.throws(() => new VariationalAutoencoder(6, 2, { precision: 'slow' as never }), /precision must be 'exact' or 'fast', got 'slow'/);
  assert.throws(() => new Autoencoder(6, 2, { threads: 0 }), /threads must be 'auto' or an integer from 1 to 64, got 0/);
  assert.equal(usedBlocks(), before, 'a refused model takes no memory');
});

for (const hidden of [[], [5], [6, 4]]) {
  for (const [reconstruction, klWeight] of [['mse', 1], ['bce', 1], ['mse', 0.3], ['bce', 2.5]] as const) {
    test(`gradients, hidden [${hidden}], ${reconstruction}, β ${klWeight}: float64 reference by central finite differences`, () => {
      const options: VariationalAutoencoderOptions = {
        hidden, reconstruction, klWeight, activation: 'tanh', outputActivation: reconstruction === 'bce' ? 'sigmoid' : 'linear', weightInit: 'glorot', seed: 4,
      };
      const vae = new VariationalAutoencoder(7, 3, options);
      // Log-variances away from 0 and means away from the origin, so every term of the loss has weight.
      const w = vae.getWeights();
      vae.setWeights({ 'z_log_var/biases': [[0.4, -0.7, 0.2]], 'z_mean/biases': [[0.3, -0.2, 0.5]], 'decode/biases': [Array.from(w['decode/biases'].data, (v, j) => v + 0.1 * j)] });
      const x = f32Rows(randomRows(6, 7, 11 + hidden.length, reconstruction === 'bce' ? 0 : -1, 1));
      const eps = f32Rows(randomRows(6, 3, 5, -2, 2));
      const ref = reference(vae);
      const expected = vaeLoss(ref, x, eps);
      const numeric = vaeFiniteDifferences(ref, x, eps, 1e-6);
      const { loss, gradients } = vae.gradients(x, { noise: eps });
      assert.ok(Math.abs(loss - expected.loss) < 1e-5 * Math.max(1, expected.loss), `loss ${loss} vs ${expected.loss}`);
      assert.deepEqual(Object.keys(gradients).sort(), [...numeric.keys()].sort());
      for (const [name, fd] of numeric) {
        const got = gradients[name as 'z_mean/weights'].data;
        const scale = Math.max(1, ...Array.from(fd, Math.abs));
        got.forEach((g, i) => assert.ok(Math.abs(g - fd[i]!) < 2e-4 * scale, `${name}[${i}]: wasm ${g}, finite differences ${fd[i]}`));
      }
      vae.dispose();
    });
  }
}

test('gradients of more rows than a chunk are combined as one batch; without noise, ε is drawn and the generator advances', () => {
  const vae = new VariationalAutoencoder(5, 2, { hidden: [4], seed: 9 });
  const x = f32Rows(randomRows(300, 5, 3));
  const eps = f32Rows(randomRows(300, 2, 8, -1.5, 1.5));
  const ref = reference(vae);
  const numeric = vaeFiniteDifferences(ref, x, eps, 1e-6);
  const { loss, gradients } = vae.gradients(x, { noise: eps });
  const expected = vaeLoss(ref, x, eps).loss;
  assert.ok(Math.abs(loss - expected) < 1e-5 * expected, `loss ${loss} vs ${expected}`);
  for (const [name, fd] of numeric) {
    const scale = Math.max(1, ...Array.from(fd, Math.abs));
    gradients[name as 'z_mean/weights'].data.forEach((g, i) => assert.ok(Math.abs(g - fd[i]!) < 2e-4 * scale, `${name}[${i}]: ${g} vs ${fd[i]}`));
  }
  const drawn = [vae.gradients(x.slice(0, 4)).loss, vae.gradients(x.slice(0, 4)).loss];
  assert.notEqual(drawn[0], drawn[1], 'each call draws new noise');
  assert.throws(() => vae.gradients(x, { noise: eps.slice(0, 3) }), /noise has 3 rows, data has 300/);
  assert.throws(() => vae.gradients(x, { noise: randomRows(300, 3, 1) }), /noise row 0 has 3 values, the model expects 2/);
  vae.dispose();
});

test('evaluate takes z = mean: its loss, terms and row losses are the float64 reference with ε = 0', () => {
  for (const [reconstruction, outputActivation] of [['bce', 'sigmoid'], ['mse', 'linear']] as const) {
    const vae = new VariationalAutoencoder(6, 2, { hidden: [5], reconstruction, outputActivation, klWeight: 0.7, seed: 2 });
    const x = f32Rows(randomRows(150, 6, 21, 0, 1));
    const expected = vaeLoss(reference(vae), x, x.map(() => [0, 0]));
    const got = vae.evaluate(x);
    for (const key of ['loss', 'reconstruction', 'kl'] as const) {
      assert.ok(Math.abs(got[key] - expected[key]) < 1e-5 * Math.max(1, expected[key]), `${key}: ${got[key]} vs ${expected[key]}`);
    }
    got.rowLosses.forEach((l, r) => assert.ok(Math.abs(l - expected.rowLosses[r]!) < 1e-5 * Math.max(1, l), `row ${r}`));
    assert.ok(Math.abs(got.loss - (got.reconstruction + Math.fround(0.7) * got.kl)) < 1e-12, "β as the kernels hold it, an f32");
    assert.deepEqual(vae.evaluate(x), got, 'deterministic');
    assert.deepEqual(vae.anomalyScores(x), got.rowLosses);
    const threshold = anomalyThreshold(got.rowLosses, { quantile: 0.9 });
    const { anomalies } = vae.detect(x, threshold);
    assert.deepEqual(Array.from(anomalies), Array.from(got.rowLosses, (s) => (s > threshold ? 1 : 0)));
    vae.dispose();
  }
});

test('training lowers the loss; onEpoch reports the reconstruction and KL terms; the same seed gives the same bits', () => {
  // Rows that vary along one direction: t on the even columns, 1 − t on the odd ones.
  const data = randomRows(200, 1, 31, 0, 1).map(([t]) => Array.from({ length: 8 }, (_, j) => (j % 2 === 0 ? t! : 1 - t!)));
  const run = () => {
    const vae = new VariationalAutoencoder(8, 2, { hidden: [6], optimizer: { name: 'adam' }, learningRate: 0.01, seed: 5 });
    const terms: { loss: number; reconstruction: number; kl: number }[] = [];
    const history = vae.train(data, { epochs: 15, batchSize: 20, logEvery: 0, onEpoch: ({ loss, reconstruction, kl }) => terms.push({ loss, reconstruction: reconstruction!, kl: kl! }) });
    const weights = vae.getWeights();
    vae.dispose();
    return { history, terms, weights };
  };
  const a = run(), b = run();
  assert.deepEqual(a, b);
  assert.ok(a.history.at(-1)! < 0.5 * a.history[0]!, `loss ${a.history[0]} → ${a.history.at(-1)}`);
  for (const t of a.terms) {
    assert.ok(Math.abs(t.loss - (t.reconstruction + t.kl)) < 1e-4 * t.loss, 'loss = reconstruction + β·KL');
    assert.ok(t.kl > 0 && t.reconstruction > 0);
  }
});

test('validation and early stopping use the deterministic loss (z = mean)', () => {
  const data = randomRows(120, 6, 3, 0, 1);
  const vae = new VariationalAutoencoder(6, 2, { outputActivation: 'sigmoid', seed: 8 });
  const history = vae.train(data, { epochs: 3, batchSize: 10, logEvery: 0, validation: data.slice(0, 30) });
  assert.equal(history.validation!.length, 3);
  assert.ok(Math.abs(history.validation!.at(-1)! - vae.evaluate(data.slice(0, 30)).loss) < 1e-6 * history.validation!.at(-1)!);
  const stopped = vae.train(data, { epochs: 200, batchSize: 10, logEvery: 0, validation: 0.25, earlyStopping: { patience: 2 } });
  assert.ok(stopped.length < 200, `early stopping ended training after ${stopped.length} epochs`);
  const best = Math.min(...stopped.validation!);
  assert.ok(Math.abs(vae.evaluate(data.slice(90)).loss - best) < 1e-6 * best, 'the best epoch\'s weights are kept');
  vae.dispose();
});

test('sample draws codes from N(0, I): with a seed, its own generator; without, the model\'s, which advances', () => {
  const vae = new VariationalAutoencoder(5, 3, { hidden: [4], seed: 12 });
  const a = vae.sample(6, 42), b = vae.sample(6, 42);
  assert.deepEqual([a.rows, a.cols], [6, 5]);
  assert.deepEqual(a, b);
  const c = vae.sample(6), d = vae.sample(6);
  assert.notDeepEqual(c, d);
  assert.notDeepEqual(vae.sample(6, 43), a);
  const codes = [[0.5, -1, 2]];
  assert.deepEqual(vae.decode(codes).rows, 1);
  assert.throws(() => vae.sample(0), /n must be a positive integer, got 0/);
  assert.throws(() => vae.sample(2, -1), /seed must be a non-negative integer, got -1/);
  assert.throws(() => vae.sample(1e8), /n is 100000000; at most 16777216 is supported/);
  const wide = new VariationalAutoencoder(50000, 2);
  assert.throws(() => wide.sample(10000), /sample\(10000\) would make 500000000 values; at most 268435456 at a time/);
  assert.throws(() => wide.decode({ rows: 6000, cols: 2, data: new Float32Array(12000) }), /decode of 6000 codes would make 300000000 values/);
  wide.dispose();
  const wideAe = new Autoencoder(50000, 2);
  assert.throws(() => wideAe.decode({ rows: 6000, cols: 2, data: new Float32Array(12000) }), /decode of 6000 codes would make 300000000 values/);
  wideAe.dispose();
  vae.dispose();
});

test('interpolate decodes evenly spaced codes between the means of two rows; steps = 3 is the average of the two codes', () => {
  const vae = new VariationalAutoencoder(6, 2, { hidden: [5], seed: 3 });
  const [a, b] = randomRows(2, 6, 17);
  const { mean } = vae.encode([a!, b!]);
  const strip = vae.interpolate(a!, b!, 3);
  assert.deepEqual([strip.rows, strip.cols], [3, 6]);
  const ends = vae.decode(mean);
  assert.deepEqual(strip.data.subarray(0, 6), ends.data.subarray(0, 6));
  assert.deepEqual(strip.data.subarray(12, 18), ends.data.subarray(6, 12));
  const middle = vae.decode([[0, 1].map((j) => mean.data[j]! + 0.5 * (mean.data[2 + j]! - mean.data[j]!))]);
  assert.deepEqual(strip.data.subarray(6, 12), middle.data);
  assert.deepEqual(vae.interpolate({ rows: 1, cols: 6, data: Float32Array.from(a!) }, Float32Array.from(b!), 3), strip);
  assert.throws(() => vae.interpolate(a!, b!, 1), /steps must be an integer ≥ 2, got 1/);
  assert.throws(() => vae.interpolate(a!.slice(1), b!, 4), /a row 0 has 5 values, the model expects 6/);
  assert.throws(() => vae.interpolate({ rows: 2, cols: 6, data: new Float32Array(12) }, b!, 4), /a must be one row of 6 values, got 2 rows/);
  vae.dispose();
});

test('checkpoints: a VAE resumes bit for bit; each class refuses the other\'s checkpoint by name; loadModel returns either', () => {
  const data = randomRows(60, 6, 4, 0, 1);
  const options: VariationalAutoencoderOptions = { hidden: [5, 3], outputActivation: 'sigmoid', klWeight: 0.5, optimizer: { name: 'adam' }, seed: 6 };
  const straight = new VariationalAutoencoder(6, 2, options);
  straight.train(data, { epochs: 4, batchSize: 7, logEvery: 0 });
  const half = new VariationalAutoencoder(6, 2, options);
  half.train(data, { epochs: 2, batchSize: 7, logEvery: 0 });
  half.metadata.note = 'half';
  const resumed = VariationalAutoencoder.fromBytes(half.toBytes());
  assert.deepEqual(resumed.options, half.options);
  assert.deepEqual(resumed.metadata, { note: 'half' });
  assert.equal(resumed.epochsTrained, 2);
  resumed.train(data, { epochs: 2, batchSize: 7, logEvery: 0 });
  assert.deepEqual(resumed.getWeights(), straight.getWeights());
  const loaded = loadModel(straight.toBytes());
  assert.ok(loaded instanceof VariationalAutoencoder);
  assert.deepEqual(loaded.getWeights(), straight.getWeights());
  assert.throws(() => Autoencoder.fromBytes(straight.toBytes()), (e: unknown) => e instanceof CheckpointError && /holds a VariationalAutoencoder, not an Autoencoder: read it with VariationalAutoencoder.fromBytes/.test(e.message));
  const ae = new Autoencoder(6, 2);
  assert.ok(loadModel(ae.toBytes()) instanceof Autoencoder);
  assert.throws(() => VariationalAutoencoder.fromBytes(ae.toBytes()), /holds an Autoencoder, not a VariationalAutoencoder: read it with Autoencoder.fromBytes, or loadModel/);
  for (const m of [straight, half, resumed, loaded, ae]) m.dispose();
  assert.throws(() => straight.sample(1), { name: 'DisposedError', message: /this VariationalAutoencoder was disposed/ });
});

test('trainAsync trains the bits of train', async () => {
  const data = randomRows(50, 4, 2, 0, 1);
  const a = new VariationalAutoencoder(4, 2, { seed: 1 }), b = new VariationalAutoencoder(4, 2, { seed: 1 });
  assert.deepEqual(await a.trainAsync(data, { epochs: 3, batchSize: 5, logEvery: 0 }), b.train(data, { epochs: 3, batchSize: 5, logEvery: 0 }));
  assert.deepEqual(a.getWeights(), b.getWeights());
  a.dispose();
  b.dispose();
});

test('the layer records the reference names are the model\'s names', () => {
  const vae = new VariationalAutoencoder(4, 2, { hidden: [3] });
  assert.deepEqual(namedLayers(reference(vae)).map(([n]) => n), ['encode', 'z_mean', 'z_log_var', 'decode', 'decode_1']);
  vae.dispose();
});

test('forged VAE checkpoints are refused with CheckpointError before anything is allocated', () => {
  const vae = new VariationalAutoencoder(6, 2, { hidden: [4], outputActivation: 'sigmoid' });
  const bytes = vae.toBytes();
  for (let cut = 0; cut < bytes.length; cut += 11) assert.throws(() => VariationalAutoencoder.fromBytes(bytes.slice(0, cut)), CheckpointError);
  for (let at = 0; at < bytes.length; at += 13) {
    const bad = bytes.slice();
    bad[at]! ^= 0x20;
    assert.throws(() => loadModel(bad), CheckpointError);
  }
  const { header, tensors } = decodeCheckpoint(bytes);
  const options = header.options as Record<string, unknown>;
  const forged: [Record<string, unknown>, RegExp][] = [
    [{ latentDim: 2 ** 24 }, /checkpoint tensor 'z_mean\/weights' is 4×2, expected 4×16777216/],
    [{ latentDim: 0 }, /invalid dimensions: latentDim must be a positive integer/],
    [{ options: { ...options, outputActivation: 'linear' } }, /invalid options: reconstruction 'bce' needs outputActivation 'sigmoid'/],
    [{ options: { ...options, klWeight: -2 } }, /invalid options: klWeight must be a number from 0 to 1e\+30/],
    [{ options: { ...options, hidden: [4, 3] } }, /checkpoint has no tensor 'encode_1\/weights'/],
    [{ options: { ...options, loss: 'rmse' } }, /invalid options: unknown options 'loss'/],
    [{ steps: undefined }, /checkpoint header has no optimizer step count/],
    [{ rng: [0, 0, 0, 0] }, /impossible generator state/],
  ];
  const before = usedBlocks();
  for (const [change, message] of forged) {
    const forgedBytes = encodeCheckpoint({ header: { ...header, ...change }, tensors });
    assert.throws(() => VariationalAutoencoder.fromBytes(forgedBytes), (e: unknown) => e instanceof CheckpointError && message.test(e.message), String(message));
    assert.equal(usedBlocks(), before, `nothing was allocated for a checkpoint refused with ${message}`);
  }
  const nan = tensors.map((t) => (t.name === 'z_log_var/biases' ? { ...t, data: Float32Array.of(0, Number.NaN) } : t));
  assert.throws(() => VariationalAutoencoder.fromBytes(encodeCheckpoint({ header, tensors: nan })), /checkpoint tensor 'z_log_var\/biases' holds NaN at 1/);
  vae.dispose();
});

test('whatever a caller passes, a VAE answers with a result or a typed error, never a trap, and stays usable', () => {
  const vae = new VariationalAutoencoder(4, 2, { hidden: [3], seed: 1 });
  const number = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -0, 1e38), fc.integer({ min: -300, max: 300 }));
  const anything = fc.oneof(
    fc.array(fc.array(number, { maxLength: 5 }), { maxLength: 6 }),
    fc.record({ rows: fc.integer({ min: -2, max: 5 }), cols: fc.integer({ min: -2, max: 5 }), data: fc.float32Array({ maxLength: 30 }) }),
    fc.constantFrom(null, undefined, 'text', 42, {}, [[]]),
  );
  const typedOrNothing = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof RangeError || error instanceof TypeError || error instanceof DivergenceError, `untyped error: ${String(error)}`);
    }
  };
  fc.assert(
    fc.property(anything, anything, fc.oneof(fc.integer({ min: -3, max: 12 }), fc.double()), (a, b, k) => {
      typedOrNothing(() => vae.encode(a as never));
      typedOrNothing(() => vae.decode(a as never));
      typedOrNothing(() => vae.evaluate(a as never, { target: b as never }));
      typedOrNothing(() => vae.gradients(a as never, { noise: b as never }));
      typedOrNothing(() => vae.interpolate(a as never, b as never, k));
      typedOrNothing(() => vae.sample(k, k as never));
      typedOrNothing(() => vae.train(a as never, { epochs: 1, batchSize: k, logEvery: 0 }));
      assert.equal(typeof vae.evaluate([[1, 2, 3, 4]]).loss, 'number');
      assert.equal(vae.sample(1, 3).rows, 1);
    }),
    { numRuns: 300, seed: 20261202 },
  );
  vae.dispose();
});

test('onEpoch\'s KL is the KL of the weights before each step: one full-batch step reports evaluate\'s KL from before it', () => {
  const data = randomRows(40, 6, 12, 0, 1);
  const vae = new VariationalAutoencoder(6, 3, { hidden: [5], klWeight: 0.5, seed: 3 });
  vae.setWeights({ 'z_log_var/biases': [[0.3, -0.4, 0.8]], 'z_mean/biases': [[0.5, -0.6, 0.2]] });
  for (let epoch = 0; epoch < 3; epoch++) {
    const before = vae.evaluate(data);
    let info: { loss: number; reconstruction?: number; kl?: number } | undefined;
    vae.train(data, { epochs: 1, batchSize: 40, shuffle: false, logEvery: 0, onEpoch: (i) => (info = i) });
    assert.ok(Math.abs(info!.kl! - before.kl) < 1e-5 * before.kl, `epoch ${epoch}: KL ${info!.kl} against ${before.kl} before the step`);
    assert.ok(Math.abs(info!.reconstruction! + 0.5 * info!.kl! - info!.loss) < 1e-6 * info!.loss);
  }
  vae.dispose();
});

/** The model's parameters after one RMSProp step (TF1's: mean squares from 1) from `gradients`, in float64. */
function rmspropStep(weights: Record<string, { data: Float32Array }>, gradients: Record<string, { data: Float32Array }>, lr: number): Map<string, Float64Array> {
  return new Map(Object.entries(weights).map(([name, w]) => {
    const g = gradients[name]!.data;
    return [name, Float64Array.from(w.data, (v, i) => v - (lr * g[i]!) / Math.sqrt(0.9 + 0.1 * g[i]! ** 2 + 1e-10))];
  }));
}

test('a training step (RMSProp fused at batch 1, the gradient sweep at batch 8) is gradients then RMSProp, in float64, for the same ε', () => {
  for (const batch of [1, 8]) {
    const data = randomRows(batch, 7, 40 + batch, 0, 1);
    const options: VariationalAutoencoderOptions = { hidden: [6], outputActivation: 'sigmoid', learningRate: 0.01, seed: 21 };
    // A code of 9 values: the heads' updates take the kernels' 8-column tiles (which read the heads' live flags) and a tail.
    const trained = new VariationalAutoencoder(7, 9, options), reference = new VariationalAutoencoder(7, 9, options);
    // With the same seed, gradients() draws the ε the step draws (nothing else is drawn first with shuffle off).
    const expected = rmspropStep(reference.getWeights(), reference.gradients(data).gradients, 0.01);
    trained.train(data, { epochs: 1, batchSize: batch, shuffle: false, logEvery: 0 });
    for (const [name, w] of Object.entries(trained.getWeights())) {
      const want = expected.get(name)!;
      w.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6 * Math.max(1, Math.abs(want[i]!)), `batch ${batch}, ${name}[${i}]: ${v} vs ${want[i]}`));
    }
    trained.dispose();
    reference.dispose();
  }
});

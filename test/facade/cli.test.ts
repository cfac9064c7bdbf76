// The command line, run as a user runs it (node dist/bin/wasm-autoencoder.js, built by `npm test`), on the
// CIFAR fixtures and iris as CSV: train (deep models, denoising, early stopping), reconstruct to PNG, encode to
// CSV and .npy, help, one-line errors, Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder, VariationalAutoencoder, anomalyThreshold, decodeImage, encodeCsv, grayscale, loadCifar10, type Matrix } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { load, loadAnyModel, save } from '../../src/io/node.js';

const CLI = path.resolve('dist/bin/wasm-autoencoder.js');
const CIFAR_PY = path.resolve('test/fixtures/cifar-sample/cifar-10-batches-py');
const CIFAR_BIN = path.resolve('test/fixtures/cifar-sample/cifar-10-batches-bin');
const run = promisify(execFile);

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wae-cli-'));

/** A fresh folder holding iris.csv: the iris set as --csv reads it (each float32 written out exactly). */
function irisDir(): string {
  const dir = tmp();
  const lines = Array.from({ length: iris.rows }, (_, r) => Array.from(iris.data.subarray(r * iris.cols, (r + 1) * iris.cols)).join(','));
  fs.writeFileSync(path.join(dir, 'iris.csv'), `${lines.join('\n')}\n`);
  return dir;
}

/** Every parameter of a and b, bit for bit. */
function assertSameWeights(a: Autoencoder, b: Autoencoder): void {
  const wa = a.getWeights() as Record<string, Matrix<Float32Array>>, wb = b.getWeights() as Record<string, Matrix<Float32Array>>;
  assert.deepEqual(Object.keys(wa), Object.keys(wb));
  for (const name of Object.keys(wa)) {
    assert.ok(Buffer.from(wa[name]!.data.buffer, wa[name]!.data.byteOffset, wa[name]!.data.byteLength).equals(
      Buffer.from(wb[name]!.data.buffer, wb[name]!.data.byteOffset, wb[name]!.data.byteLength)), `${name} differs`);
  }
}

test('train, reconstruct --png and encode on CIFAR horses', async () => {
  const dir = tmp();
  const trained = await cli(['train', '--cifar', CIFAR_PY, '--label', 'horse', '--hidden', '8', '--epochs', '5', '--batch-size', '3', '--out', 'horses.ae'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /training 1024 → 8 → 1024 on CIFAR-10 train 'horse', values × 0\.00392: 9 rows, 5 epochs, batch 3/);
  const horses = await load(path.join(dir, 'horses.ae'));
  assert.deepEqual([horses.epochsTrained, horses.metadata.scale, horses.options.weightInit], [5, 0.00392, 'glorot'], 'pictures: scaled to [0, 1], Glorot weights');

  const shown = await cli(['reconstruct', 'horses.ae', '--cifar', CIFAR_BIN, '--label', '7', '--png', 'grid.png', '--count', '4'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /9 rows, loss \(RMSE\) \d/);
  const grid = decodeImage(fs.readFileSync(path.join(dir, 'grid.png')));
  assert.deepEqual([grid.width, grid.height, grid.channels], [2 * 32 + 2, 4 * 32 + 3 * 2, 1]);

  for (const file of ['codes.csv', 'codes.npy']) {
    const encoded = await cli(['encode', 'horses.ae', '--cifar', CIFAR_PY, '--label', 'horse', '--out', file], dir);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.match(encoded.stdout, /9 codes of 8 values/);
  }
  assert.equal(fs.readFileSync(path.join(dir, 'codes.csv'), 'utf8').trim().split('\n').length, 9);
  const npy = fs.readFileSync(path.join(dir, 'codes.npy'));
  assert.equal(npy.subarray(1, 6).toString('latin1'), 'NUMPY');
  assert.match(npy.toString('latin1', 10, 128), /'descr': '<f4', 'fortran_order': False, 'shape': \(9, 8\)/);
  assert.equal(npy.length % 64, (9 * 8 * 4) % 64);
  fs.rmSync(dir, { recursive: true });
});

test('train --scale keeps the scale in the model; reconstruct, encode and --resume apply it and refuse another', async () => {
  const dir = tmp();
  const horses = ['--cifar', CIFAR_PY, '--label', 'horse'];
  const trained = await cli(['train', ...horses, '--hidden', '4', '--epochs', '2', '--batch-size', '3', '--scale', '0.00392', '--out', 'scaled.ae'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /on CIFAR-10 train 'horse', values × 0\.00392: 9 rows/);
  const model = await load(path.join(dir, 'scaled.ae'));
  assert.deepEqual(model.metadata, { scale: 0.00392 });

  const { data } = await loadCifar10(CIFAR_PY, { labels: ['horse'] });
  const gray = grayscale(data);
  const expected = encodeCsv(model.encode({ ...gray, data: Float32Array.from(gray.data, (v) => v * 0.00392) }));
  model.dispose();
  for (const [file, flags] of [['implied.csv', []], ['repeated.csv', ['--scale', '0.00392']]] as const) {
    const encoded = await cli(['encode', 'scaled.ae', ...horses, ...flags, '--out', file], dir);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.equal(fs.readFileSync(path.join(dir, file), 'utf8'), expected, `${file}: the codes of the scaled pictures`);
  }

  const other = await cli(['encode', 'scaled.ae', ...horses, '--scale', '0.5', '--out', 'x.csv'], dir);
  assert.equal(other.code, 1);
  assert.equal(other.stderr.trim(), 'wasm-autoencoder: the model was trained with --scale 0.00392; leave --scale out and it is applied as trained');
  const resumed = await cli(['train', ...horses, '--resume', '--epochs', '1', '--scale', '2', '--out', 'scaled.ae'], dir);
  assert.equal(resumed.code, 1);
  assert.match(resumed.stderr, /trained with --scale 0\.00392/);
  const continued = await cli(['train', ...horses, '--resume', '--epochs', '1', '--out', 'scaled.ae'], dir);
  assert.equal(continued.code, 0, continued.stderr);
  assert.match(continued.stdout, /values × 0\.00392/);

  assert.equal((await cli(['train', ...horses, '--hidden', '4', '--epochs', '1', '--raw', '--out', 'raw.ae'], dir)).code, 0);
  const scaledRaw = await cli(['reconstruct', 'raw.ae', ...horses, '--scale', '0.5'], dir);
  assert.equal(scaledRaw.code, 1);
  assert.match(scaledRaw.stderr, /the model was trained without --scale/);

  const fromCode = new Autoencoder(1024, 2); // saved by other code: no scale kept, so --scale is taken as given
  await save(fromCode, path.join(dir, 'code.ae'));
  fromCode.dispose();
  assert.equal((await cli(['encode', 'code.ae', ...horses, '--scale', '0.5', '--out', 'c.csv'], dir)).code, 0);
  fs.rmSync(dir, { recursive: true });
});

test('--width and --height bring a folder of differently sized images to one size', async () => {
  const dir = tmp();
  const IMAGES = path.resolve('test/fixtures/images');
  const unsized = await cli(['train', '--images', IMAGES, '--hidden', '2', '--epochs', '1', '--out', 'x.ae'], dir);
  assert.equal(unsized.code, 1);
  assert.match(unsized.stderr, /is 5×3×1 after preparing, but gradient-24x16\.jpg is 24×16×1: pass width and height/);
  const sized = await cli(['train', '--images', IMAGES, '--width', '8', '--height', '6', '--hidden', '2', '--epochs', '2', '--out', 'x.ae'], dir);
  assert.equal(sized.code, 0, sized.stderr);
  assert.match(sized.stdout, /training 48 → 2 → 48 on 7 images/);
  const shown = await cli(['reconstruct', 'x.ae', '--images', IMAGES, '--width', '8', '--height', '6', '--png', 'grid.png', '--count', '3'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  const grid = decodeImage(fs.readFileSync(path.join(dir, 'grid.png')));
  assert.deepEqual([grid.width, grid.height], [2 * 8 + 2, 3 * 6 + 2 * 2]);
  for (const [flags, message] of [
    [['--images', IMAGES, '--width', '8'], 'give --width and --height together'],
    [['--cifar', CIFAR_PY, '--width', '8', '--height', '8'], '--width does not apply to --cifar (only to --images)'],
  ] as const) {
    const wrong = await cli(['train', ...flags, '--out', 'y.ae'], dir);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim(), `wasm-autoencoder: ${message}`);
  }
  fs.rmSync(dir, { recursive: true });
});

test('--max-pixels refuses larger images by name; a bad value is a one-line error', async () => {
  const dir = tmp();
  const IMAGES = path.resolve('test/fixtures/images');
  const sized = ['--images', IMAGES, '--width', '8', '--height', '6', '--hidden', '2', '--epochs', '1', '--out', 'x.ae'];
  const refused = await cli(['train', ...sized, '--max-pixels', '383'], dir);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.trim(), `wasm-autoencoder: ${IMAGES}/gradient-24x16.jpg: 24 × 16 = 384 pixels, more than maxPixels 383 (pass a larger --max-pixels to read it)`);
  for (const value of ['0', '1e99']) {
    const wrong = await cli(['train', ...sized, '--max-pixels', value], dir);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim(), `wasm-autoencoder: --max-pixels must be a positive integer, got '${value}'`);
  }
  const passed = await cli(['train', ...sized, '--max-pixels', '384'], dir);
  assert.equal(passed.code, 0, passed.stderr);
  const elsewhere = await cli(['train', '--cifar', CIFAR_PY, '--max-pixels', '10', '--out', 'y.ae'], dir);
  assert.equal(elsewhere.stderr.trim(), 'wasm-autoencoder: --max-pixels does not apply to --cifar (only to --images)');
  fs.rmSync(dir, { recursive: true });
});

test('train --hidden 8,4 --activation relu --optimizer adam --loss mse: a deep model the library loads with those options', async () => {
  const dir = irisDir();
  const flags = ['--hidden', '8,4', '--activation', 'relu', '--optimizer', 'adam', '--loss', 'mse', '--epochs', '3', '--batch-size', '10'];
  const trained = await cli(['train', '--csv', 'iris.csv', ...flags, '--out', 'deep.ae'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /training 4 → 8 → 4 → 8 → 4 on iris\.csv: 150 rows, 3 epochs, batch 10\n/);
  assert.match(trained.stdout, /activation relu, output activation linear, loss mse, optimizer adam, learning rate 0\.001\n/);
  const saved = await load(path.join(dir, 'deep.ae'));
  const expected = new Autoencoder(4, [8, 4], { activation: 'relu', optimizer: { name: 'adam' }, loss: 'mse' });
  expected.train(iris, { epochs: 3, batchSize: 10, logEvery: 0 });
  assert.deepEqual(saved.hidden, [8, 4]);
  assert.deepEqual(saved.options, expected.options);
  assert.equal(saved.options.optimizer.name, 'adam');
  assertSameWeights(saved, expected);
  assert.equal(saved.epochsTrained, 3);
  const shown = await cli(['reconstruct', 'deep.ae', '--csv', 'iris.csv'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`150 rows, loss \\(MSE\\) ${expected.test(iris).loss.toPrecision(5).replace('.', '\\.')}`));
  const encoded = await cli(['encode', 'deep.ae', '--csv', 'iris.csv', '--out', 'codes.csv'], dir);
  assert.equal(encoded.code, 0, encoded.stderr);
  assert.match(encoded.stdout, /150 codes of 4 values/);
  saved.dispose();
  expected.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('train --corruption mask:0.2 --validation 0.2 --patience 2 stops early as the library does; --resume takes training flags', async () => {
  const dir = irisDir();
  const flags = ['--hidden', '3', '--learning-rate', '0.01', '--seed', '7', '--epochs', '200', '--batch-size', '10'];
  const trained = await cli(['train', '--csv', 'iris.csv', ...flags, '--corruption', 'mask:0.2', '--validation', '0.2', '--patience', '2', '--out', 'dae.ae'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /training 4 → 3 → 4 on iris\.csv: 150 rows \(the last 30 held out for validation\), 200 epochs, batch 10\n/);
  assert.match(trained.stdout, /; corruption mask:0\.2; early stopping with patience 2\n/);

  const expected = new Autoencoder(4, 3, { learningRate: 0.01, seed: 7 });
  const history = expected.train(iris, {
    epochs: 200, batchSize: 10, logEvery: 0, corruption: { type: 'mask', fraction: 0.2 }, validation: 0.2, earlyStopping: { patience: 2 },
  });
  assert.ok(history.length < 200, `the library stopped early (${history.length} epochs), so the CLI must have too`);
  const validation = history.validation!;
  const best = validation.indexOf(Math.min(...validation));
  assert.match(trained.stdout, new RegExp(
    `stopped early after ${history.length} of 200 epochs: the validation loss did not improve for 2 epochs; ` +
      `kept the weights of the best epoch \\(epoch ${best + 1}, validation loss ${validation[best]!.toPrecision(5).replace('.', '\\.')}\\)\n`,
  ));
  const heldOut = { rows: 30, cols: 4, data: iris.data.subarray(120 * 4) };
  assert.match(trained.stdout, new RegExp(`saved dae\\.ae \\(${history.length} epochs in all\\); loss on the training rows [\\d.]+, validation loss ${
    expected.test(heldOut).loss.toPrecision(5).replace('.', '\\.')}\n`));
  const saved = await load(path.join(dir, 'dae.ae'));
  assert.equal(saved.epochsTrained, expected.epochsTrained);
  assertSameWeights(saved, expected);
  saved.dispose();

  const more = ['--resume', '--epochs', '2', '--corruption', 'gaussian:0.1', '--validation', '0.1', '--patience', '5'];
  const resumed = await cli(['train', '--csv', 'iris.csv', ...more, '--out', 'dae.ae'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  expected.train(iris, { epochs: 2, batchSize: 10, logEvery: 0, corruption: { type: 'gaussian', stddev: 0.1 }, validation: 0.1, earlyStopping: { patience: 5 } });
  const continued = await load(path.join(dir, 'dae.ae'));
  assert.equal(continued.epochsTrained, history.length + 2);
  assertSameWeights(continued, expected);
  continued.dispose();
  expected.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('train\'s model and training flags: each mistake is one line on stderr and exit 1', async () => {
  const dir = irisDir();
  const mistakes: [string[], string][] = [
    [['--hidden', '0'], "--hidden must be a positive integer, got '0'"],
    [['--hidden', '8,'], "--hidden must be positive integers separated by commas, e.g. 256,64; got '8,'"],
    [['--hidden', '8,,4'], "--hidden must be positive integers separated by commas, e.g. 256,64; got '8,,4'"],
    [['--hidden', '0x10'], "--hidden must be a positive integer, got '0x10'"],
    [['--hidden', '2.5'], "--hidden must be a positive integer, got '2.5'"],
    [['--hidden', Array(65).fill('2').join(',')], '--hidden gives 65 layers; at most 64 are supported'],
    [['--activation', 'linear'], "--activation must be one of tanh, sigmoid, relu, leakyRelu, elu, got 'linear'"],
    [['--output-activation', 'softmax'], "--output-activation must be one of linear, tanh, sigmoid, relu, leakyRelu, elu, got 'softmax'"],
    [['--loss', 'bce'], '--loss bce needs --output-activation sigmoid (outputs in (0, 1)), got the default, linear'],
    [['--loss', 'bce', '--output-activation', 'tanh'], "--loss bce needs --output-activation sigmoid (outputs in (0, 1)), got 'tanh'"],
    [['--loss', 'mae'], "--loss must be one of rmse, mse, bce, got 'mae'"],
    [['--optimizer', 'adagrad'], "--optimizer must be one of rmsprop, adam, sgd, got 'adagrad'"],
    [['--optimizer', 'adam', '--momentum', '0.9'], '--momentum applies to --optimizer rmsprop or sgd; adam has no momentum setting'],
    [['--optimizer', 'sgd', '--momentum', '1'], "--momentum must be a number in [0, 1) such as 0.9, got '1'"],
    [['--corruption', 'blur:1'], "--corruption must be gaussian:STDDEV, mask:FRACTION or saltAndPepper:FRACTION, e.g. mask:0.2; got 'blur:1'"],
    [['--corruption', 'gaussian'], '--corruption gaussian needs the noise\'s standard deviation: gaussian:STDDEV, e.g. gaussian:0.3'],
    [['--corruption', 'mask:1.5'], "--corruption mask:FRACTION must be a fraction in [0, 1], got '1.5'"],
    [['--corruption', 'gaussian:-1'], "--corruption gaussian:STDDEV must be a number ≥ 0, got '-1'"],
    [['--validation', '1.5'], "--validation must be a fraction between 0 and 1 such as 0.1 (the share of rows held out), got '1.5'"],
    [['--validation', '0.999'], '--validation 0.999 holds out all 150 rows and leaves none to train on'],
    [['--patience', '3'], '--patience needs --validation: early stopping watches the loss on held-out rows (e.g. --validation 0.1)'],
    [['--validation', '0.1', '--patience', '0'], "--patience must be a positive integer, got '0'"],
  ];
  for (const [flags, message] of mistakes) {
    const result = await cli(['train', '--csv', 'iris.csv', ...flags, '--epochs', '1', '--out', 'x.ae'], dir);
    assert.equal(result.code, 1, `${flags.join(' ')}: exit ${result.code}`);
    assert.equal(result.stderr, `wasm-autoencoder: ${message}\n`, flags.join(' '));
  }
  assert.equal(fs.existsSync(path.join(dir, 'x.ae')), false);
  assert.equal((await cli(['train', '--csv', 'iris.csv', '--hidden', '2', '--epochs', '1', '--out', 'x.ae'], dir)).code, 0);
  for (const [flag, saved] of [['--output-activation sigmoid', 'linear'], ['--loss mse', 'rmse'], ['--optimizer sgd', 'rmsprop'], ['--momentum 0.5', '0'], ['--hidden 3', '2']]) {
    const result = await cli(['train', '--csv', 'iris.csv', '--resume', ...flag!.split(' '), '--out', 'x.ae'], dir);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `wasm-autoencoder: --resume continues the saved model: ${flag} differs from its ${saved} (give the saved value or leave the flag out)\n`);
  }
  // Flags equal to the saved model's are fine, and the learning rate may change.
  const same = await cli(['train', '--csv', 'iris.csv', '--resume', '--hidden', '2', '--activation', 'tanh', '--loss', 'rmse', '--learning-rate', '0.01', '--epochs', '1', '--out', 'x.ae'], dir);
  assert.equal(same.code, 0, same.stderr);
  const resumed = await load(path.join(dir, 'x.ae'));
  assert.deepEqual([resumed.options.learningRate, resumed.epochsTrained], [0.01, 2]);
  fs.rmSync(dir, { recursive: true });
});

test('every command has --help; mistakes are one line on stderr and exit 1', async () => {
  const dir = tmp();
  for (const command of ['train', 'reconstruct', 'test', 'encode', 'score', 'export', 'import']) {
    const help = await cli([command, '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: wasm-autoencoder /);
  }
  assert.match((await cli(['--help'], dir)).stdout, /commands:/);
  const mistakes: [string[], RegExp][] = [
    [['trian'], /unknown command 'trian'/],
    [['train', '--out', 'x.ae'], /give exactly one data source/],
    [['train', '--cifar', '/nonexistent', '--out', 'x.ae'], /\/nonexistent: .*cs\.toronto\.edu/],
    [['train', '--cifar', CIFAR_PY, '--hidden', '0', '--out', 'x.ae'], /--hidden must be a positive integer, got '0'/],
    [['train', '--cifar', CIFAR_PY, '--label', 'unicorn', '--out', 'x.ae'], /unknown label 'unicorn'/],
    [['reconstruct', 'missing.ae', '--cifar', CIFAR_PY], /missing\.ae|ENOENT/],
    [['encode', 'x.ae', '--cifar', CIFAR_PY, '--out', 'codes.txt'], /--out FILE ending in \.csv or \.npy/],
    [['score', 'missing.ae', '--cifar', CIFAR_PY, '--out', 's.csv'], /model file 'missing\.ae' not found/],
    [['score', '--cifar', CIFAR_PY, '--out', 's.csv'], /score needs exactly one MODEL file before the options/],
    [['score', 'x.ae', '--cifar', CIFAR_PY, '--quantile', '0.9', '--tresh', '1', '--out', 's.csv'], /Unknown option '--tresh'/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['export', 'x.ae'], /export needs exactly one of --onnx FILE, --safetensors FILE or --tfjs DIR/],
    [['export', 'missing.ae', '--tfjs', 'web'], /model file 'missing\.ae' not found/],
    [['export', 'x.ae', '--tfjs', 'web', '--part', 'middle'], /--part must be one of autoencoder, encoder, decoder, got 'middle'/],
    [['import', 'model.onnx.txt', '--out', 'x.ae'], /model\.onnx\.txt not found/],
    [['import', 'web'], /import needs --out MODEL\.ae/],
    [['train', '--csv', 'd.csv', '--label', 'horse', '--out', 'x.ae'], /--label does not apply to --csv \(only to --cifar, --fashion-mnist\)/],
    [['train', '--cifar', CIFAR_PY, '--out', 'x.ae', '--resume', '--hidden', '5'], /--resume: model file 'x\.ae' not found \(train without --resume to start one\)/],
    [['train', '--cifar', CIFAR_PY, '--out', 'no/such/dir/x.ae'], /--out no\/such\/dir\/x\.ae: the folder no\/such\/dir does not exist/],
    [['train', '--cifar', CIFAR_PY, '--learning-rate', 'fast', '--out', 'x.ae'], /--learning-rate must be a positive number, got 'fast'/],
  ];
  for (const [args, message] of mistakes) {
    const result = await cli(args, dir);
    assert.equal(result.code, 1, `${args.join(' ')}: exit ${result.code}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${result.stderr}`);
    assert.match(result.stderr, /^wasm-autoencoder: /);
  }
  fs.rmSync(dir, { recursive: true });
});

test('Ctrl-C during training saves a checkpoint and exits cleanly', async () => {
  const dir = tmp();
  const child = spawn(process.execPath, [CLI, 'train', '--cifar', CIFAR_PY, '--hidden', '16', '--epochs', '1000000', '--batch-size', '5', '--out', 'run.ae'], { cwd: dir });
  let stdout = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // One Ctrl-C, however the output is split into chunks (a second one would end the process mid-save).
    if (!signalled && stdout.includes('training ')) {
      signalled = true;
      setTimeout(() => child.kill('SIGINT'), 300);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stdout);
  assert.match(stdout, /interrupted after \d+ epochs in all; the model so far is saved in run\.ae/);
  const saved = await load(path.join(dir, 'run.ae'));
  assert.ok(saved.epochsTrained > 0);
  fs.rmSync(dir, { recursive: true });
});

test('score: each row’s anomaly score as CSV, flagging the rows above --threshold or a --quantile of the scores', async () => {
  const dir = irisDir();
  const ae = new Autoencoder(4, 2, { seed: 3, weightInit: 'glorot' });
  ae.train(iris, { epochs: 30, logEvery: 0 });
  await save(ae, path.join(dir, 'iris.ae'));
  const expected = ae.anomalyScores(iris);
  ae.dispose();
  const table = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((line) => line.split(','));

  const plain = await cli(['score', 'iris.ae', '--csv', 'iris.csv', '--out', 'scores.csv'], dir);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout.trim(), 'wrote scores.csv: 150 scores');
  const [header, ...rows] = table('scores.csv');
  assert.deepEqual(header, ['row', 'score']);
  assert.deepEqual(rows.map(([row, s]) => [Number(row), Number(s)]), Array.from(expected, (s, r) => [r, s]), 'every score, exactly');

  const threshold = anomalyThreshold(expected, { quantile: 0.9 });
  const above = expected.filter((s) => s > threshold).length;
  const byQuantile = await cli(['score', 'iris.ae', '--csv', 'iris.csv', '--quantile', '0.9', '--out', 'q.csv'], dir);
  assert.equal(byQuantile.code, 0, byQuantile.stderr);
  assert.match(byQuantile.stdout, new RegExp(`threshold ${threshold} \\(the 0\\.9 quantile of these scores\\): ${above} of 150 rows above it`));
  assert.ok(above >= 14 && above <= 15, `${above} rows above the 0.9 quantile of 150`);
  const byThreshold = await cli(['score', 'iris.ae', '--csv', 'iris.csv', '--threshold', String(threshold), '--out', 't.csv'], dir);
  assert.equal(byThreshold.code, 0, byThreshold.stderr);
  assert.match(byThreshold.stdout, new RegExp(`\\(--threshold\\): ${above} of 150 rows above it`));
  for (const file of ['q.csv', 't.csv']) {
    const [head, ...flagged] = table(file);
    assert.deepEqual(head, ['row', 'score', 'anomaly']);
    assert.deepEqual(flagged.map(([, , a]) => Number(a)), Array.from(expected, (s) => (s > threshold ? 1 : 0)), file);
  }

  for (const [args, message] of [
    [['--threshold', '1', '--quantile', '0.9'], 'give --threshold or --quantile, not both'],
    [['--quantile', '0'], "--quantile must be a number in (0, 1], got '0'"],
    [['--quantile', '1.5'], "--quantile must be a number in (0, 1], got '1.5'"],
    [['--quantile', 'high'], "--quantile must be a number in (0, 1], got 'high'"],
    [['--threshold', 'abc'], "--threshold must be a number, got 'abc'"],
  ] as const) {
    const wrong = await cli(['score', 'iris.ae', '--csv', 'iris.csv', ...args, '--out', 'x.csv'], dir);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim(), `wasm-autoencoder: ${message}`);
  }
  const notCsv = await cli(['score', 'iris.ae', '--csv', 'iris.csv', '--out', 'x.npy'], dir);
  assert.equal(notCsv.stderr.trim(), 'wasm-autoencoder: score needs --out FILE ending in .csv');
  assert.equal(fs.existsSync(path.join(dir, 'x.csv')), false, 'nothing written on a mistake');
  fs.rmSync(dir, { recursive: true });
});

test('score takes a variational autoencoder\'s file too (its loss with z = mean); the other commands say they take an autoencoder', async () => {
  const dir = irisDir();
  const vae = new VariationalAutoencoder(4, 2, { hidden: [3], seed: 2 });
  vae.train(iris, { epochs: 20, batchSize: 10, logEvery: 0 });
  await save(vae, path.join(dir, 'iris-vae.ae'));
  const expected = vae.anomalyScores(iris);
  vae.dispose();
  const result = await cli(['score', 'iris-vae.ae', '--csv', 'iris.csv', '--quantile', '0.95', '--out', 'vae.csv'], dir);
  assert.equal(result.code, 0, result.stderr);
  const rows = fs.readFileSync(path.join(dir, 'vae.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').map(Number));
  assert.deepEqual(rows.map(([, s]) => s), Array.from(expected), 'every score, exactly');
  const threshold = anomalyThreshold(expected, { quantile: 0.95 });
  assert.deepEqual(rows.map(([, , a]) => a), Array.from(expected, (s) => (s > threshold ? 1 : 0)));
  for (const command of [['reconstruct', 'iris-vae.ae', '--csv', 'iris.csv'], ['encode', 'iris-vae.ae', '--csv', 'iris.csv', '--out', 'e.csv']]) {
    const refused = await cli(command, dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /iris-vae\.ae holds a variational autoencoder: of the commands, only score takes one/);
  }
});

test('export writes ONNX, safetensors and TF.js layers models that import reads back, bit for bit, for both kinds of model', async () => {
  const dir = irisDir();
  const ae = new Autoencoder(4, [3, 2], { activation: 'relu', seed: 4 });
  ae.train(iris, { epochs: 5, batchSize: 10, logEvery: 0 });
  await save(ae, path.join(dir, 'iris.ae'));
  const vae = new VariationalAutoencoder(4, 2, { hidden: [3], seed: 5 });
  await save(vae, path.join(dir, 'vae.ae'));
  for (const [file, model] of [['iris.ae', ae], ['vae.ae', vae]] as const) {
    const stem = file.slice(0, -3);
    const safetensors = await cli(['export', file, '--safetensors', `${stem}.safetensors`], dir);
    assert.equal(safetensors.code, 0, safetensors.stderr);
    assert.match(safetensors.stdout, new RegExp(`^wrote ${stem}\\.safetensors: .* as a PyTorch state_dict\n$`));
    const onnx = await cli(['export', file, '--onnx', `${stem}.onnx`], dir);
    assert.equal(onnx.code, 0, onnx.stderr);
    assert.match(onnx.stdout, new RegExp(`^wrote ${stem}\\.onnx: .* as an ONNX graph\n$`));
    const tfjs = await cli(['export', file, '--tfjs', `${stem}-web`], dir);
    assert.equal(tfjs.code, 0, tfjs.stderr);
    assert.ok(fs.existsSync(path.join(dir, `${stem}-web`, 'model.json')) && fs.existsSync(path.join(dir, `${stem}-web`, 'weights.bin')));
    for (const source of [`${stem}.onnx`, `${stem}.safetensors`, `${stem}-web`]) {
      const back = await cli(['import', source, '--out', `${stem}-back.ae`], dir);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, new RegExp(`^wrote ${stem}-back\\.ae: .* from ${source}\n$`));
      const loaded = await loadAnyModel(path.join(dir, `${stem}-back.ae`));
      assert.equal(loaded.constructor, model.constructor);
      assert.deepEqual(loaded.getWeights(), model.getWeights(), `${source} round trip`);
      loaded.dispose();
    }
  }
  const half = await cli(['export', 'vae.ae', '--tfjs', 'decoder-web', '--part', 'decoder'], dir);
  assert.equal(half.code, 0, half.stderr);
  assert.match(half.stdout, /the decoder of 4 → \[3\] → 2 variational autoencoder as a TF\.js layers model/);
  const refused = await cli(['import', 'decoder-web', '--out', 'half.ae'], dir);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /decoder/);
  const mixed = await cli(['import', 'iris-web', '--activation', 'tanh', '--out', 'x.ae'], dir);
  assert.match(mixed.stderr, /--activation and --output-activation are for safetensors files/);
  ae.dispose();
  vae.dispose();
});

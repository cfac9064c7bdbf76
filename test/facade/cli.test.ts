// The command line, run as a user runs it (node dist/bin/wasm-autoencoder.js, built by `npm test`), on the
// CIFAR fixtures: train, reconstruct to PNG, encode to CSV and .npy, help, one-line errors, Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder, decodeImage, encodeCsv, grayscale, loadCifar10 } from '../../src/entries/index.js';
import { load, save } from '../../src/io/node.js';

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

test('train, reconstruct --png and encode on CIFAR horses', async () => {
  const dir = tmp();
  const trained = await cli(['train', '--cifar', CIFAR_PY, '--label', 'horse', '--hidden', '8', '--epochs', '5', '--batch-size', '3', '--out', 'horses.ae'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /training 1024 → 8 → 1024 on CIFAR-10 train 'horse': 9 rows, 5 epochs, batch 3/);
  assert.equal((await load(path.join(dir, 'horses.ae'))).epochsTrained, 5);

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

  assert.equal((await cli(['train', ...horses, '--hidden', '4', '--epochs', '1', '--out', 'raw.ae'], dir)).code, 0);
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

test('every command has --help; mistakes are one line on stderr and exit 1', async () => {
  const dir = tmp();
  for (const command of ['train', 'reconstruct', 'test', 'encode']) {
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
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--csv', 'd.csv', '--label', 'horse', '--out', 'x.ae'], /--label does not apply to --csv \(only to --cifar, --fashion-mnist\)/],
    [['train', '--cifar', CIFAR_PY, '--out', 'x.ae', '--resume', '--hidden', '5'], /--resume continues the saved model as it is: drop --hidden/],
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
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('training ')) setTimeout(() => child.kill('SIGINT'), 300);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stdout);
  assert.match(stdout, /interrupted after \d+ epochs in all; the model so far is saved in run\.ae/);
  const saved = await load(path.join(dir, 'run.ae'));
  assert.ok(saved.epochsTrained > 0);
  fs.rmSync(dir, { recursive: true });
});

// `train` as a new user meets it: a model file is never replaced by accident, and without a terminal (CI logs,
// pipes) the progress still shows as lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { grayscale, loadCifar10 } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { load } from '../../src/io/node.js';
import { count, duration } from '../../bin/format.js';

const CLI = path.resolve('dist/bin/wasm-autoencoder.js');

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function irisDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-cli-train-'));
  const lines = Array.from({ length: iris.rows }, (_, r) => Array.from(iris.data.subarray(r * iris.cols, (r + 1) * iris.cols)).join(','));
  fs.writeFileSync(path.join(dir, 'iris.csv'), `${lines.join('\n')}\n`);
  return dir;
}

test('train refuses to replace a model file unless told to: --resume continues it, --force replaces it', async () => {
  const dir = irisDir();
  const first = await cli(['train', '--csv', 'iris.csv', '--hidden', '2', '--epochs', '1', '--out', 'iris.ae'], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /1 epoch, batch 10/);
  assert.match(first.stdout, /saved iris\.ae \(1 epoch in all\)/);
  const before = fs.readFileSync(path.join(dir, 'iris.ae'));
  const again = await cli(['train', '--csv', 'iris.csv', '--hidden', '2', '--epochs', '1', '--out', 'iris.ae'], dir);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'wasm-autoencoder: --out iris.ae exists: pass --resume to continue training it, or --force to replace it\n');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'iris.ae')), before, 'the model is untouched');
  const both = await cli(['train', '--csv', 'iris.csv', '--epochs', '1', '--out', 'iris.ae', '--resume', '--force'], dir);
  assert.match(both.stderr, /--resume continues the model in --out and --force replaces it: give one of them/);
  const resumed = await cli(['train', '--csv', 'iris.csv', '--epochs', '2', '--out', 'iris.ae', '--resume'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await load(path.join(dir, 'iris.ae'))).epochsTrained, 3);
  const replaced = await cli(['train', '--csv', 'iris.csv', '--hidden', '3', '--epochs', '2', '--out', 'iris.ae', '--force'], dir);
  assert.equal(replaced.code, 0, replaced.stderr);
  const model = await load(path.join(dir, 'iris.ae'));
  assert.deepEqual([model.hidden, model.epochsTrained], [[3], 2]);
  fs.rmSync(dir, { recursive: true });
});

test('without a terminal the progress bar prints lines', async () => {
  const dir = irisDir();
  const { code, stdout, stderr } = await cli(['train', '--csv', 'iris.csv', '--hidden', '2', '--epochs', '3', '--batch-size', '1', '--out', 'iris.ae'], dir);
  assert.equal(code, 0, stderr);
  // cli-progress writes to stderr: the first line at the start, then one every 5 s, and the last one at the end.
  const lines = stderr.split('\n').filter((line) => line.startsWith('epoch '));
  assert.ok(lines.length >= 2, `progress lines in a pipe:\n${stderr}`);
  assert.match(stdout, /saved iris\.ae \(3 epochs in all\)/);
  assert.match(lines.at(-1)!, /^epoch 3\/3 .* loss [\d.]+ \| [\d,]+ samples\/s \| 0s left$/);
  fs.rmSync(dir, { recursive: true });
});

test('durations are rounded to whole seconds before they are split, and counts agree with their nouns', () => {
  assert.equal(duration(57 * 60_000 + 59_600), '58m00s', 'never 57m60s');
  assert.equal(duration(59_600), '1m00s');
  assert.equal(duration(3_599_500), '1h00m00s');
  assert.equal(duration(4_000), '4s');
  assert.equal(duration(0), '0s');
  assert.deepEqual([count(1, 'epoch'), count(0, 'epoch'), count(2, 'epoch')], ['1 epoch', '0 epochs', '2 epochs']);
});

test('a mistyped flag is one line that names the flag meant; a value that starts with a dash is one line too', async () => {
  const dir = irisDir();
  const typo = await cli(['train', '--csv', 'iris.csv', '--hiden', '3', '--out', 'x.ae'], dir);
  assert.equal(typo.stderr, "wasm-autoencoder: Unknown option '--hiden'; did you mean --hidden?\n");
  const encode = await cli(['encode', 'x.ae', '--outt', 'codes.csv'], dir);
  assert.equal(encode.stderr, "wasm-autoencoder: Unknown option '--outt'; did you mean --out?\n");
  const nothingClose = await cli(['train', '--zzzzzz'], dir);
  assert.equal(nothingClose.stderr, "wasm-autoencoder: Unknown option '--zzzzzz'\n");
  const dash = await cli(['train', '--csv', 'iris.csv', '--epochs', '-5', '--out', 'x.ae'], dir);
  assert.equal(dash.code, 1);
  assert.equal(dash.stderr.trim().split('\n').length, 1, dash.stderr);
  assert.match(dash.stderr, /--epochs/);
  const negative = await cli(['train', '--csv', 'iris.csv', '--epochs=-5', '--out', 'x.ae'], dir);
  assert.match(negative.stderr, /^wasm-autoencoder: --epochs must be a positive integer, got '-5'\n$/);
  fs.rmSync(dir, { recursive: true });
});

test('messages name the file and what it was for: a missing model, a file that is not one, a ragged CSV row', async () => {
  const dir = irisDir();
  const missing = await cli(['reconstruct', 'nope.ae', '--csv', 'iris.csv'], dir);
  assert.equal(missing.stderr, "wasm-autoencoder: model file 'nope.ae' not found\n");
  const resume = await cli(['train', '--csv', 'iris.csv', '--resume', '--out', 'nope.ae'], dir);
  assert.equal(resume.stderr, "wasm-autoencoder: --resume: model file 'nope.ae' not found (train without --resume to start one)\n");
  fs.writeFileSync(path.join(dir, 'bad.ae'), 'garbage\n');
  const bad = await cli(['encode', 'bad.ae', '--csv', 'iris.csv', '--out', 'codes.csv'], dir);
  assert.equal(bad.stderr, 'wasm-autoencoder: bad.ae: not a checkpoint: bad magic (expected "WASMAE\\r\\n")\n');
  fs.writeFileSync(path.join(dir, 'ragged.csv'), '1,2,3\n\n4,5\n');
  const ragged = await cli(['train', '--csv', 'ragged.csv', '--out', 'r.ae'], dir);
  assert.equal(ragged.stderr, 'wasm-autoencoder: ragged.csv: line 3 has 2 values, line 1 has 3: every row needs as many\n');
  fs.rmSync(dir, { recursive: true });
});

test('numbers are digits only and checked before anything runs; label names match regardless of case; --png with CSV is refused at once', async () => {
  const dir = irisDir();
  for (const epochs of ['1e20', '0x10', '2.0', '99999999999999999999']) {
    const result = await cli(['train', '--csv', 'iris.csv', '--epochs', epochs, '--out', 'x.ae'], dir);
    assert.equal(result.stderr, `wasm-autoencoder: --epochs must be a positive integer, got '${epochs}'\n`);
    assert.equal(result.stdout, '', 'refused before training starts');
  }
  const cifar = path.resolve('test/fixtures/cifar-sample/cifar-10-batches-py');
  const horse = await cli(['train', '--cifar', cifar, '--label', 'HORSE', '--hidden', '4', '--epochs', '1', '--out', 'h.ae'], dir);
  assert.equal(horse.code, 0, horse.stderr);
  assert.match(horse.stdout, /9 rows/);
  const png = await cli(['reconstruct', 'h.ae', '--csv', 'iris.csv', '--png', 'grid.png'], dir);
  assert.equal(png.stderr, 'wasm-autoencoder: --png needs image data (CIFAR, IDX, Fashion-MNIST or --images); rows from --csv are not pictures\n');
  fs.rmSync(dir, { recursive: true });
});

test('pictures are scaled and start from Glorot weights by default; --raw is the chapter\'s setting, and a saturated model is warned about', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-cli-raw-'));
  const horses = ['--cifar', path.resolve('test/fixtures/cifar-sample/cifar-10-batches-py'), '--label', 'horse', '--hidden', '4', '--epochs', '5', '--batch-size', '3'];
  const scaled = await cli(['train', ...horses, '--out', 'scaled.ae'], dir);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.doesNotMatch(scaled.stderr, /warning/);
  const model = await load(path.join(dir, 'scaled.ae'));
  assert.deepEqual([model.metadata.scale, model.options.weightInit], [0.00392, 'glorot']);
  // The same pictures, scaled as the model keeps it: codes well inside tanh's range.
  const { data } = await loadCifar10(path.resolve('test/fixtures/cifar-sample/cifar-10-batches-py'), { labels: ['horse'] });
  const gray = grayscale(data);
  const codes = model.encode({ rows: gray.rows, cols: gray.cols, data: Float32Array.from(gray.data, (p) => p * 0.00392) }).data;
  assert.ok(codes.filter((c) => Math.abs(c) > 0.99).length < codes.length / 2, `codes ${Array.from(codes)}`);
  const raw = await cli(['train', ...horses, '--raw', '--epochs', '1', '--out', 'raw.ae'], dir);
  assert.equal(raw.code, 0, raw.stderr);
  assert.match(raw.stderr, /warning: \d+% of the code values sit at tanh's limits after epoch 1: a saturated model learns little \(scale the data, e\.g\. --scale 0\.00392, or start from --init glorot\)/);
  const rawModel = await load(path.join(dir, 'raw.ae'));
  assert.deepEqual([rawModel.metadata.scale, rawModel.options.weightInit], [1, 'normal']);
  for (const [flags, message] of [
    [['--raw', '--scale', '0.5'], '--raw keeps the values as they are: drop --scale, or --raw'],
    [['--raw', '--init', 'glorot'], '--raw starts from N(0, 1) weights, as the chapter: drop --init, or --raw'],
  ] as const) {
    const refused = await cli(['train', ...horses, ...flags, '--out', 'x.ae'], dir);
    assert.equal(refused.stderr, `wasm-autoencoder: ${message}\n`);
  }
  fs.rmSync(dir, { recursive: true });
});

test('--threads and --precision say how this run trains, not what the model is: 2 threads save the weights 1 thread saves; bad values are refused by name', async () => {
  // 24 columns and a 16-wide code: both threads get columns and weight rows of every layer.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-cli-threads-'));
  const lines = Array.from({ length: 40 }, (_, r) => Array.from({ length: 24 }, (_, c) => Math.sin(r * 24 + c).toFixed(4)).join(','));
  fs.writeFileSync(path.join(dir, 'wide.csv'), `${lines.join('\n')}\n`);
  const train = (out: string, ...flags: string[]) => cli(['train', '--csv', 'wide.csv', '--hidden', '16', '--epochs', '3', '--out', out, ...flags], dir);
  const one = await train('one.ae');
  const two = await train('two.ae', '--threads', '2', '--precision', 'fast');
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stdout, /; 2 threads/);
  // This Node runs the tests without relaxed SIMD's flag (Node 20), so fast is refused and said to be; later Nodes run it.
  const fastHere = /; precision fast/.test(two.stdout);
  if (!fastHere) assert.match(two.stdout, /; precision exact \(fast needs relaxed SIMD/);
  const [a, b] = await Promise.all(['one.ae', 'two.ae'].map((file) => load(path.join(dir, file))));
  if (!fastHere) assert.deepEqual(b!.getWeights(), a!.getWeights());
  a!.dispose();
  b!.dispose();
  const exact = await train('three.ae', '--threads', '2', '--precision', 'exact');
  assert.equal(exact.code, 0, exact.stderr);
  const [c, d] = await Promise.all(['one.ae', 'three.ae'].map((file) => load(path.join(dir, file))));
  assert.deepEqual(d!.getWeights(), c!.getWeights());
  c!.dispose();
  d!.dispose();
  const resumed = await cli(['train', '--csv', 'wide.csv', '--epochs', '1', '--out', 'three.ae', '--resume', '--threads', 'auto'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  // encode and reconstruct take the same flags, with the same outputs on 2 threads as on 1.
  for (const [out, flags] of [['one.csv', []], ['two.csv', ['--threads', '2']]] as const) {
    const encoded = await cli(['encode', 'three.ae', '--csv', 'wide.csv', '--out', out, ...flags], dir);
    assert.equal(encoded.code, 0, encoded.stderr);
  }
  assert.equal(fs.readFileSync(path.join(dir, 'two.csv'), 'utf8'), fs.readFileSync(path.join(dir, 'one.csv'), 'utf8'));
  const tested = await Promise.all([[], ['--threads', '2', '--precision', 'exact']].map((flags) => cli(['reconstruct', 'three.ae', '--csv', 'wide.csv', ...flags], dir)));
  assert.equal(tested[1]!.code, 0, tested[1]!.stderr);
  assert.equal(tested[1]!.stdout, tested[0]!.stdout);
  const badEncode = await cli(['encode', 'three.ae', '--csv', 'wide.csv', '--out', 'bad.csv', '--threads', '0'], dir);
  assert.match(badEncode.stderr, /--threads must be 'auto' or an integer from 1 to 64, got '0'/);
  for (const [flags, message] of [
    [['--threads', '0'], /--threads must be 'auto' or an integer from 1 to 64, got '0'/],
    [['--threads', '65'], /--threads must be 'auto' or an integer from 1 to 64, got '65'/],
    [['--threads', 'two'], /--threads must be 'auto' or an integer from 1 to 64, got 'two'/],
    [['--precision', 'quick'], /--precision must be one of exact, fast, got 'quick'/],
  ] as const) {
    const refused = await train('bad.ae', ...flags);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, message);
    assert.ok(!fs.existsSync(path.join(dir, 'bad.ae')));
  }
});

// The README's API and runtime snippets are files the tests run: this page must show them word for word, and the
// API, Node and browser ones run here (the Cloudflare one in edge.test.ts, the Vercel one in next-edge.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { loadAnyModel, save } from '../../src/io/node.js';
import { encodeCsv } from '../../src/io/npy.js';
import { torchMissing } from './torch.js';
import { NO_BROWSER, withPage } from '../browser/harness.js';

const README = readFileSync('README.md', 'utf8');
const section = (from: string, to: string) => README.slice(README.indexOf(from), README.indexOf(to));
const API = section('### `new Autoencoder(inputDim, hidden, options?)`', '### Using a trained model');
const RUNTIMES = section('## Node, browsers, workers and edge functions', '## Benchmarks');
const API_SNIPPETS = ['test/readme/api/deep.ts', 'test/readme/api/denoise.ts', 'test/readme/api/stacked.ts', 'test/readme/api/vae.ts'];

for (const [name, text, count] of [['API', API, 4], ['runtime', RUNTIMES, 5]] as const) {
  test(`every snippet in the README's ${name} section is a tested file, shown word for word`, () => {
    const blocks = [...text.matchAll(/(?:<!-- tested: (\S+) -->\n)?```ts\n([\s\S]*?)```/g)];
    assert.equal(blocks.length, count);
    for (const [, file, code] of blocks) {
      assert.ok(file, `a snippet has no <!-- tested: file --> line:\n${code}`);
      assert.equal(code, readFileSync(file, 'utf8'), `README.md no longer shows ${file} as it is`);
    }
  });
}

test('the API snippets run and print what they promise', { timeout: 60_000 }, async () => {
  const run = async (file: string) => (await promisify(execFile)(process.execPath, ['--import', 'tsx', file])).stdout;
  const [deep, denoise, stacked, vae] = await Promise.all(API_SNIPPETS.map(run));
  assert.match(deep!, /^layer +shape +activation +parameters\nencode +4 → 8 +elu +40\n[\s\S]*\nloss mse, optimizer adam\n\d+ epochs, best validation loss [\d.]+\n$/);
  const [, loss] = /^denoised loss ([\d.]+)\n$/.exec(denoise!)!;
  assert.ok(Number(loss) < 0.6, `denoising brings the noisy rows near the clean ones (BCE ${loss})`);
  const [, before, after] = /^fine-tuning from ([\d.]+) to ([\d.]+)\n$/.exec(stacked!)!;
  assert.ok(Number(after) < Number(before), 'fine-tuning lowers the loss');
  const [, vaeLoss, reconstruction, kl] = /^loss ([\d.]+) = reconstruction ([\d.]+) \+ KL ([\d.]+)\n/.exec(vae!)!.map(Number);
  assert.ok(Math.abs(vaeLoss! - reconstruction! - kl!) < 0.011 && kl! > 0, `the VAE's loss is its two terms: ${vae}`);
  const flower = /a new flower: ([-\d.,]+)\n/.exec(vae!)![1]!.split(',').map(Number);
  assert.ok(flower.length === 4 && flower.every((v) => v > 0 && v < 8), `a sampled flower looks like one: ${flower}`);
  assert.match(vae!, /between the first and the last flower: [-\d.,]+\n$/);
});

function irisLine(): string {
  const ae = new Autoencoder(4, 2, { seed: 42 });
  const history = ae.train(iris, { epochs: 20, batchSize: 10, logEvery: 0 });
  const { data } = ae.encode([[5.1, 3.5, 1.4, 0.2]]);
  ae.dispose();
  return `loss ${history.at(-1)}, code ${Array.from(data)}`;
}

test('the Node snippet prints what the same training gives here', { timeout: 60_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/readme/iris/main.ts']);
  assert.equal(stdout, `${irisLine()}\n`);
});

test('the same snippet in Chromium (a Vite page) prints the same line', { skip: NO_BROWSER, timeout: 120_000 }, async () => {
  await withPage('test/readme/iris', async (page, logged) => {
    for (let wait = 0; logged.length === 0 && wait < 600; wait++) await page.waitForTimeout(50);
    assert.deepEqual(logged, [irisLine()]);
  });
});

test('the esbuild snippet in Chromium prints the same line', { skip: NO_BROWSER, timeout: 120_000 }, async () => {
  await withPage('test/readme/esbuild', async (page, logged) => {
    for (let wait = 0; logged.length === 0 && wait < 600; wait++) await page.waitForTimeout(50);
    assert.deepEqual(logged, [irisLine()]);
  }, { bundler: 'esbuild' });
});

test('the Web Worker snippet trains in a worker to the loss Node gets, bit for bit', { skip: NO_BROWSER, timeout: 120_000 }, async () => {
  await withPage('test/readme/worker', async (page) => {
    await page.waitForFunction(() => document.querySelector('output')!.textContent !== '', undefined, { timeout: 60_000 });
    const pixels = { rows: 50, cols: 1024, data: new Float32Array(50 * 1024).map((_, i) => (i % 97) / 96) };
    const ae = new Autoencoder(1024, 32, { weightInit: 'glorot' });
    const history = ae.train(pixels, { epochs: 20, batchSize: 10, logEvery: 0 });
    const { loss } = ae.test(pixels);
    ae.dispose();
    assert.equal(await page.textContent('output'), `loss ${loss} after ${history.length} epochs`);
    assert.equal(await page.getAttribute('progress', 'value'), '20');
  });
});


test('the "Train big, serve small" commands run as written: out to PyTorch, fine-tuned there, in again, out to ONNX and TF.js and back', { timeout: 300_000 }, async () => {
  const block = /## Train big, serve small[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)![1]!;
  const dir = mkdtempSync(join(tmpdir(), 'wae-readme-exchange-'));
  const ae = new Autoencoder(4, 2, { seed: 3, weightInit: 'glorot' });
  ae.train(iris, { epochs: 20, logEvery: 0 });
  await save(ae, join(dir, 'iris.ae'));
  ae.dispose();
  writeFileSync(join(dir, 'iris.csv'), encodeCsv(iris));
  const cli = resolve('dist/bin/wasm-autoencoder.js');
  for (const line of block.trim().split('\n')) {
    const [program, ...args] = line.split(' ');
    if (program === 'python3' && torchMissing) {
      copyFileSync(join(dir, 'iris.safetensors'), join(dir, 'tuned.safetensors')); // no PyTorch here: the file as it went out
      continue;
    }
    const [file, argv] = program === 'npx' ? [process.execPath, [cli, ...args.slice(1)]] : ['/usr/bin/python3', [resolve(args[0]!), ...args.slice(1)]];
    const run = spawnSync(file, argv, { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    assert.equal(run.status, 0, `${line}\n${run.stderr}`);
  }
  const [original, tuned, fromOnnx, fromTfjs] = await Promise.all(['iris.ae', 'tuned.ae', 'from-onnx.ae', 'from-tfjs.ae'].map((f) => loadAnyModel(join(dir, f))));
  assert.deepEqual(fromOnnx!.getWeights(), tuned!.getWeights(), 'ONNX and back: bit for bit');
  assert.deepEqual(fromTfjs!.getWeights(), tuned!.getWeights(), 'TF.js and back: bit for bit');
  if (!torchMissing) assert.notDeepEqual(tuned!.getWeights(), original!.getWeights(), 'PyTorch fine-tuned the weights');
  for (const model of [original, tuned, fromOnnx, fromTfjs]) model!.dispose();
  rmSync(dir, { recursive: true });
});

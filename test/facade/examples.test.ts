// The examples run end to end, as a user runs them, on the fixtures and on Debian's Fashion-MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeImage } from '../../src/entries/index.js';

const run = promisify(execFile);

async function example(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('cifar-horses: the chapter listing on the CIFAR sample (python and binary layouts), and a clear message without data', async () => {
  for (const layout of ['cifar-10-batches-py', 'cifar-10-batches-bin']) {
    const result = await example(['examples/cifar-horses.ts', `test/fixtures/cifar-sample/${layout}`, '--epochs', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /9 horses of 1024 values each \(horse is label 7\)/);
    assert.match(result.stdout, /first horse, compressed to 100 values:/);
  }
  const color = await example(['examples/cifar-horses.ts', 'test/fixtures/cifar-sample/cifar-10-batches-py', '--epochs', '1', '--color']);
  assert.match(color.stdout, /9 horses of 3072 values each/);
  const missing = await example(['examples/cifar-horses.ts', '/no/such/folder']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No CIFAR-10 data at \/no\/such\/folder\.\nDownload the python version from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
});

test('fashion-mnist: trains 784 → 64 and writes a PNG grid and an SVG loss curve', { skip: !fs.existsSync('/usr/share/datasets/fashion-mnist') && 'Debian package dataset-fashion-mnist is not installed (.ci/run installs it)' }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-fashion-'));
  const result = await example(['examples/fashion-mnist.ts', '--epochs', '2', '--limit', '400', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /400 images of 28×28 = 784 pixels → 64 codes/);
  const grid = decodeImage(fs.readFileSync(path.join(out, 'reconstructions.png')));
  assert.deepEqual([grid.width, grid.height], [6 * 28 + 5 * 2, 4 * 28 + 3 * 2]);
  const svg = fs.readFileSync(path.join(out, 'loss.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline[^>]*points="([^"]*)"/)?.[1] ?? '').trim().split(' ').length, 2);
  fs.rmSync(out, { recursive: true });
});

const NO_FASHION = !fs.existsSync('/usr/share/datasets/fashion-mnist') && 'Debian package dataset-fashion-mnist is not installed (.ci/run installs it)';

test('denoise-fashion-mnist: the denoised test pictures are far closer to the clean ones than the noisy inputs', { skip: NO_FASHION }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-denoise-'));
  const result = await example(['examples/denoise-fashion-mnist.ts', '--epochs', '3', '--limit', '2000', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const [, noisy, denoised] = /RMSE to the clean test pictures: noisy ([\d.]+), denoised ([\d.]+)/.exec(result.stdout)!.map(Number);
  assert.ok(Math.abs(noisy! - 0.3) < 0.01, `the test noise has σ = 0.3 (RMSE ${noisy})`);
  assert.ok(denoised! < 0.7 * noisy!, `denoised ${denoised} against noisy ${noisy}`);
  const grid = decodeImage(fs.readFileSync(path.join(out, 'denoised.png')));
  assert.deepEqual([grid.width, grid.height], [10 * 28 + 9 * 2, 3 * 28 + 2 * 2]);
  fs.rmSync(out, { recursive: true });
});

test('stacked-fashion-mnist: reports pre-training plus fine-tuning against training from scratch', { skip: NO_FASHION }, async () => {
  const result = await example(['examples/stacked-fashion-mnist.ts', '--epochs', '1', '--limit', '1000']);
  assert.equal(result.code, 0, result.stderr);
  const losses = [...result.stdout.matchAll(/^(from scratch|pre-trained).* ([\d.]+)$/gm)].map((m) => Number(m[2]));
  assert.equal(losses.length, 4);
  assert.ok(losses.every((loss) => loss > 0 && loss < 0.5), `test RMSEs ${losses}`);
  assert.match(result.stdout, /pre-training plus fine-tuning (beats|does not beat) training from scratch for the same 1 epochs/);
});

test('anomaly-fashion-mnist: models of sneakers (an autoencoder and a VAE) score the other nine classes as anomalies (ROC AUC well above chance)', { skip: NO_FASHION }, async () => {
  const result = await example(['examples/anomaly-fashion-mnist.ts', '--class', 'sneaker', '--limit', '6000', '--epochs', '10']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /training on 617 pictures of Sneaker; held out: 117 of it and 1083 of the other nine classes/);
  const aucs = [...result.stdout.matchAll(/^(autoencoder|variational autoencoder) \(.*\): ROC AUC ([\d.]+)/gm)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(aucs.map(([name]) => name), ['autoencoder', 'variational autoencoder']);
  for (const [name, auc] of aucs) assert.ok((auc as number) > 0.9, `${name}: ROC AUC ${auc} (chance is 0.5)`);
  const flagged = [...result.stdout.matchAll(/flags ([\d.]+) % of the other classes and ([\d.]+) % of held-out Sneaker/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(flagged.length, 2);
  for (const [others, normal] of flagged) assert.ok(others! > 5 * normal!, `the threshold flags ${others} % of other classes, ${normal} % of held-out sneakers`);
  const wrong = await example(['examples/anomaly-fashion-mnist.ts', '--class', 'hat', '--limit', '100']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /--class hat is not a Fashion-MNIST class \(T-shirt\/top, Trouser, /);
});

test('vae-fashion-mnist: writes the decoded latent grid, an interpolation strip and samples, and reports both loss terms', { skip: NO_FASHION }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wae-vae-'));
  const result = await example(['examples/vae-fashion-mnist.ts', '--epochs', '2', '--limit', '1000', '--from', 'sneaker', '--to', 'dress', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const epochs = [...result.stdout.matchAll(/^epoch \d+: loss ([\d.]+) = reconstruction ([\d.]+) \+ KL ([\d.]+)$/gm)].map((m) => m.slice(1).map(Number));
  assert.equal(epochs.length, 2);
  for (const [loss, reconstruction, kl] of epochs) assert.ok(Math.abs(loss! - reconstruction! - kl!) < 0.02 && kl! > 0, `${loss} = ${reconstruction} + ${kl}`);
  assert.match(result.stdout, /test picture \d+ \(Sneaker\), 10 decodings from its code to that of test picture \d+ \(Dress\)/);
  const sizes = Object.fromEntries(['latent-grid', 'interpolation', 'samples'].map((name) => {
    const image = decodeImage(fs.readFileSync(path.join(out, `${name}.png`)));
    return [name, [image.width, image.height]];
  }));
  assert.deepEqual(sizes, { 'latent-grid': [15 * 28, 15 * 28], interpolation: [12 * 28 + 11 * 2, 28], samples: [8 * 28 + 7 * 2, 4 * 28 + 3 * 2] });
  const wrong = await example(['examples/vae-fashion-mnist.ts', '--from', 'hat', '--limit', '100']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /hat is not a Fashion-MNIST class/);
  fs.rmSync(out, { recursive: true });
});

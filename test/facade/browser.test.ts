// A real browser (Debian's Chromium): pages built with Vite and with webpack 5 train with fixed seeds and must
// match Node bit for bit; training in a Web Worker streams progress while the page keeps answering clicks, and
// trains a VariationalAutoencoder as Node does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Autoencoder, VariationalAutoencoder, type VaeWorkerTrainOptions } from '../../src/entries/index.js';
import type { Page } from 'playwright-core';
import { NO_BROWSER, withPage } from '../browser/harness.js';
import { trainReference } from '../browser/determinism/train.js';
import { EPOCHS, JOB, jobData, weightsHex } from '../browser/worker/job.js';
import { trainOnThreads, type ThreadsResult } from '../browser/threads/train.js';

for (const bundler of ['vite', 'webpack'] as const) {
  test(`Chromium (${bundler}) trains the same weights as Node, bit for bit`, { skip: NO_BROWSER, timeout: 180_000 }, async () => {
    await withPage('test/browser/determinism', async (page) => {
      await page.waitForFunction(() => (window as unknown as { weightsHex?: string }).weightsHex !== undefined, undefined, { timeout: 60_000 });
      const inBrowser = await page.evaluate(() => (window as unknown as { weightsHex: string }).weightsHex);
      assert.equal(inBrowser.length, (4 * 2 + 2 + 2 * 4 + 4) * 8);
      assert.equal(inBrowser, trainReference());
    }, { bundler });
  });
}

// The page sets window.state only after its imports (and the .wasm) have loaded, which can be after `load`.
interface State { epochs: number[]; validation: number[]; pingsWhileTraining: number; training: boolean; weightsHex?: string; error?: string }
const state = (page: Page) => page.evaluate(() => (window as unknown as { state: State }).state);

for (const bundler of ['vite', 'webpack'] as const) {
  test(`trainInWorker (${bundler}): progress streams after every epoch and the weights equal Node's`, { skip: NO_BROWSER, timeout: 180_000 }, async () => {
    await withPage('test/browser/worker', async (page) => {
      await page.waitForFunction(() => (window as unknown as { state?: State }).state?.training === false, undefined, { timeout: 120_000 });
      const final = await state(page);
      assert.equal(final.error, undefined);
      assert.deepEqual(final.epochs, Array.from({ length: EPOCHS }, (_, i) => i));
      const { hidden, model, ...train } = JOB;
      const local = new Autoencoder(3072, hidden, model);
      const history = local.train(jobData(), { ...train, logEvery: 0 });
      assert.equal(final.weightsHex, weightsHex(local.getWeights()));
      assert.deepEqual(final.validation, history.validation, 'the validation losses cross from the worker');
      local.dispose();
    }, { bundler });
  });
}

// The worker page's data, a variational autoencoder of it: bce needs the data in [0, 1], which jobData's are.
const VAE_JOB = {
  latentDim: 4,
  model: { hidden: [32], seed: 99, weightInit: 'glorot', activation: 'elu', outputActivation: 'sigmoid', optimizer: { name: 'adam' } },
  epochs: 3,
  batchSize: 10,
  corruption: { type: 'mask', fraction: 0.1 },
  validation: 0.1,
} as const satisfies VaeWorkerTrainOptions;

interface VaeState { epochs: unknown[]; weightsHex?: string; error?: string }

/** A page (in a temporary folder) that trains VAE_JOB through trainInWorker and publishes window.vae. */
function vaeWorkerPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wae-vae-worker-'));
  const from = (path: string) => relative(dir, fileURLToPath(new URL(path, import.meta.url)));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="./main.ts"></script>\n');
  writeFileSync(join(dir, 'main.ts'), `
import { trainInWorker } from '${from('../../dist/entries/index.js')}';
import { jobData, weightsHex } from '${from('../browser/worker/job.ts')}';
const state: { epochs: unknown[]; weightsHex?: string; error?: string } = { epochs: [] };
trainInWorker(jobData(), { ...${JSON.stringify(VAE_JOB)}, onEpoch: (info) => state.epochs.push(info) })
  .then(({ model }) => {
    state.weightsHex = weightsHex(model.getWeights());
    model.dispose();
  })
  .catch((error: Error) => (state.error = \`\${error.name}: \${error.message}\`))
  .finally(() => ((window as unknown as { vae: typeof state }).vae = state));
`);
  return dir;
}

test('trainInWorker trains a VariationalAutoencoder in Chromium to the bits Node trains, with reconstruction and kl every epoch', { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  const dir = vaeWorkerPage();
  try {
    await withPage(dir, async (page) => {
      await page.waitForFunction(() => (window as unknown as { vae?: VaeState }).vae !== undefined, undefined, { timeout: 120_000 });
      const inBrowser = await page.evaluate(() => (window as unknown as { vae: VaeState }).vae);
      assert.equal(inBrowser.error, undefined);
      const { latentDim, model, ...train } = VAE_JOB;
      const local = new VariationalAutoencoder(3072, latentDim, model);
      const epochs: unknown[] = [];
      local.train(jobData(), { ...train, logEvery: 0, onEpoch: ({ batchLosses: _batchLosses, ...info }) => epochs.push(info) });
      assert.equal(inBrowser.weightsHex, weightsHex(local.getWeights()));
      assert.deepEqual(inBrowser.epochs, epochs, 'every epoch crosses with its loss, validation loss, reconstruction and kl');
      assert.ok(epochs.every((info) => 'reconstruction' in (info as object) && 'kl' in (info as object)));
      local.dispose();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trainInWorker: the page answers clicks while a long job trains, and stop ends it', { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  await withPage('test/browser/worker', async (page) => {
    await page.waitForFunction(() => ((window as unknown as { state?: State }).state?.epochs.length ?? 0) >= 1, undefined, { timeout: 60_000 });
    assert.equal(page.workers().length, 1, 'the training runs in a worker');
    await page.click('#ping');
    const during = await state(page);
    assert.equal(during.training, true, 'the long job is still training');
    assert.equal(during.pingsWhileTraining, 1, 'the click was handled at once, while the worker trained');
    await page.click('#stop');
    await page.waitForFunction(() => (window as unknown as { state?: State }).state?.training === false, undefined, { timeout: 60_000 });
    assert.equal((await state(page)).error, 'AbortError: stopped');
    for (let wait = 0; page.workers().length > 0 && wait < 100; wait++) await page.waitForTimeout(50);
    assert.equal(page.workers().length, 0, 'stop ends the worker');
  }, { query: '?long' });
});

test("a cross-origin-isolated page trains on 2 threads (Web Workers on shared memory) the bits Node trains on one; a plain page runs one thread; both run precision 'fast' (Chromium has relaxed SIMD)", { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  const node = await trainOnThreads(1);
  const fastBits: string[] = [];
  for (const isolated of [true, false]) {
    await withPage('test/browser/threads', async (page) => {
      await page.waitForFunction(() => (window as unknown as { result?: ThreadsResult }).result !== undefined, undefined, { timeout: 120_000 });
      const result = await page.evaluate(() => (window as unknown as { result: ThreadsResult }).result);
      assert.deepEqual([result.isolated, result.threads], [isolated, isolated ? 2 : 1], isolated ? 'isolated page' : 'plain page');
      assert.equal(result.weightsHex, node.weightsHex);
      const fast = await page.evaluate(() => (window as unknown as { fast: ThreadsResult }).fast);
      assert.deepEqual([fast.precision, fast.threads], ['fast', result.threads]);
      // Fused multiply-adds round differently (where the CPU has FMA, as every x86-64 since 2013 and ARM64 do),
      // and the same on 2 threads (the isolated page) as on 1 (the plain one).
      assert.notEqual(fast.weightsHex, node.weightsHex, 'fused products round differently');
      fastBits.push(fast.weightsHex);
    }, { isolated });
  }
  assert.equal(fastBits[1], fastBits[0], "'fast' gives the same bits on 2 threads and on 1");
});

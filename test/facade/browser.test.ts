// A real browser (Debian's Chromium): pages built with Vite train with fixed seeds and must match Node bit for
// bit; training in a Web Worker streams progress while the page keeps answering clicks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder } from '../../src/index.js';
import { NO_BROWSER, withPage } from '../browser/harness.js';
import { trainReference } from '../browser/determinism/train.js';
import { EPOCHS, JOB, jobData, weightsHex } from '../browser/worker/job.js';

test('Chromium trains the same weights as Node, bit for bit', { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  await withPage('test/browser/determinism', async (page) => {
    await page.waitForFunction(() => (window as unknown as { weightsHex?: string }).weightsHex !== undefined, undefined, { timeout: 60_000 });
    const inBrowser = await page.evaluate(() => (window as unknown as { weightsHex: string }).weightsHex);
    assert.equal(inBrowser.length, (4 * 2 + 2 + 2 * 4 + 4) * 8);
    assert.equal(inBrowser, trainReference());
  });
});

interface State { epochs: number[]; pingsWhileTraining: number; training: boolean; weightsHex?: string; error?: string }

test('trainInWorker: progress streams, the page answers clicks while training, the weights equal Node\'s', { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  await withPage('test/browser/worker', async (page) => {
    const state = () => page.evaluate(() => (window as unknown as { state: State }).state);
    await page.waitForFunction(() => (window as unknown as { state: State }).state.epochs.length >= 1, undefined, { timeout: 60_000 });
    await page.click('#ping');
    await page.click('#ping');
    await page.waitForFunction(() => !(window as unknown as { state: State }).state.training, undefined, { timeout: 120_000 });
    const final = await state();
    assert.equal(final.error, undefined);
    assert.deepEqual(final.epochs, Array.from({ length: EPOCHS }, (_, i) => i));
    assert.ok(final.pingsWhileTraining >= 1, 'a click was handled while the worker trained');
    const local = new Autoencoder(3072, JOB.hiddenDim, JOB.model);
    local.train(jobData(), { epochs: JOB.epochs, batchSize: JOB.batchSize, logEvery: 0 });
    assert.equal(final.weightsHex, weightsHex(local.getWeights()));
    local.dispose();
  });
});

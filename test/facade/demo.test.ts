// The browser demo (examples/browser), built with Vite and driven in Debian's Chromium as a user would: load the
// samples, start a long run and stop it mid-way (the page answers clicks while the worker trains), then train the
// default 400 epochs to the end (half a second on 8 gray 32×32 pictures; after 30 every reconstruction is still the
// mean picture) and check the progress bar, the summary, the drawn canvases and a screenshot. Then VAE mode: stop a
// long run, train a small VAE (the epochs and hidden width typed into the page, as a user would), pick two pictures
// and check the strip between them and the new samples.
// DEMO_SCREENSHOT=/tmp/demo.png keeps a copy of the screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { decodeImage } from '../../src/entries/index.js';
import { NO_BROWSER, withPage } from '../browser/harness.js';

const SAMPLES = 8;
const EPOCHS = 400; // the page's default
// VAE mode: a small run (about a second on one core), enough for the strip's ends to look like the picked pictures.
const VAE_EPOCHS = 60, VAE_WIDTH = 64, STEPS = 8, SIZE = 32;

const state = (page: Page) => page.evaluate(() => document.body.dataset.state);
const text = (page: Page, selector: string) => page.locator(selector).innerText();
const progress = (page: Page) => page.evaluate(() => {
  const bar = document.getElementById('progress') as HTMLProgressElement;
  return { value: bar.value, max: bar.max };
});

/** Waits until the page leaves `from` (the demo's body[data-state]) and returns the new state. */
async function settled(page: Page, from: string, timeout: number): Promise<string | undefined> {
  await page.waitForFunction((busy) => document.body.dataset.state !== busy, from, { timeout });
  return state(page);
}

/** The RGBA bytes of every canvas matching `selector`, read back from the page. */
function pixels(page: Page, selector: string): Promise<number[][]> {
  return page.evaluate((s) => Array.from(document.querySelectorAll<HTMLCanvasElement>(s), (canvas) =>
    Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data)), selector);
}

function distinctColours(rgba: ArrayLike<number>, channels = 4): number {
  const seen = new Set<string>();
  for (let i = 0; i < rgba.length; i += channels) seen.add(Array.prototype.slice.call(rgba, i, i + Math.min(channels, 3)).join());
  return seen.size;
}

/** The SIZE × SIZE cells of a strip canvas's RGBA bytes (cells side by side), each as RGBA bytes. */
function cells(rgba: number[], count: number): number[][] {
  return Array.from({ length: count }, (_, k) => Array.from({ length: SIZE }, (_, y) => {
    const from = (y * count * SIZE + k * SIZE) * 4;
    return rgba.slice(from, from + SIZE * 4);
  }).flat());
}

/** The three numbers of the page's "loss L = reconstruction R + KL K". */
function lossTerms(line: string): number[] {
  const match = /loss (-?[\d.]+) = reconstruction (-?[\d.]+) \+ KL (-?[\d.]+)/.exec(line);
  assert.ok(match, `no loss terms in "${line}"`);
  return match.slice(1).map(Number);
}

function meanAbsDiff(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('browser demo: samples load, Stop answers during training, the default run draws reconstructions and the ratio', { skip: NO_BROWSER, timeout: 240_000 }, async () => {
  await withPage('examples/browser', async (page) => {
    assert.equal(await settled(page, 'starting', 30_000), 'empty', 'the controls come alive once the module is loaded');
    assert.ok(await page.locator('#train').isDisabled(), 'Train waits for pictures');

    await page.click('#samples');
    assert.equal(await settled(page, 'loading', 30_000), 'ready');
    assert.equal(await page.locator('#thumbs canvas').count(), SAMPLES);
    assert.match(await text(page, '#count'), /^8 pictures, 32×32$/);

    // A run far too long to finish: once epochs stream in, a click on Stop must be handled while the worker trains.
    await page.fill('#epochs', '100000');
    await page.click('#train');
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value >= 3, undefined, { timeout: 60_000 });
    assert.equal(await state(page), 'training');
    assert.ok(await page.locator('#colour').isDisabled(), 'settings are locked while training');
    await page.click('#stop');
    assert.equal(await settled(page, 'training', 10_000), 'stopped');
    const stopped = await progress(page);
    assert.equal(stopped.max, 100_000);
    assert.ok(stopped.value >= 3 && stopped.value < 100_000, `stopped at epoch ${stopped.value}`);
    assert.match(await text(page, '#status'), /^Stopped after \d+ of 100000 epochs\.$/);
    assert.equal(await page.locator('#loss svg polyline').count(), 1, 'the loss curve was drawn while training');
    assert.ok(await page.locator('#results').isHidden());

    // The default run to the end; the same seed as Node, so the numbers below are the same on every run.
    await page.fill('#epochs', String(EPOCHS));
    await page.click('#train');
    assert.equal(await settled(page, 'training', 60_000), 'done', await text(page, '#status'));
    assert.deepEqual(await progress(page), { value: EPOCHS, max: EPOCHS });
    assert.equal(await text(page, '#status'), `Trained ${EPOCHS} epochs.`);
    const summary = await text(page, '#summary');
    assert.match(summary, /1024 → 32 values per picture: 32× compression/);
    const finalLoss = Number(/Final loss \(RMSE on 0–1 pixels\) after 400 epochs: (\d\.\d{4})/.exec(summary)?.[1]);
    assert.ok(finalLoss > 0 && finalLoss < 0.06, `final loss ${finalLoss}`);
    const points = await page.locator('#loss svg polyline').getAttribute('points');
    assert.equal(points?.trim().split(/\s+/).length, EPOCHS, 'the loss curve has a point per epoch');

    // The canvases hold pictures: opaque, not one flat colour, and each reconstruction looks most like its own original.
    const originals = await pixels(page, 'canvas.original');
    const copies = await pixels(page, 'canvas.reconstruction');
    assert.equal(originals.length, SAMPLES);
    assert.equal(copies.length, SAMPLES);
    copies.forEach((rgba, i) => {
      assert.equal(rgba.length, 32 * 32 * 4);
      assert.ok(rgba.every((v, j) => j % 4 !== 3 || v === 255), `reconstruction ${i} is opaque`);
      assert.ok(distinctColours(rgba) > 8, `reconstruction ${i} has ${distinctColours(rgba)} colours`);
      const own = meanAbsDiff(rgba, originals[i]!);
      originals.forEach((other, j) => j !== i && assert.ok(own < meanAbsDiff(rgba, other), `reconstruction ${i} is closer to original ${j} than to its own`));
    });

    // The page as a user sees it.
    const dir = mkdtempSync(join(tmpdir(), 'wae-demo-'));
    try {
      const file = join(dir, 'demo.png');
      await page.setViewportSize({ width: 1000, height: 800 });
      await page.screenshot({ path: file, fullPage: true });
      const shot = decodeImage(readFileSync(file), file);
      assert.ok(shot.width >= 1000 && shot.height >= 800, `screenshot is ${shot.width}×${shot.height}`);
      assert.ok(distinctColours(shot.data, shot.channels) > 100, 'the screenshot is not blank');
      if (process.env.DEMO_SCREENSHOT) copyFileSync(file, process.env.DEMO_SCREENSHOT);
    } finally {
      rmSync(dir, { recursive: true });
    }

    // The user's own files: through the file input, and dropped on the drop zone (a WebP goes through the browser's
    // decoder; a bad file is named, not fatal).
    const png = (name: string) => readFileSync(`examples/browser/samples/${name}.png`);
    await page.setInputFiles('#files', [
      { name: 'bricks.png', mimeType: 'image/png', buffer: png('bricks') },
      { name: 'text.png', mimeType: 'image/png', buffer: png('text') },
    ]);
    assert.equal(await settled(page, 'loading', 30_000), 'ready');
    assert.equal(await text(page, '#count'), '2 pictures, 32×32');
    assert.ok(await page.locator('#results').isHidden(), 'new pictures hide the old results');
    const dropped = await page.evaluateHandle(async (bytes) => {
      const canvas = new OffscreenCanvas(40, 30);
      const context = canvas.getContext('2d')!;
      context.fillStyle = 'tomato';
      context.fillRect(0, 0, 20, 30);
      const webp = await canvas.convertToBlob({ type: 'image/webp' });
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'moon.png', { type: 'image/png' }));
      transfer.items.add(new File([webp], 'half.webp', { type: webp.type }));
      transfer.items.add(new File(['not a picture'], 'broken.png', { type: 'image/png' }));
      return transfer;
    }, [...png('moon')]);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
    assert.equal(await settled(page, 'loading', 30_000), 'ready');
    assert.equal(await text(page, '#count'), '2 pictures, 32×32 (could not read broken.png)');
    assert.equal(await page.locator('#thumbs canvas').count(), 2);
  });
});

test('browser demo, VAE mode: trains with loss, reconstruction and KL shown, Stop answers, two picked pictures draw the strip between them', { skip: NO_BROWSER, timeout: 240_000 }, async () => {
  await withPage('examples/browser', async (page) => {
    assert.equal(await settled(page, 'starting', 30_000), 'empty');
    await page.click('#samples');
    assert.equal(await settled(page, 'loading', 30_000), 'ready');
    assert.ok(await page.locator('#latent').isHidden(), 'the page opens in autoencoder mode');
    await page.check('input[name="mode"][value="vae"]');
    assert.ok(await page.locator('#latent').isVisible(), 'VAE mode shows the code size of the VAE');
    assert.ok(await page.locator('#hidden').isHidden(), "and hides the autoencoder's");

    // trainAsync yields to the page: a click on Stop is handled mid-run, and the stopped model can be explored.
    await page.fill('#epochs', '100000');
    await page.fill('#width', String(VAE_WIDTH));
    await page.click('#train');
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value >= 3, undefined, { timeout: 60_000 });
    assert.equal(await state(page), 'training');
    assert.ok(await page.locator('input[name="mode"][value="ae"]').isDisabled(), 'the mode is locked while training');
    await page.click('#stop');
    assert.equal(await settled(page, 'training', 10_000), 'stopped');
    assert.match(await text(page, '#status'), /^Stopped after \d+ of 100000 epochs\.$/);
    assert.ok(await page.locator('#vae').isVisible(), 'a stopped VAE is kept');

    await page.fill('#epochs', String(VAE_EPOCHS));
    await page.click('#train');
    assert.equal(await settled(page, 'training', 60_000), 'done', await text(page, '#status'));
    assert.deepEqual(await progress(page), { value: VAE_EPOCHS, max: VAE_EPOCHS });
    const status = await text(page, '#status');
    assert.match(status, new RegExp(`^Trained ${VAE_EPOCHS} epochs: `));
    const summary = await text(page, '#vae-summary');
    assert.match(summary, new RegExp(`^1024 → ${VAE_WIDTH} → 2 values`));
    for (const line of [status, summary]) {
      const [total, reconstruction, kl] = lossTerms(line);
      assert.ok([total, reconstruction, kl].every(Number.isFinite), line);
      assert.ok(reconstruction! > 0 && kl! >= 0, line);
      assert.ok(Math.abs(total! - reconstruction! - kl!) <= 0.02, `loss = reconstruction + KL: ${line}`);
    }
    const points = await page.locator('#loss svg polyline').getAttribute('points');
    assert.equal(points?.trim().split(/\s+/).length, VAE_EPOCHS, 'the loss curve has a point per epoch');

    // Pick colours (bright), then text: the strip runs from one to the other.
    const [a, b] = [1, 4];
    assert.ok(await page.locator('#strip').isHidden(), 'no strip before two pictures are picked');
    await page.locator('#thumbs canvas').nth(a).click();
    assert.match(await text(page, '#pick'), /^From colours to… click another picture\.$/);
    assert.ok(await page.locator('#strip').isHidden());
    await page.locator('#thumbs canvas').nth(b).click();
    assert.equal(await page.locator('#thumbs canvas.picked').count(), 2);
    assert.match(await text(page, '#pick'), /^From colours to text: /);
    assert.ok(await page.locator('#strip').isVisible());
    const size = await page.evaluate(() => {
      const canvas = document.getElementById('strip') as HTMLCanvasElement;
      return { width: canvas.width, height: canvas.height, steps: canvas.dataset.steps };
    });
    assert.deepEqual(size, { width: STEPS * SIZE, height: SIZE, steps: String(STEPS) });
    const [strip] = await pixels(page, '#strip');
    assert.ok(strip!.every((v, j) => j % 4 !== 3 || v === 255), 'the strip is opaque');
    assert.ok(distinctColours(strip!) > 16, `the strip has ${distinctColours(strip!)} colours`);
    const steps = cells(strip!, STEPS);
    const thumbs = await pixels(page, '#thumbs canvas'); // gray, as the VAE learnt them
    const [first, last] = [steps[0]!, steps[STEPS - 1]!];
    assert.ok(meanAbsDiff(first, last) > 8, `the strip's ends differ by ${meanAbsDiff(first, last).toFixed(1)} per byte`);
    assert.ok(meanAbsDiff(first, thumbs[a]!) < meanAbsDiff(last, thumbs[a]!), 'the first picture is nearer the first pick');
    assert.ok(meanAbsDiff(last, thumbs[b]!) < meanAbsDiff(first, thumbs[b]!), 'the last picture is nearer the second pick');

    // New samples: a row of pictures decoded from random codes, different at every press.
    const [before] = await pixels(page, '#generated');
    await page.click('#sample');
    const [after] = await pixels(page, '#generated');
    assert.equal(after!.length, STEPS * SIZE * SIZE * 4);
    assert.ok(distinctColours(after!) > 16, `the samples have ${distinctColours(after!)} colours`);
    assert.ok(meanAbsDiff(before!, after!) > 0, 'New samples draws new samples');

    // Back to autoencoder mode: its settings return, the VAE's results step aside.
    await page.check('input[name="mode"][value="ae"]');
    assert.ok(await page.locator('#hidden').isVisible());
    assert.ok(await page.locator('#vae').isHidden());
  });
});

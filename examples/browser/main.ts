// The browser demo: load pictures, train an autoencoder on them in a Web Worker, and show each picture beside
// its reconstruction from the code; or, in VAE mode, train a variational autoencoder on them and show the
// pictures between two the user picks. Run: npm run demo:web (see README.md).
import {
  VariationalAutoencoder, flatten, imageFromMatrixRow, imageGrid, lossCurveSvg, readImage, resizeTo, toGray, trainInWorker,
  type Autoencoder, type Image, type Matrix,
} from 'wasm-autoencoder';

/** Every picture is cropped to a square and resized to SIZE × SIZE. */
const SIZE = 32;
/** The pictures in samples/ (made by samples/make-samples.ts). */
const SAMPLES = ['retina', 'colours', 'moon', 'bricks', 'text', 'coins', 'logo', 'sketch'];
/** VAE mode: pictures in the strip between two picked pictures, and in a row of new samples. */
const STEPS = 8, NEW_SAMPLES = 8;

interface Picture { name: string; image: Image } // SIZE × SIZE, RGB
type State = 'empty' | 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'error';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const drop = $<HTMLLabelElement>('drop');
const files = $<HTMLInputElement>('files');
const samples = $<HTMLButtonElement>('samples');
const count = $('count');
const thumbs = $('thumbs');
const modes = $<HTMLFieldSetElement>('mode');
const settings = $<HTMLFieldSetElement>('settings');
const colour = $<HTMLInputElement>('colour');
const hidden = $<HTMLInputElement>('hidden');
const width = $<HTMLInputElement>('width');
const latent = $<HTMLInputElement>('latent');
const epochs = $<HTMLInputElement>('epochs');
const train = $<HTMLButtonElement>('train');
const stop = $<HTMLButtonElement>('stop');
const progress = $<HTMLProgressElement>('progress');
const status = $('status');
const loss = $('loss');
const results = $('results');
const summary = $('summary');
const pairs = $('pairs');
const vaeSection = $('vae');
const vaeSummary = $('vae-summary');
const pickNote = $('pick');
const strip = $<HTMLCanvasElement>('strip');
const sample = $<HTMLButtonElement>('sample');
const generated = $<HTMLCanvasElement>('generated');

let pictures: Picture[] = [];
let controller: AbortController | undefined;
/** VAE mode: the trained model, the data set it learnt (a row per picture) and its channels; the picked pictures (kept across runs). */
let vae: { model: VariationalAutoencoder; data: Matrix<Float32Array>; channels: 1 | 3 } | undefined;
let picks: number[] = [];

const mode = () => (modes.querySelector<HTMLInputElement>('input:checked')!.value as 'ae' | 'vae');

function setState(state: State): void {
  document.body.dataset.state = state;
  const busy = state === 'loading' || state === 'training';
  samples.disabled = files.disabled = busy;
  drop.classList.toggle('disabled', busy);
  settings.disabled = modes.disabled = state === 'training';
  train.disabled = busy || pictures.length === 0;
  stop.disabled = state !== 'training';
}

// ── Pictures in ────────────────────────────────────────────────────────────────────────────────────────────

/** Decodes PNG/JPEG with the package; other formats the browser knows (WebP, GIF…) through a canvas. */
async function decode(blob: Blob, name: string): Promise<Image> {
  try {
    return await readImage(blob, name);
  } catch (error) {
    const bitmap = await createImageBitmap(blob).catch(() => Promise.reject(error));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    bitmap.close(); // its pixels now live in the canvas
    return readImage(context.getImageData(0, 0, canvas.width, canvas.height));
  }
}

/** The centred square of an image, resized to SIZE × SIZE, as RGB (gray is repeated, alpha dropped). */
function prepare(image: Image): Image {
  const side = Math.min(image.width, image.height);
  const left = (image.width - side) >> 1, top = (image.height - side) >> 1, c = image.channels;
  const square = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const from = ((top + y) * image.width + left + x) * c;
      for (let k = 0; k < 3; k++) square[(y * side + x) * 3 + k] = image.data[from + (c === 1 ? 0 : k)]!;
    }
  }
  return resizeTo({ width: side, height: side, channels: 3, data: square }, SIZE, SIZE);
}

async function load(sources: { name: string; blob: () => Promise<Blob> }[]): Promise<void> {
  setState('loading');
  count.textContent = 'Loading…';
  const loaded: Picture[] = [], failed: string[] = [];
  for (const { name, blob } of sources) {
    try {
      loaded.push({ name, image: prepare(await decode(await blob(), name)) });
    } catch {
      failed.push(name);
    }
  }
  pictures = loaded;
  picks = [];
  forgetVae();
  count.textContent = `${loaded.length} picture${loaded.length === 1 ? '' : 's'}, ${SIZE}×${SIZE}` + (failed.length ? ` (could not read ${failed.join(', ')})` : '');
  drawThumbs();
  results.hidden = true;
  setState(loaded.length ? 'ready' : 'empty');
  status.textContent = loaded.length ? 'Ready to train.' : 'Load some pictures to start.';
}

function loadFiles(list: FileList | null): void {
  const images = Array.from(list ?? []).filter((file) => file.type.startsWith('image/') || file.type === '');
  if (images.length) void load(images.map((file) => ({ name: file.name, blob: async () => file })));
}

samples.addEventListener('click', () => {
  void load(SAMPLES.map((name) => ({
    name,
    blob: async () => {
      const response = await fetch(new URL(`./samples/${name}.png`, import.meta.url).href);
      if (!response.ok) throw new Error(`${name}.png: HTTP ${response.status}`);
      return response.blob();
    },
  })));
});
files.addEventListener('change', () => loadFiles(files.files));
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  if (!files.disabled) loadFiles(event.dataTransfer?.files ?? null);
});
colour.addEventListener('change', drawThumbs);
modes.addEventListener('change', () => {
  document.body.dataset.mode = mode();
});

// ── Training ───────────────────────────────────────────────────────────────────────────────────────────────

/** The pictures as a data set: one row per picture, gray or RGB (interleaved), values scaled to 0–1. */
function dataset(inColour: boolean): Matrix<Float32Array> {
  const rows = pictures.map(({ image }) => flatten(inColour ? image : toGray(image)).data);
  const cols = rows[0]!.length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => row.forEach((v, j) => (data[i * cols + j] = v / 255)));
  return { rows: rows.length, cols, data };
}

train.addEventListener('click', () => {
  if (settings.reportValidity()) void (mode() === 'vae' ? trainVae() : trainAutoencoder());
});
stop.addEventListener('click', () => controller?.abort());

async function trainAutoencoder(): Promise<void> {
  const channels = colour.checked ? 3 : 1;
  const data = dataset(channels === 3);
  const hiddenDim = hidden.valueAsNumber, total = epochs.valueAsNumber;
  const history: number[] = [];
  controller = new AbortController();
  progress.max = total;
  progress.value = 0;
  results.hidden = true;
  status.textContent = 'Starting the worker…';
  setState('training');
  // Epochs can arrive faster than the screen refreshes: draw at most once per frame.
  let frame = 0;
  const draw = () => {
    frame = 0;
    progress.value = history.length;
    status.textContent = `Epoch ${history.length} of ${total}: loss ${history.at(-1)!.toFixed(4)}`;
    loss.innerHTML = lossCurveSvg(history, { width: 860, height: 220, title: 'training loss (RMSE)' });
  };
  try {
    const { model } = await trainInWorker(data, {
      hidden: hiddenDim,
      epochs: total,
      batchSize: 1, // one picture per step, as in the chapter
      model: { weightInit: 'glorot' }, // the chapter's N(0, 1) saturates tanh on 0–1 pixels
      signal: controller.signal,
      onEpoch: ({ loss: value }) => {
        history.push(value);
        frame ||= requestAnimationFrame(draw);
      },
    });
    cancelAnimationFrame(frame);
    draw();
    showResults(model, data, channels, history.length);
    model.dispose();
    status.textContent = `Trained ${history.length} epochs.`;
    setState('done');
  } catch (error) {
    cancelAnimationFrame(frame);
    if (history.length) draw();
    if (controller.signal.aborted) {
      status.textContent = `Stopped after ${history.length} of ${total} epochs.`;
      setState('stopped');
    } else {
      status.textContent = `Training failed: ${(error as Error).message}`;
      setState('error');
    }
  } finally {
    controller = undefined;
  }
}

// ── Pictures out ───────────────────────────────────────────────────────────────────────────────────────────

function showResults(model: Autoencoder, data: Matrix<Float32Array>, channels: 1 | 3, epochCount: number): void {
  const { reconstructed, loss: rmse } = model.test(data);
  const ratio = data.cols / model.hiddenDim;
  summary.innerHTML =
    `<strong>${data.cols} → ${model.hiddenDim}</strong> values per picture: <strong>${+ratio.toFixed(1)}× compression</strong>. ` +
    `Final loss (RMSE on 0–1 pixels) after ${epochCount} epochs: <strong>${rmse.toFixed(4)}</strong>.`;
  pairs.replaceChildren(
    ...pictures.map(({ name }, row) => {
      const original = imageFromMatrixRow(data, row, SIZE, SIZE, channels, { max: 1 });
      const copy = imageFromMatrixRow(reconstructed, row, SIZE, SIZE, channels, { max: 1 });
      const figure = document.createElement('figure');
      const caption = document.createElement('figcaption');
      caption.textContent = `${name} · RMSE ${rowRmse(data, reconstructed, row).toFixed(3)}`;
      figure.append(canvasOf(original, 'original'), canvasOf(copy, 'reconstruction'), caption);
      return figure;
    }),
  );
  results.hidden = false;
}

function rowRmse(a: Matrix<Float32Array>, b: Matrix<Float32Array>, row: number): number {
  let sum = 0;
  for (let j = row * a.cols; j < (row + 1) * a.cols; j++) sum += (a.data[j]! - b.data[j]!) ** 2;
  return Math.sqrt(sum / a.cols);
}

function drawThumbs(): void {
  thumbs.replaceChildren(
    ...pictures.map(({ name, image }, index) => {
      const canvas = canvasOf(colour.checked ? image : toGray(image), 'thumb', name);
      canvas.classList.toggle('picked', picks.includes(index));
      canvas.addEventListener('click', () => pick(index)); // VAE mode
      return canvas;
    }),
  );
}

/** A canvas showing a gray or RGB image pixel for pixel (CSS scales it up). */
function canvasOf(image: Image, className: string, title = className): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = className;
  canvas.title = title;
  paint(canvas, image);
  return canvas;
}

function paint(canvas: HTMLCanvasElement, image: Image): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = new ImageData(image.width, image.height);
  const c = image.channels;
  for (let p = 0; p < image.width * image.height; p++) {
    for (let k = 0; k < 3; k++) rgba.data[p * 4 + k] = image.data[p * c + (c === 1 ? 0 : k)]!;
    rgba.data[p * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}

// ── VAE mode ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Trains a variational autoencoder on the pictures with trainAsync, on this thread: it yields to the page between
 * calls into the kernels, so the progress is drawn and Stop is handled. A stopped model is kept: it can be explored.
 */
async function trainVae(): Promise<void> {
  const channels = colour.checked ? 3 : 1;
  const data = dataset(channels === 3);
  const total = epochs.valueAsNumber;
  const history: number[] = [];
  let terms = { reconstruction: NaN, kl: NaN };
  forgetVae();
  controller = new AbortController();
  progress.max = total;
  progress.value = 0;
  setState('training');
  let frame = 0;
  const draw = () => {
    frame = 0;
    progress.value = history.length;
    status.textContent = `Epoch ${history.length} of ${total}: ${lossTerms(history.at(-1)!, terms.reconstruction, terms.kl)}`;
    loss.innerHTML = lossCurveSvg(history, { width: 860, height: 220, title: 'training loss (reconstruction + KL, per picture)' });
  };
  let model: VariationalAutoencoder | undefined;
  try {
    // As the chapter's VAE: a sigmoid output with the cross-entropy summed over a picture's values, Adam; Glorot
    // initial weights (N(0, 1) saturates the output on 0–1 pixels).
    model = new VariationalAutoencoder(data.cols, latent.valueAsNumber, {
      hidden: [width.valueAsNumber], activation: 'relu', outputActivation: 'sigmoid', weightInit: 'glorot',
      optimizer: { name: 'adam' }, learningRate: 0.001,
    });
    await model.trainAsync(data, {
      epochs: total,
      batchSize: 1, // one picture per step, as in autoencoder mode
      logEvery: 0,
      signal: controller.signal,
      onEpoch: ({ loss: value, reconstruction = NaN, kl = NaN }) => {
        history.push(value);
        terms = { reconstruction, kl };
        frame ||= requestAnimationFrame(draw);
      },
    });
    cancelAnimationFrame(frame);
    draw();
    status.textContent = `Trained ${history.length} epochs: ${lossTerms(history.at(-1)!, terms.reconstruction, terms.kl)}`;
    setState('done');
  } catch (error) {
    cancelAnimationFrame(frame);
    if (history.length) draw();
    if (controller.signal.aborted && history.length) {
      status.textContent = `Stopped after ${history.length} of ${total} epochs.`;
      setState('stopped');
    } else {
      model?.dispose();
      model = undefined;
      status.textContent = controller.signal.aborted ? 'Stopped before the first epoch.' : `Training failed: ${(error as Error).message}`;
      setState(controller.signal.aborted ? 'stopped' : 'error');
    }
  } finally {
    controller = undefined;
  }
  if (model) {
    vae = { model, data, channels };
    showVae();
  }
}

function lossTerms(total: number, reconstruction: number, kl: number): string {
  return `loss ${total.toFixed(2)} = reconstruction ${reconstruction.toFixed(2)} + KL ${kl.toFixed(2)}`;
}

function showVae(): void {
  const { model, data } = vae!;
  const { loss: total, reconstruction, kl } = model.evaluate(data);
  vaeSummary.innerHTML =
    `<strong>${data.cols} → ${model.hidden[0]} → ${model.latentDim}</strong> values: each picture becomes a cloud of codes ` +
    `around a mean. On all pictures, codes at their means: <strong>${lossTerms(total, reconstruction, kl)}</strong> ` +
    `(cross-entropy summed over a picture's ${data.cols} values; KL from the standard normal).`;
  drawPicks();
  drawSamples();
  vaeSection.hidden = false;
}

function forgetVae(): void {
  vae?.model.dispose();
  vae = undefined;
  vaeSection.hidden = true;
}

/** A click on a thumbnail in VAE mode picks it (or unpicks it); the last two picked are the strip's ends. */
function pick(index: number): void {
  if (mode() !== 'vae') return;
  picks = picks.includes(index) ? picks.filter((i) => i !== index) : [...picks, index].slice(-2);
  thumbs.querySelectorAll('canvas').forEach((canvas, i) => canvas.classList.toggle('picked', picks.includes(i)));
  drawPicks();
}

function drawPicks(): void {
  if (!vae) return;
  const [a, b] = picks;
  strip.hidden = b === undefined;
  if (b === undefined) {
    pickNote.textContent = a === undefined ? 'Click two pictures above to see one turn into the other.' : `From ${pictures[a]!.name} to… click another picture.`;
    return;
  }
  const { model, data, channels } = vae;
  const row = (i: number) => data.data.subarray(i * data.cols, (i + 1) * data.cols);
  paint(strip, stripImage(model.interpolate(row(a!), row(b), STEPS), channels));
  strip.dataset.steps = String(STEPS);
  pickNote.textContent = `From ${pictures[a!]!.name} to ${pictures[b]!.name}: the pictures decoded from ${STEPS} codes evenly ` +
    'spaced between their mean codes. Click other pictures for another pair.';
}

function drawSamples(): void {
  if (!vae) return;
  paint(generated, stripImage(vae.model.sample(NEW_SAMPLES), vae.channels));
}
sample.addEventListener('click', drawSamples);

/** Rows of 0–1 pixel values as one image: the pictures side by side. */
function stripImage(rows: Matrix<Float32Array>, channels: 1 | 3): Image {
  return imageGrid(Array.from({ length: rows.rows }, (_, r) => imageFromMatrixRow(rows, r, SIZE, SIZE, channels, { max: 1 })), rows.rows);
}

setState('empty');

import { trainInWorker } from 'wasm-autoencoder';

const pixels = { rows: 50, cols: 1024, data: new Float32Array(50 * 1024).map((_, i) => (i % 97) / 96) };
const progress = document.querySelector('progress')!;
const stop = new AbortController();
document.querySelector('button')!.onclick = () => stop.abort();

const { model, history } = await trainInWorker(pixels, {
  hidden: 32, epochs: 20, batchSize: 10, model: { weightInit: 'glorot' },
  onEpoch: ({ epoch }) => (progress.value = epoch + 1),
  signal: stop.signal,
});
const { loss } = model.test(pixels);
document.querySelector('output')!.textContent = `loss ${loss} after ${history.length} epochs`;

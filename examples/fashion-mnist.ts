// Fashion-MNIST (Debian's dataset-fashion-mnist package) compressed from 784 pixels to 64 values; writes a
// PNG grid of originals beside reconstructions and an SVG of the loss curve.
// Run: npx tsx examples/fashion-mnist.ts [--epochs N] [--limit N] [--out DIR]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Autoencoder, imageFromMatrixRow, imageGrid, loadFashionMnist, lossCurveSvg, toPng, type Image } from '../src/entries/index.js';
import { writeFileAtomic } from '../src/io/node.js';

const { values } = parseArgs({ options: { epochs: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' } } });
const out = values.out ?? 'fashion-mnist-out';
const { images } = await loadFashionMnist({ limit: Number(values.limit ?? 10000) });
// Pixels scaled to 0–1; Glorot-scaled initial weights keep the 784-wide layer out of saturation (the chapter's
// N(0, 1) weights would saturate every unit and leave the codes at ±1).
const pixels = { rows: images.rows, cols: images.cols, data: Float32Array.from(images.data, (p) => p / 255) };
const range = { min: 0, max: 1 };
console.log(`${pixels.rows} images of 28×28 = ${pixels.cols} pixels → 64 codes`);

const ae = new Autoencoder(pixels.cols, 64, { weightInit: 'glorot' });
const history = ae.train(pixels, { epochs: Number(values.epochs ?? 20), batchSize: 20, logEvery: 1 });

const count = Math.min(12, pixels.rows);
const { reconstructed, loss } = ae.test({ rows: count, cols: pixels.cols, data: pixels.data.subarray(0, count * pixels.cols) });
const tiles: Image[] = [];
for (let row = 0; row < count; row++) {
  tiles.push(imageFromMatrixRow(pixels, row, 28, 28, 1, range), imageFromMatrixRow(reconstructed, row, 28, 28, 1, range));
}
mkdirSync(out, { recursive: true });
await writeFileAtomic(join(out, 'reconstructions.png'), toPng(imageGrid(tiles, 6, { gap: 2 })));
await writeFileAtomic(join(out, 'loss.svg'), new TextEncoder().encode(lossCurveSvg(history, { title: 'Fashion-MNIST 784 → 64 → 784' })));
console.log(`loss on the first ${count} images: ${loss.toFixed(4)}; wrote ${join(out, 'reconstructions.png')} and ${join(out, 'loss.svg')}`);
ae.dispose();

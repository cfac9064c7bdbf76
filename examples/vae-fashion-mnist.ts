// A variational autoencoder on Fashion-MNIST (Debian's dataset-fashion-mnist package): 784 → [256] → 2-D codes,
// sigmoid output, binary cross-entropy. Because its codes follow N(0, I), any point of the plane decodes to a
// picture: it writes the decoded latent grid (the picture Keras's VAE example made familiar), an interpolation strip
// between two test pictures of different classes, and pictures decoded from random codes.
// Run: npx tsx examples/vae-fashion-mnist.ts [--epochs N] [--limit N] [--from CLASS] [--to CLASS] [--out DIR]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VariationalAutoencoder, imageFromMatrixRow, imageGrid, loadFashionMnist, toPng, type Image, type Matrix } from '../src/entries/index.js';
import { writeFileAtomic } from '../src/io/node.js';

const { values } = parseArgs({
  options: { epochs: { type: 'string' }, limit: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
});
const out = values.out ?? 'vae-out';
const limit = Number(values.limit ?? 20000);
const scaled = ({ rows, cols, data }: Matrix): Matrix<Float32Array> => ({ rows, cols, data: Float32Array.from(data, (p) => p / 255) });
const train = await loadFashionMnist({ limit });
const test = await loadFashionMnist({ split: 'test', limit: Math.max(200, Math.floor(limit / 5)) });
const pixels = scaled(train.images);
const testPixels = scaled(test.images);

/** The first test picture of the class named `name` (case-insensitive). */
function firstOf(name: string): number {
  const label = test.labelNames.findIndex((n) => n.toLowerCase() === name.toLowerCase());
  if (label < 0) throw new RangeError(`${name} is not a Fashion-MNIST class (${test.labelNames.join(', ')})`);
  return test.labels.indexOf(label);
}
const [from, to] = [firstOf(values.from ?? 'Ankle boot'), firstOf(values.to ?? 'Trouser')];

const vae = new VariationalAutoencoder(784, 2, { hidden: [256], activation: 'relu', outputActivation: 'sigmoid', optimizer: { name: 'adam' }, weightInit: 'glorot' });
console.log(`${pixels.rows} training pictures of 28×28 = 784 pixels → 2-D codes`);
console.log(vae.summary());
vae.train(pixels, {
  epochs: Number(values.epochs ?? 20),
  batchSize: 100,
  logEvery: 0,
  onEpoch: ({ epoch, loss, reconstruction, kl }) => console.log(`epoch ${epoch}: loss ${loss.toFixed(2)} = reconstruction ${reconstruction!.toFixed(2)} + KL ${kl!.toFixed(2)}`),
});
const held = vae.evaluate(testPixels);
console.log(`test pictures (z = mean): loss ${held.loss.toFixed(2)} = reconstruction ${held.reconstruction.toFixed(2)} + KL ${held.kl.toFixed(2)}`);

const picture = (m: Matrix<Float32Array>, row: number): Image => imageFromMatrixRow(m, row, 28, 28, 1, { min: 0, max: 1 });
const tiles = (m: Matrix<Float32Array>): Image[] => Array.from({ length: m.rows }, (_, row) => picture(m, row));
mkdirSync(out, { recursive: true });

// The plane from −2 to 2 on both axes (95 % of N(0, 1) lies within ±2), the first code value left to right, the
// second top to bottom.
const side = 15;
const grid = new Float32Array(side * side * 2);
for (let r = 0; r < side; r++) {
  for (let c = 0; c < side; c++) grid.set([-2 + (4 * c) / (side - 1), 2 - (4 * r) / (side - 1)], 2 * (r * side + c));
}
await writeFileAtomic(join(out, 'latent-grid.png'), toPng(imageGrid(tiles(vae.decode({ rows: side * side, cols: 2, data: grid })), side)));
console.log(`wrote ${join(out, 'latent-grid.png')}: the decodings of a ${side}×${side} grid of codes over [−2, 2]²`);

const steps = 10;
const strip = vae.interpolate(testPixels.data.subarray(from * 784, (from + 1) * 784), testPixels.data.subarray(to * 784, (to + 1) * 784), steps);
const ends = [picture(testPixels, from), ...tiles(strip), picture(testPixels, to)];
await writeFileAtomic(join(out, 'interpolation.png'), toPng(imageGrid(ends, ends.length, { gap: 2 })));
console.log(
  `wrote ${join(out, 'interpolation.png')}: test picture ${from} (${test.labelNames[test.labels[from]!]}), ${steps} decodings from its code ` +
    `to that of test picture ${to} (${test.labelNames[test.labels[to]!]}), then that picture`,
);

await writeFileAtomic(join(out, 'samples.png'), toPng(imageGrid(tiles(vae.sample(32, 7)), 8, { gap: 2 })));
console.log(`wrote ${join(out, 'samples.png')}: 32 pictures decoded from codes drawn from N(0, I)`);
vae.dispose();

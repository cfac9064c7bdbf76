// A denoising autoencoder on Fashion-MNIST (Debian's dataset-fashion-mnist package): trained on pictures with
// fresh Gaussian noise in every batch to give back the clean ones, then shown noisy test pictures it never saw.
// Writes a PNG with rows of noisy / denoised / clean pictures and prints how far each is from the clean ones.
// Run: npx tsx examples/denoise-fashion-mnist.ts [--epochs N] [--limit N] [--noise STDDEV] [--out DIR]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Autoencoder, corrupt, imageFromMatrixRow, imageGrid, loadFashionMnist, toPng, type Corruption, type Image, type Matrix } from '../src/entries/index.js';
import { writeFileAtomic } from '../src/io/node.js';

const { values } = parseArgs({ options: { epochs: { type: 'string' }, limit: { type: 'string' }, noise: { type: 'string' }, out: { type: 'string' } } });
const out = values.out ?? 'denoise-out';
const limit = Number(values.limit ?? 10000);
const noise: Corruption = { type: 'gaussian', stddev: Number(values.noise ?? 0.3) };
const scaled = ({ rows, cols, data }: Matrix): Matrix<Float32Array> => ({ rows, cols, data: Float32Array.from(data, (p) => p / 255) });
const train = scaled((await loadFashionMnist({ limit })).images);
const clean = scaled((await loadFashionMnist({ split: 'test', limit: Math.max(100, Math.floor(limit / 5)) })).images);
const noisy = corrupt(clean, noise, 2024); // test pictures with noise the model never saw

const ae = new Autoencoder(784, [256, 64], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', optimizer: { name: 'adam' }, weightInit: 'glorot' });
console.log(`${train.rows} training pictures, ${clean.rows} test pictures, Gaussian noise σ = ${noise.stddev}`);
console.log(ae.summary());
ae.train(train, { epochs: Number(values.epochs ?? 10), batchSize: 32, corruption: noise, logEvery: 1 });
const { reconstructed: denoised } = ae.test(noisy);

/** Root-mean-square distance of a from b over every pixel. */
const rmse = (a: Matrix<Float32Array>, b: Matrix<Float32Array>) => Math.sqrt(a.data.reduce((sum, v, i) => sum + (v - b.data[i]!) ** 2, 0) / a.data.length);
console.log(`RMSE to the clean test pictures: noisy ${rmse(noisy, clean).toFixed(4)}, denoised ${rmse(denoised, clean).toFixed(4)}`);

const count = Math.min(10, clean.rows);
const tiles: Image[] = [];
for (const m of [noisy, denoised, clean]) {
  for (let row = 0; row < count; row++) tiles.push(imageFromMatrixRow(m, row, 28, 28, 1, { min: 0, max: 1 }));
}
mkdirSync(out, { recursive: true });
await writeFileAtomic(join(out, 'denoised.png'), toPng(imageGrid(tiles, count, { gap: 2 })));
console.log(`wrote ${join(out, 'denoised.png')}: noisy, denoised and clean pictures, a row each`);
ae.dispose();

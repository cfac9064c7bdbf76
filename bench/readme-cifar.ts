// `npm run bench:readme-cifar [-- --epochs N]`: does the README's CIFAR command line give recognisable
// reconstructions? Real CIFAR-10 cannot be downloaded here, so this builds a look-alike in the binary layout, with
// CIFAR's counts (5 × 10,000 training and 10,000 test images, labels 0–9): each image is a random square crop of a
// photograph from Debian's python3-skimage (cat, coffee, astronaut, rocket, motorcycle, grass, coins, …) shrunk to
// 32×32 by area averaging and sometimes mirrored, labelled at random, so every class is as varied as the set.
// It then runs the README's `train` and `reconstruct` commands on it and compares their RMSE with predicting the
// mean image. The look-alike takes a couple of minutes to build, once (it stays in /tmp/wae-cifar-lookalike).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImage, resizeTo, type Image } from '../src/entries/index.js';
import { loadSource } from '../bin/sources.js';

const PHOTOS_DIR = '/usr/lib/python3/dist-packages/skimage/data';
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'motorcycle_right.png', 'hubble_deep_field.jpg', 'ihc.png', 'retina.jpg', 'camera.png', 'coins.png', 'grass.png', 'gravel.png', 'brick.png', 'moon.png'];
const SIDE = 32;
const OUT = '/tmp/wae-cifar-lookalike';
const PIXEL_SCALE = 0.00392; // the CLI's default for pictures

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '250' } } });
if (!existsSync(PHOTOS_DIR)) throw new Error(`${PHOTOS_DIR} is missing: apt-get install python3-skimage`);

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A random square crop (side between 32 pixels and the photo's shorter side), shrunk to 32×32, maybe mirrored, as RGB. */
function crop(photo: Image, random: () => number): Uint8Array {
  const side = Math.round(SIDE + random() * (Math.min(photo.width, photo.height) - SIDE));
  const left = Math.floor(random() * (photo.width - side + 1));
  const top = Math.floor(random() * (photo.height - side + 1));
  const c = photo.channels;
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const from = ((top + y) * photo.width + left + x) * c;
      for (let k = 0; k < 3; k++) data[(y * side + x) * 3 + k] = photo.data[from + (c >= 3 ? k : 0)]!;
    }
  }
  const small = resizeTo({ width: side, height: side, channels: 3, data }, SIDE, SIDE).data;
  const mirror = random() < 0.5;
  const planes = new Uint8Array(SIDE * SIDE * 3); // CIFAR's layout: the red plane, then green, then blue
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const from = (y * SIDE + (mirror ? SIDE - 1 - x : x)) * 3;
      for (let k = 0; k < 3; k++) planes[k * SIDE * SIDE + y * SIDE + x] = small[from + k]!;
    }
  }
  return planes;
}

async function buildLookalike(dir: string): Promise<void> {
  const photos = await Promise.all(PHOTOS.map((name) => readImage(join(PHOTOS_DIR, name))));
  const random = lcg(2026);
  mkdirSync(dir, { recursive: true });
  for (const file of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
    const batch = new Uint8Array(10_000 * (1 + 3072));
    for (let i = 0; i < 10_000; i++) {
      batch[i * 3073] = Math.floor(random() * 10);
      batch.set(crop(photos[Math.floor(random() * photos.length)]!, random), i * 3073 + 1);
    }
    writeFileSync(join(dir, `${file}.bin`), batch);
  }
  writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
}

function rmseOfMeanImage(rows: number, cols: number, data: Float32Array, mean: Float64Array): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sum += (data[r * cols + c]! - mean[c]!) ** 2;
  return Math.sqrt(sum / (rows * cols));
}

const dir = join(OUT, 'cifar-10-batches-bin');
if (!existsSync(join(dir, 'test_batch.bin'))) await buildLookalike(dir);
const cli = (args: string[]): string => {
  console.log(`$ npx wasm-autoencoder ${args.join(' ')}`);
  const out = execFileSync(process.execPath, [join(import.meta.dirname, '../dist/bin/wasm-autoencoder.js'), ...args], { cwd: OUT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(out);
  return out;
};
cli(['train', '--cifar', dir, '--label', 'horse', '--hidden', '100', '--epochs', values.epochs!, '--batch-size', '10', '--out', 'horses.ae', '--force']);
const rmse = (out: string): number => Number(/loss \(RMSE\) ([\d.]+)/.exec(out)![1]);
const results = (['train', 'test'] as const).map((split) => ({
  split,
  model: rmse(cli(['reconstruct', 'horses.ae', '--cifar', dir, '--label', 'horse', '--split', split, '--png', `grid-${split}.png`])),
}));

const train = (await loadSource({ cifar: dir, label: 'horse' }, PIXEL_SCALE)).data;
const mean = new Float64Array(train.cols);
for (let r = 0; r < train.rows; r++) for (let c = 0; c < train.cols; c++) mean[c]! += train.data[r * train.cols + c]! / train.rows;
console.log(`\n| horse images (grayscale 1024, scaled to [0, 1]) | rows | RMSE of the model | RMSE of the mean training image | ratio |`);
console.log('|---|---:|---:|---:|---:|');
for (const { split, model } of results) {
  const data = (await loadSource({ cifar: dir, label: 'horse', split }, PIXEL_SCALE)).data;
  const baseline = rmseOfMeanImage(data.rows, data.cols, data.data as Float32Array, mean);
  console.log(`| ${split} | ${data.rows} | ${model.toFixed(4)} | ${baseline.toFixed(4)} | ${(model / baseline).toFixed(2)} |`);
}
console.log(`\npictures: ${join(OUT, 'grid-train.png')}, ${join(OUT, 'grid-test.png')}`);

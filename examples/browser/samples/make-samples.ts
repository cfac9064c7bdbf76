// Writes the demo's sample images: eight 32×32 tiles from the CIFAR-format fixture (photographs cut into tiles),
// as PNGs beside this file. Run from the repository root: npx tsx examples/browser/samples/make-samples.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { imageFromMatrixRow, toPng } from '../../../src/entries/index.js';

const BATCH = 'test/fixtures/cifar-sample/cifar-10-batches-bin/data_batch_1.bin';
const RECORD = 1 + 3072; // label byte, then R, G and B planes of 32×32
/** Which records to keep, and the name each is saved under (the fixture's labels are arbitrary). */
const PICKS: Record<number, string> = { 0: 'retina', 1: 'colours', 2: 'moon', 4: 'bricks', 5: 'text', 6: 'coins', 8: 'logo', 17: 'sketch' };

const bytes = readFileSync(BATCH);
for (const [record, name] of Object.entries(PICKS)) {
  const start = Number(record) * RECORD + 1;
  const pixels = { rows: 1, cols: 3072, data: bytes.subarray(start, start + 3072) };
  const image = imageFromMatrixRow(pixels, 0, 32, 32, 3, { layout: 'planar' });
  writeFileSync(new URL(`./${name}.png`, import.meta.url), toPng(image));
  console.log(`${name}.png ← record ${record}`);
}

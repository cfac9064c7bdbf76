// `wasm-autoencoder reconstruct` (alias `test`): the loss of a saved model on a data set, and a PNG of
// originals beside their reconstructions.
import { parseArgs } from 'node:util';
import { imageFromMatrixRow, imageGrid, toPng, type Image, type Matrix } from 'wasm-autoencoder';
import { writeFileAtomic } from 'wasm-autoencoder/node';
import { loadModel } from './model-file.js';
import { RUN_HELP, RUN_OPTIONS, runFlags } from './run-flags.js';
import { SOURCE_HELP, SOURCE_OPTIONS, checkWritable, loadSource, modelScale, positiveInteger, type Source } from './sources.js';

export const RECONSTRUCT_HELP = `usage: wasm-autoencoder reconstruct MODEL <data> [--png FILE] [--count N]
       (also: wasm-autoencoder test …)

Prints the model's loss on the data (the loss it was trained with: RMSE unless train was given --loss); with
--png, writes a grid of originals (left) beside their reconstructions (right), one pair per row.

${SOURCE_HELP}
output:
  --png FILE             the picture grid (needs image data: CIFAR, IDX, Fashion-MNIST or a folder of images)
  --count N              pairs in the grid (default 16)
${RUN_HELP}`;

export async function reconstruct(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...SOURCE_OPTIONS, ...RUN_OPTIONS, png: { type: 'string' }, count: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(RECONSTRUCT_HELP);
  if (positionals.length !== 1) throw new RangeError('reconstruct needs exactly one MODEL file before the options');
  if (values.png !== undefined) await checkWritable(values.png, '--png');
  if (values.png !== undefined && values.csv !== undefined) throw new RangeError('--png needs image data (CIFAR, IDX, Fashion-MNIST or --images); rows from --csv are not pictures');
  const ae = await loadModel(positionals[0]!, false, runFlags(values));
  const source = await loadSource(values, modelScale(ae, values.scale));
  const { reconstructed, loss } = ae.test(source.data);
  console.log(`${source.describe}: ${source.data.rows} rows, loss (${ae.options.loss.toUpperCase()}) ${loss.toPrecision(5)}`);
  if (values.png === undefined) return;
  if (!source.picture) throw new RangeError('--png needs image data (CIFAR, IDX, Fashion-MNIST or --images); these rows are not pictures');
  const count = Math.min(positiveInteger(values.count ?? '16', '--count'), source.data.rows);
  let max = 0;
  for (const v of source.data.data.subarray(0, count * source.data.cols)) max = Math.max(max, v);
  const tiles: Image[] = [];
  for (let row = 0; row < count; row++) tiles.push(picture(source, source.data, row, max), picture(source, reconstructed, row, max));
  await writeFileAtomic(values.png, toPng(imageGrid(tiles, 2, { gap: 2 })));
  console.log(`wrote ${values.png}: ${count} originals (left) and reconstructions (right)`);
}

/** Row `row` of m drawn as the source's pictures are, values 0…max mapped to 0…255. */
function picture(source: Source, m: Matrix, row: number, max: number): Image {
  const { width, height, channels, planar } = source.picture!;
  const range = { min: 0, max: max > 1 ? 255 * Math.ceil(max / 255) : 1 };
  return imageFromMatrixRow(m, row, width, height, channels, { ...range, layout: planar ? 'planar' : 'interleaved' });
}

// `wasm-autoencoder encode`: the codes of a data set under a saved model, as CSV or .npy.
import { parseArgs } from 'node:util';
import { encodeCsv, encodeNpy } from 'wasm-autoencoder';
import { writeFileAtomic } from 'wasm-autoencoder/node';
import { loadModel } from './model-file.js';
import { RUN_HELP, RUN_OPTIONS, runFlags } from './run-flags.js';
import { SOURCE_HELP, SOURCE_OPTIONS, checkWritable, loadSource, modelScale } from './sources.js';

export const ENCODE_HELP = `usage: wasm-autoencoder encode MODEL <data> --out FILE.csv|FILE.npy

Writes the code (hidden layer) of every row: CSV text, or a NumPy .npy file (float32, rows × hidden).

${SOURCE_HELP}
output:
  --out FILE             .csv or .npy
${RUN_HELP}`;

export async function encode(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...SOURCE_OPTIONS, ...RUN_OPTIONS, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(ENCODE_HELP);
  if (positionals.length !== 1) throw new RangeError('encode needs exactly one MODEL file before the options');
  if (values.out === undefined || !/\.(csv|npy)$/i.test(values.out)) throw new RangeError('encode needs --out FILE ending in .csv or .npy');
  await checkWritable(values.out, '--out');
  const ae = await loadModel(positionals[0]!, false, runFlags(values));
  const codes = ae.encode((await loadSource(values, modelScale(ae, values.scale))).data);
  const bytes = /\.npy$/i.test(values.out) ? encodeNpy(codes) : new TextEncoder().encode(encodeCsv(codes));
  await writeFileAtomic(values.out, bytes);
  console.log(`wrote ${values.out}: ${codes.rows} codes of ${codes.cols} values`);
}

// `wasm-autoencoder score`: each row's anomaly score (its reconstruction loss) under a saved model, as CSV; with
// --threshold or --quantile, a column flagging the rows above the threshold.
import { parseArgs } from 'node:util';
import { anomalyThreshold } from 'wasm-autoencoder';
import { writeFileAtomic } from 'wasm-autoencoder/node';
import { loadAnyKind } from './model-file.js';
import { RUN_HELP, RUN_OPTIONS, runFlags } from './run-flags.js';
import { SOURCE_HELP, SOURCE_OPTIONS, checkWritable, loadSource, modelScale, numberIn } from './sources.js';

export const SCORE_HELP = `usage: wasm-autoencoder score MODEL <data> --out FILE.csv [--threshold T | --quantile Q]

Writes each row's anomaly score as CSV, "row,score" (its reconstruction loss under an autoencoder; under a
variational autoencoder, its loss with z = mean), and with a threshold a third column, "anomaly": 1 where the
score is above it, else 0.

${SOURCE_HELP}
output:
  --out FILE.csv
  --threshold T          flag the rows scoring above T (e.g. a threshold an earlier --quantile run printed;
                         a negative one as --threshold=-1)
  --quantile Q           flag the rows above the ⌈Q·n⌉-th smallest of these n scores (0 < Q ≤ 1) and print
                         that threshold: run it on normal data, then pass the threshold to new data
${RUN_HELP}`;

export async function score(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SOURCE_OPTIONS, ...RUN_OPTIONS, out: { type: 'string' }, threshold: { type: 'string' }, quantile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(SCORE_HELP);
  if (positionals.length !== 1) throw new RangeError('score needs exactly one MODEL file before the options');
  if (values.out === undefined || !/\.csv$/i.test(values.out)) throw new RangeError('score needs --out FILE ending in .csv');
  if (values.threshold !== undefined && values.quantile !== undefined) throw new RangeError('give --threshold or --quantile, not both');
  const given = values.threshold === undefined ? undefined : thresholdFlag(values.threshold);
  const quantile = values.quantile === undefined ? undefined : numberIn(values.quantile, '--quantile', (q) => q > 0 && q <= 1, 'a number in (0, 1]');
  await checkWritable(values.out, '--out');
  const model = await loadAnyKind(positionals[0]!, false, runFlags(values));
  const scores = model.anomalyScores((await loadSource(values, modelScale(model, values.scale))).data);
  const threshold = quantile === undefined ? given : anomalyThreshold(scores, { quantile });
  const lines = [threshold === undefined ? 'row,score' : 'row,score,anomaly'];
  let above = 0;
  for (let row = 0; row < scores.length; row++) {
    const s = scores[row]!;
    if (threshold === undefined) {
      lines.push(`${row},${s}`);
      continue;
    }
    const anomaly = s > threshold ? 1 : 0;
    above += anomaly;
    lines.push(`${row},${s},${anomaly}`);
  }
  await writeFileAtomic(values.out, new TextEncoder().encode(`${lines.join('\n')}\n`));
  console.log(`wrote ${values.out}: ${scores.length} scores`);
  if (threshold === undefined) return;
  const origin = quantile === undefined ? '--threshold' : `the ${quantile} quantile of these scores`;
  console.log(`threshold ${threshold} (${origin}): ${above} of ${scores.length} rows above it`);
}

function thresholdFlag(text: string): number {
  const value = Number(text); // Infinity and -Infinity are thresholds too: nothing, or everything, flagged
  if (text.trim() === '' || Number.isNaN(value)) throw new RangeError(`--threshold must be a number, got '${text}'`);
  return value;
}

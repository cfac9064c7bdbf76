// `npm run bench:compare -- DIR`: the chapter's 3072→100 model trained by this checkout and by another one (DIR:
// a checkout whose .wasm is built, e.g. an older commit), alternately in one process, so that a change of the core
// can be held to the speed it had. Prints samples/s of both and their ratio (medians of alternating rounds).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import * as ours from '../src/entries/index.js';

type Package = Pick<typeof ours, 'Autoencoder' | 'bindData'>;

const dir = process.argv[2];
if (!dir) throw new Error('usage: npm run bench:compare -- DIR   (another checkout, with its .wasm built)');
const entry = ['src/entries/index.ts', 'src/index.ts'].map((file) => resolve(dir, file)).find(existsSync);
if (!entry) throw new Error(`${dir} holds neither src/entries/index.ts nor src/index.ts`);
const theirs = (await import(pathToFileURL(entry).href)) as Package;

const ROWS = 5000, INPUT = 3072, HIDDEN = 100;
const raw = new Uint8Array(ROWS * INPUT);
for (let i = 0, state = 12345; i < raw.length; i++) raw[i] = (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24;
const datasets = {
  'raw 0–255': { rows: ROWS, cols: INPUT, data: raw },
  'centred ±1/32': { rows: ROWS, cols: INPUT, data: Float32Array.from(raw, (p) => (p - 127.5) / (255 * 16)) },
};
const cases = [1, 10, 100].flatMap((batch) => Object.keys(datasets).map((data) => ({ data: data as keyof typeof datasets, batch, steps: batch === 1 ? 200 : batch === 10 ? 100 : 20 })));

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`| 3072→100, data | batch | this checkout samples/s | ${dir} samples/s | ratio |`);
console.log('|---|---:|---:|---:|---:|');
for (const c of cases) {
  const runners = ([['this', ours], ['other', theirs]] as const).map(([name, pkg]) => {
    const bound = pkg.bindData(datasets[c.data]);
    const ae = new pkg.Autoencoder(INPUT, HIDDEN, { seed: 1 });
    return { name, fn: () => void ae.train(bound, { epochs: 1, batchSize: c.batch, batchesPerEpoch: c.steps, logEvery: 0 }), dispose: () => (ae.dispose(), bound.dispose()) };
  });
  const medians: Record<string, number[]> = { this: [], other: [] };
  for (let round = 0; round < 5; round++) {
    for (const runner of round % 2 ? [...runners].reverse() : runners) {
      const bench = new Bench({ time: 400, warmupTime: 100, iterations: 3 });
      bench.add(runner.name, runner.fn);
      await bench.run();
      const result = bench.tasks[0]!.result;
      if (result.state !== 'completed') throw new Error(`${runner.name} did not complete: ${result.state}`);
      medians[runner.name]!.push(result.latency.p50 / 1000);
    }
  }
  runners.forEach((runner) => runner.dispose());
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const [mine, other] = [median(medians.this!), median(medians.other!)].map((seconds) => (c.batch * c.steps) / seconds);
  console.log(`| ${c.data} | ${c.batch} | ${fmt(mine!)} | ${fmt(other!)} | ${fmt(mine! / other!, 3)} |`);
}

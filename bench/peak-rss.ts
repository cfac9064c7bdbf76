// Peak resident memory of the same job in fresh processes: ours (the built Node entry) and PyTorch (torch_worker.py),
// each binding the 5000×3072 pixels and training 50 steps of 3072→100 at batch 100.
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Matrix } from '../src/entries/node.js';

const OURS = `
const { Autoencoder, bindData } = await import(process.argv[1]);
const { readFileSync } = await import('node:fs');
const data = new Uint8Array(readFileSync(process.argv[2]));
const ae = new Autoencoder(3072, 100);
ae.train(bindData({ rows: 5000, cols: 3072, data }), { epochs: 1, batchSize: 100, batchesPerEpoch: 50, logEvery: 0 });
console.log(process.resourceUsage().maxRSS * 1024);
`;

/** Peak RSS in bytes of ours and of PyTorch (undefined without torch) on the job. */
export function peakRss(pixels: Matrix<Uint8Array>, withTorch: boolean): { ours: number; torch: number | undefined } {
  const file = join(tmpdir(), `wae-rss-${process.pid}.u8`);
  writeFileSync(file, pixels.data);
  try {
    const entry = new URL('../dist/entries/node.js', import.meta.url).href;
    const ours = spawnSync(process.execPath, ['--input-type=module', '-e', OURS, entry, file], { encoding: 'utf8' });
    if (ours.status !== 0) throw new Error(`the peak-RSS job failed: ${ours.stderr}`);
    if (!withTorch) return { ours: Number(ours.stdout), torch: undefined };
    const commands = [
      { cmd: 'load', path: file, rows: pixels.rows, cols: pixels.cols, centred: false },
      { cmd: 'model', inputs: pixels.cols, hidden: 100, seed: 1 },
      { cmd: 'run', batch: 100, steps: 50, threads: 1 },
      { cmd: 'peak_rss' },
    ].map((c) => JSON.stringify(c)).join('\n');
    const torch = spawnSync('/usr/bin/python3', [new URL('./torch_worker.py', import.meta.url).pathname], { input: `${commands}\n`, encoding: 'utf8' });
    const answer = JSON.parse(torch.stdout.trim().split('\n').at(-1)!) as { kib: number };
    return { ours: Number(ours.stdout), torch: answer.kib * 1024 };
  } finally {
    rmSync(file, { force: true });
  }
}

// Data readers: a 10,000-image CIFAR-10 batch in both layouts (MB/s), grayscale (Mpixel/s), IDX (Fashion-MNIST).
import { existsSync } from 'node:fs';
import { Bench } from 'tinybench';
import { grayscale, loadCifar10, loadIdxImages } from '../src/entries/index.js';
import { CIFAR_META, cifarBatchPickle } from '../test/pickle-writer.js';

const FASHION_TRAIN = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

/** Median milliseconds of each task, run one after another. */
async function medians(tasks: Record<string, () => unknown>): Promise<Record<string, number>> {
  const bench = new Bench({ time: 1500, warmupTime: 300, iterations: 5 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  return Object.fromEntries(bench.tasks.map((t) => {
    if (t.result.state !== 'completed') throw new Error(`benchmark ${t.name} did not complete`);
    return [t.name, t.result.latency.p50];
  }));
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** The data-reading table, as markdown. */
export async function dataTable(): Promise<string> {
  const count = 10_000;
  const pixels = new Uint8Array(count * 3072);
  for (let i = 0, x = 12345; i < pixels.length; i++) pixels[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const labels = Array.from({ length: count }, (_, i) => i % 10);
  const python = cifarBatchPickle(pixels, labels, false);
  const binary = new Uint8Array(count * 3073);
  for (let r = 0; r < count; r++) {
    binary[r * 3073] = labels[r]!;
    binary.set(pixels.subarray(r * 3072, (r + 1) * 3072), r * 3073 + 1);
  }
  const names = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n';
  const matrix = { rows: count, cols: 3072, data: pixels };
  const fashion = existsSync(FASHION_TRAIN);
  const ms = await medians({
    python: () => loadCifar10({ test_batch: python, 'batches.meta': CIFAR_META }, { split: 'test' }),
    binary: () => loadCifar10({ 'test_batch.bin': binary, 'batches.meta.txt': new TextEncoder().encode(names) }, { split: 'test' }),
    mean: () => grayscale(matrix),
    luminance: () => grayscale(matrix, { method: 'luminance' }),
    ...(fashion ? { idx: () => loadIdxImages(FASHION_TRAIN) } : {}),
  });
  const mbps = (bytes: number, t: number) => fmt(bytes / 2 ** 20 / (t / 1000));
  const mpix = (t: number) => fmt((count * 1024) / 1e6 / (t / 1000));
  return [
    '| reader | input | median | throughput |',
    '|---|---|---:|---:|',
    `| CIFAR-10 python batch (cPickle, 10,000 images) | ${(python.length / 2 ** 20).toFixed(1)} MiB | ${ms.python!.toFixed(1)} ms | ${mbps(python.length, ms.python!)} MB/s |`,
    `| CIFAR-10 binary batch (10,000 records) | ${(binary.length / 2 ** 20).toFixed(1)} MiB | ${ms.binary!.toFixed(1)} ms | ${mbps(binary.length, ms.binary!)} MB/s |`,
    `| grayscale, mean of R, G, B | 10,000 × 3072 bytes | ${ms.mean!.toFixed(1)} ms | ${mpix(ms.mean!)} Mpixel/s |`,
    `| grayscale, luminance | 10,000 × 3072 bytes | ${ms.luminance!.toFixed(1)} ms | ${mpix(ms.luminance!)} Mpixel/s |`,
    fashion
      ? `| IDX, Fashion-MNIST train images (gzip, 60,000 × 784) | 25.2 MiB gzip, 44.9 MiB raw | ${ms.idx!.toFixed(0)} ms | ${fmt((60000 * 784) / 2 ** 20 / (ms.idx! / 1000))} MB/s (raw) |`
      : '| IDX, Fashion-MNIST | not measured: install the Debian package dataset-fashion-mnist | | |',
  ].join('\n');
}

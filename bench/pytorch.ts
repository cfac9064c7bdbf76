// Native PyTorch for `npm run bench`: Debian's python3-torch in a child process (bench/torch_worker.py), driven one
// command at a time so that its runs alternate with ours. Absent torch is not an error: the bench says so and
// leaves its columns out.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Matrix } from '../src/entries/index.js';

const PYTHON = '/usr/bin/python3';

export interface Torch {
  /** e.g. "PyTorch 1.13.0a0, /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so". */
  describe: string;
  /**
   * Builds the chapter's model (input → hidden tanh → input linear, RMSProp) on the data, replacing any earlier one;
   * with fewer inputs than the data has columns, it trains on each row's first `inputs` values.
   */
  model(data: 'raw' | 'centred', inputs: number, hidden: number): Promise<void>;
  /** Seconds for `steps` training steps of `batch` random rows with `threads` threads (timed inside Python). */
  run(batch: number, steps: number, threads: number): Promise<number>;
  /** Peak resident memory of the Python process so far, in bytes. */
  peakRss(): Promise<number>;
  close(): void;
}

/**
 * Seconds a 256×256 product may take on 1 and on 2 threads before PyTorch is taken to hang. Where Debian's
 * libblas.so.3 alternative points at one OpenBLAS build (pthread) and libopenblas.so.0 at the other (openmp),
 * torch 1.13 never returns from such a product on one thread (seen on a fresh machine); the bench would wait forever.
 */
const PROBE_SECONDS = 60;
const PROBE = 'import torch\nfor n in (1, 2):\n    torch.set_num_threads(n)\n    a = torch.ones(256, 256)\n    assert (a @ a).sum().item() == 256 ** 3';

/** Why PyTorch cannot be benchmarked here (its products hang or fail), or undefined when they run. */
function productHangs(): string | undefined {
  const run = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8', timeout: PROBE_SECONDS * 1000, killSignal: 'SIGKILL' });
  if (run.status === 0) return undefined;
  const why = run.error || run.signal ? `a 256×256 product did not finish in ${PROBE_SECONDS} s` : `a 256×256 product failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return `PyTorch skipped: ${why} (are libblas.so.3-x86_64-linux-gnu and libopenblas.so.0-x86_64-linux-gnu set to the same OpenBLAS? see update-alternatives --display)`;
}

/** Starts PyTorch with the bench's pixels, or returns why it cannot (Debian's python3-torch missing). */
export async function startTorch(pixels: Matrix<Uint8Array>): Promise<Torch | string> {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `PyTorch skipped: ${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-openmp)`;
  const hang = productHangs();
  if (hang) return hang;
  const child = spawn(PYTHON, [join(import.meta.dirname, 'torch_worker.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error('the PyTorch worker exited');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const ask = (command: Record<string, unknown>): Promise<Record<string, unknown>> => {
    child.stdin.write(`${JSON.stringify(command)}\n`);
    return next();
  };
  const hello = await next();
  const file = join(tmpdir(), `wae-bench-pixels-${process.pid}.u8`);
  writeFileSync(file, pixels.data);
  let loaded: string | undefined;
  return {
    describe: `PyTorch ${String(hello.torch)}, ${String(hello.blas)}`,
    async model(data, inputs, hidden) {
      if (loaded !== data) await ask({ cmd: 'load', path: file, rows: pixels.rows, cols: pixels.cols, centred: data === 'centred' });
      loaded = data;
      await ask({ cmd: 'model', inputs, hidden, seed: 1 });
    },
    async run(batch, steps, threads) {
      return (await ask({ cmd: 'run', batch, steps, threads })).seconds as number;
    },
    async peakRss() {
      return ((await ask({ cmd: 'peak_rss' })).kib as number) * 1024;
    },
    close() {
      child.stdin.end();
      child.kill();
      rmSync(file, { force: true });
    },
  };
}

// One training run shared by the browser page and the Node side of the test: 3072 → 37 at batch 50, so that each
// step is split into parts that take real time on every thread.
import { Autoencoder, type Precision } from 'wasm-autoencoder';
import { weightsHex } from '../bits.js';

export interface ThreadsResult {
  isolated: boolean;
  threads: number;
  precision: Precision;
  weightsHex: string;
}

export function threadsData(): Float32Array {
  let state = 2026;
  return Float32Array.from({ length: 200 * 3072 }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) / 16);
}

/** Trains on `threads` threads, waiting (up to 10 s) for them to be usable; returns the threads and precision it trained with. */
export async function trainOnThreads(threads: number, precision: Precision = 'exact'): Promise<ThreadsResult> {
  const ae = new Autoencoder(3072, 37, { seed: 7, threads, precision, weightInit: 'glorot' });
  for (let wait = 0; ae.threads < threads && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
  const used = ae.threads;
  ae.train({ rows: 200, cols: 3072, data: threadsData() }, { epochs: 3, batchSize: 50, logEvery: 0 });
  const result = { isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true, threads: used, precision: ae.precision, weightsHex: weightsHex(ae.getWeights()) };
  ae.dispose();
  return result;
}

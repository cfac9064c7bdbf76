// Web Workers for the thread pool (pool.ts) in cross-origin-isolated pages and in workers: a few lines of script,
// from a Blob URL, that instantiate the compiled module on the shared memory and stay in worker_loop; the worker
// closes itself when the pool's epoch ends.
import type { WorkerStarter } from './pool.js';

const WORKER_SOURCE = `onmessage = ({ data: { module, memory, block, t, epoch } }) => {
  const wait = (at, value) => void Atomics.wait(new Int32Array(memory.buffer, at, 1), 0, value);
  new WebAssembly.Instance(module, { env: { memory, wait } }).exports.worker_loop(block, t, epoch);
  close();
};`;

let scriptUrl: string | undefined;

export const startWebWorker: WorkerStarter = (module, memory, block, t, epoch) => {
  scriptUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  new Worker(scriptUrl).postMessage({ module, memory, block, t, epoch });
};

/** Whether this page or worker can share memory with workers: cross-origin isolated, with Worker and SharedArrayBuffer. */
export function webThreadsAvailable(): boolean {
  const scope = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown };
  return scope.crossOriginIsolated === true && typeof scope.Worker === 'function' && typeof scope.SharedArrayBuffer === 'function';
}

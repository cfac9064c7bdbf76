// Node's workers for the thread pool (pool.ts): worker_threads running a few lines of CommonJS that instantiate the
// compiled module on the shared memory (with the same `env.wait` as the main thread's, see
// wasm.ts) and stay in worker_loop. unref(): an idle pool never keeps Node alive.
import { Worker } from 'node:worker_threads';
import type { WorkerStarter } from './pool.js';

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, block, t, epoch } = workerData;
const wait = (at, value) => void Atomics.wait(new Int32Array(memory.buffer, at, 1), 0, value);
new WebAssembly.Instance(module, { env: { memory, wait } }).exports.worker_loop(block, t, epoch);
`;

let running = 0;

/** Pool workers whose thread has not exited yet. */
export function runningWorkers(): number {
  return running;
}

export const startNodeWorker: WorkerStarter = (module, memory, block, t, epoch) => {
  // execArgv: [] — the process's loaders (--import hooks) would load in the worker first, and some wait on the
  // main thread, which is blocked until the worker is up.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module, memory, block, t, epoch } });
  running++;
  worker.once('exit', () => running--);
  worker.unref();
};

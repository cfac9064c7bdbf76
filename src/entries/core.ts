// Every public export, without loading the module (wasm-autoencoder/core, and index.ts, which loads it). The
// edge entries take api.js with a trainInWorker of their own (edge-exports.ts).
export * from './api.js';
export {
  trainInWorker, type WorkerTrainOptions, type WorkerTrainResult, type VaeWorkerTrainOptions, type VaeWorkerTrainResult,
} from '../worker/train-in-worker.js';

// Every public export, without loading the module (wasm-autoencoder/core, and index.ts, which loads it).
// trainInWorker is kept out of the edge entries: edge runtimes have no Web Worker, and bundlers that meet
// new Worker(new URL(…)) add a document-based loader that breaks there.
export * from './api.js';
export { trainInWorker, type WorkerTrainOptions, type WorkerTrainResult } from './worker/train-in-worker.js';

// What the edge entries export: the same names as the default entry, with a trainInWorker that explains why it
// cannot run there.
export * from './api.js';
export { trainInWorker } from '../worker/no-worker.js';
export type { WorkerTrainOptions, WorkerTrainResult, VaeWorkerTrainOptions, VaeWorkerTrainResult } from '../worker/train-in-worker.js';

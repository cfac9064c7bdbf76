// trainInWorker for the edge entries: edge runtimes have no Web Workers, and the real one's
// new Worker(new URL(…, import.meta.url)) makes bundlers add a document-based chunk loader that breaks there.
import type { MatrixLike } from '../matrix.js';
import type { VaeWorkerTrainOptions, VaeWorkerTrainResult, WorkerTrainOptions, WorkerTrainResult } from './train-in-worker.js';

/** Edge runtimes have no Web Workers: always rejects with a TypeError that says what to use instead. */
export function trainInWorker(data: MatrixLike, options: WorkerTrainOptions): Promise<WorkerTrainResult>;
/** Edge runtimes have no Web Workers: always rejects with a TypeError that says what to use instead. */
export function trainInWorker(data: MatrixLike, options: VaeWorkerTrainOptions): Promise<VaeWorkerTrainResult>;
export async function trainInWorker(_data: MatrixLike, _options: WorkerTrainOptions | VaeWorkerTrainOptions): Promise<never> {
  throw new TypeError('trainInWorker needs Web Workers, which edge runtimes do not have; use train or trainAsync');
}

// Trains the model of ./train.ts on 2 threads once the page's workers are up (where the page is cross-origin
// isolated; elsewhere on the one thread it has), exact then fast, and publishes the weights' bits, the threads and
// the precisions used.
import { trainOnThreads, type ThreadsResult } from './train.js';

const result: ThreadsResult = await trainOnThreads(2);
const fast: ThreadsResult = await trainOnThreads(2, 'fast');
Object.assign(window, { result, fast });
document.getElementById('status')!.textContent = `done on ${result.threads} threads`;

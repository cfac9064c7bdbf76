// Trains the model of ./train.ts on 2 threads once the page's workers are up (where the page is cross-origin
// isolated; elsewhere on the one thread it has), and publishes the weights' bits and the threads used.
import { trainOnThreads, type ThreadsResult } from './train.js';

const result: ThreadsResult = await trainOnThreads(2);
(window as unknown as { result: ThreadsResult }).result = result;
document.getElementById('status')!.textContent = `done on ${result.threads} threads`;

// Trains in a Web Worker through trainInWorker while the page keeps answering clicks. `?long` runs a job of
// minutes that only the stop button ends; otherwise the short job runs to the end and publishes its weights.
import { trainInWorker } from 'wasm-autoencoder';
import { JOB, jobData, weightsHex } from './job.js';

interface State { epochs: number[]; validation: number[]; pings: number; pingsWhileTraining: number; training: boolean; weightsHex?: string; error?: string }
const state: State = { epochs: [], validation: [], pings: 0, pingsWhileTraining: 0, training: true };
(window as unknown as { state: State }).state = state;

document.getElementById('ping')!.addEventListener('click', () => {
  state.pings++;
  if (state.training) state.pingsWhileTraining++;
  document.getElementById('pings')!.textContent = String(state.pings);
});
const stop = new AbortController();
document.getElementById('stop')!.addEventListener('click', () => stop.abort(new DOMException('stopped', 'AbortError')));

trainInWorker(jobData(), {
  ...JOB,
  ...(location.search === '?long' ? { epochs: 100_000 } : {}),
  signal: stop.signal,
  onEpoch: ({ epoch, validationLoss }) => {
    state.epochs.push(epoch);
    state.validation.push(validationLoss!);
  },
})
  .then(({ model }) => {
    state.weightsHex = weightsHex(model.getWeights());
    model.dispose();
  })
  .catch((error: Error) => (state.error = `${error.name}: ${error.message}`))
  .finally(() => {
    state.training = false;
    document.getElementById('status')!.textContent = state.error ?? 'done';
  });

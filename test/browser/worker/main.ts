// Trains in a Web Worker through trainInWorker while the page keeps answering clicks; publishes progress,
// the clicks seen during training, and the final weights' bits.
import { trainInWorker } from 'wasm-autoencoder';
import { JOB, jobData, weightsHex } from './job.js';

interface State { epochs: number[]; pings: number; pingsWhileTraining: number; training: boolean; weightsHex?: string; error?: string }
const state: State = { epochs: [], pings: 0, pingsWhileTraining: 0, training: true };
(window as unknown as { state: State }).state = state;

document.getElementById('ping')!.addEventListener('click', () => {
  state.pings++;
  if (state.training) state.pingsWhileTraining++;
  document.getElementById('pings')!.textContent = String(state.pings);
});

trainInWorker(jobData(), {
  ...JOB,
  onEpoch: ({ epoch }) => {
    state.epochs.push(epoch);
    (document.getElementById('progress') as HTMLProgressElement).value = epoch + 1;
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

// Trains in the browser exactly as test/facade/browser.test.ts trains in Node, and publishes the weights' bits.
import { trainReference } from './train.js';

const weights = trainReference();
(window as unknown as { weightsHex: string }).weightsHex = weights;
document.getElementById('status')!.textContent = `done: ${weights.length / 8} floats`;

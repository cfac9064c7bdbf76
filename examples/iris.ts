// The chapter's first listing: compress the 4 iris measurements to 1 number and back, one sample at a time.
import { Autoencoder, toArrays } from '../src/entries/index.js';
import { iris } from '../src/datasets/index.js';

const ae = new Autoencoder(4, 1); // epochs 250, learningRate 0.001, tanh encoder, RMSProp (TF1 defaults)
const started = performance.now();
ae.train(iris); // one sample at a time, in data order; prints the loss every 10 epochs
const elapsed = performance.now() - started;
console.log(`trained 250 epochs × 150 samples in ${elapsed.toFixed(1)} ms`);

const input = [[8, 4, 6, 2]];
const { hidden, reconstructed, loss } = ae.test(input);
console.log('input', input);
console.log('compressed', toArrays(hidden));
console.log('reconstructed', toArrays(reconstructed));
console.log(`loss ${loss.toFixed(4)}`);
ae.dispose();

// One training run shared by the browser page and the Node side of the test: seeded initial weights, random
// batches drawn by the seeded generator, momentum; returns every parameter's bits as hex.
import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';
import { weightsHex } from '../bits.js';

export function trainReference(): string {
  const ae = new Autoencoder(4, 2, { seed: 20261127, learningRate: 0.01, activation: 'tanh', optimizer: { momentum: 0.5 } });
  ae.train(iris, { epochs: 20, batchSize: 10, logEvery: 0 });
  const hex = weightsHex(ae.getWeights());
  ae.dispose();
  return hex;
}

// One training run shared by the browser page and the Node side of the test: seeded initial weights, random
// batches drawn by the seeded generator, momentum; returns every parameter's bits as hex.
import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

export function trainReference(): string {
  const ae = new Autoencoder(4, 2, { seed: 20261127, learningRate: 0.01, activation: 'tanh', optimizer: { momentum: 0.5 } });
  ae.train(iris, { epochs: 20, batchSize: 10, logEvery: 0 });
  let hex = '';
  for (const matrix of Object.values(ae.getWeights())) {
    for (const bits of new Uint32Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.length)) hex += bits.toString(16).padStart(8, '0');
  }
  ae.dispose();
  return hex;
}

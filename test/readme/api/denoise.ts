import { Autoencoder, corrupt, type Corruption } from 'wasm-autoencoder';

const clean = { rows: 200, cols: 16, data: new Float32Array(200 * 16).map((_, i) => Math.sin(i / 5) * 0.5 + 0.5) };
const noise: Corruption = { type: 'gaussian', stddev: 0.2 };
const ae = new Autoencoder(16, 8, { outputActivation: 'sigmoid', loss: 'bce', weightInit: 'glorot', learningRate: 0.01 });
ae.train(clean, { epochs: 100, batchSize: 20, logEvery: 0, corruption: noise });   // fresh noise every batch
const noisy = corrupt(clean, noise, 7);                                            // a noisy copy of your own
const { loss } = ae.test(noisy, { target: clean });                                // how far from the clean rows
console.log(`denoised loss ${loss}`);
ae.train(noisy, { epochs: 10, logEvery: 0, target: clean });                       // or fit(x, y) on pairs you have
ae.dispose();

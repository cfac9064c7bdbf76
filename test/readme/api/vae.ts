import { VariationalAutoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

// 4 → [8] → 2-D codes; each flower gets a distribution over codes, and the loss is its squared error + KL.
const vae = new VariationalAutoencoder(4, 2, { hidden: [8], activation: 'elu', optimizer: { name: 'adam' }, learningRate: 0.01 });
vae.train(iris, { epochs: 100, batchSize: 10, logEvery: 0 });
const { loss, reconstruction, kl } = vae.evaluate(iris);   // with z = mean: deterministic
console.log(`loss ${loss.toFixed(2)} = reconstruction ${reconstruction.toFixed(2)} + KL ${kl.toFixed(2)}`);
const flowers = vae.sample(3, 7);                           // 3 new rows, decoded from codes drawn from N(0, I)
const between = vae.interpolate(iris.data.subarray(0, 4), iris.data.subarray(596, 600), 3);
console.log(`a new flower: ${Array.from(flowers.data.subarray(0, 4), (v) => v.toFixed(1))}`);
console.log(`between the first and the last flower: ${Array.from(between.data.subarray(4, 8), (v) => v.toFixed(1))}`);
vae.dispose();

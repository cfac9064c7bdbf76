import { Autoencoder, init } from 'wasm-autoencoder/core';
import { iris } from 'wasm-autoencoder/datasets';
import wasm from 'wasm-autoencoder/wasm';   // esbuild's file loader copies the .wasm and gives its URL

await init({ wasm });
const ae = new Autoencoder(4, 2, { seed: 42 });
const history = ae.train(iris, { epochs: 20, batchSize: 10, logEvery: 0 });
const { data } = ae.encode([[5.1, 3.5, 1.4, 0.2]]);
console.log(`loss ${history.at(-1)}, code ${Array.from(data)}`);
ae.dispose();

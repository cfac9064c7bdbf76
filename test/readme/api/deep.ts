import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

const ae = new Autoencoder(4, [8, 2], {           // encoder 4 → 8 → 2, decoder 2 → 8 → 4
  activation: 'elu', loss: 'mse', optimizer: { name: 'adam' }, learningRate: 0.01,
});
console.log(ae.summary());                        // layer names, shapes, activations, parameter counts
const history = ae.train(iris, {
  epochs: 200, batchSize: 16, logEvery: 0,
  validation: 0.2,                                // the last 30 rows are held out and scored every epoch
  earlyStopping: { patience: 10 },                // stop when they stop improving; keep the best weights
});
console.log(`${history.length} epochs, best validation loss ${Math.min(...history.validation!)}`);
ae.dispose();

import { pretrainStacked } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

// Stage 1 trains 4 → 3 → 4 on the data, stage 2 trains 3 → 2 → 3 on stage 1's codes; their layers are stacked.
const ae = pretrainStacked(iris, [3, 2], { seed: 1 }, { epochs: 50, batchSize: 10, logEvery: 0 });
const [before] = ae.train(iris, { epochs: 50, batchSize: 10, logEvery: 0 });   // then fine-tune end to end
console.log(`fine-tuning from ${before} to ${ae.test(iris).loss}`);
ae.dispose();

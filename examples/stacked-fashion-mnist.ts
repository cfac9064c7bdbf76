// Stacked pre-training on Fashion-MNIST (Debian's dataset-fashion-mnist package): does greedy layer-wise
// pre-training (pretrainStacked) followed by fine-tuning beat the same 784 → 256 → 64 model trained from scratch?
// Prints the test RMSE of: scratch after E epochs, pre-trained (E epochs per stage) then fine-tuned E epochs, and
// scratch after 2E epochs (as many passes over the data as stage 1 and the fine-tuning together).
// Run: npx tsx examples/stacked-fashion-mnist.ts [--epochs E] [--limit N]
import { parseArgs } from 'node:util';
import { Autoencoder, loadFashionMnist, pretrainStacked, type AutoencoderOptions, type Matrix, type TrainOptions } from '../src/entries/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string' }, limit: { type: 'string' } } });
const epochs = Number(values.epochs ?? 5);
const limit = Number(values.limit ?? 10000);
const scaled = ({ rows, cols, data }: Matrix): Matrix<Float32Array> => ({ rows, cols, data: Float32Array.from(data, (p) => p / 255) });
const train = scaled((await loadFashionMnist({ limit })).images);
const test = scaled((await loadFashionMnist({ split: 'test', limit: Math.max(100, Math.floor(limit / 5)) })).images);

const hidden = [256, 64];
const options: AutoencoderOptions = { activation: 'relu', outputActivation: 'sigmoid', loss: 'mse', optimizer: { name: 'adam' }, weightInit: 'glorot', seed: 3 };
const trainOptions: TrainOptions = { epochs, batchSize: 32, logEvery: 0 };
console.log(`784 → ${hidden.join(' → ')} on ${train.rows} training pictures; RMSE on ${test.rows} test pictures`);

const scratch = new Autoencoder(784, hidden, options);
scratch.train(train, trainOptions);
const scratchLoss = Math.sqrt(scratch.test(test).loss);
scratch.train(train, trainOptions);
const scratchLongerLoss = Math.sqrt(scratch.test(test).loss);
scratch.dispose();

const stacked = pretrainStacked(train, hidden, options, trainOptions);
const pretrainedLoss = Math.sqrt(stacked.test(test).loss);
stacked.train(train, trainOptions);
const fineTunedLoss = Math.sqrt(stacked.test(test).loss);
stacked.dispose();

const rows: [string, number][] = [
  [`from scratch, ${epochs} epochs`, scratchLoss],
  [`pre-trained (${epochs} epochs a stage), before fine-tuning`, pretrainedLoss],
  [`pre-trained, then fine-tuned ${epochs} epochs`, fineTunedLoss],
  [`from scratch, ${2 * epochs} epochs`, scratchLongerLoss],
];
for (const [what, loss] of rows) console.log(`${what.padEnd(56)} ${loss.toFixed(4)}`);
console.log(fineTunedLoss < scratchLoss
  ? `pre-training plus fine-tuning beats training from scratch for the same ${epochs} epochs`
  : `pre-training plus fine-tuning does not beat training from scratch for the same ${epochs} epochs`);

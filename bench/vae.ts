// The VAE section of `npm run bench`: the example's variational autoencoder (784 → [256] → 2, relu, sigmoid output,
// BCE + KL, Adam, Glorot) at batch 100, ours against the same model in TF.js-wasm, in the same run.
import { VariationalAutoencoder, bindData } from '../src/entries/node.js';
import { makeTfVae } from './tfjs-vae.js';
import { useTfBackend } from './tfjs.js';
import { fmt, medians, trainingFlopsPerSample } from './timing.js';
import { vaeLayers } from '../src/model/vae-options.js';

const INPUT = 784;
const HIDDEN = [256];
const LATENT = 2;
const BATCH = 100;

/** Flops of one training sample: forward, weight gradients, and the gradients passed down (none to the data). */
function vaeFlopsPerSample(): number {
  const layers = vaeLayers(INPUT, LATENT, { hidden: HIDDEN, activation: 'relu', outputActivation: 'sigmoid' });
  return trainingFlopsPerSample(layers.filter((layer) => layer.kind !== 'sampling').map((layer) => layer.inDim * layer.outDim));
}

/** Pictures-like data in [0, 1]: smooth blobs, so the model has something to learn. */
function pictures(rows: number): Float32Array {
  const data = new Float32Array(rows * INPUT);
  for (let r = 0; r < rows; r++) {
    const cx = 8 + (r % 13), cy = 8 + ((r * 7) % 13);
    for (let p = 0; p < INPUT; p++) {
      const dx = (p % 28) - cx, dy = Math.floor(p / 28) - cy;
      data[r * INPUT + p] = Math.exp(-(dx * dx + dy * dy) / 40);
    }
  }
  return data;
}

/** The table: samples/s and GFLOP/s of ours on 1 and 2 threads and of TF.js-wasm, and the ratios. */
export async function vaeTable(): Promise<string> {
  const rows = 2000;
  const data = pictures(rows);
  const bound = bindData({ rows, cols: INPUT, data });
  const steps = 20;
  const ours = async (threads: number) => {
    const vae = new VariationalAutoencoder(INPUT, LATENT, {
      hidden: HIDDEN, activation: 'relu', outputActivation: 'sigmoid', optimizer: { name: 'adam' }, weightInit: 'glorot', threads,
    });
    const name = `ours${threads}`;
    const t = await medians([{ name, perIteration: 1, fn: () => vae.train(bound, { epochs: 1, batchSize: BATCH, batchesPerEpoch: steps, shuffle: false, logEvery: 0 }) }]);
    vae.dispose();
    return (BATCH * steps) / t.get(name)!;
  };
  const one = await ours(1);
  const two = await ours(2);
  bound.dispose();
  await useTfBackend('wasm');
  const model = makeTfVae({ data, rows, inputDim: INPUT, hidden: HIDDEN, latentDim: LATENT, batchSize: BATCH });
  const tfSteps = 5;
  const tfTime = await medians([{ name: 'tf', perIteration: 1, fn: () => { for (let s = 0; s < tfSteps; s++) model.step(); } }]);
  model.dispose();
  const tfSamples = (BATCH * tfSteps) / tfTime.get('tf')!;
  const flops = vaeFlopsPerSample();
  const row = (what: string, samples: number) => `| ${what} | ${fmt(samples)} | ${fmt((samples * flops) / 1e9, 1)} | ${fmt(samples / tfSamples, 1)}× |`;
  return [
    `| VAE 784→[256]→2, batch ${BATCH}, Adam | samples/s | GFLOP/s | ours / TF.js-wasm |`,
    '|---|---:|---:|---:|',
    row('ours, 1 thread', one),
    row('ours, 2 threads', two),
    row('TF.js-wasm (1 thread)', tfSamples),
  ].join('\n');
}

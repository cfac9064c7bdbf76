// Anomaly detection on Fashion-MNIST (Debian's dataset-fashion-mnist package): an autoencoder trained on one class
// only reconstructs that class well, so its reconstruction loss scores pictures of the other nine as anomalies; a
// variational autoencoder's loss (reconstruction + KL, with z = mean) does the same. For both, prints the ROC AUC of
// telling held-out pictures of the class from the others, and what a threshold at the 99th percentile of the
// training pictures' scores flags.
// Run: npx tsx examples/anomaly-fashion-mnist.ts [--class NAME] [--epochs N] [--limit N]
import { parseArgs } from 'node:util';
import { Autoencoder, VariationalAutoencoder, anomalyThreshold, loadFashionMnist, rocAuc, type Matrix } from '../src/entries/index.js';

const { values } = parseArgs({ options: { class: { type: 'string' }, epochs: { type: 'string' }, limit: { type: 'string' } } });
const limit = Number(values.limit ?? 20000);
const train = await loadFashionMnist({ limit });
const test = await loadFashionMnist({ split: 'test', limit: Math.max(500, Math.floor(limit / 5)) });
const className = values.class ?? 'Trouser';
const label = train.labelNames.findIndex((name) => name.toLowerCase() === className.toLowerCase());
if (label < 0) throw new RangeError(`--class ${className} is not a Fashion-MNIST class (${train.labelNames.join(', ')})`);

/** The rows of `images` whose label passes `keep`, scaled to [0, 1]. */
function rowsWhere(images: Matrix<Uint8Array>, labels: Uint8Array, keep: (l: number) => boolean): Matrix<Float32Array> {
  const rows = [...labels.keys()].filter((r) => keep(labels[r]!));
  const data = new Float32Array(rows.length * images.cols);
  rows.forEach((r, i) => data.set(Array.from(images.data.subarray(r * images.cols, (r + 1) * images.cols), (p) => p / 255), i * images.cols));
  return { rows: rows.length, cols: images.cols, data };
}
const normal = rowsWhere(train.images, train.labels, (l) => l === label);
const heldNormal = rowsWhere(test.images, test.labels, (l) => l === label);
const heldOthers = rowsWhere(test.images, test.labels, (l) => l !== label);
console.log(`training on ${normal.rows} pictures of ${train.labelNames[label]}; held out: ${heldNormal.rows} of it and ${heldOthers.rows} of the other nine classes`);

const epochs = Number(values.epochs ?? 20);
const isAnomaly = Uint8Array.from({ length: heldNormal.rows + heldOthers.rows }, (_, i) => (i < heldNormal.rows ? 0 : 1));
const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;

/** Prints how well `model`'s scores tell held-out pictures of the class from the others, and what a threshold flags. */
function report(name: string, model: Autoencoder | VariationalAutoencoder): void {
  const scores = new Float64Array(isAnomaly.length);
  scores.set(model.anomalyScores(heldNormal));
  scores.set(model.anomalyScores(heldOthers), heldNormal.rows);
  console.log(`${name}: ROC AUC ${rocAuc(scores, isAnomaly).toFixed(4)} (0.5 is chance, 1 perfect)`);
  const threshold = anomalyThreshold(model.anomalyScores(normal), { quantile: 0.99 });
  const flaggedNormal = model.detect(heldNormal, threshold).anomalies.reduce((sum, a) => sum + a, 0);
  const flaggedOthers = model.detect(heldOthers, threshold).anomalies.reduce((sum, a) => sum + a, 0);
  console.log(
    `  threshold ${threshold.toPrecision(4)} (99th percentile of the training pictures' scores) flags ` +
      `${percent(flaggedOthers, heldOthers.rows)} of the other classes and ${percent(flaggedNormal, heldNormal.rows)} of held-out ${train.labelNames[label]}`,
  );
}

const ae = new Autoencoder(784, 32, { outputActivation: 'sigmoid', loss: 'mse', weightInit: 'glorot', optimizer: { name: 'adam' } });
ae.train(normal, { epochs, batchSize: 32, logEvery: 0 });
report('autoencoder (784 → 32)', ae);
ae.dispose();

const vae = new VariationalAutoencoder(784, 8, { hidden: [128], activation: 'relu', outputActivation: 'sigmoid', weightInit: 'glorot', optimizer: { name: 'adam' } });
vae.train(normal, { epochs, batchSize: 32, logEvery: 0 });
report('variational autoencoder (784 → 128 → 8)', vae);
vae.dispose();

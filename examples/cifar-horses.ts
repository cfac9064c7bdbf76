// The chapter's listing 11.13, end to end: CIFAR-10's horses (label 7), grayscale, compressed from 1024 values
// to 100 and back. Run: npx tsx examples/cifar-horses.ts [DIR] [--color] [--epochs N]
// DIR is a CIFAR-10 folder (python or binary layout); default ./cifar-10-batches-py.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Autoencoder, grayscale, loadCifar10, type Matrix } from '../src/entries/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { color: { type: 'boolean' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' } },
});
const dir = positionals[0] ?? './cifar-10-batches-py';
if (!existsSync(dir)) {
  console.error(`No CIFAR-10 data at ${dir}.
Download the python version from https://www.cs.toronto.edu/~kriz/cifar.html (cifar-10-python.tar.gz, 163 MB),
unpack it (tar xzf cifar-10-python.tar.gz) and run: npx tsx examples/cifar-horses.ts ./cifar-10-batches-py
(the binary version, cifar-10-binary.tar.gz, works too). A 20-image sample ships in test/fixtures/cifar-sample/.`);
  process.exit(1);
}

const { data, labelNames } = await loadCifar10(dir, { labels: ['horse'] }); // label 7: only its rows are kept
// The chapter's comment calls the horse matrix 5000×3072, but after its own grayscale step rows have 1024
// values: grayscale is the default here, --color keeps all 3072.
const horses: Matrix = values.color ? data : grayscale(data);
console.log(`${horses.rows} horses of ${horses.cols} values each (${labelNames[7]} is label 7)`);

const ae = new Autoencoder(horses.cols, 100);
const epochs = Number(values.epochs ?? 250);
const batchSize = Math.min(Number(values['batch-size'] ?? 10), horses.rows); // the 20-image sample has only 9 horses
ae.train(horses, { epochs, batchSize, logEvery: Math.max(1, Math.round(epochs / 25)) });

const { hidden, reconstructed, loss } = ae.test({ rows: 1, cols: horses.cols, data: horses.data.subarray(0, horses.cols) });
console.log('first horse, compressed to 100 values:', Array.from(hidden.data.subarray(0, 10), (v) => v.toFixed(3)).join(' '), '…');
console.log('its first reconstructed pixels:', Array.from(reconstructed.data.subarray(0, 10), (v) => v.toFixed(1)).join(' '), '…');
console.log(`loss on it: ${loss.toFixed(3)}`);
ae.dispose();

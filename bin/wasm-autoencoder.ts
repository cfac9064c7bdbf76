#!/usr/bin/env node
// The command line: train, reconstruct/test and encode. A user mistake prints one line and exits 1.
import { train, TRAIN_HELP } from './train.js';
import { reconstruct, RECONSTRUCT_HELP } from './reconstruct.js';
import { encode, ENCODE_HELP } from './encode.js';

const HELP = `usage: wasm-autoencoder <command> [options]

commands:
  train        train an autoencoder on CIFAR-10, IDX, Fashion-MNIST, a folder of images or CSV
  reconstruct  the loss of a saved model on data, and a PNG of originals beside reconstructions (alias: test)
  encode       the codes of data under a saved model, as CSV or .npy

'wasm-autoencoder <command> --help' describes each one. Set WASM_AUTOENCODER_DEBUG=1 to see stack traces.

${TRAIN_HELP.split('\n')[0]}
${RECONSTRUCT_HELP.split('\n')[0]}
${ENCODE_HELP.split('\n')[0]}`;

const commands: Record<string, (argv: string[]) => Promise<void>> = { train, reconstruct, test: reconstruct, encode };

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return void console.log(HELP);
  const command = commands[name];
  if (!command) throw new RangeError(`unknown command '${name}' (try: ${Object.keys(commands).join(', ')}, or --help)`);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`wasm-autoencoder: ${message}`);
  if (process.env.WASM_AUTOENCODER_DEBUG && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
});

#!/usr/bin/env node
// The command line: train, reconstruct/test, encode, score, export and import. A user mistake prints one line and exits 1.
import { train, TRAIN_HELP } from './train.js';
import { reconstruct, RECONSTRUCT_HELP } from './reconstruct.js';
import { encode, ENCODE_HELP } from './encode.js';
import { score, SCORE_HELP } from './score.js';
import { exportModel, EXPORT_HELP } from './export.js';
import { importModel, IMPORT_HELP } from './import.js';
import { closestFlag } from './suggest.js';

const HELP = `usage: wasm-autoencoder <command> [options]

commands:
  train        train an autoencoder on CIFAR-10, IDX, Fashion-MNIST, a folder of images or CSV
  reconstruct  the loss of a saved model on data, and a PNG of originals beside reconstructions (alias: test)
  encode       the codes of data under a saved model, as CSV or .npy
  score        each row's anomaly score under a saved model, as CSV, flagging rows above a threshold
  export       a saved model for ONNX Runtime, PyTorch (safetensors) or TF.js (a layers model)
  import       an ONNX graph, a safetensors file or a TF.js layers model as a saved model

'wasm-autoencoder <command> --help' describes each one. Set WASM_AUTOENCODER_DEBUG=1 to see stack traces.

${TRAIN_HELP.split('\n')[0]}
${RECONSTRUCT_HELP.split('\n')[0]}
${ENCODE_HELP.split('\n')[0]}
${SCORE_HELP.split('\n')[0]}
${EXPORT_HELP.split('\n')[0]}
${IMPORT_HELP.split('\n')[0]}`;

const commands: Record<string, [run: (argv: string[]) => Promise<void>, help: string]> = {
  train: [train, TRAIN_HELP], reconstruct: [reconstruct, RECONSTRUCT_HELP], test: [reconstruct, RECONSTRUCT_HELP], encode: [encode, ENCODE_HELP], score: [score, SCORE_HELP],
  export: [exportModel, EXPORT_HELP], import: [importModel, IMPORT_HELP],
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return void console.log(HELP);
  const command = commands[name];
  if (!command) throw new RangeError(`unknown command '${name}' (try: ${Object.keys(commands).join(', ')}, or --help)`);
  try {
    await command[0](rest);
  } catch (error) {
    throw withHint(error, command[1]);
  }
}

/** node:util's parseArgs errors as one line, with the flag meant when one was mistyped. */
function withHint(error: unknown, help: string): unknown {
  const code = (error as { code?: string }).code;
  if (!(error instanceof Error) || !code?.startsWith('ERR_PARSE_ARGS')) return error;
  const unknown = /^Unknown option '(--[^']+)'/.exec(error.message)?.[1];
  const suggestion = unknown && closestFlag(unknown, help);
  error.message = suggestion ? `Unknown option '${unknown}'; did you mean ${suggestion}?` : error.message.split('\n').join(' ');
  return error;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`wasm-autoencoder: ${message}`);
  if (process.env.WASM_AUTOENCODER_DEBUG && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
});

// `wasm-autoencoder import`: a model from another runtime (an ONNX graph, a safetensors file, a TF.js layers model)
// as a checkpoint this package trains and runs.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { fromSafetensors, init } from 'wasm-autoencoder';
import { fromOnnx, MAX_ONNX_BYTES } from 'wasm-autoencoder/onnx';
import { readFileBytes, readTfjsLayers, save } from 'wasm-autoencoder/node';
import { describe } from './export.js';
import { ACTIVATIONS, OUTPUT_ACTIVATIONS, checkWritable, oneOf } from './sources.js';

export const IMPORT_HELP = `usage: wasm-autoencoder import FILE_OR_DIR --out MODEL.ae [--activation A --output-activation A]

Reads a model written by another runtime and saves it as a checkpoint (fresh optimizer state):
  FILE.onnx              an ONNX graph as 'export --onnx' writes it (the whole model), or a chain of dense layers
                         torch.onnx.export wrote for the module in examples/pytorch
  FILE.safetensors       a PyTorch state_dict as 'export --safetensors' writes it, or one PyTorch wrote for the
                         module in examples/pytorch (then give --activation and --output-activation)
  DIR                    a TF.js layers model (DIR/model.json and its weights), as 'export --tfjs' writes it
output:
  --out MODEL.ae
  --activation A         for safetensors without our metadata: tanh, sigmoid, relu, leakyRelu or elu
  --output-activation A  likewise: linear or one of those`;

export async function importModel(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, activation: { type: 'string' }, 'output-activation': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(IMPORT_HELP);
  if (positionals.length !== 1) throw new RangeError('import needs exactly one FILE or DIR before the options');
  if (values.out === undefined) throw new RangeError('import needs --out MODEL.ae');
  await checkWritable(values.out, '--out');
  const source = positionals[0]!;
  const isDir = (await stat(source).catch(() => undefined))?.isDirectory();
  if (isDir === undefined) throw new RangeError(`${source} not found`);
  const activations = {
    ...(values.activation === undefined ? {} : { activation: oneOf(values.activation, ACTIVATIONS, '--activation') }),
    ...(values['output-activation'] === undefined ? {} : { outputActivation: oneOf(values['output-activation'], OUTPUT_ACTIVATIONS, '--output-activation') }),
  };
  let model;
  if (isDir) {
    if (Object.keys(activations).length > 0) throw new RangeError('--activation and --output-activation are for safetensors files: a TF.js model.json names its activations');
    model = await readTfjsLayers(source);
  } else if (extname(source).toLowerCase() === '.safetensors') {
    const [bytes] = await Promise.all([readFileBytes(source), init()]);
    model = fromSafetensors(bytes, { ...activations, name: source });
  } else if (extname(source).toLowerCase() === '.onnx') {
    if (Object.keys(activations).length > 0) throw new RangeError('--activation and --output-activation are for safetensors files: an ONNX graph names its activations');
    // No more than fromOnnx reads: a larger file is refused before any of it is read.
    const [bytes] = await Promise.all([readFileBytes(source, MAX_ONNX_BYTES), init()]);
    model = fromOnnx(bytes, source);
  } else {
    throw new RangeError(`${source}: expected a .onnx or .safetensors file, or a folder holding a TF.js model.json`);
  }
  await save(model, values.out);
  console.log(`wrote ${values.out}: ${describe(model)} from ${source}`);
  model.dispose();
}

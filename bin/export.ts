// `wasm-autoencoder export`: a saved model as an ONNX graph, a safetensors file (PyTorch) or a TF.js layers model.
import { parseArgs } from 'node:util';
import { toSafetensors } from 'wasm-autoencoder';
import { toOnnx } from 'wasm-autoencoder/onnx';
import { writeFileAtomic, writeTfjsLayers } from 'wasm-autoencoder/node';
import { loadAnyKind } from './model-file.js';
import { checkWritable, oneOf } from './sources.js';

export const EXPORT_HELP = `usage: wasm-autoencoder export MODEL (--onnx FILE | --safetensors FILE | --tfjs DIR) [--part autoencoder|encoder|decoder]

Writes a saved model (an autoencoder or a variational autoencoder) for another runtime:
  --onnx FILE            an ONNX graph (opset 17, any batch size) for ONNX Runtime, on servers and GPUs
  --safetensors FILE     PyTorch's state_dict (examples/pytorch has the module and a loader), with our names,
                         sizes and activations in its metadata
  --tfjs DIR             a TF.js layers model: DIR/model.json and DIR/weights.bin, for tf.loadLayersModel
  --part P               ONNX and TF.js: the whole model (autoencoder, the default), the encoder or the decoder`;

const PARTS = ['autoencoder', 'encoder', 'decoder'] as const;

export async function exportModel(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { onnx: { type: 'string' }, safetensors: { type: 'string' }, tfjs: { type: 'string' }, part: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(EXPORT_HELP);
  if (positionals.length !== 1) throw new RangeError('export needs exactly one MODEL file before the options');
  const targets = (['onnx', 'safetensors', 'tfjs'] as const).filter((flag) => values[flag] !== undefined);
  if (targets.length !== 1) throw new RangeError('export needs exactly one of --onnx FILE, --safetensors FILE or --tfjs DIR');
  const part = oneOf(values.part ?? 'autoencoder', PARTS, '--part');
  const model = await loadAnyKind(positionals[0]!);
  const half = part === 'autoencoder' ? '' : `the ${part} of `;
  if (values.onnx !== undefined) {
    await checkWritable(values.onnx, '--onnx');
    await writeFileAtomic(values.onnx, toOnnx(model, { part }));
    console.log(`wrote ${values.onnx}: ${half}${describe(model)} as an ONNX graph`);
  } else if (values.safetensors !== undefined) {
    if (values.part !== undefined) throw new RangeError('--part is for --onnx and --tfjs: a safetensors file holds the whole model');
    await checkWritable(values.safetensors, '--safetensors');
    await writeFileAtomic(values.safetensors, toSafetensors(model));
    console.log(`wrote ${values.safetensors}: ${describe(model)} as a PyTorch state_dict`);
  } else {
    await writeTfjsLayers(model, values.tfjs!, { part });
    console.log(`wrote ${values.tfjs}/model.json and weights.bin: ${half}${describe(model)} as a TF.js layers model`);
  }
  model.dispose();
}

/** '3072 → 100 autoencoder', '784 → [256] → 2 variational autoencoder'. */
export function describe(model: { inputDim: number; hidden: readonly number[]; latentDim?: number }): string {
  return model.latentDim === undefined
    ? `${[model.inputDim, ...model.hidden].join(' → ')} autoencoder`
    : `${model.inputDim} → [${model.hidden.join(', ')}] → ${model.latentDim} variational autoencoder`;
}

// `wasm-autoencoder export`: a saved model as an ONNX graph, a safetensors file (PyTorch) or a TF.js layers model.
import { parseArgs } from 'node:util';
import { toSafetensors } from 'wasm-autoencoder';
import { writeFileAtomic, writeTfjsLayers } from 'wasm-autoencoder/node';
import { loadAnyKind } from './model-file.js';
import { checkWritable, oneOf } from './sources.js';

export const EXPORT_HELP = `usage: wasm-autoencoder export MODEL (--safetensors FILE | --tfjs DIR) [--part autoencoder|encoder|decoder]

Writes a saved model (an autoencoder or a variational autoencoder) for another runtime:
  --safetensors FILE     PyTorch's state_dict (examples/pytorch has the module and a loader), with our names,
                         sizes and activations in its metadata
  --tfjs DIR             a TF.js layers model: DIR/model.json and DIR/weights.bin, for tf.loadLayersModel
  --part P               TF.js only: the whole model (autoencoder, the default), the encoder or the decoder`;

const PARTS = ['autoencoder', 'encoder', 'decoder'] as const;

export async function exportModel(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { safetensors: { type: 'string' }, tfjs: { type: 'string' }, part: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(EXPORT_HELP);
  if (positionals.length !== 1) throw new RangeError('export needs exactly one MODEL file before the options');
  const targets = (['safetensors', 'tfjs'] as const).filter((flag) => values[flag] !== undefined);
  if (targets.length !== 1) throw new RangeError('export needs exactly one of --safetensors FILE or --tfjs DIR');
  const part = oneOf(values.part ?? 'autoencoder', PARTS, '--part');
  const model = await loadAnyKind(positionals[0]!);
  if (values.safetensors !== undefined) {
    if (values.part !== undefined) throw new RangeError('--part is for --tfjs: a safetensors file holds the whole model');
    await checkWritable(values.safetensors, '--safetensors');
    await writeFileAtomic(values.safetensors, toSafetensors(model));
    console.log(`wrote ${values.safetensors}: ${describe(model)} as a PyTorch state_dict`);
  } else {
    await writeTfjsLayers(model, values.tfjs!, { part });
    console.log(`wrote ${values.tfjs}/model.json and weights.bin: ${part === 'autoencoder' ? '' : `the ${part} of `}${describe(model)} as a TF.js layers model`);
  }
  model.dispose();
}

/** '3072 → 100 autoencoder', '784 → [256] → 2 variational autoencoder'. */
export function describe(model: { inputDim: number; hidden: readonly number[]; latentDim?: number }): string {
  return model.latentDim === undefined
    ? `${[model.inputDim, ...model.hidden].join(' → ')} autoencoder`
    : `${model.inputDim} → [${model.hidden.join(', ')}] → ${model.latentDim} variational autoencoder`;
}

/**
 * Node helpers for TensorFlow.js layers models: a folder holding `model.json` and `weights.bin`, as
 * `tf.loadLayersModel('file://…/model.json')` (tfjs-node) or an HTTP server's `…/model.json` loads it.
 *
 * @module
 */

import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from '../errors.js';
import type { Autoencoder } from '../model/autoencoder.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { init } from '../runtime/wasm.js';
import {
  fromTfjsLayers, MAX_TFJS_JSON_BYTES, parseTfjsJson, TFJS_WEIGHTS_FILE, tfjsWeightBytes, tfjsWeightPaths, toTfjsLayers, type TfjsLayersOptions,
} from '../interop/tfjs-layers.js';
import { readFileBytes, writeFileAtomic } from './node-fs.js';

/** The most weight bytes `readTfjsLayers` reads, all shards together. */
const MAX_WEIGHT_BYTES = 2 ** 32;

/**
 * Writes a model into the folder `dir` (created if missing) as a TF.js layers model: `weights.bin`, then
 * `model.json`, each atomically (temp file, fsync, rename), so a crash leaves each file whole. The pair is not
 * replaced atomically: overwriting a model, a reader (or a crash) between the two renames sees the new
 * `weights.bin` beside the old `model.json`. `readTfjsLayers` refuses such a pair when the sizes differ, but a
 * model of the same shape would load with the new weights and the old options. Where readers run concurrently,
 * write each version to a fresh folder and point them at it (e.g. by atomically replacing a symbolic link to the
 * folder). `options.part` exports one half, as `toTfjsLayers` does.
 *
 * @example
 * ```ts
 * import { writeTfjsLayers } from 'wasm-autoencoder/node';
 * await writeTfjsLayers(ae, 'web/model');   // then in TF.js: await tf.loadLayersModel('/model/model.json')
 * ```
 */
export async function writeTfjsLayers(model: Autoencoder | VariationalAutoencoder, dir: string, options: TfjsLayersOptions = {}): Promise<void> {
  const { modelJson, weightData } = toTfjsLayers(model, options);
  await mkdir(dir, { recursive: true });
  // The weights first: a model.json is never newer than the weights it names.
  await writeFileAtomic(join(dir, TFJS_WEIGHTS_FILE), new Uint8Array(weightData));
  await writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
}

/**
 * Reads a TF.js layers model from the folder `dir` (its `model.json` and the weight files its manifest names, plain
 * names beside it) and rebuilds it as `fromTfjsLayers` does, loading the WebAssembly module first if nothing has.
 * Throws `DataFormatError` naming the file on anything `fromTfjsLayers` refuses; a weights path that leaves the
 * folder or is named twice; a `model.json` or weight file that is a symbolic link (the folder `dir` itself may be
 * one), not a regular file, or larger than a model.json is read (1 MiB); weight files holding more bytes than the
 * manifest announces (at most 4 GiB), which are refused before more than the manifest names is read.
 *
 * @example
 * ```ts
 * import { readTfjsLayers } from 'wasm-autoencoder/node';
 * const ae = await readTfjsLayers('web/model');
 * ```
 */
export async function readTfjsLayers(dir: string): Promise<Autoencoder | VariationalAutoencoder> {
  const path = join(dir, 'model.json');
  const [text] = await Promise.all([refuseLink(path).then(() => readFileBytes(path, MAX_TFJS_JSON_BYTES)), init()]);
  const json = parseTfjsJson(text, path);
  const names = tfjsWeightPaths(json, path);
  // All the shards together hold exactly what the manifest announces: each is read with at most what remains of it.
  const announced = tfjsWeightBytes(json, path, MAX_WEIGHT_BYTES);
  const shards: ArrayBuffer[] = [];
  let total = 0;
  for (const name of names) {
    const file = join(dir, name);
    const size = await refuseLink(file);
    if (size > announced - total) {
      throw new DataFormatError(file, `is ${size} bytes, more than the ${announced - total} left for it of the ${announced} bytes of weights that the manifest of ${path} announces`);
    }
    const bytes = await readFileBytes(file, announced - total);
    total += bytes.length;
    shards.push(bytes.buffer as ArrayBuffer);
  }
  return fromTfjsLayers(json as object, shards, { name: path });
}

/** Refuses `path` if it is a symbolic link (which could lead out of the folder); its size otherwise. */
async function refuseLink(path: string): Promise<number> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) throw new DataFormatError(path, 'is a symbolic link: a TF.js model\'s files are read only from its folder itself');
  return stats.size;
}

/**
 * Node helpers for TensorFlow.js layers models: a folder holding `model.json` and `weights.bin`, as
 * `tf.loadLayersModel('file://…/model.json')` (tfjs-node) or an HTTP server's `…/model.json` loads it.
 *
 * @module
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Autoencoder } from '../model/autoencoder.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { init } from '../runtime/wasm.js';
import {
  fromTfjsLayers, MAX_TFJS_JSON_BYTES, parseTfjsJson, TFJS_WEIGHTS_FILE, tfjsWeightPaths, toTfjsLayers, type TfjsLayersOptions,
} from '../interop/tfjs-layers.js';
import { readFileBytes, writeFileAtomic } from './node-fs.js';

/** The most weight bytes `readTfjsLayers` reads, all shards together. */
const MAX_WEIGHT_BYTES = 2 ** 32;

/**
 * Writes a model into the folder `dir` (created if missing) as a TF.js layers model: `weights.bin`, then
 * `model.json`, each atomically (temp file, fsync, rename), so a crash leaves each file whole. `options.part`
 * exports one half, as `toTfjsLayers` does.
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
 * Throws `DataFormatError` naming the file on anything `fromTfjsLayers` refuses, a weights path that leaves the
 * folder, or files larger than a model.json (16 MiB) or weights (4 GiB) are read.
 *
 * @example
 * ```ts
 * import { readTfjsLayers } from 'wasm-autoencoder/node';
 * const ae = await readTfjsLayers('web/model');
 * ```
 */
export async function readTfjsLayers(dir: string): Promise<Autoencoder | VariationalAutoencoder> {
  const path = join(dir, 'model.json');
  const [text] = await Promise.all([readFileBytes(path, MAX_TFJS_JSON_BYTES), init()]);
  const json = parseTfjsJson(text, path);
  const shards: ArrayBuffer[] = [];
  let total = 0;
  for (const name of tfjsWeightPaths(json, path)) {
    const bytes = await readFileBytes(join(dir, name), MAX_WEIGHT_BYTES - total);
    total += bytes.length;
    shards.push(bytes.buffer as ArrayBuffer);
  }
  return fromTfjsLayers(json as object, shards, { name: path });
}

import { Autoencoder } from '../model/autoencoder.js';
import { loadModel } from '../model/load-model.js';
import type { RunOptions } from '../model/options.js';
import type { VariationalAutoencoder } from '../model/vae.js';
import { init } from '../runtime/wasm.js';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic, writeFileAtomicSync } from './node-fs.js';

export { readFileBytes, writeFileAtomic, writeFileAtomicSync };
export { loadImageFolder, type ImageFolder, type ImageFolderOptions } from '../data/image-folder.js';
export { writeTfjsLayers, readTfjsLayers } from './node-tfjs.js';

/**
 * Saves a model (an `Autoencoder` or a `VariationalAutoencoder`) to `path` atomically (temp file, fsync, rename): a
 * crash mid-save leaves the old file whole.
 *
 * @example
 * ```ts
 * import { save } from 'wasm-autoencoder/node';
 * await save(ae, 'iris.ae');
 * ```
 */
export async function save(model: Autoencoder | VariationalAutoencoder, path: string): Promise<void> {
  await writeFileAtomic(path, model.toBytes());
}

/**
 * Loads an `Autoencoder` saved by `save` (or any of its `toBytes()` output; `loadAnyModel` loads either kind), loading the WebAssembly module first if nothing has
 * (so this entry works on its own). `options.threads` (default 1) and `options.precision` (default `'exact'`) say
 * how this process runs it, as `Autoencoder.fromBytes` takes them. Throws `CheckpointError` on a corrupt file,
 * `DataFormatError` on something that is not a regular file.
 *
 * @example
 * ```ts
 * import { load } from 'wasm-autoencoder/node';
 * const ae = await load('iris.ae');
 * const fast = await load('big.ae', { threads: 'auto', precision: 'fast' });
 * ```
 */
export async function load(path: string, options: RunOptions = {}): Promise<Autoencoder> {
  return readModel(path, (bytes) => Autoencoder.fromBytes(bytes, options));
}

/**
 * Loads whichever model a file saved by `save` holds: an `Autoencoder` or a `VariationalAutoencoder` (as
 * `loadModel` does for bytes), with `options` as `load` takes them.
 *
 * @example
 * ```ts
 * import { loadAnyModel } from 'wasm-autoencoder/node';
 * const model = await loadAnyModel('model.ae');
 * const scores = model.anomalyScores(rows);   // both kinds score rows
 * ```
 */
export async function loadAnyModel(path: string, options: RunOptions = {}): Promise<Autoencoder | VariationalAutoencoder> {
  return readModel(path, (bytes) => loadModel(bytes, options));
}

/** Reads `path` (and the module) and rebuilds a model from its bytes; a refused checkpoint names the file. */
async function readModel<T>(path: string, rebuild: (bytes: Uint8Array) => T): Promise<T> {
  const [bytes] = await Promise.all([readFileBytes(path), init()]);
  try {
    return rebuild(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) error.message = `${path}: ${error.message}`; // which file was refused
    throw error;
  }
}

/**
 * An `onCheckpoint` callback for `train` that writes each checkpoint to `path` atomically.
 *
 * @example
 * ```ts
 * ae.train(data, { checkpointEvery: 10, onCheckpoint: checkpointTo('model.ae') });
 * ```
 */
export function checkpointTo(path: string): (checkpoint: Uint8Array) => void {
  return (checkpoint) => writeFileAtomicSync(path, checkpoint);
}

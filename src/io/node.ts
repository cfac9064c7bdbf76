import { Autoencoder } from '../model/autoencoder.js';
import type { RunOptions } from '../model/options.js';
import { init } from '../runtime/wasm.js';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic, writeFileAtomicSync } from './node-fs.js';

export { readFileBytes, writeFileAtomic, writeFileAtomicSync };
export { loadImageFolder, type ImageFolder, type ImageFolderOptions } from '../data/image-folder.js';

/**
 * Saves a model to `path` atomically (temp file, fsync, rename): a crash mid-save leaves the old file whole.
 *
 * @example
 * ```ts
 * import { save } from 'wasm-autoencoder/node';
 * await save(ae, 'iris.ae');
 * ```
 */
export async function save(model: Autoencoder, path: string): Promise<void> {
  await writeFileAtomic(path, model.toBytes());
}

/**
 * Loads a model saved by `save` (or any `toBytes()` output), loading the WebAssembly module first if nothing has
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
  const [bytes] = await Promise.all([readFileBytes(path), init()]);
  try {
    return Autoencoder.fromBytes(bytes, options);
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

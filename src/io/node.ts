import { Autoencoder } from '../model/autoencoder.js';
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
 * Loads a model saved by `save` (or any `toBytes()` output). Throws `CheckpointError` on a corrupt file.
 *
 * @example
 * ```ts
 * import { load } from 'wasm-autoencoder/node';
 * const ae = await load('iris.ae');
 * ```
 */
export async function load(path: string): Promise<Autoencoder> {
  return Autoencoder.fromBytes(await readFileBytes(path));
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

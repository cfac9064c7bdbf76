// The saved model a command works on, with a message that says what the file was for when it is missing.
import type { Autoencoder } from 'wasm-autoencoder';
import { load } from 'wasm-autoencoder/node';

/** Loads the model in `file`; a missing file is `model file '…' not found`, said for --resume when `resuming`. */
export async function loadModel(file: string, resuming = false): Promise<Autoencoder> {
  try {
    return await load(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    const missing = `model file '${file}' not found`;
    throw new RangeError(resuming ? `--resume: ${missing} (train without --resume to start one)` : missing);
  }
}

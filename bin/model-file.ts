// The saved model a command works on, with a message that says what the file was for when it is missing.
import type { Autoencoder, RunOptions } from 'wasm-autoencoder';
import { load } from 'wasm-autoencoder/node';

/**
 * Loads the model in `file` to run as `run` says; a missing file is `model file '…' not found`, said for --resume
 * when `resuming`.
 */
export async function loadModel(file: string, resuming = false, run: RunOptions = {}): Promise<Autoencoder> {
  try {
    return await load(file, run);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    const missing = `model file '${file}' not found`;
    throw new RangeError(resuming ? `--resume: ${missing} (train without --resume to start one)` : missing);
  }
}

// The saved model a command works on, with a message that says what the file was for when it is missing.
import { VariationalAutoencoder, type Autoencoder, type RunOptions } from 'wasm-autoencoder';
import { loadAnyModel } from 'wasm-autoencoder/node';

/**
 * Loads the autoencoder in `file` to run as `run` says; a missing file is `model file '…' not found`, said for
 * --resume when `resuming`; a variational autoencoder's file names the command that takes one.
 */
export async function loadModel(file: string, resuming = false, run: RunOptions = {}): Promise<Autoencoder> {
  const model = await loadAnyKind(file, resuming, run);
  if (!(model instanceof VariationalAutoencoder)) return model;
  model.dispose();
  throw new RangeError(`${file} holds a variational autoencoder: of the commands, only score takes one (the API does the rest)`);
}

/** As `loadModel`, for commands that take either kind of model (score). */
export async function loadAnyKind(file: string, resuming = false, run: RunOptions = {}): Promise<Autoencoder | VariationalAutoencoder> {
  try {
    return await loadAnyModel(file, run);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    const missing = `model file '${file}' not found`;
    throw new RangeError(resuming ? `--resume: ${missing} (train without --resume to start one)` : missing);
  }
}

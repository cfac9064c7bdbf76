import { Autoencoder } from './autoencoder.js';
import { checkpointKind } from './checkpoint.js';
import { checkKeys, checkRunOptions, type RunOptions } from './options.js';
import { VariationalAutoencoder } from './vae.js';

/**
 * Rebuilds whichever model checkpoint bytes hold (`toBytes()` of an `Autoencoder` or a `VariationalAutoencoder`),
 * on `options.threads` threads in `options.precision`. Throws `CheckpointError` on corrupt, truncated or foreign
 * bytes, before any memory is allocated for them.
 *
 * @example
 * ```ts
 * const model = loadModel(bytes);
 * if (model instanceof VariationalAutoencoder) model.sample(4);
 * else model.test(rows);
 * ```
 */
export function loadModel(bytes: Uint8Array | ArrayBuffer, options: RunOptions = {}): Autoencoder | VariationalAutoencoder {
  checkKeys(options, ['threads', 'precision'], 'loadModel option');
  const run = checkRunOptions(options);
  const { kind, checkpoint } = checkpointKind(bytes);
  return kind === 'vae' ? VariationalAutoencoder.fromCheckpoint(checkpoint, run) : Autoencoder.fromCheckpoint(checkpoint, run);
}

/** A checkpoint could not be read: wrong magic, unknown version, truncated, or a checksum mismatch. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Training produced a non-finite loss; the weights of the last finite step were kept. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(
    message: string,
    /** Loss history (one value per completed epoch) up to the divergence. */
    readonly history: number[],
  ) {
    super(message);
  }
}

/** The WebAssembly module is not instantiated yet, or could not be. */
export class WasmNotReadyError extends Error {
  override name = 'WasmNotReadyError';
}

/** A checkpoint could not be read: wrong magic, unknown version, truncated, or a checksum mismatch. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Training produced a non-finite loss or non-finite weights. The weights of the last finite step were kept, or,
 * if the weights themselves overflowed, the model was put back to its state at the start of that epoch.
 */
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

/** A model or bound data set was used after `dispose()`. */
export class DisposedError extends Error {
  override name = 'DisposedError';
}

/** A data file could not be read: it names the file and what is wrong with it (truncated, bad magic, …). */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  constructor(
    /** The file (a path, or the name it was given under) that was refused. */
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

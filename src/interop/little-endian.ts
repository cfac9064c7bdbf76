// The exchange formats store tensors as 32-bit values, little-endian. On a little-endian host (every one this package
// has run on) these are plain views and copies; elsewhere each value's four bytes are reversed.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of 32-bit values in little-endian order: a view of their memory on a little-endian host, else a copy. */
export function littleEndianBytes(values: Float32Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return LITTLE_ENDIAN ? bytes : reversedWords(bytes);
}

/** Puts 32-bit values whose memory holds them little-endian into the host's byte order, in place; returns them. */
export function fromLittleEndian<T extends Float32Array | Uint32Array>(values: T): T {
  if (!LITTLE_ENDIAN) {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    bytes.set(reversedWords(bytes));
  }
  return values;
}

/** A copy of `bytes` with each 4-byte word's bytes in reverse order. */
function reversedWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}

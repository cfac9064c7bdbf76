import type { Matrix } from 'wasm-autoencoder';

/** Every parameter's bits as hex, so weights from two runtimes compare bit for bit. */
export function weightsHex(weights: Record<string, Matrix<Float32Array>>): string {
  let hex = '';
  for (const m of Object.values(weights)) for (const bits of new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length)) hex += bits.toString(16).padStart(8, '0');
  return hex;
}

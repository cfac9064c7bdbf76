// Whether this runtime's WebAssembly has relaxed SIMD, for choosing the builds with fused products (precision
// 'fast'): validating a tiny module is instant, where the builds themselves would have to be read first.

// One function: three f32x4.splat(0.0), f32x4.relaxed_madd, drop. It validates exactly where relaxed SIMD does.
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // types: () → ()
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  0x0a, 0x1d, 0x01, 0x1b, 0x00, // code: one body of 27 bytes, no locals
  0x43, 0, 0, 0, 0, 0xfd, 0x13, 0x43, 0, 0, 0, 0, 0xfd, 0x13, 0x43, 0, 0, 0, 0, 0xfd, 0x13,
  0xfd, 0x85, 0x02, 0x1a, 0x0b, // f32x4.relaxed_madd, drop, end
]);

/**
 * True where WebAssembly validates relaxed SIMD. Checked here: Chromium 156 and Node 22.23 by default; Node 20.20 only
 * with `--experimental-wasm-relaxed-simd`.
 */
export function relaxedSimdAvailable(): boolean {
  try {
    return WebAssembly.validate(PROBE);
  } catch {
    return false;
  }
}

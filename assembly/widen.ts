// Bytes to f32: data stored one byte a value (pixels) is widened a batch at a time, exactly (every byte is an f32).

/** dst[i] = src[i] for i < n: n bytes at src, n f32 at dst. */
export function widen_bytes(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const bytes = v128.load32_zero(src + <usize>i);
    const words = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
    v128.store(dst + (<usize>i << 2), f32x4.convert_i32x4_u(words));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i));
}

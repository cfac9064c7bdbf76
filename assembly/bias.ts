// Bias broadcast and its gradient over a row-major rows×cols block (leading dimension ld, in f32).

/** Y[r][c] += b[c] for r < rows, c < cols. */
export function bias_add(Y: usize, ld: i32, b: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const y = Y + (<usize>(r * ld) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(b + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(y + o, load<f32>(y + o) + load<f32>(b + o));
    }
  }
}

/** g[c] (+)= Σ_r D[r][c], summed in row order (rows ≥ 1). */
export function bias_grad(g: usize, D: usize, ld: i32, rows: i32, cols: i32, accumulate: bool): void {
  // Without accumulate the first row is copied, not added to zeros: the same sums, one pass less.
  if (!accumulate) memory.copy(g, D, <usize>cols << 2);
  for (let r = accumulate ? 0 : 1; r < rows; r++) bias_add(g, 0, D + (<usize>(r * ld) << 2), 1, cols);
}

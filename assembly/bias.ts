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

/** g[c] (+)= Σ_r D[r][c], summed in row order. */
export function bias_grad(g: usize, D: usize, ld: i32, rows: i32, cols: i32, accumulate: bool): void {
  if (!accumulate) memory.fill(g, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const d = D + (<usize>(r * ld) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(g + o, f32x4.add(v128.load(g + o), v128.load(d + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(g + o, load<f32>(g + o) + load<f32>(d + o));
    }
  }
}

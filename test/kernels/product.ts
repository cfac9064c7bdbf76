// The naive f64 twin shared by the gemm and gemm_block specs.

import { Buf, Check, GUARD_AFTER, GUARD_BEFORE } from "./util";

/** Relative tolerance, scaled by Σ|a·b| (+ |C0| when accumulating). */
export const REL_TOL: f64 = 1e-5;

/**
 * C (+)= op(A)·op(B) with op(A)[i][k] = A[i*sai + k*sak] and op(B)[k][j] = B[k*sbk + j*sbj]:
 * checks every cell of C's buffer (payload and guards) against the snapshot C0.
 */
export function checkProduct(
  label: string, C: Buf, C0: Buf, ldc: i32,
  A: Buf, sai: i32, sak: i32, B: Buf, sbk: i32, sbj: i32,
  M: i32, N: i32, K: i32, accumulate: bool,
): void {
  const c = new Check(label);
  for (let idx = -GUARD_BEFORE; idx < C.n + GUARD_AFTER; idx++) {
    const i = idx >= 0 ? idx / ldc : -1, j = idx >= 0 ? idx % ldc : -1;
    if (idx < 0 || i >= M || j >= N) {
      c.same(idx, C.f(idx), C0.f(idx));
      continue;
    }
    let s: f64 = 0, scale: f64 = 0;
    for (let k = 0; k < K; k++) {
      const t = A.get(i * sai + k * sak) * B.get(k * sbk + j * sbj);
      s += t;
      scale += Math.abs(t);
    }
    if (accumulate) {
      s += C0.get(idx);
      scale += Math.abs(C0.get(idx));
    }
    c.near(idx, C.get(idx), s, REL_TOL * scale + 1e-30);
  }
  c.done();
}

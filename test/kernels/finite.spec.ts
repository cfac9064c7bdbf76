// all_finite against its naive twin: every position of one non-finite value, lengths not divisible by 4.

import { all_finite } from "../../assembly/finite";
import { Buf } from "./util";

const SPECIALS: StaticArray<f32> = [Infinity, -Infinity, NaN];

describe("all_finite", () => {
  it("is 1 for finite values, the largest and the subnormal ones included", () => {
    for (let n = 0; n <= 13; n++) {
      const b = new Buf(n).fill(-1, 1);
      if (n > 0) b.set(0, f32.MAX_VALUE);
      if (n > 1) b.set(n - 1, -f32.MIN_VALUE);
      expect(all_finite(b.p, n)).toBe(1, "n " + n.toString());
      b.free();
    }
  });
  it("is 0 when any one value is ±∞ or NaN, wherever it stands", () => {
    for (let n = 1; n <= 13; n++) {
      for (let at = 0; at < n; at++) {
        for (let s = 0; s < SPECIALS.length; s++) {
          const b = new Buf(n).fill(-1, 1);
          b.set(at, SPECIALS[s]);
          expect(all_finite(b.p, n)).toBe(0, "n " + n.toString() + " at " + at.toString());
          expect(all_finite(b.p, at)).toBe(1, "the values before it, " + at.toString());
          b.free();
        }
      }
    }
  });
});

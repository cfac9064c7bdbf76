// widen_bytes against its naive twin: every byte value, lengths not divisible by 4, unaligned sources, and the
// f32 cells around the output left alone.

import { widen_bytes } from "../../assembly/widen";
import { Buf, Check, checkGuards } from "./util";

/** The naive twin: one byte at a time. */
function widenNaive(out: Buf, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) out.set(i, <f32>load<u8>(src + <usize>i));
}

describe("widen_bytes", () => {
  it("gives each byte as f32, exactly, for every length 1–37 and every source offset 0–3", () => {
    const bytes = heap.alloc(64);
    for (let i = 0; i < 64; i++) store<u8>(bytes + <usize>i, <u8>((i * 97 + 13) & 255));
    store<u8>(bytes + 5, 255);
    store<u8>(bytes + 6, 0);
    for (let n = 1; n <= 37; n++) {
      for (let offset = 0; offset < 4; offset++) {
        const got = new Buf(n), want = new Buf(n);
        const before = got.copy();
        widen_bytes(got.p, bytes + <usize>offset, n);
        widenNaive(want, bytes + <usize>offset, n);
        const c = new Check("widen_bytes n " + n.toString() + " offset " + offset.toString());
        for (let i = 0; i < n; i++) c.same(i, got.f(i), want.f(i));
        c.done();
        checkGuards("widen_bytes", got, before);
      }
    }
  });

  it("covers all 256 byte values", () => {
    const bytes = heap.alloc(256);
    for (let i = 0; i < 256; i++) store<u8>(bytes + <usize>i, <u8>i);
    const got = new Buf(256);
    widen_bytes(got.p, bytes, 256);
    const c = new Check("widen_bytes 0–255");
    for (let i = 0; i < 256; i++) c.same(i, got.f(i), <f32>i);
    c.done();
  });
});

// The seeded generator: determinism, seed sensitivity, xoshiro128** against a reference written from the
// published algorithm, and loose statistical checks of rng_below / rng_uniform / rng_normal /
// rng_shuffle / rng_sample.

import {
  rng_seed, rng_next, rng_below, rng_uniform, rng_normal, rng_shuffle, rng_sample,
} from "../../assembly/rng";
import { Buf, Check, checkGuards, sz } from "./util";

const SIZES: StaticArray<i32> = [1, 2, 3, 5, 17, 100, 3072];

function newState(lo: u32, hi: u32): Buf {
  const s = new Buf(4);
  rng_seed(s.p, lo, hi);
  return s;
}

function word(s: Buf, i: i32): u32 {
  return load<u32>(s.addr(i));
}

function geti(b: Buf, i: i32): i32 {
  return load<i32>(b.addr(i));
}

function seti(b: Buf, i: i32, v: i32): void {
  store<i32>(b.addr(i), v);
}

/** xoshiro128** 1.1 as published (Blackman & Vigna), on a 4-word state held in a StaticArray. */
function refNext(s: StaticArray<u32>): u32 {
  const result = rotl<u32>(s[1] * 5, 7) * 9;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl<u32>(s[3], 11);
  return result;
}

/** idx[0..n) holds each of 0..n−1 exactly once. */
function isPermutation(idx: Buf, n: i32): bool {
  const seen = new StaticArray<u8>(max(n, 1));
  for (let i = 0; i < n; i++) {
    const v = geti(idx, i);
    if (v < 0 || v >= n || seen[v] != 0) return false;
    seen[v] = 1;
  }
  return true;
}

function identity(n: i32): Buf {
  const idx = new Buf(n);
  for (let i = 0; i < n; i++) seti(idx, i, i);
  return idx;
}

// (seedLo, seedHi) pairs that must all give different streams, including pairs that an earlier seeding, which
// folded both halves into one u32 (lo ^ hi·0x9e3779b9), mapped to the same stream: (1, 1) and (0x9e3779b8, 0).
const SEEDS: StaticArray<u32> = [
  0, 0, 1, 0, 0, 1, 2, 0, 1, 1, 42, 0, 0xffffffff, 0, 0, 0xffffffff, 0x12345678, 0x9abcdef0,
  0x9e3779b8, 0, 0xffffffff, 0xffffffff,
];

describe("rng_seed / rng_next", () => {
  it("the same seed gives the same state and the same sequence", () => {
    for (let s = 0; s < SEEDS.length; s += 2) {
      const a = newState(SEEDS[s], SEEDS[s + 1]), b = newState(SEEDS[s], SEEDS[s + 1]);
      const c = new Check("seed " + SEEDS[s].toString() + "," + SEEDS[s + 1].toString());
      for (let i = 0; i < 4; i++) c.holds(i, word(a, i) == word(b, i), <f64>word(a, i), <f64>word(b, i));
      c.holds(-1, (word(a, 0) | word(a, 1) | word(a, 2) | word(a, 3)) != 0, 0, 1);
      for (let i = 0; i < 1000; i++) {
        const x = rng_next(a.p), y = rng_next(b.p);
        c.holds(i, x == y, <f64>x, <f64>y);
      }
      c.done();
      a.free(); b.free();
    }
  });

  it("different seeds give different sequences", () => {
    const n = SEEDS.length / 2;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const a = newState(SEEDS[2 * p], SEEDS[2 * p + 1]), b = newState(SEEDS[2 * q], SEEDS[2 * q + 1]);
        let same = 0;
        for (let i = 0; i < 64; i++) if (rng_next(a.p) == rng_next(b.p)) same++;
        expect<i32>(same).toBeLessThanOrEqual(1, "seeds #" + p.toString() + " and #" + q.toString() + " share outputs");
        a.free(); b.free();
      }
    }
  });

  it("rng_next is xoshiro128** (reference from the published algorithm)", () => {
    // from a hand-written state
    const s = new Buf(4);
    store<u32>(s.p, 1); store<u32>(s.p, 2, 4); store<u32>(s.p, 3, 8); store<u32>(s.p, 4, 12);
    expect<u32>(rng_next(s.p)).toBe(11520, "first output from state (1, 2, 3, 4) is rotl(2·5, 7)·9");
    // and from seeded states, for many steps, including the state words themselves
    for (let k = 0; k < SEEDS.length; k += 2) {
      rng_seed(s.p, SEEDS[k], SEEDS[k + 1]);
      const r = new StaticArray<u32>(4);
      for (let i = 0; i < 4; i++) r[i] = word(s, i);
      const c = new Check("xoshiro128** from seed #" + (k / 2).toString());
      for (let i = 0; i < 2000; i++) {
        const got = rng_next(s.p), want = refNext(r);
        c.holds(i, got == want, <f64>got, <f64>want);
      }
      for (let i = 0; i < 4; i++) c.holds(-1 - i, word(s, i) == r[i], <f64>word(s, i), <f64>r[i]);
      c.done();
    }
    s.free();
  });
});

// bounds for rng_below, including ones that make Lemire's rejection step fire often
const BOUNDS: StaticArray<u32> = [1, 2, 3, 5, 17, 100, 3072, 0x80000001, 0xc0000000, 0xffffffff];

function chiSquare(bound: u32, draws: i32, seed: u32): f64 {
  const st = newState(seed, 0);
  const counts = new StaticArray<i32>(<i32>bound);
  for (let i = 0; i < draws; i++) counts[<i32>rng_below(st.p, bound)]++;
  const expected = <f64>draws / <f64>bound;
  let chi: f64 = 0;
  for (let v = 0; v < <i32>bound; v++) {
    const d = <f64>counts[v] - expected;
    chi += d * d / expected;
  }
  st.free();
  return chi;
}

describe("rng_below", () => {
  it("stays in [0, bound)", () => {
    const st = newState(7, 0);
    for (let b = 0; b < BOUNDS.length; b++) {
      const bound = BOUNDS[b];
      const c = new Check("rng_below bound=" + bound.toString());
      for (let i = 0; i < 3000; i++) {
        const v = rng_below(st.p, bound);
        c.holds(i, v < bound, <f64>v, <f64>bound);
      }
      c.done();
    }
    st.free();
  });

  it("is roughly uniform (loose chi-square)", () => {
    // chi² has mean dof and sd sqrt(2·dof); allow 6 sd
    const chi17 = chiSquare(17, 34000, 8);
    expect<f64>(chi17).toBeLessThan(16 + 6 * Math.sqrt(32), "chi² for bound 17, 34000 draws (dof 16)");
    const chi100 = chiSquare(100, 50000, 9);
    expect<f64>(chi100).toBeLessThan(99 + 6 * Math.sqrt(198), "chi² for bound 100, 50000 draws (dof 99)");
    // bound 3·2³⁰: without Lemire's rejection step v = ⌊x·3/4⌋ would be ≡ 0 (mod 3) half of the time
    const st = newState(10, 0);
    let low = 0, mod0 = 0;
    const draws = 30000;
    for (let i = 0; i < draws; i++) {
      const v = rng_below(st.p, 0xc0000000);
      if (v < 0x80000000) low++;
      if (v % 3 == 0) mod0++;
    }
    expect<f64>(Math.abs(<f64>low / draws - 2.0 / 3.0)).toBeLessThan(0.02, "P(v < 2^31) for bound 3·2^30");
    expect<f64>(Math.abs(<f64>mod0 / draws - 1.0 / 3.0)).toBeLessThan(0.02, "P(v ≡ 0 mod 3) for bound 3·2^30");
    st.free();
  });
});

describe("rng_uniform", () => {
  it("stays within [low, high) and writes exactly n values", () => {
    const st = newState(11, 0);
    const ranges: StaticArray<f32> = [0, 1, -1, 1, -3.5, 2.25, 10, 10.5, -0.001, 0.001];
    for (let r = 0; r < ranges.length; r += 2) {
      const lo = ranges[r], hi = ranges[r + 1];
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const out = new Buf(n).fillWith(<f32>NaN);
        const before = out.copy();
        rng_uniform(st.p, out.p, n, lo, hi);
        const label = "rng_uniform [" + lo.toString() + ", " + hi.toString() + ")" + sz("n", n);
        const c = new Check(label);
        for (let i = 0; i < n; i++) c.holds(i, out.f(i) >= lo && out.f(i) < hi, out.get(i), <f64>lo);
        c.done();
        checkGuards(label, out, before);
        out.free(); before.free();
      }
    }
    st.free();
  });

  it("has mean ≈ 1/2 and variance ≈ 1/12 on [0, 1) over 100k samples", () => {
    const st = newState(12, 0);
    const n = 100000;
    const out = new Buf(n);
    rng_uniform(st.p, out.p, n, 0, 1);
    let sum: f64 = 0, sq: f64 = 0;
    for (let i = 0; i < n; i++) { sum += out.get(i); sq += out.get(i) * out.get(i); }
    const mean = sum / n, variance = sq / n - mean * mean;
    expect<f64>(Math.abs(mean - 0.5)).toBeLessThan(0.005, "mean of U[0,1)");
    expect<f64>(Math.abs(variance - 1.0 / 12.0)).toBeLessThan(0.003, "variance of U[0,1)");
    out.free(); st.free();
  });

  it("never returns high, even where f32 rounding is coarse", () => {
    // ulp(1e6) = 1/16, so low + u·(high − low) rounds to high for u > 1 − 1/32
    const st = newState(13, 0);
    const n = 3000;
    const lo: f32 = 1000000, hi: f32 = 1000001;
    const out = new Buf(n);
    rng_uniform(st.p, out.p, n, lo, hi);
    const c = new Check("rng_uniform [1e6, 1e6+1), n=3000: value == high");
    for (let i = 0; i < n; i++) c.holds(i, out.f(i) >= lo && out.f(i) < hi, out.get(i), <f64>hi);
    c.done();
    out.free(); st.free();
  });
});

describe("rng_normal", () => {
  it("mean ≈ 0, std ≈ 1, 68% within one sd, pairs uncorrelated, over 100k samples", () => {
    const st = newState(14, 0);
    const n = 100000;
    const out = new Buf(n);
    rng_normal(st.p, out.p, n, 0, 1);
    let sum: f64 = 0, sq: f64 = 0, within = 0, cross: f64 = 0;
    const c = new Check("rng_normal finite");
    for (let i = 0; i < n; i++) {
      const x = out.get(i);
      c.holds(i, isFinite(x), x, 0);
      sum += x;
      sq += x * x;
      if (Math.abs(x) < 1) within++;
      if ((i & 1) == 1) cross += x * out.get(i - 1);
    }
    c.done();
    const mean = sum / n, sd = Math.sqrt(sq / n - mean * mean);
    expect<f64>(Math.abs(mean)).toBeLessThan(0.015, "mean of N(0,1)");
    expect<f64>(Math.abs(sd - 1)).toBeLessThan(0.015, "std of N(0,1)");
    expect<f64>(Math.abs(<f64>within / n - 0.6827)).toBeLessThan(0.01, "P(|x| < 1)");
    expect<f64>(Math.abs(cross / (n / 2))).toBeLessThan(0.02, "E[x₂ᵢ·x₂ᵢ₊₁] (cos/sin pair)");
    out.free(); st.free();
  });

  it("applies mean and std, and writes exactly n values for odd n", () => {
    const st = newState(15, 0);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const out = new Buf(n);
      const before = out.copy();
      rng_normal(st.p, out.p, n, 3, 0.5);
      const label = "rng_normal(3, 0.5)" + sz("n", n);
      checkGuards(label, out, before);
      const c = new Check(label + " within 3 ± 6·0.5");
      for (let i = 0; i < n; i++) c.holds(i, Math.abs(out.get(i) - 3) < 3, out.get(i), 3);
      c.done();
      out.free(); before.free();
    }
    const n = 20001;
    const out = new Buf(n);
    rng_normal(st.p, out.p, n, 3, 0.5);
    let sum: f64 = 0, sq: f64 = 0;
    for (let i = 0; i < n; i++) { sum += out.get(i); sq += out.get(i) * out.get(i); }
    const mean = sum / n, sd = Math.sqrt(sq / n - mean * mean);
    expect<f64>(Math.abs(mean - 3)).toBeLessThan(0.02, "mean of N(3, 0.25)");
    expect<f64>(Math.abs(sd - 0.5)).toBeLessThan(0.02, "std of N(3, 0.25)");
    out.free(); st.free();
  });
});

describe("rng_shuffle", () => {
  it("gives a permutation (and moves things)", () => {
    const st = newState(16, 0);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const idx = identity(n);
      const before = idx.copy();
      rng_shuffle(st.p, idx.p, n);
      expect<bool>(isPermutation(idx, n)).toBe(true, "rng_shuffle n=" + n.toString());
      checkGuards("rng_shuffle" + sz("n", n), idx, before);
      if (n >= 17) {
        let fixed = 0;
        for (let i = 0; i < n; i++) if (geti(idx, i) == i) fixed++;
        expect<i32>(fixed).toBeLessThan(n / 4 + 3, "fixed points after rng_shuffle n=" + n.toString());
      }
      // shuffling a shuffled array keeps it a permutation
      rng_shuffle(st.p, idx.p, n);
      expect<bool>(isPermutation(idx, n)).toBe(true, "second rng_shuffle n=" + n.toString());
      idx.free(); before.free();
    }
    st.free();
  });

  it("gives the 6 orders of 3 items about equally often", () => {
    const st = newState(17, 0);
    const trials = 6000;
    const counts = new StaticArray<i32>(9);
    for (let t = 0; t < trials; t++) {
      const idx = identity(3);
      rng_shuffle(st.p, idx.p, 3);
      counts[geti(idx, 0) * 3 + geti(idx, 1)]++;
      idx.free();
    }
    let chi: f64 = 0, seen = 0;
    for (let i = 0; i < 9; i++) {
      if (counts[i] == 0) continue;
      seen++;
      const d = <f64>counts[i] - trials / 6;
      chi += d * d / (trials / 6);
    }
    expect<i32>(seen).toBe(6, "orders seen");
    expect<f64>(chi).toBeLessThan(5 + 6 * Math.sqrt(10), "chi² over the 6 orders (dof 5)");
    st.free();
  });
});

describe("rng_sample", () => {
  it("puts k distinct valid indices in idx[0..k) and keeps the array a permutation", () => {
    const st = newState(18, 0);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const ks: StaticArray<i32> = [0, 1, n / 2, n - 1, n];
      const idx = identity(n);
      rng_shuffle(st.p, idx.p, n); // start from an arbitrary permutation, not the identity
      for (let q = 0; q < ks.length; q++) {
        const k = ks[q];
        const before = idx.copy();
        rng_sample(st.p, idx.p, n, k);
        const label = "rng_sample" + sz("n", n) + sz("k", k);
        expect<bool>(isPermutation(idx, n)).toBe(true, label + " permutation");
        checkGuards(label, idx, before);
        // distinct and valid in [0, n): implied by the permutation check, stated for idx[0..k)
        const seen = new StaticArray<u8>(max(n, 1));
        const c = new Check(label + " idx[0..k)");
        for (let i = 0; i < k; i++) {
          const v = geti(idx, i);
          const ok = v >= 0 && v < n && seen[v] == 0;
          c.holds(i, ok, <f64>v, <f64>n);
          if (ok) seen[v] = 1;
        }
        c.done();
        before.free();
      }
      idx.free();
    }
    st.free();
  });

  it("picks each item with probability k/n (n = 5, k = 2)", () => {
    const st = newState(19, 0);
    const trials = 10000;
    const counts = new StaticArray<i32>(5);
    for (let t = 0; t < trials; t++) {
      const idx = identity(5);
      rng_sample(st.p, idx.p, 5, 2);
      counts[geti(idx, 0)]++;
      counts[geti(idx, 1)]++;
      idx.free();
    }
    // expected 4000 each, sd ≈ 49
    for (let i = 0; i < 5; i++) {
      expect<f64>(Math.abs(<f64>counts[i] - 4000)).toBeLessThan(300, "times item " + i.toString() + " was picked");
    }
    st.free();
  });
});

describe("rng_below on a state the generator cannot leave", () => {
  // All four words 0: xoshiro128** then returns 0 forever, and Lemire's rejection loop would never end.
  it("returns within a bounded number of draws, with 0", () => {
    const zero = new Buf(4);
    for (let i = 0; i < 4; i++) store<u32>(zero.p + (<usize>i << 2), 0);
    expect(rng_below(zero.p, 3)).toBe(0);
    expect(rng_below(zero.p, 0xffffffff)).toBe(0);
    const idx = new Buf(10);
    for (let i = 0; i < 10; i++) store<i32>(idx.p + (<usize>i << 2), i);
    rng_sample(zero.p, idx.p, 10, 10);
    zero.free();
    idx.free();
  });
});

// corrupt(): the inputs of a denoising autoencoder corrupted in place from the model's generator. The same state
// gives the same bits, in index order (a call over n values equals two calls over its halves); mask with fraction
// 0 changes nothing and with 1 zeroes everything; over 100k values the mask and salt-and-pepper rates lie within
// 5 standard errors of the fraction, salt and pepper about half each, and gaussian noise has the right mean,
// standard deviation and share within one standard deviation.

import { corrupt, CORRUPT_NONE, CORRUPT_GAUSSIAN, CORRUPT_MASK, CORRUPT_SALT_AND_PEPPER } from "../../assembly/corrupt";
import { rng_seed } from "../../assembly/rng";
import { Buf, Check, checkGuards, checkUnchanged, seedTest, sz } from "./util";

const SIZES: StaticArray<i32> = [1, 2, 3, 5, 17, 100];

// (kind, a, b, c)
const KINDS: StaticArray<f32> = [
  <f32>CORRUPT_GAUSSIAN, 0.5, 0, 0,
  <f32>CORRUPT_MASK, 0.3, 0, 0,
  <f32>CORRUPT_SALT_AND_PEPPER, 0.4, -1, 2,
];

function generator(lo: u32): Buf {
  const s = new Buf(4);
  rng_seed(s.p, lo, 7);
  return s;
}

function kindLabel(k: i32): string {
  return "corrupt kind " + KINDS[k * 4].toString() + " a=" + KINDS[k * 4 + 1].toString();
}

/** Corrupts X with kind k of KINDS and the generator `state`. */
function run(k: i32, state: Buf, X: Buf, from: i32, n: i32): void {
  corrupt(state.p, X.addr(from), n, <i32>KINDS[k * 4], KINDS[k * 4 + 1], KINDS[k * 4 + 2], KINDS[k * 4 + 3]);
}

describe("corrupt: determinism", () => {
  it("the same state gives the same bits and the same next state; another state other bits", () => {
    seedTest(201);
    for (let k = 0; k < KINDS.length / 4; k++) {
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const X = new Buf(n).fill(0.1, 1), Y = X.copy(), Z = X.copy();
        const a = generator(5), b = generator(5), other = generator(6);
        run(k, a, X, 0, n);
        run(k, b, Y, 0, n);
        run(k, other, Z, 0, n);
        const label = kindLabel(k) + sz("n", n);
        const c = new Check(label + " same state");
        for (let i = 0; i < n; i++) c.same(i, X.f(i), Y.f(i));
        for (let i = 0; i < 4; i++) c.holds(n + i, a.bits(i) == b.bits(i), <f64>a.bits(i), <f64>b.bits(i));
        c.done();
        checkGuards(label + " X", X, Y);
        if (n >= 17) {
          let differ = 0;
          for (let i = 0; i < n; i++) if (X.bits(i) != Z.bits(i)) differ++;
          expect<i32>(differ).toBeGreaterThan(0, label + ": another state changes other values");
        }
        X.free(); Y.free(); Z.free(); a.free(); b.free(); other.free();
      }
    }
  });

  it("in index order: one call over n values equals a call over the first m then one over the rest", () => {
    seedTest(202);
    for (let k = 0; k < KINDS.length / 4; k++) {
      const n = 23;
      // gaussian draws its values in pairs, so it splits only at even m
      const cuts: StaticArray<i32> = [1, 2, 4, 10, 22];
      for (let j = 0; j < cuts.length; j++) {
        const m = cuts[j];
        if (<i32>KINDS[k * 4] == CORRUPT_GAUSSIAN && (m & 1) != 0) continue;
        const X = new Buf(n).fill(0.1, 1), Y = X.copy();
        const a = generator(9), b = generator(9);
        run(k, a, X, 0, n);
        run(k, b, Y, 0, m);
        run(k, b, Y, m, n - m);
        const c = new Check(kindLabel(k) + " split at " + m.toString());
        for (let i = 0; i < n; i++) c.same(i, X.f(i), Y.f(i));
        for (let i = 0; i < 4; i++) c.holds(n + i, a.bits(i) == b.bits(i), <f64>a.bits(i), <f64>b.bits(i));
        c.done();
        X.free(); Y.free(); a.free(); b.free();
      }
    }
  });
});

describe("corrupt: edge fractions", () => {
  it("CORRUPT_NONE, mask 0 and salt-and-pepper 0 change nothing; mask 1 zeroes all, salt-and-pepper 1 leaves only low or high", () => {
    seedTest(203);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const X = new Buf(n).fill(0.1, 1), X0 = X.copy(), st = generator(11), st0 = st.copy();
      corrupt(st.p, X.p, n, CORRUPT_NONE, 0.5, 0, 1);
      checkUnchanged("CORRUPT_NONE" + sz("n", n), X, X0);
      checkUnchanged("CORRUPT_NONE state" + sz("n", n), st, st0);
      corrupt(st.p, X.p, n, CORRUPT_MASK, 0, 0, 0);
      checkUnchanged("mask 0" + sz("n", n), X, X0);
      corrupt(st.p, X.p, n, CORRUPT_SALT_AND_PEPPER, 0, -1, 2);
      checkUnchanged("salt-and-pepper 0" + sz("n", n), X, X0);
      const Y = X.copy();
      corrupt(st.p, X.p, n, CORRUPT_MASK, 1, 0, 0);
      corrupt(st.p, Y.p, n, CORRUPT_SALT_AND_PEPPER, 1, -1, 2);
      const c = new Check("mask 1 / salt-and-pepper 1" + sz("n", n));
      for (let i = 0; i < n; i++) {
        c.holds(i, X.bits(i) == 0, X.get(i), 0);
        c.holds(n + i, Y.f(i) == -1 || Y.f(i) == 2, Y.get(i), -1);
      }
      c.done();
      checkGuards("mask 1" + sz("n", n), X, X0);
      checkGuards("salt-and-pepper 1" + sz("n", n), Y, X0);
      X.free(); X0.free(); Y.free(); st.free(); st0.free();
    }
  });
});

const N: i32 = 100000;

/** |count − n·p| within 5 standard errors of a binomial count. */
function rateCheck(c: Check, index: i32, count: i32, n: i32, p: f64): void {
  const sd = Math.sqrt(<f64>n * p * (1 - p));
  c.near(index, <f64>count, <f64>n * p, 5 * sd + 1e-9);
}

describe("corrupt: rates over 100k values", () => {
  it("mask zeroes a fraction 0.1, 0.5, 0.9 of the values", () => {
    const fractions: StaticArray<f32> = [0.1, 0.5, 0.9];
    for (let f = 0; f < fractions.length; f++) {
      const X = new Buf(N).fillWith(0.75), st = generator(<u32>(20 + f));
      corrupt(st.p, X.p, N, CORRUPT_MASK, fractions[f], 0, 0);
      let zeros = 0, kept = 0;
      for (let i = 0; i < N; i++) {
        if (X.bits(i) == 0) zeros++;
        else if (X.f(i) == 0.75) kept++;
      }
      const c = new Check("mask fraction " + fractions[f].toString());
      c.holds(-1, zeros + kept == N, <f64>(zeros + kept), <f64>N);
      rateCheck(c, 0, zeros, N, <f64>fractions[f]);
      c.done();
      X.free(); st.free();
    }
  });

  it("salt-and-pepper replaces a fraction 0.05, 0.3 of the values, half by low and half by high", () => {
    const fractions: StaticArray<f32> = [0.05, 0.3];
    for (let f = 0; f < fractions.length; f++) {
      const X = new Buf(N).fillWith(0.75), st = generator(<u32>(30 + f));
      corrupt(st.p, X.p, N, CORRUPT_SALT_AND_PEPPER, fractions[f], -0.5, 1.5);
      let low = 0, high = 0, kept = 0;
      for (let i = 0; i < N; i++) {
        const v = X.f(i);
        if (v == -0.5) low++;
        else if (v == 1.5) high++;
        else if (v == 0.75) kept++;
      }
      const c = new Check("salt-and-pepper fraction " + fractions[f].toString());
      c.holds(-1, low + high + kept == N, <f64>(low + high + kept), <f64>N);
      rateCheck(c, 0, low + high, N, <f64>fractions[f]);
      rateCheck(c, 1, high, low + high, 0.5);
      c.done();
      X.free(); st.free();
    }
  });

  it("gaussian noise (stddev 0.5, odd n) has mean 0, std 0.5 and 68.3% of its values within one std", () => {
    const n = N + 1, stddev: f32 = 0.5;
    seedTest(204);
    const X = new Buf(n).fill(-1, 1), X0 = X.copy(), st = generator(40);
    corrupt(st.p, X.p, n, CORRUPT_GAUSSIAN, stddev, 0, 0);
    let sum: f64 = 0, sq: f64 = 0;
    let within = 0;
    for (let i = 0; i < n; i++) {
      const e = X.get(i) - X0.get(i);
      sum += e;
      sq += e * e;
      if (Math.abs(e) < <f64>stddev) within++;
    }
    const mean = sum / n, std = Math.sqrt(sq / n - mean * mean), sigma = <f64>stddev;
    const c = new Check("gaussian noise");
    c.near(0, mean, 0, 5 * sigma / Math.sqrt(<f64>n));
    c.near(1, std, sigma, 5 * sigma / Math.sqrt(2.0 * n) + 1e-6);
    rateCheck(c, 2, within, n, 0.6826894921370859);
    c.holds(3, X.bits(n - 1) != X0.bits(n - 1), X.get(n - 1), X0.get(n - 1)); // the odd last value too
    c.done();
    checkGuards("gaussian noise", X, X0);
    X.free(); X0.free(); st.free();
  });
});

// Buffers for the trap check (closures cannot capture locals).
const TRAP_STATE = generator(1), TRAP_BUF = new Buf(8);

describe("unknown corruption kinds", () => {
  it("corrupt traps on a kind it does not know", () => {
    expect(() => { corrupt(TRAP_STATE.p, TRAP_BUF.p, 8, 4, 0.5, 0, 1); }).toThrow("corruption kind 4");
  });
});

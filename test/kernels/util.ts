// Shared helpers for the kernel specs: guarded f32 buffers on the heap, a test-only PRNG that is
// independent of assembly/rng.ts, and a "worst case" checker that turns many element comparisons into
// a single expectation whose message names the worst element.

/** Guard cells (f32) kept before and after every buffer; kernels must never touch them. */
export const GUARD_BEFORE: i32 = 4; // 16 bytes, so the payload stays 16-byte aligned
export const GUARD_AFTER: i32 = 8;

// ---------------------------------------------------------------------------------------------
// Test PRNG: xorshift32. Deterministic, and deliberately not the generator under test.

let testState: u32 = 0x9e3779b9;

export function seedTest(seed: u32): void {
  testState = seed == 0 ? 0x9e3779b9 : seed;
  for (let i = 0; i < 8; i++) nextTest();
}

export function nextTest(): u32 {
  let x = testState;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  testState = x;
  return x;
}

/** Uniform in [lo, hi) with 24 random bits, returned as an f32 value (exactly representable). */
export function uniform(lo: f64, hi: f64): f32 {
  return <f32>(lo + (hi - lo) * (<f64>(nextTest() >>> 8) * (1.0 / 16777216.0)));
}

// ---------------------------------------------------------------------------------------------
// Buffers

/** n f32 at a 16-byte aligned address p, with GUARD_BEFORE/GUARD_AFTER guard cells around it. */
export class Buf {
  base: usize;
  p: usize;
  n: i32;

  constructor(n: i32) {
    this.n = n;
    const total = <usize>(n + GUARD_BEFORE + GUARD_AFTER) << 2;
    this.base = heap.alloc(total);
    assert((this.base & 15) == 0, "heap.alloc returned a pointer not aligned to 16 bytes");
    this.p = this.base + (<usize>GUARD_BEFORE << 2);
    // everything (payload and guards) starts as recognisable garbage
    for (let i = -GUARD_BEFORE; i < n + GUARD_AFTER; i++) this.set(i, <f32>(-7777.25 - <f32>(i & 63)));
  }

  @inline addr(i: i32): usize {
    return this.p + <usize>(<isize>i << 2);
  }

  get(i: i32): f64 {
    return <f64>load<f32>(this.addr(i));
  }

  f(i: i32): f32 {
    return load<f32>(this.addr(i));
  }

  bits(i: i32): u32 {
    return load<u32>(this.addr(i));
  }

  set(i: i32, v: f32): void {
    store<f32>(this.addr(i), v);
  }

  /** Payload [0, n) uniform in [lo, hi); guards untouched. */
  fill(lo: f64, hi: f64): Buf {
    for (let i = 0; i < this.n; i++) this.set(i, uniform(lo, hi));
    return this;
  }

  /** Payload [0, n) = v. */
  fillWith(v: f32): Buf {
    for (let i = 0; i < this.n; i++) this.set(i, v);
    return this;
  }

  /** A copy of payload and guards. */
  copy(): Buf {
    const c = new Buf(this.n);
    memory.copy(c.base, this.base, <usize>(this.n + GUARD_BEFORE + GUARD_AFTER) << 2);
    return c;
  }

  free(): void {
    heap.free(this.base);
    this.base = 0;
    this.p = 0;
  }
}

/** Allocates bytes aligned to 16 (plain heap memory, for descriptors and scratch). */
export function alloc16(bytes: i32): usize {
  const p = heap.alloc(<usize>max(bytes, 16));
  assert((p & 15) == 0, "heap.alloc returned a pointer not aligned to 16 bytes");
  memory.fill(p, 0, <usize>max(bytes, 16));
  return p;
}

// ---------------------------------------------------------------------------------------------
// Checking

/**
 * Collects element comparisons and keeps the worst one (largest error / tolerance); `done()` makes
 * one expectation. NaN or infinite results count as infinitely wrong unless they equal the expectation.
 */
export class Check {
  label: string;
  worst: f64 = 0;
  index: i32 = -1;
  got: f64 = 0;
  want: f64 = 0;
  tol: f64 = 0;
  count: i32 = 0;

  constructor(label: string) {
    this.label = label;
  }

  near(index: i32, got: f64, want: f64, tol: f64): void {
    this.count++;
    let ratio: f64 = 0;
    if (got != want) {
      ratio = Math.abs(got - want) / tol;
      if (isNaN(ratio)) ratio = Infinity;
    }
    if (ratio > this.worst) {
      this.worst = ratio;
      this.index = index;
      this.got = got;
      this.want = want;
      this.tol = tol;
    }
  }

  /** Bit-exact comparison of two f32 values (so -0 ≠ +0 and NaN == NaN with the same payload). */
  same(index: i32, got: f32, want: f32): void {
    this.count++;
    if (reinterpret<u32>(got) != reinterpret<u32>(want) && this.worst < Infinity) {
      this.worst = Infinity;
      this.index = index;
      this.got = <f64>got;
      this.want = <f64>want;
      this.tol = 0;
    }
  }

  /** A boolean condition that must hold for element `index`. */
  holds(index: i32, ok: bool, got: f64, want: f64): void {
    this.count++;
    if (!ok && this.worst < Infinity) {
      this.worst = Infinity;
      this.index = index;
      this.got = got;
      this.want = want;
      this.tol = 0;
    }
  }

  done(): void {
    expect<f64>(this.worst).toBeLessThanOrEqual(
      1.0,
      this.label + ": worst at [" + this.index.toString() + "] got " + this.got.toString() +
        " want " + this.want.toString() + " tol " + this.tol.toString() +
        " (" + this.count.toString() + " checks)",
    );
  }
}

/** Guards of b (before and after the payload) must equal those of the snapshot `before`. */
export function checkGuards(label: string, b: Buf, before: Buf): void {
  const c = new Check(label + " guards");
  for (let i = -GUARD_BEFORE; i < 0; i++) c.same(i, b.f(i), before.f(i));
  for (let i = b.n; i < b.n + GUARD_AFTER; i++) c.same(i, b.f(i), before.f(i));
  c.done();
}

/** Every cell of a buffer must equal the snapshot (inputs are read-only). */
export function checkUnchanged(label: string, b: Buf, before: Buf): void {
  const c = new Check(label + " unchanged");
  for (let i = -GUARD_BEFORE; i < b.n + GUARD_AFTER; i++) c.same(i, b.f(i), before.f(i));
  c.done();
}

export function sz(label: string, v: i32): string {
  return " " + label + "=" + v.toString();
}

// Seeded generator: xoshiro128** (Blackman & Vigna) over a 4×u32 state at `state`, seeded by splitmix64.
// Everything random in training (initial weights, shuffles, batches) comes from here, so a seed gives the
// same bits in every runtime: the math functions used (log, cos, sin) are compiled into the module.

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

/** Next 32 random bits; advances the state. */
export function rng_next(state: usize): u32 {
  const s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0, n3 = s3 ^ s1;
  store<u32>(state, s0 ^ n3);
  store<u32>(state, s1 ^ n2, 4);
  store<u32>(state, n2 ^ t, 8);
  store<u32>(state, rotl(n3, 11), 12);
  return result;
}

/** Seeds the 16-byte state from a 64-bit seed given as two u32 halves (two splitmix64 outputs). */
export function rng_seed(state: usize, seedLo: u32, seedHi: u32): void {
  let x: u64 = (<u64>seedHi << 32) | <u64>seedLo;
  for (let i = 0; i < 2; i++) {
    x += 0x9e3779b97f4a7c15;
    let z = x;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111eb;
    z ^= z >>> 31;
    store<u64>(state + (<usize>i << 3), z);
  }
  if ((load<u64>(state) | load<u64>(state, 8)) == 0) store<u32>(state, 1);
}

// Rejections before rng_below gives up on exactness: each happens with probability below ½, so a working generator
// reaches this bound with probability below 2⁻⁶⁴; a broken state (all zero words) reaches it at once.
const MAX_REJECTIONS = 64;

/**
 * Uniform integer in [0, bound), unbiased (Lemire's multiply-and-reject); 0 when bound is 0. The loop ends after
 * at most MAX_REJECTIONS draws whatever the state, so no caller can hang on a generator that cannot leave 0.
 */
export function rng_below(state: usize, bound: u32): u32 {
  if (bound == 0) return 0;
  let m = <u64>rng_next(state) * bound;
  if (<u32>m < bound) {
    const threshold: u32 = (0 - bound) % bound;
    for (let tries = 0; <u32>m < threshold && tries < MAX_REJECTIONS; tries++) m = <u64>rng_next(state) * bound;
  }
  return <u32>(m >>> 32);
}

/** A uniform double in [0, 1) with 53 random bits. */
@inline function uniform53(state: usize): f64 {
  const hi = rng_next(state) >>> 5, lo = rng_next(state) >>> 6;
  return (<f64>hi * 67108864.0 + <f64>lo) * (1.0 / 9007199254740992.0);
}

/** out[i] = uniform in [low, high) for i < n (f32); low < high. */
export function rng_uniform(state: usize, out: usize, n: i32, low: f32, high: f32): void {
  const span = <f64>high - <f64>low;
  // Rounding to f32 can land on high itself; the largest float below high takes its place.
  const below: f32 = high == 0 ? -1.4e-45 : reinterpret<f32>(reinterpret<i32>(high) + (high > 0 ? -1 : 1));
  for (let i = 0; i < n; i++) {
    const value = <f32>(<f64>low + uniform53(state) * span);
    store<f32>(out + (<usize>i << 2), value < high ? value : below);
  }
}

/** out[i] ~ N(mean, std²) for i < n (f32), by the Box–Muller transform in f64. */
export function rng_normal(state: usize, out: usize, n: i32, mean: f32, std: f32): void {
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2.0 * Math.log(1.0 - uniform53(state)));
    const angle = 2.0 * Math.PI * uniform53(state);
    store<f32>(out + (<usize>i << 2), <f32>(<f64>mean + <f64>std * radius * Math.cos(angle)));
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), <f32>(<f64>mean + <f64>std * radius * Math.sin(angle)));
  }
}

/** Fisher–Yates shuffle of n i32 at idx. */
export function rng_shuffle(state: usize, idx: usize, n: i32): void {
  rng_sample(state, idx, n, n);
}

/** Moves a uniform random k-subset of the n i32 at idx (without replacement) to idx[0..k) (partial Fisher–Yates). */
export function rng_sample(state: usize, idx: usize, n: i32, k: i32): void {
  for (let i = 0; i < k && i < n - 1; i++) {
    const j = i + <i32>rng_below(state, <u32>(n - i));
    const pi = idx + (<usize>i << 2), pj = idx + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

// The VAE's sampling layer against f64 loops: z = mean + exp(logVar/2)·ε with ε drawn (the generator's normals),
// kept (given) or 0; the heads' deltas dMean = dz + c·mean and dLogVar = dz·½·exp(logVar/2)·ε + c·½·(exp(logVar) − 1);
// and the KL sum −½ Σ (1 + logVar − mean² − exp(logVar)). Sizes with scalar tails; guards stay untouched.

import { sampling_forward, sampling_backward, kl_sum, NOISE_DRAW, NOISE_GIVEN, NOISE_NONE } from "../../assembly/sampling";
import { rng_seed, rng_normal } from "../../assembly/rng";
import { Buf, Check, alloc16, checkGuards, checkUnchanged, seedTest, sz } from "./util";

const SIZES: StaticArray<i32> = [1, 2, 3, 4, 5, 7, 17, 100, 131];

function freeAll(buffers: Buf[]): void {
  for (let i = 0; i < buffers.length; i++) buffers[i].free();
}

function forwardCase(n: i32, noise: i32): void {
  const mean = new Buf(n).fill(-3, 3), logVar = new Buf(n).fill(-6, 4), eps = new Buf(n).fill(-2, 2), z = new Buf(n);
  const mean0 = mean.copy(), logVar0 = logVar.copy(), eps0 = eps.copy(), z0 = z.copy();
  const state = alloc16(16), twinState = alloc16(16);
  rng_seed(state, 77, 0);
  rng_seed(twinState, 77, 0);
  const drawn = new Buf(n);
  rng_normal(twinState, drawn.p, n, 0, 1);
  sampling_forward(z.p, eps.p, mean.p, logVar.p, n, noise, state);
  const label = "sampling_forward" + sz("n", n) + " noise=" + noise.toString();
  const c = new Check(label);
  for (let i = 0; i < n; i++) {
    const e: f64 = noise == NOISE_DRAW ? drawn.get(i) : noise == NOISE_GIVEN ? eps0.get(i) : 0;
    c.same(i, eps.f(i), <f32>e);
    const want = mean0.get(i) + Math.exp(logVar0.get(i) / 2) * e;
    c.near(i, z.get(i), want, 4e-7 * (Math.abs(mean0.get(i)) + Math.abs(want)) + 1e-30);
  }
  c.done();
  checkGuards(label + " z", z, z0);
  checkGuards(label + " eps", eps, eps0);
  checkUnchanged(label + " mean", mean, mean0);
  checkUnchanged(label + " logVar", logVar, logVar0);
  // The generator advances by the draw of n normals, or not at all.
  const fresh = alloc16(16);
  rng_seed(fresh, 77, 0);
  const after = noise == NOISE_DRAW ? twinState : fresh;
  const c2 = new Check(label + " generator state");
  for (let w = 0; w < 4; w++) c2.same(w, load<f32>(state + (<usize>w << 2)), load<f32>(after + (<usize>w << 2)));
  c2.done();
  freeAll([mean, logVar, eps, z, mean0, logVar0, eps0, z0, drawn]);
}

function backwardCase(n: i32, c: f32): void {
  const dz = new Buf(n).fill(-1, 1), mean = new Buf(n).fill(-3, 3), logVar = new Buf(n).fill(-6, 4), eps = new Buf(n).fill(-2, 2);
  const dMean = new Buf(n), dLogVar = new Buf(n);
  const dMean0 = dMean.copy(), dLogVar0 = dLogVar.copy(), dz0 = dz.copy();
  sampling_backward(dMean.p, dLogVar.p, dz.p, mean.p, logVar.p, eps.p, n, c);
  const label = "sampling_backward" + sz("n", n) + " c=" + c.toString();
  const check = new Check(label);
  for (let i = 0; i < n; i++) {
    const s = Math.exp(logVar.get(i) / 2), g = dz.get(i);
    const wantMean = g + <f64>c * mean.get(i);
    const wantLogVar = g * 0.5 * s * eps.get(i) + <f64>c * 0.5 * (s * s - 1);
    check.near(i, dMean.get(i), wantMean, 1e-6 * (Math.abs(g) + Math.abs(<f64>c * mean.get(i))) + 1e-30);
    check.near(n + i, dLogVar.get(i), wantLogVar, 1e-6 * (Math.abs(g * s * eps.get(i)) + Math.abs(<f64>c) * (s * s + 1)) + 1e-30);
  }
  check.done();
  checkGuards(label + " dMean", dMean, dMean0);
  checkGuards(label + " dLogVar", dLogVar, dLogVar0);
  checkUnchanged(label + " dz", dz, dz0);
  freeAll([dz, mean, logVar, eps, dMean, dLogVar, dMean0, dLogVar0, dz0]);
}

function klCase(n: i32): void {
  const mean = new Buf(n).fill(-3, 3), logVar = new Buf(n).fill(-6, 4);
  let want: f64 = 0, scale: f64 = 0;
  for (let i = 0; i < n; i++) {
    const m = mean.get(i), v = logVar.get(i);
    want += -0.5 * (1 + v - m * m - Math.exp(v));
    scale += 1 + Math.abs(v) + m * m + Math.exp(v);
  }
  const c = new Check("kl_sum" + sz("n", n));
  c.near(0, kl_sum(mean.p, logVar.p, n), want, 1e-12 * scale);
  c.done();
  mean.free();
  logVar.free();
}

describe("sampling_forward", () => {
  it("draws ε from the generator, keeps a given ε, or takes ε = 0, on sizes with scalar tails", () => {
    seedTest(31);
    for (let k = 0; k < SIZES.length; k++) {
      forwardCase(SIZES[k], NOISE_DRAW);
      forwardCase(SIZES[k], NOISE_GIVEN);
      forwardCase(SIZES[k], NOISE_NONE);
    }
  });
});

describe("sampling_backward", () => {
  it("gives the heads' deltas from dL/dz and the KL term, on sizes with scalar tails", () => {
    seedTest(32);
    for (let k = 0; k < SIZES.length; k++) {
      backwardCase(SIZES[k], 0);
      backwardCase(SIZES[k], 0.25);
      backwardCase(SIZES[k], 3);
    }
  });
  it("the vector body and the scalar tail agree bit for bit on the same values", () => {
    seedTest(33);
    const n = 7;
    const dz = new Buf(n).fill(-1, 1), mean = new Buf(n).fill(-3, 3), logVar = new Buf(n).fill(-6, 4), eps = new Buf(n).fill(-2, 2);
    for (let i = 4; i < n; i++) {
      dz.set(i, dz.f(i - 4)); mean.set(i, mean.f(i - 4)); logVar.set(i, logVar.f(i - 4)); eps.set(i, eps.f(i - 4));
    }
    const dMean = new Buf(n), dLogVar = new Buf(n), z = new Buf(n);
    sampling_backward(dMean.p, dLogVar.p, dz.p, mean.p, logVar.p, eps.p, n, 0.5);
    sampling_forward(z.p, eps.p, mean.p, logVar.p, n, NOISE_GIVEN, 0);
    const c = new Check("body and tail");
    for (let i = 4; i < n; i++) {
      c.same(i, dMean.f(i), dMean.f(i - 4));
      c.same(n + i, dLogVar.f(i), dLogVar.f(i - 4));
      c.same(2 * n + i, z.f(i), z.f(i - 4));
    }
    c.done();
    freeAll([dz, mean, logVar, eps, dMean, dLogVar, z]);
  });
});

describe("kl_sum", () => {
  it("sums −½(1 + logVar − mean² − exp(logVar)) in f64", () => {
    seedTest(34);
    for (let k = 0; k < SIZES.length; k++) klCase(SIZES[k]);
  });
});

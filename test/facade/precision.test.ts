// precision 'exact' | 'fast': each build in a fresh process with relaxed SIMD on (Node 20 needs the V8 flag; later
// Nodes validate it by default and refuse the flag), trained from one seed on shapes with every tile's tail, against
// the plain build's exact bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Autoencoder } from 'wasm-autoencoder';
import { relaxedSimdAvailable } from '../../src/runtime/relaxed-simd.js';

const run = promisify(execFile);
const relaxedFlag = relaxedSimdAvailable() ? [] : ['--experimental-wasm-relaxed-simd'];

interface Outcome {
  precision: string;
  threads: number;
  probe: boolean;
  validates: boolean;
  losses: number[];
  weights: number[];
}

// Trains 37→[13, 6] (tails of every tile) on 45 rows, batches of BATCH (10: and a last one of 5; 45: whole, which
// threads split by rows), then returns the weights.
const training = `
  const rows = 45, cols = 37;
  const data = new Float32Array(rows * cols);
  let s = 7;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; data[i] = (s >>> 8) / 16777216 - 0.5; }
  const ae = new Autoencoder(cols, [13, 6], { seed: 5, precision: PRECISION, threads: THREADS, weightInit: 'glorot', optimizer: { name: OPTIMIZER } });
  const losses = [...ae.train({ rows, cols, data }, { epochs: 4, batchSize: BATCH, logEvery: 0 })];
  const w = ae.getWeights();
  const weights = Object.keys(w).sort().flatMap((name) => [...w[name].data]);
  const { relaxedSimdAvailable } = await import(${JSON.stringify(new URL('../../dist/runtime/relaxed-simd.js', import.meta.url).href)});
  const fastBytes = readFileSync(${JSON.stringify(new URL('../../build/autoencoder-fast.wasm', import.meta.url).pathname)});
  console.log(JSON.stringify({ precision: ae.precision, threads: ae.threads, probe: relaxedSimdAvailable(), validates: WebAssembly.validate(fastBytes), losses, weights }));
  ae.dispose();
`;

/**
 * Trains in a fresh process: on `build` through init() (the core entry; 'packaged': init() finds it), or on what the
 * Node entry loads.
 */
async function train(options: { build?: string; precision: 'exact' | 'fast'; threads?: number; batchSize?: number; optimizer?: string; relaxed: boolean }): Promise<Outcome> {
  const source = options.build === 'packaged' ? '' : `{ wasm: ${JSON.stringify(`build/${options.build}`)} }`;
  const load = options.build
    ? `const { init, Autoencoder } = await import('wasm-autoencoder/core'); await init(${source});`
    : `const { Autoencoder } = await import('wasm-autoencoder');`;
  const script = `import { readFileSync } from 'node:fs'; ${load}
    ${training.replace('PRECISION', `'${options.precision}'`).replace('THREADS', String(options.threads ?? 1)).replace('BATCH', String(options.batchSize ?? 10)).replace('OPTIMIZER', `'${options.optimizer ?? 'rmsprop'}'`)}`;
  const flags = options.relaxed ? relaxedFlag : [];
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', script]);
  return JSON.parse(stdout) as Outcome;
}

test("precision: 'exact' by default; a bad value is refused by name; fromBytes takes it", () => {
  const ae = new Autoencoder(4, 2);
  assert.equal(ae.precision, 'exact');
  assert.throws(() => new Autoencoder(4, 2, { precision: 'fastest' as 'fast' }), /precision must be 'exact' or 'fast', got 'fastest'/);
  assert.throws(() => Autoencoder.fromBytes(ae.toBytes(), { precision: 1 as unknown as 'fast' }), /precision must be 'exact' or 'fast', got 1/);
  const fast = Autoencoder.fromBytes(ae.toBytes(), { precision: 'fast' });
  // This process has relaxed SIMD or not: the model says which precision it runs.
  assert.equal(fast.precision, relaxedSimdAvailable() ? 'fast' : 'exact');
  ae.dispose();
  fast.dispose();
});

test('the relaxed-SIMD probe agrees with what WebAssembly says of the fast build, with relaxed SIMD on and off', async () => {
  const on = await train({ build: 'autoencoder.wasm', precision: 'exact', relaxed: true });
  assert.equal(on.probe, true);
  assert.equal(on.validates, true);
  if (relaxedFlag.length === 0) return; // this Node has relaxed SIMD whatever its flags
  const off = await train({ build: 'autoencoder.wasm', precision: 'exact', relaxed: false });
  assert.deepEqual([off.probe, off.validates], [false, false]);
});

test("'exact' gives the plain build's bits in the fast build; 'fast' fuses (other bits, close) where relaxed SIMD is on, and asks in vain where it is off", async () => {
  const plain = await train({ build: 'autoencoder.wasm', precision: 'exact', relaxed: true });
  const exactInFast = await train({ build: 'autoencoder-fast.wasm', precision: 'exact', relaxed: true });
  const fast = await train({ build: 'autoencoder-fast.wasm', precision: 'fast', relaxed: true });
  const fastInPlain = await train({ build: 'autoencoder.wasm', precision: 'fast', relaxed: true });
  assert.equal(plain.precision, 'exact');
  assert.deepEqual(exactInFast.weights, plain.weights);
  assert.deepEqual(exactInFast.losses, plain.losses);
  // The plain build has no fused products: a 'fast' model there runs exact, says so, and gives exact bits.
  assert.equal(fastInPlain.precision, 'exact');
  assert.deepEqual(fastInPlain.weights, plain.weights);
  // Fused: one rounding per multiply-add instead of two. V8 emits FMA on x86-64 with FMA3 and on ARM64; on a CPU
  // without FMA relaxed_madd may round twice, and this inequality would not hold there.
  assert.equal(fast.precision, 'fast');
  assert.notDeepEqual(fast.weights, plain.weights);
  const worst = Math.max(...fast.weights.map((w, i) => Math.abs(w - plain.weights[i]!) / (1e-3 + Math.abs(plain.weights[i]!))));
  assert.ok(worst < 1e-3, `fast weights within 1e-3 (relative) of exact after 20 steps, worst ${worst}`);
  fast.losses.forEach((loss, i) => assert.ok(Math.abs(loss - plain.losses[i]!) <= 1e-5 * plain.losses[i]!, `epoch ${i + 1}: ${loss} vs ${plain.losses[i]}`));
});

test("the Node entry loads the fast twin where relaxed SIMD is on: 'fast' with 1, 2 and 3 threads gives the same bits", async () => {
  const one = await train({ precision: 'fast', threads: 1, relaxed: true });
  const two = await train({ precision: 'fast', threads: 2, relaxed: true });
  assert.deepEqual([one.precision, two.precision, two.threads], ['fast', 'fast', 2]);
  assert.deepEqual(two.weights, one.weights);
  // Whole batches of 45 with Adam (every weight gradient a product of its own): threads split products by rows, some
  // into parts short enough to be taken unpacked (13→6's weight gradient on 3 threads: 4, 4 and 5 rows) where one
  // thread packs all 13; every column of either path is fused.
  const whole = await train({ precision: 'fast', threads: 1, batchSize: 45, optimizer: 'adam', relaxed: true });
  for (const threads of [2, 3]) {
    const split = await train({ precision: 'fast', threads, batchSize: 45, optimizer: 'adam', relaxed: true });
    assert.deepEqual(split.weights, whole.weights, `${threads} threads`);
  }
  const exact = await train({ precision: 'exact', threads: 2, relaxed: true });
  assert.equal(exact.precision, 'exact');
  assert.notDeepEqual(exact.weights, one.weights);
});

test("init() without a source finds the fast twin where relaxed SIMD is on, and the plain build where it is off", async () => {
  const on = await train({ build: 'packaged', precision: 'fast', relaxed: true });
  assert.equal(on.precision, 'fast');
  if (relaxedFlag.length === 0) return; // this Node has relaxed SIMD whatever its flags
  const off = await train({ build: 'packaged', precision: 'fast', relaxed: false });
  assert.equal(off.precision, 'exact');
  assert.notDeepEqual(off.weights, on.weights);
});

test('wasm-autoencoder/wasm-fast is the fast twin (trained on above through init), for runtimes that hand modules in', () => {
  const exported = import.meta.resolve('wasm-autoencoder/wasm-fast');
  assert.ok(exported.endsWith('/build/autoencoder-fast.wasm'), exported);
});

// `npm run bench`: wasm-autoencoder against TensorFlow.js (wasm and cpu backends) in the same run, one thread.
// Prints markdown tables; `npm run bench -- --write` also records them in bench/RESULTS.md.
import './relaxed-simd-flag.js';
import { writeFileSync } from 'node:fs';
import { Autoencoder, bindData, memoryBytes, type Matrix } from '../src/entries/node.js';
import { iris } from '../src/datasets/index.js';
import { getRuntime } from '../src/runtime/wasm.js';
import { makeTfAutoencoder, makeTfDeepAutoencoder, tfSgemm, useTfBackend, type TfBackend } from './tfjs.js';
import { ourSgemm, type GemmShape } from './sgemm.js';
import { startTorch, type Torch } from './pytorch.js';
import { measureCeilings, type Ceilings } from './ceiling.js';
import { peakRss } from './peak-rss.js';
import { dataTable } from './data.js';
import { sizeTable } from './size.js';
import { describeMachine } from './machine.js';
import { fmt, medians, trainingFlopsPerSample } from './timing.js';
import { vaeTable } from './vae.js';
import { autoencoderLayers } from '../src/model/parameters.js';

const ROWS = 5000;
const INPUT = 3072;
const HIDDEN = 100;
const FLOPS_PER_SAMPLE = (input: number, hidden: number) => 10 * input * hidden; // 2 forward + 3 backward products

/** Pseudo-random raw pixels 0–255, like the chapter's CIFAR rows: with N(0, 1) weights every tanh unit saturates. */
function rawPixels(rows: number, cols: number): Matrix<Uint8Array> {
  const data = new Uint8Array(rows * cols);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return { rows, cols, data };
}

/**
 * The same pixels centred and scaled to ±1/32: with 3072 inputs and N(0, 1) weights the pre-activations have a
 * standard deviation near 1, so no tanh unit saturates and every gradient is non-zero (no work is skipped).
 */
function unsaturated(pixels: Matrix<Uint8Array>): Matrix<Float32Array> {
  return { rows: pixels.rows, cols: pixels.cols, data: Float32Array.from(pixels.data, (p) => (p - 127.5) / (255 * 16)) };
}

/** The precisions to measure: 'fast' too where the loaded build has fused products (relaxed-simd-flag.ts). */
const PRECISIONS: readonly ('exact' | 'fast')[] = getRuntime().abi.fusedAvailable ? ['exact', 'fast'] : ['exact'];

/** Samples per second of each runner: the median over rounds in which the runners take turns (order alternating). */
interface Runner {
  name: string;
  /** Samples one call of `seconds` trains. */
  samples: number;
  seconds: () => Promise<number> | number;
}

async function alternating(runners: Runner[], rounds = 7): Promise<Map<string, number>> {
  const rates = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  for (const runner of runners) await runner.seconds(); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const runner of round % 2 ? [...runners].reverse() : runners) rates.get(runner.name)!.push(runner.samples / (await runner.seconds()));
  }
  return new Map([...rates].map(([name, r]) => [name, r.sort((a, b) => a - b)[r.length >> 1]!]));
}

async function trainingTable(pixels: Matrix<Uint8Array>, torch: Torch | string): Promise<string> {
  const friendly = unsaturated(pixels);
  const floats = Float32Array.from(pixels.data);
  const rows: string[] = [];
  const cases = [
    { data: 'raw 0–255', batch: 1, steps: 200, torchSteps: 100, tfSteps: { wasm: 20, cpu: 2 } },
    { data: 'raw 0–255', batch: 10, steps: 100, torchSteps: 50, tfSteps: { wasm: 10, cpu: 1 } },
    { data: 'raw 0–255', batch: 100, steps: 20, torchSteps: 20, tfSteps: { wasm: 2, cpu: 1 } },
    { data: 'centred ±1/32', batch: 1, steps: 200, torchSteps: 100, tfSteps: { wasm: 20, cpu: 0 } },
    { data: 'centred ±1/32', batch: 10, steps: 100, torchSteps: 50, tfSteps: { wasm: 10, cpu: 0 } },
    { data: 'centred ±1/32', batch: 100, steps: 20, torchSteps: 20, tfSteps: { wasm: 2, cpu: 0 } },
  ] as const;
  for (const c of cases) {
    const source = c.data === 'raw 0–255' ? pixels : friendly;
    const bound = bindData(source);
    const models = PRECISIONS.flatMap((precision) => [1, 2].map((threads) => new Autoencoder(INPUT, HIDDEN, { seed: 1, threads, precision })));
    const runners: Runner[] = models.map((ae) => ({
      name: `${ae.precision}${ae.threads}`,
      samples: c.batch * c.steps,
      seconds: () => seconds(() => ae.train(bound, { epochs: 1, batchSize: c.batch, batchesPerEpoch: c.steps, logEvery: 0 })),
    }));
    if (typeof torch !== 'string') {
      await torch.model(c.data === 'raw 0–255' ? 'raw' : 'centred', INPUT, HIDDEN);
      for (const threads of [1, 2]) runners.push({ name: `torch${threads}`, samples: c.batch * c.torchSteps, seconds: () => torch.run(c.batch, c.torchSteps, threads) });
    }
    const rates = await alternating(runners);
    for (const ae of models) ae.dispose();
    bound.dispose();
    const tf: Partial<Record<TfBackend, number>> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      const steps = c.tfSteps[backend];
      if (steps === 0) continue;
      await useTfBackend(backend);
      const model = makeTfAutoencoder({ data: c.data === 'raw 0–255' ? floats : friendly.data, rows: ROWS, inputDim: INPUT, hiddenDim: HIDDEN, batchSize: c.batch });
      const timed = await medians([{ name: backend, perIteration: c.batch * steps, fn: () => { for (let s = 0; s < steps; s++) model.step(); } }], backend === 'cpu' ? 500 : 1500);
      model.dispose();
      tf[backend] = (c.batch * steps) / timed.get(backend)!;
    }
    const samples = rates.get('exact1')!, twoThreads = rates.get('exact2')!;
    const fast1 = rates.get('fast1') ?? NaN, fast2 = rates.get('fast2') ?? NaN;
    const best = Math.max(samples, twoThreads, fast1, fast2);
    const gflops = (best * FLOPS_PER_SAMPLE(INPUT, HIDDEN)) / 1e9;
    const wasm = tf.wasm ?? NaN;
    const torchBest = Math.max(rates.get('torch1') ?? NaN, rates.get('torch2') ?? NaN);
    const torchCells = typeof torch === 'string'
      ? '– | – | – | –'
      : `${fmt(rates.get('torch1')!)} | ${fmt(rates.get('torch2')!)} | ${fmt(Math.max(samples, twoThreads) / torchBest, 2)}× | **${fmt(best / torchBest, 2)}×**`;
    rows.push(
      `| 3072→100, ${c.data} | ${c.batch} | ${fmt(samples)} | ${fmt(twoThreads)} | ${fmt(twoThreads / samples, 2)}× | ${fmt(fast1)} | ${fmt(fast2)} | ${fmt(gflops, 1)} | ${torchCells} | ${fmt(wasm)} | ${tf.cpu === undefined ? '–' : fmt(tf.cpu, 1)} | ${fmt(samples / wasm, 1)}× |`,
    );
    console.log(rows.at(-1));
  }
  rows.push(await irisRow());
  console.log(rows.at(-1));
  return [
    '| model, data | batch | ours 1 thread | ours 2 threads | 2 / 1 | ours fast, 1 thread | ours fast, 2 threads | ours best GFLOP/s | PyTorch 1 thread | PyTorch 2 threads | ours exact best / PyTorch best | ours best / PyTorch best | TF.js-wasm | TF.js-cpu | ours 1 thread / TF.js-wasm |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Seconds `run` takes. */
function seconds(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

async function irisRow(): Promise<string> {
  const ae = new Autoencoder(4, 1);
  const ours = await medians([{ name: 'ours', perIteration: 150 * 250, fn: () => ae.train(iris, { epochs: 250, logEvery: 0 }) }]);
  ae.dispose();
  const samples = (150 * 250) / ours.get('ours')!;
  const tf: Partial<Record<TfBackend, number>> = {};
  for (const backend of ['wasm', 'cpu'] as const) {
    await useTfBackend(backend);
    const model = makeTfAutoencoder({ data: iris.data as Float32Array, rows: 150, inputDim: 4, hiddenDim: 1, batchSize: 1 });
    const timed = await medians([{ name: backend, perIteration: 150, fn: () => { for (let s = 0; s < 150; s++) model.step(); } }]);
    model.dispose();
    tf[backend] = 150 / timed.get(backend)!;
  }
  const ms = ours.get('ours')! * 1000;
  return `| iris 4→1→4 (250 epochs in ${fmt(ms, 2)} ms) | 1 | ${fmt(samples)} | – | – | – | – | ${fmt((samples * FLOPS_PER_SAMPLE(4, 1)) / 1e9, 2)} | – | – | – | – | ${fmt(tf.wasm!)} | ${fmt(tf.cpu!)} | ${fmt(samples / tf.wasm!, 1)}× |`;
}

/** The five products of a 3072→100 training step at `batch` rows. */
function stepProducts(batch: number): (GemmShape & { label: string })[] {
  const b = batch;
  return [
    { label: `X·W₁: (${b}×3072)·(3072×100)`, M: b, N: 100, K: 3072, transposeA: false, transposeB: false },
    { label: `H·W₂: (${b}×100)·(100×3072)`, M: b, N: 3072, K: 100, transposeA: false, transposeB: false },
    { label: `δ·W₂ᵀ: (${b}×3072)·(100×3072)ᵀ`, M: b, N: 100, K: 3072, transposeA: false, transposeB: true },
    { label: `Xᵀ·δh: (${b}×3072)ᵀ·(${b}×100)`, M: 3072, N: 100, K: b, transposeA: true, transposeB: false },
    { label: `Hᵀ·δ: (${b}×100)ᵀ·(${b}×3072)`, M: 100, N: 3072, K: b, transposeA: true, transposeB: false },
  ];
}

async function sgemmTable(ceilings: Ceilings): Promise<string> {
  await useTfBackend('wasm');
  const rows: string[] = [];
  for (const batch of [10, 100]) {
    for (const shape of stepProducts(batch)) {
      const ours = ourSgemm(shape);
      const fused = ourSgemm(shape, true);
      const theirs = tfSgemm(shape);
      const reps = batch === 10 ? 100 : 20;
      const t = await medians([
        { name: 'ours', perIteration: reps, fn: () => { for (let r = 0; r < reps; r++) ours.run(); } },
        { name: 'fused', perIteration: reps, fn: () => { for (let r = 0; r < reps; r++) fused.run(); } },
        { name: 'tf', perIteration: reps, fn: () => { for (let r = 0; r < reps; r++) theirs.run(); } },
      ], 1000);
      ours.dispose();
      fused.dispose();
      theirs.dispose();
      const flops = 2 * shape.M * shape.N * shape.K * reps;
      const g = (name: string) => flops / t.get(name)! / 1e9;
      const fma = typeof ceilings.fma === 'number' && PRECISIONS.includes('fast') ? `${fmt(g('fused'), 1)} | ${fmt((100 * g('fused')) / ceilings.fma)} %` : '– | –';
      rows.push(`| ${shape.label} | ${fmt(g('ours'), 1)} | ${fmt((100 * g('ours')) / ceilings.mulAdd)} % | ${fma} | ${fmt(g('tf'), 1)} | ${fmt(g('ours') / g('tf'), 1)}× |`);
      console.log(rows.at(-1));
    }
  }
  return [
    '| product | ours GFLOP/s | of the mul+add ceiling | ours fast GFLOP/s | of the FMA ceiling | TF.js-wasm GFLOP/s (incl. reading C back) | ours / TF.js |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** The ceilings as the report states them. */
function ceilingLine(ceilings: Ceilings): string {
  const fma = typeof ceilings.fma === 'string' ? ceilings.fma : `**${fmt(ceilings.fma, 1)} GFLOP/s**`;
  return `This core's f32x4 ceiling (bench/assembly/ceiling.ts: 12 independent chains in registers, no memory): multiply then add **${fmt(ceilings.mulAdd, 1)} GFLOP/s**; relaxed-SIMD fused multiply-add ${fma}.`;
}

/**
 * The chapter's horse job (1024 → 100, 5,000 rows, 250 epochs, batch 1; here on centred values, so that every
 * product runs): one epoch of ours (each precision on 1 thread, exact on 2) and of PyTorch (1 thread, its best at
 * batch 1) in turns, times 250.
 */
async function horseLine(pixels: Matrix<Uint8Array>, torch: Torch | string): Promise<string> {
  const inputs = 1024, epochs = 250;
  const friendly = unsaturated(pixels);
  const data = new Float32Array(ROWS * inputs);
  for (let r = 0; r < ROWS; r++) data.set(friendly.data.subarray(r * INPUT, r * INPUT + inputs), r * inputs);
  const bound = bindData({ rows: ROWS, cols: inputs, data });
  const models = [...PRECISIONS.map((precision) => new Autoencoder(inputs, HIDDEN, { seed: 1, precision })), new Autoencoder(inputs, HIDDEN, { seed: 1, threads: 2 })];
  const runners: Runner[] = models.map((ae) => ({ name: `${ae.precision}${ae.threads}`, samples: ROWS, seconds: () => seconds(() => ae.train(bound, { epochs: 1, batchSize: 1, logEvery: 0 })) }));
  if (typeof torch !== 'string') {
    await torch.model('centred', inputs, HIDDEN);
    runners.push({ name: 'torch', samples: ROWS, seconds: () => torch.run(1, ROWS, 1) });
  }
  const rates = await alternating(runners, 3);
  for (const ae of models) ae.dispose();
  bound.dispose();
  const minutes = (name: string) => `${fmt((epochs * ROWS) / rates.get(name)! / 60, 1)} min`;
  const theirs = typeof torch === 'string' ? '' : `; PyTorch, 1 thread: ${minutes('torch')}`;
  const fast = rates.has('fast1') ? `, fast on 1 thread **${minutes('fast1')}**` : '';
  const two = rates.has('exact2') ? `, exact on 2 threads **${minutes('exact2')}**` : '';
  return `The chapter's horse job (1024 → 100, 5,000 rows, 250 epochs, batch 1, centred values; one epoch timed, 3 rounds, × 250): ours exact on 1 thread **${minutes('exact1')}**${fast}${two}${theirs}.`;
}

const DEEP = [784, 256, 64];
const DEEP_BATCH = 32;

/** Flops of one training sample through the mirrored model of encoder widths `dims`: forward, weight and input gradients. */
function deepFlopsPerSample(dims: number[]): number {
  const layers = autoencoderLayers(dims[0]!, dims.slice(1), { activation: 'relu', outputActivation: 'linear' });
  return trainingFlopsPerSample(layers.map((layer) => layer.inDim * layer.outDim));
}

/**
 * The deep model 784 → 256 → 64 → 256 → 784 (relu, linear output, RMSE) at batch 32 against the same model in
 * TF.js-wasm, and our sgemm on a 512³ product as the machine's sgemm rate in this run.
 */
async function deepTable(): Promise<string> {
  const rows = 2048;
  const pixels = rawPixels(rows, DEEP[0]!);
  const data = { rows, cols: DEEP[0]!, data: Float32Array.from(pixels.data, (p) => p / 255) };
  const square = ourSgemm({ M: 512, N: 512, K: 512, transposeA: false, transposeB: false });
  const sgemm = await medians([{ name: 'sgemm', perIteration: 1, fn: () => square.run() }], 1000);
  square.dispose();
  const machine = (2 * 512 ** 3) / sgemm.get('sgemm')! / 1e9;
  const steps = 40;
  const bound = bindData(data);
  const timedOurs = async (optimizer: 'adam' | 'rmsprop') => {
    const ae = new Autoencoder(DEEP[0]!, DEEP.slice(1), { activation: 'relu', optimizer: { name: optimizer }, weightInit: 'glorot' });
    const t = await medians([{ name: optimizer, perIteration: 1, fn: () => ae.train(bound, { epochs: 1, batchSize: DEEP_BATCH, batchesPerEpoch: steps, shuffle: false, logEvery: 0 }) }]);
    ae.dispose();
    return (DEEP_BATCH * steps) / t.get(optimizer)!;
  };
  const adam = await timedOurs('adam');
  const rmsprop = await timedOurs('rmsprop');
  bound.dispose();
  await useTfBackend('wasm');
  const model = makeTfDeepAutoencoder({ data: data.data, rows, dims: DEEP, batchSize: DEEP_BATCH });
  const tfSteps = 10;
  const tfTime = await medians([{ name: 'tf', perIteration: 1, fn: () => { for (let s = 0; s < tfSteps; s++) model.step(); } }]);
  model.dispose();
  const tfSamples = (DEEP_BATCH * tfSteps) / tfTime.get('tf')!;
  const flops = deepFlopsPerSample(DEEP);
  const row = (what: string, samples: number) =>
    `| ${what} | ${fmt(samples)} | ${fmt((samples * flops) / 1e9, 1)} | ${fmt((100 * samples * flops) / 1e9 / machine)} % | ${fmt(samples / tfSamples, 1)}× |`;
  return [
    `Our sgemm on a 512×512×512 product, the machine's sgemm rate in this run: **${fmt(machine, 1)} GFLOP/s**.`,
    '',
    '| 784→256→64→256→784, relu, batch 32 | samples/s | GFLOP/s | of the sgemm rate | ours / TF.js-wasm (Adam) |',
    '|---|---:|---:|---:|---:|',
    row('ours, Adam', adam),
    row('ours, RMSProp', rmsprop),
    row('TF.js-wasm, Adam', tfSamples),
  ].join('\n');
}

/** Memory for a bound 5000×3072 set and the 3072→100 model training at batch 100, against the budget. */
function memoryLine(pixels: Matrix<Uint8Array>): string {
  const bound = bindData(pixels);
  const ae = new Autoencoder(INPUT, HIDDEN);
  ae.train(bound, { epochs: 1, batchSize: 100, batchesPerEpoch: 1, logEvery: 0 });
  const used = memoryBytes();
  ae.dispose();
  bound.dispose();
  const data = ROWS * INPUT; // pixels stay one byte a value
  const params = 2 * INPUT * HIDDEN + INPUT + HIDDEN;
  const budget = data + 4 * params * 4 + 16 * 2 ** 20;
  const mib = (n: number) => `${fmt(n / 2 ** 20, 1)} MiB`;
  return `WebAssembly memory with a bound 5000×3072 set of pixels (bytes, ${mib(data)}) and the 3072→100 model after a batch-100 step: **${mib(used)}** (budget: data + 4 × parameters + 16 MiB = ${mib(budget)}).`;
}

const pixels = rawPixels(ROWS, INPUT);
const memory = memoryLine(pixels); // first, while the module's memory holds nothing else
console.log(memory);
const torch = await startTorch(pixels);
const rss = peakRss(pixels, typeof torch !== 'string');
const rssLine =
  `Peak resident memory of the same job in fresh processes (bind the 5000×3072 pixels, 50 steps at batch 100): ours **${fmt(rss.ours / 2 ** 20, 1)} MiB**` +
  (rss.torch === undefined ? ' (PyTorch not measured).' : `, PyTorch ${fmt(rss.torch / 2 ** 20, 1)} MiB: **${fmt(rss.ours / rss.torch, 2)}×**.`);
console.log(rssLine);
const torchLine =
  typeof torch === 'string'
    ? torch
    : `${torch.describe}, 1 and 2 threads (torch.set_num_threads), the same model, data and random batches, timed inside Python around the steps; its runs and ours take turns, 7 rounds, medians.`;
console.log(torchLine);
const training = await trainingTable(pixels, torch);
const horse = await horseLine(pixels, torch);
console.log(horse);
if (typeof torch !== 'string') torch.close();
const ceilings = measureCeilings();
console.log(ceilingLine(ceilings));
const sgemm = await sgemmTable(ceilings);
const deep = await deepTable();
console.log(deep);
const vae = await vaeTable();
console.log(vae);
const data = await dataTable();
console.log(data);
const size = await sizeTable();
console.log(size);
const report = `# Benchmark results

Command: \`npm run bench -- --write\` (medians; TF.js measured in the same run, one thread: TF.js-wasm runs one
thread under Node whatever \`setThreadsCount\` says). Ours runs the Node entry's threaded build, with \`threads: 1\`
and \`threads: 2\`, in \`precision: 'exact'\` (the default: the same bits on every machine) and \`'fast'\` (fused
multiply-adds: relaxed SIMD, on by default from Node 22; bench/relaxed-simd-flag.ts turns it on in Node 20), all taking
turns with PyTorch. Throughput columns are samples/s.

Native PyTorch: ${torchLine}

Machine: ${describeMachine()}.
Model: the chapter's autoencoder (tanh encoder, linear decoder, RMSE loss, RMSProp lr 0.001 ρ 0.9 ε 1e-10);
TF.js with \`tf.train.rmsprop(0.001, 0.9, 0, 1e-10)\` on the same shapes. Our batches > 1 are drawn at random
(a gather copy per step), TF.js's are pre-sliced tensors. GFLOP/s counts the five products of a step
(10 · in · hidden flops per sample), whether or not they run: raw 0–255 pixels (the chapter's CIFAR setting)
saturate nearly every tanh unit, and we skip the backward products of units whose derivative is exactly 0,
so that row can exceed the machine's peak. Centred pixels scaled to ±1/32 saturate nothing: every product
runs there.

## Training throughput

${training}

${horse}

## A deep model

${deep}

GFLOP/s counts the products a step needs: forward, weight gradients, and the gradients passed down (none to
the data), ${fmt(deepFlopsPerSample(DEEP))} flops per sample. Batches are consecutive rows in both.

## A variational autoencoder

${vae}

The model of examples/vae-fashion-mnist.ts (relu, sigmoid output, BCE summed over each row + KL, Adam, Glorot) on
2,000 blob pictures of 28×28 in [0, 1], consecutive batches; TF.js the same layers and loss written with its ops, ε
drawn by \`tf.randomNormal\` each step. GFLOP/s counts the dense products (forward, weight gradients, gradients
passed down).

## The products of a training step (3072→100, batches 10 and 100)

${ceilingLine(ceilings)}

${sgemm}

## Memory

${memory}

${rssLine}

## Reading data

${data}

## Size

${size}
`;
if (process.argv.includes('--write')) {
  writeFileSync(new URL('./RESULTS.md', import.meta.url), report);
  console.log('wrote bench/RESULTS.md');
} else {
  console.log(`\n${report}`);
}

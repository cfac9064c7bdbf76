// ONNX in a real browser: a page built with Vite (importing wasm-autoencoder and wasm-autoencoder/onnx as an app
// would) exports every model kind and part and runs them in onnxruntime-web (its wasm backend) in Debian's
// Chromium; the outputs match test/encode/decode within 1e-5 relative to max(1, |value|).
// The page is written at run time into a git-ignored folder (*.tmp) beside the other pages, so that it resolves
// the package and onnxruntime-web as they do, and removed afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_BROWSER, withPage } from '../browser/harness.js';

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>wasm-autoencoder: ONNX in onnxruntime-web</title>
<script type="module" src="./main.ts"></script>
<pre id="status">running…</pre>
`;

const PAGE_MAIN = String.raw`
import * as ort from 'onnxruntime-web/wasm';
import { Autoencoder, VariationalAutoencoder } from 'wasm-autoencoder';
import { toOnnx } from 'wasm-autoencoder/onnx';

type Model = Autoencoder | VariationalAutoencoder;
interface Run { label: string; part: string; inputNames: readonly string[]; outputNames: readonly string[]; worst: number; batches: number[] }
const state: { runs: Run[]; error?: string; done?: boolean } = { runs: [] };
(window as unknown as { state: typeof state }).state = state;
ort.env.wasm.numThreads = 1;

const rows = (count: number, cols: number, seed: number) =>
  Array.from({ length: count }, (_, r) => Array.from({ length: cols }, (_, c) => 0.5 + 0.5 * Math.sin(seed * 7.3 + r * cols + c)));

function ours(model: Model, part: string, x: number[][]): Record<string, Float32Array> {
  if (model instanceof Autoencoder) {
    if (part === 'autoencoder') return { reconstruction: model.test(x).reconstructed.data };
    return part === 'encoder' ? { code: model.encode(x).data } : { reconstruction: model.decode(x).data };
  }
  if (part === 'decoder') return { reconstruction: model.decode(x).data };
  const { mean, logVar } = model.encode(x);
  return part === 'encoder' ? { mean: mean.data, log_var: logVar.data } : { reconstruction: model.decode(mean).data, mean: mean.data, log_var: logVar.data };
}

try {
  const models: [string, Model][] = [
    ['Autoencoder 5 → 3', new Autoencoder(5, 3, { seed: 2 })],
    ['Autoencoder 9 → [6, 4, 3] relu/sigmoid', new Autoencoder(9, [6, 4, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 3 })],
    ['Autoencoder 7 → [5, 2] elu/leakyRelu', new Autoencoder(7, [5, 2], { activation: 'elu', outputActivation: 'leakyRelu', seed: 4 })],
    ['VAE 6 → 2', new VariationalAutoencoder(6, 2, { seed: 7 })],
    ['VAE 48 → [24] → 3', new VariationalAutoencoder(48, 3, { hidden: [24], activation: 'relu', outputActivation: 'sigmoid', seed: 8 })],
  ];
  for (const [label, model] of models) {
    model.train(rows(24, model.inputDim, 1), { epochs: 2, batchSize: 6, logEvery: 0 });
    for (const part of ['autoencoder', 'encoder', 'decoder']) {
      const session = await ort.InferenceSession.create(toOnnx(model, { part: part as 'autoencoder' }));
      const run: Run = { label, part, inputNames: session.inputNames, outputNames: session.outputNames, worst: 0, batches: [] };
      const width = part === 'decoder' ? (model instanceof Autoencoder ? model.hidden.at(-1)! : model.latentDim) : model.inputDim;
      for (const batch of [1, 9]) {
        const x = rows(batch, width, batch);
        const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x.flat()), [batch, width]) });
        for (const [name, expected] of Object.entries(ours(model, part, x))) {
          const got = result[name]!.data as Float32Array;
          if (got.length !== expected.length) throw new Error(label + ' ' + part + ': ' + name + ' has ' + got.length + ' values, expected ' + expected.length);
          expected.forEach((e, i) => (run.worst = Math.max(run.worst, Math.abs(got[i]! - e) / Math.max(1, Math.abs(e)))));
        }
        run.batches.push(batch);
      }
      await session.release();
      state.runs.push(run);
    }
    model.dispose();
  }
} catch (error) {
  state.error = String(error);
}
state.done = true;
document.getElementById('status')!.textContent = JSON.stringify(state);
`;

interface Run { label: string; part: string; inputNames: string[]; outputNames: string[]; worst: number; batches: number[] }

test('Chromium: every model kind and part runs in onnxruntime-web (wasm) and matches test, encode and decode within 1e-5', { skip: NO_BROWSER, timeout: 180_000 }, async () => {
  const page = join('test', 'browser', `onnx-page-${process.pid}.tmp`);
  mkdirSync(page, { recursive: true });
  const remove = () => rmSync(page, { recursive: true, force: true });
  process.once('exit', remove);
  try {
    writeFileSync(join(page, 'index.html'), PAGE_HTML);
    writeFileSync(join(page, 'main.ts'), PAGE_MAIN);
    await withPage(page, async (p) => {
      await p.waitForFunction(() => (window as unknown as { state?: { done?: boolean } }).state?.done === true, undefined, { timeout: 120_000 });
      const state = await p.evaluate(() => (window as unknown as { state: { runs: Run[]; error?: string } }).state);
      assert.equal(state.error, undefined);
      assert.equal(state.runs.length, 5 * 3);
      for (const run of state.runs) {
        const vae = run.label.startsWith('VAE');
        const names = {
          autoencoder: [['input'], vae ? ['reconstruction', 'mean', 'log_var'] : ['reconstruction']],
          encoder: [['input'], vae ? ['mean', 'log_var'] : ['code']],
          decoder: [['code'], ['reconstruction']],
        }[run.part as 'autoencoder'];
        assert.deepEqual([run.inputNames, run.outputNames], names, `${run.label}, ${run.part}`);
        assert.deepEqual(run.batches, [1, 9]);
        assert.ok(run.worst <= 1e-5, `${run.label}, ${run.part}: worst error ${run.worst}`);
      }
    });
  } finally {
    remove();
  }
});

// init({ wasm }) for runtimes that hand the module in: each form of source, in a fresh process that imports
// 'wasm-autoencoder/core' (the entry that loads nothing by itself), then trains a little.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const wasmPath = resolve('build/autoencoder.wasm');

const sources: Record<string, string> = {
  'a WebAssembly.Module': `await WebAssembly.compile(readFileSync(${JSON.stringify(wasmPath)}))`,
  'bytes (Uint8Array)': `new Uint8Array(readFileSync(${JSON.stringify(wasmPath)}))`,
  'an ArrayBuffer': `new Uint8Array(readFileSync(${JSON.stringify(wasmPath)})).slice().buffer`,
  'a Response': `new Response(readFileSync(${JSON.stringify(wasmPath)}))`,
  'a URL': `new URL(${JSON.stringify(pathToFileURL(wasmPath).href)})`,
  'a path': JSON.stringify('build/autoencoder.wasm'),
};

for (const [what, expression] of Object.entries(sources)) {
  test(`init({ wasm: ${what} })`, async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const { init, Autoencoder, WasmNotReadyError } = await import('wasm-autoencoder/core');
      let before = 'constructed';
      try { new Autoencoder(2, 1); } catch (error) { before = error instanceof WasmNotReadyError ? 'not ready' : String(error); }
      await init({ wasm: ${expression} });
      const ae = new Autoencoder(2, 1, { seed: 3 });
      const history = ae.train([[1, 2], [3, 4]], { epochs: 3, logEvery: 0 });
      console.log(JSON.stringify({ before, epochs: history.length }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    assert.deepEqual(JSON.parse(stdout), { before: 'not ready', epochs: 3 });
  });
}

// init({ wasm }) for runtimes that hand the module in: each form of source, in a fresh process that imports
// 'wasm-autoencoder/core' (the entry that loads nothing by itself), then trains a little. A module compiled in
// another realm is how Next.js's and Vercel's edge sandboxes hand it in; init() alone reads the packaged file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const wasmPath = resolve('build/autoencoder.wasm');

const bytes = `readFileSync(${JSON.stringify(wasmPath)})`;
const calls: Record<string, string> = {
  'init({ wasm: a WebAssembly.Module })': `{ wasm: await WebAssembly.compile(${bytes}) }`,
  'init({ wasm: a WebAssembly.Module from another realm })': `{ wasm: runInNewContext('new WebAssembly.Module(bytes)', { bytes: ${bytes} }) }`,
  'init({ wasm: bytes (Uint8Array) })': `{ wasm: new Uint8Array(${bytes}) }`,
  'init({ wasm: an ArrayBuffer })': `{ wasm: new Uint8Array(${bytes}).slice().buffer }`,
  'init({ wasm: a Response })': `{ wasm: new Response(${bytes}) }`,
  'init({ wasm: a URL })': `{ wasm: new URL(${JSON.stringify(pathToFileURL(wasmPath).href)}) }`,
  'init({ wasm: a path })': `{ wasm: ${JSON.stringify('build/autoencoder.wasm')} }`,
  'init() finds the packaged .wasm': '',
};

for (const [what, argument] of Object.entries(calls)) {
  test(what, async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { runInNewContext } from 'node:vm';
      const { init, Autoencoder, WasmNotReadyError } = await import('wasm-autoencoder/core');
      let before = 'constructed';
      try { new Autoencoder(2, 1); } catch (error) { before = error instanceof WasmNotReadyError ? 'not ready' : String(error); }
      await init(${argument});
      const ae = new Autoencoder(2, 1, { seed: 3 });
      const history = ae.train([[1, 2], [3, 4]], { epochs: 3, logEvery: 0 });
      console.log(JSON.stringify({ before, epochs: history.length }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    assert.deepEqual(JSON.parse(stdout), { before: 'not ready', epochs: 3 });
  });
}

test('in Node the package loads its module at import without top-level await (require() of a module graph with one throws ERR_REQUIRE_ASYNC_MODULE): require() works, and so does import', async () => {
  const code = `const { Autoencoder } = require('wasm-autoencoder');
    const ae = new Autoencoder(4, [3, 2], { seed: 2 });
    console.log(JSON.stringify([ae.hidden, ae.train([[1, 2, 3, 4], [2, 3, 4, 5]], { epochs: 2, logEvery: 0 }).length]));`;
  const required = await run(process.execPath, ['-e', code]);
  assert.equal(required.stdout.trim(), '[[3,2],2]');
  const imported = await run(process.execPath, ['--input-type=module', '-e', `import { Autoencoder } from 'wasm-autoencoder'; console.log(new Autoencoder(4, 2).hiddenDim);`]);
  assert.equal(imported.stdout.trim(), '2');
});

test('a module from another version, which lacks a kernel function, is refused when it loads, by the name of what it lacks', async () => {
  const { readAbi } = await import('../../src/runtime/abi.js');
  const { getRuntime } = await import('../../src/runtime/wasm.js');
  await import('../../src/entries/node.js');
  const exports = getRuntime().kernels as unknown as WebAssembly.Exports;
  assert.doesNotThrow(() => readAbi(exports));
  const { all_finite: _, ...older } = exports;
  assert.throws(() => readAbi(older), (error: Error) => error.name === 'WasmNotReadyError' && /exports no function 'all_finite': it belongs to another version/.test(error.message));
});

// The browser and edge bundles of the core hold no Node built-in: the Node file helpers are mapped away by
// package.json's "browser" field, and nothing else may import one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

// Each entry reaches its .wasm its own way: URLs bundlers follow (each build and its twin with fused products), or
// an import the edge bundlers compile.
const packaged = (name: string) => new RegExp(`new URL\\("\\.\\./\\.\\./build/${name}\\.wasm", import\\.meta\\.url\\)`);
const RUNTIMES = [
  {
    runtime: 'browser', conditions: [], entry: 'dist/entries/index.js',
    wasm: ['autoencoder', 'autoencoder-fast', 'autoencoder-threads', 'autoencoder-threads-fast'].map(packaged),
  },
  { runtime: 'Cloudflare (workerd)', conditions: ['workerd', 'worker'], entry: 'dist/entries/edge.js', wasm: [/import \w+ from "\.\.\/\.\.\/build\/autoencoder\.wasm";/] },
  { runtime: 'Vercel (edge-light)', conditions: ['edge-light'], entry: 'dist/entries/edge-light.js', wasm: [/import \w+ from "\.\.\/\.\.\/build\/autoencoder\.wasm\?module";/] },
];

for (const { runtime, conditions, entry, wasm } of RUNTIMES) test(`a ${runtime} bundle of every export imports no Node built-in and reaches its .wasm its own way`, async () => {
  const result = await build({
    stdin: { contents: "export * from 'wasm-autoencoder'; export * from 'wasm-autoencoder/datasets';", resolveDir: process.cwd(), loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', conditions, external: ['*.wasm', '*.wasm?module'], write: false, logLevel: 'silent', metafile: true,
  });
  const code = new TextDecoder().decode(result.outputFiles[0]!.contents);
  const builtins = ['fs', 'fs/promises', 'crypto', 'path', 'os', 'url', 'zlib', 'util', 'child_process', 'worker_threads'];
  for (const name of builtins) {
    assert.doesNotMatch(code, new RegExp(`["'](node:)?${name.replace('/', '\\/')}["']`), `the bundle imports ${name}`);
  }
  assert.ok(entry in result.metafile.inputs, `the ${runtime} bundle starts from ${entry}`);
  const nodeFiles = Object.keys(result.metafile.inputs).filter((file) => file.includes('io/node-fs'));
  assert.deepEqual(nodeFiles, ['(disabled):dist/io/node-fs.js'], 'io/node-fs.js is replaced by an empty module');
  for (const pattern of wasm) assert.match(code, pattern, `the ${runtime} bundle reaches its .wasm its own way: ${pattern}`);
  if (entry !== 'dist/entries/index.js') assert.doesNotMatch(code, /new Worker\(/, 'edge bundles start no Web Worker');
});

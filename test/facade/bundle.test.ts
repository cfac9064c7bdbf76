// The browser bundle of the core holds no Node built-in: the Node file helpers are mapped away by package.json's
// "browser" field, and nothing else may import one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

test('a browser bundle of every export imports no Node built-in', async () => {
  const result = await build({
    stdin: { contents: "export * from 'wasm-autoencoder'; export * from 'wasm-autoencoder/datasets';", resolveDir: process.cwd(), loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', metafile: true,
  });
  const code = new TextDecoder().decode(result.outputFiles[0]!.contents);
  const builtins = ['fs', 'fs/promises', 'crypto', 'path', 'os', 'url', 'zlib', 'util', 'child_process', 'worker_threads'];
  for (const name of builtins) {
    assert.doesNotMatch(code, new RegExp(`["'](node:)?${name.replace('/', '\\/')}["']`), `the bundle imports ${name}`);
  }
  const nodeFiles = Object.keys(result.metafile.inputs).filter((file) => file.includes('io/node-fs'));
  assert.deepEqual(nodeFiles, ['(disabled):dist/io/node-fs.js'], 'io/node-fs.js is replaced by an empty module');
  assert.match(code, /autoencoder\.wasm/, 'the bundle still locates its .wasm');
});

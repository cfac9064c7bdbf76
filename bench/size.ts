// What a browser downloads: our .wasm and minified JS (esbuild, browser platform) against TF.js core + wasm backend,
// measured the same way (raw and gzip -9).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Minified browser bundle of `entry` (resolved from the repository root, with extra export `conditions`): raw and gzipped bytes. */
export async function bundleSize(entry: string, conditions: string[] = []): Promise<{ raw: number; gzip: number }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, logLevel: 'error',
    conditions, external: ['*.wasm', '*.wasm?module'],
  });
  const bytes = result.outputFiles[0]!.contents;
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

function fileSize(path: string): { raw: number; gzip: number } {
  const bytes = readFileSync(new URL(path, new URL('../', import.meta.url)));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** The size table, as markdown. */
export async function sizeTable(): Promise<string> {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const row = (what: string, s: { raw: number; gzip: number }) => `| ${what} | ${kb(s.raw)} | ${kb(s.gzip)} |`;
  const wasm = fileSize('build/autoencoder.wasm');
  const fastWasm = fileSize('build/autoencoder-fast.wasm');
  const training = await bundleSize("export { Autoencoder, init } from 'wasm-autoencoder';");
  const everything = await bundleSize("export * from 'wasm-autoencoder';");
  const edge = await bundleSize("export { Autoencoder } from 'wasm-autoencoder';", ['edge-light']);
  const tfWasm = fileSize('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
  const tfJs = await bundleSize("export * from '@tensorflow/tfjs-core'; export * from '@tensorflow/tfjs-backend-wasm';");
  const sum = (a: { raw: number; gzip: number }, b: { raw: number; gzip: number }) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip });
  return [
    '| what is shipped (browsers download it; edge functions deploy it) | raw | gzip |',
    '|---|---:|---:|',
    row('`build/autoencoder.wasm`', wasm),
    row('`build/autoencoder-fast.wasm` (its relaxed-SIMD twin, downloaded instead where relaxed SIMD validates)', fastWasm),
    row('JS for training (`Autoencoder`, `init`), minified', training),
    row('**ours, to train: .wasm + JS**', sum(wasm, training)),
    row('JS of every export (data readers, PNG/JPEG decoders included), minified', everything),
    row('JS for training in an edge function (`edge-light` entry; `workerd` is alike), minified', edge),
    row('`tfjs-backend-wasm-simd.wasm`', tfWasm),
    row('JS of `@tensorflow/tfjs-core` + `@tensorflow/tfjs-backend-wasm`, minified', tfJs),
    row('**TF.js, to train: .wasm + JS**', sum(tfWasm, tfJs)),
  ].join('\n');
}

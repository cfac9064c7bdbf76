// The bundlers the README names: Vite, webpack 5 (TypeScript through esbuild-loader) and esbuild (its file loader
// for .wasm). Each builds a page folder (index.html + main.ts) into `out`, resolving the package as an app would.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';

export type Bundler = 'vite' | 'webpack' | 'esbuild';

export async function buildPage(bundler: Bundler, pageDir: string, out: string): Promise<void> {
  if (bundler === 'vite') {
    await viteBuild({ root: pageDir, base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
    return;
  }
  if (bundler === 'webpack') await webpackBuild(pageDir, out);
  else await esbuild({ entryPoints: [join(pageDir, 'main.ts')], outdir: out, bundle: true, format: 'esm', target: 'es2022', loader: { '.wasm': 'file' }, logLevel: 'error' });
  const html = readFileSync(join(pageDir, 'index.html'), 'utf8');
  writeFileSync(join(out, 'index.html'), html.replace('src="./main.ts"', 'src="./main.js"'));
}

function webpackBuild(pageDir: string, out: string): Promise<void> {
  const compiler = webpack({
    mode: 'production',
    context: resolve(pageDir),
    entry: './main.ts',
    output: { path: out, filename: 'main.js', publicPath: 'auto' },
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    module: { rules: [{ test: /\.ts$/, loader: 'esbuild-loader', options: { target: 'es2022' } }] },
    performance: { hints: false },
  });
  return new Promise((done, fail) =>
    compiler.run((error, stats) => {
      compiler.close(() => undefined);
      if (error) return fail(error);
      if (stats?.hasErrors()) return fail(new Error(stats.toString('errors-only')));
      done();
    }),
  );
}

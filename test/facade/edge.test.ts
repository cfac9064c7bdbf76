// An edge runtime: Cloudflare's workerd (from npm), on 127.0.0.1, runs test/edge/worker.ts bundled with esbuild
// the way wrangler bundles (conditions workerd, worker, browser; .wasm imports left to the runtime, which keeps
// the package's dist/ → build/ layout); one request trains the iris model, another encodes with its checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { assertTrainsAndEncodesLikeNode, freePort, withServer } from '../edge/server.js';

const WORKERD = resolve('node_modules/.bin/workerd');

function config(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "dist/worker.js", esModule = embed "worker.js"),
    (name = "build/autoencoder.wasm", wasm = embed "autoencoder.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

test('workerd trains iris in a request and encodes with the checkpoint in another', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wae-workerd-'));
  try {
    await build({
      entryPoints: ['test/edge/worker.ts'], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm',
      platform: 'browser', conditions: ['workerd', 'worker', 'browser'], target: 'es2022', external: ['*.wasm'], logLevel: 'error',
    });
    copyFileSync('build/autoencoder.wasm', join(dir, 'autoencoder.wasm'));
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), config(port));
    await withServer(WORKERD, ['serve', 'config.capnp'], { cwd: dir, port }, async (server) => {
      await assertTrainsAndEncodesLikeNode(server);
      const compiled = await fetch(`${server.base}/compile`, { method: 'POST' });
      assert.equal(compiled.status, 403, 'workerd refuses to compile wasm bytes, so the package must not need to');
      assert.match(await compiled.text(), /disallowed by embedder/);
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

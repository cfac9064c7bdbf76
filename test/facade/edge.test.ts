// An edge runtime: Cloudflare's workerd (from npm), on 127.0.0.1, runs Workers bundled with esbuild the way
// wrangler bundles (conditions workerd, worker, browser; .wasm imports left to the runtime, which keeps the
// package's dist/entries/ → build/ layout): test/edge/worker.ts trains the iris model in one request and encodes with its
// checkpoint in another, and the README's Worker answers its checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { assertTrainsAndEncodesLikeNode, freePort, irisInNode, withServer, type Running } from '../edge/server.js';

const WORKERD = resolve('node_modules/.bin/workerd');

function config(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "dist/entries/worker.js", esModule = embed "worker.js"),
    (name = "build/autoencoder.wasm", wasm = embed "autoencoder.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

/** Bundles `entry` as wrangler does, serves it with workerd on a free loopback port, and runs `use`. */
async function withWorkerd(entry: string, use: (server: Running) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wae-workerd-'));
  try {
    await build({
      entryPoints: [entry], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm',
      platform: 'browser', conditions: ['workerd', 'worker', 'browser'], target: 'es2022', external: ['*.wasm'], logLevel: 'error',
    });
    copyFileSync('build/autoencoder.wasm', join(dir, 'autoencoder.wasm'));
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), config(port));
    await withServer(WORKERD, ['serve', 'config.capnp'], { cwd: dir, port }, use);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test('workerd trains iris in a request and encodes with the checkpoint in another', { timeout: 120_000 }, async () => {
  await withWorkerd('test/edge/worker.ts', async (server) => {
    await assertTrainsAndEncodesLikeNode(server);
    const compiled = await fetch(`${server.base}/compile`, { method: 'POST' });
    assert.equal(compiled.status, 403, 'workerd refuses to compile wasm bytes, so the package must not need to');
    assert.match(await compiled.text(), /disallowed by embedder/);
  });
});

test('the README\'s Cloudflare Worker answers the checkpoint Node trains', { timeout: 120_000 }, async () => {
  await withWorkerd('test/readme/cloudflare.ts', async (server) => {
    const response = await fetch(server.base);
    assert.equal(response.status, 200, server.log());
    const { ae } = irisInNode();
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), ae.toBytes());
    ae.dispose();
  });
});

// An edge runtime: Cloudflare's workerd (from npm), on 127.0.0.1, runs test/edge/worker.ts bundled with esbuild
// the way wrangler bundles (conditions workerd, worker, browser; .wasm imports left to the runtime, which keeps
// the package's dist/ → build/ layout); one request trains the iris model, another encodes with its checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Autoencoder } from '../../src/index.js';
import { iris } from '../../src/datasets/index.js';

const WORKERD = resolve('node_modules/.bin/workerd');

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

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

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`workerd did not answer at ${url}`);
}

test('workerd trains iris in a request and encodes with the checkpoint in another', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wae-workerd-'));
  await build({
    entryPoints: ['test/edge/worker.ts'], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm',
    platform: 'browser', conditions: ['workerd', 'worker', 'browser'], target: 'es2022', external: ['*.wasm'], logLevel: 'error',
  });
  copyFileSync('build/autoencoder.wasm', join(dir, 'autoencoder.wasm'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(port));
  const workerd = spawn(WORKERD, ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(workerd, 'exit'); // taken now: an early exit must not leave the cleanup waiting
  let log = '';
  workerd.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitUntilUp(base).catch((error: Error) => {
      throw new Error(`${error.message}; workerd said: ${log}`);
    });
    const trained = await fetch(`${base}/train?epochs=20`, { method: 'POST' });
    assert.equal(trained.status, 200, log);
    const checkpoint = new Uint8Array(await trained.arrayBuffer());

    // The same seed and epochs in Node give the same checkpoint, byte for byte.
    const local = new Autoencoder(4, 1, { seed: 7 });
    const history = local.train(iris, { epochs: 20, logEvery: 0 });
    assert.equal(trained.headers.get('x-loss'), String(history.at(-1)));
    assert.deepEqual(checkpoint, local.toBytes());

    const encoded = await fetch(`${base}/encode?row=8,4,6,2`, { method: 'POST', body: checkpoint });
    assert.equal(encoded.status, 200, log);
    const { codes } = (await encoded.json()) as { codes: number[] };
    assert.deepEqual(codes, Array.from(local.encode([[8, 4, 6, 2]]).data));
    local.dispose();
  } finally {
    workerd.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true });
  }
});

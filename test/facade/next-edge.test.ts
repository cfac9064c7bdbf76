// Vercel's edge runtime, as Next.js runs it locally: test/edge/next-app has one edge route over
// test/edge/handle.ts, and Next resolves the package with the `edge-light` condition, whose entry imports the
// .wasm as `…wasm?module`. Turbopack's dev server flags every WebAssembly compile from bytes, so it shows the
// package never does one; webpack's dev server and both bundlers' production builds serve the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder } from '../../src/index.js';
import { iris } from '../../src/datasets/index.js';
import { assertTrainsAndEncodesLikeNode, freePort, withServer, type Running } from '../edge/server.js';

const NEXT = resolve('node_modules/.bin/next');
const APP = 'test/edge/next-app';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const FLAGGED = /DynamicWasmCodeGenerationWarning/;

async function eventuallyLogged(server: Running, pattern: RegExp): Promise<boolean> {
  for (let wait = 0; wait < 100 && !pattern.test(server.log()); wait++) await new Promise((r) => setTimeout(r, 50));
  return pattern.test(server.log());
}

/** The README's route (app/readme/route.ts) encodes with a checkpoint as Node does. */
async function assertReadmeRouteEncodes(server: Running): Promise<void> {
  const ae = new Autoencoder(4, 2, { seed: 3 });
  ae.train(iris, { epochs: 5, logEvery: 0 });
  const response = await fetch(`${server.base}/readme`, { method: 'POST', body: ae.toBytes() });
  assert.equal(response.status, 200, server.log());
  assert.deepEqual(await response.json(), { code: Array.from(ae.encode([[5.1, 3.5, 1.4, 0.2]]).data) });
  ae.dispose();
}

async function assertServesLikeNode(server: Running): Promise<void> {
  await assertTrainsAndEncodesLikeNode(server);
  await assertReadmeRouteEncodes(server);
}

async function serveApp(command: 'dev' | 'start', use: (server: Running) => Promise<void>): Promise<void> {
  const port = await freePort();
  await withServer(NEXT, [command, APP, '-p', String(port), '-H', '127.0.0.1'], { env, port }, use);
}

test('Next.js dev (Turbopack) serves the edge-light entry without compiling wasm from bytes', { timeout: 180_000 }, async () => {
  try {
    await serveApp('dev', async (server) => {
      await assertServesLikeNode(server);
      assert.doesNotMatch(server.log(), FLAGGED, 'the package compiled wasm from bytes');
      const compiled = await fetch(`${server.base}/compile`, { method: 'POST' });
      assert.equal(compiled.status, 200);
      assert.ok(await eventuallyLogged(server, FLAGGED), `Next did not flag a compile from bytes, so the check above proves nothing: ${server.log()}`);
    });
  } finally {
    rmSync(`${APP}/.next`, { recursive: true, force: true });
  }
});

for (const bundler of ['turbopack', 'webpack'] as const) {
  test(`Next.js ${bundler}: the dev server and a production build serve the edge-light entry`, { timeout: 240_000 }, async () => {
    try {
      if (bundler === 'webpack') await serveApp('dev', assertServesLikeNode); // Turbopack's is above
      await promisify(execFile)(NEXT, ['build', `--${bundler}`, APP], { env });
      await serveApp('start', assertServesLikeNode);
    } finally {
      rmSync(`${APP}/.next`, { recursive: true, force: true });
    }
  });
}

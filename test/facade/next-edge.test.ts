// Vercel's edge runtime, as Next.js runs it locally: test/edge/next-app has an edge route over
// test/edge/handle.ts and the README's edge route, and Next resolves the package with the `edge-light` condition, whose entry imports the
// .wasm as `…wasm?module`. Turbopack's dev server flags every WebAssembly compile from bytes, so it shows the
// package never does one; webpack's dev server and both bundlers' production builds serve the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder } from '../../src/entries/index.js';
import { iris } from '../../src/datasets/index.js';
import { assertTrainsAndEncodesLikeNode, freePort, withServer, type Running } from '../edge/server.js';

const NEXT = resolve('node_modules/.bin/next');
const APP = 'test/edge/next-app';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const FLAGGED = /DynamicWasmCodeGenerationWarning/g;
type Bundler = 'turbopack' | 'webpack';

const flagsIn = (server: Running) => server.log().match(FLAGGED)?.length ?? 0;

/** How many compiles from bytes Next flagged, once its stderr has had time to deliver the first one. */
async function flaggedCompiles(server: Running): Promise<number> {
  for (let wait = 0; wait < 100 && flagsIn(server) === 0; wait++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500)); // a late warning of the package's would arrive with it
  return flagsIn(server);
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

/** `next dev` with `bundler`, or `next start` when there is no bundler to choose (a build exists). */
async function serveApp(command: 'dev' | 'start', bundler: Bundler | undefined, use: (server: Running) => Promise<void>): Promise<void> {
  const port = await freePort();
  const flags = bundler ? [`--${bundler}`] : [];
  await withServer(NEXT, [command, ...flags, APP, '-p', String(port), '-H', '127.0.0.1'], { env, port }, use);
}

test('Next.js dev (Turbopack) serves the edge-light entry without compiling wasm from bytes', { timeout: 180_000 }, async () => {
  try {
    await serveApp('dev', 'turbopack', async (server) => {
      await assertServesLikeNode(server);
      assert.equal(flagsIn(server), 0, 'the package compiled wasm from bytes');
      const compiled = await fetch(`${server.base}/compile`, { method: 'POST' });
      assert.equal(compiled.status, 200);
      // Next warns once per call site: exactly one warning is the route's own, none is the package's.
      assert.equal(await flaggedCompiles(server), 1, `Next flagged the route's compile from bytes, and only that: ${server.log()}`);
    });
  } finally {
    rmSync(`${APP}/.next`, { recursive: true, force: true });
  }
});

for (const bundler of ['turbopack', 'webpack'] satisfies Bundler[]) {
  test(`Next.js ${bundler}: the dev server and a production build serve the edge-light entry`, { timeout: 240_000 }, async () => {
    try {
      if (bundler === 'webpack') await serveApp('dev', 'webpack', assertServesLikeNode); // Turbopack's is above
      await promisify(execFile)(NEXT, ['build', `--${bundler}`, APP], { env });
      await serveApp('start', undefined, assertServesLikeNode);
    } finally {
      rmSync(`${APP}/.next`, { recursive: true, force: true });
    }
  });
}

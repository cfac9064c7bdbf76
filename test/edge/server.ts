// What the edge tests share: a free loopback port, a server process that is waited for and always stopped,
// and the requests every edge runtime must answer exactly as Node does (test/edge/handle.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Autoencoder } from '../../src/index.js';
import { iris } from '../../src/datasets/index.js';

export function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface Running {
  base: string;
  /** Everything the process printed so far. */
  log(): string;
}

/** Starts `command`, waits until it answers at http://127.0.0.1:`port`, runs `use`, and stops it whatever happens. */
export async function withServer(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; port: number }, use: (server: Running) => Promise<void>): Promise<void> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = once(child, 'exit'); // taken now: an early exit must not leave the cleanup waiting
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const server: Running = { base: `http://127.0.0.1:${options.port}`, log: () => output };
  try {
    await waitUntilUp(server, () => child.exitCode === null);
    await use(server);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM'); // the whole group: npx-style launchers fork
    await exited;
  }
}

async function waitUntilUp(server: Running, alive: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 600 && alive(); attempt++) {
    try {
      await fetch(server.base);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answered at ${server.base}; the server said: ${server.log()}`);
}

/** POST /train and POST /encode answer what the same seed gives in Node: the checkpoint byte for byte, and the code. */
export async function assertTrainsAndEncodesLikeNode(server: Running): Promise<void> {
  const trained = await fetch(`${server.base}/train?epochs=20`, { method: 'POST' });
  assert.equal(trained.status, 200, server.log());
  const checkpoint = new Uint8Array(await trained.arrayBuffer());

  const local = new Autoencoder(4, 1, { seed: 7 });
  const history = local.train(iris, { epochs: 20, logEvery: 0 });
  assert.equal(trained.headers.get('x-loss'), String(history.at(-1)));
  assert.deepEqual(checkpoint, local.toBytes());

  const encoded = await fetch(`${server.base}/encode?row=8,4,6,2`, { method: 'POST', body: checkpoint });
  assert.equal(encoded.status, 200, server.log());
  const { codes } = (await encoded.json()) as { codes: number[] };
  assert.deepEqual(codes, Array.from(local.encode([[8, 4, 6, 2]]).data));
  local.dispose();
}

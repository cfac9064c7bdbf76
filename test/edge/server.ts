// What the edge tests share: a free loopback port, a server process that is waited for and always stopped,
// and the requests every edge runtime must answer exactly as Node does (test/edge/handle.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Autoencoder } from '../../src/entries/index.js';
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

/**
 * Starts `command` in a process group of its own (POSIX), waits until it answers at http://127.0.0.1:`port`,
 * runs `use`, and stops the whole group whatever happens (launchers such as next fork workers).
 */
export async function withServer(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; port: number }, use: (server: Running) => Promise<void>): Promise<void> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let failure: Error | undefined;
  const ended = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (error) => ((failure = error), done()));
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const server: Running = { base: `http://127.0.0.1:${options.port}`, log: () => output + (failure ? `\n${failure.message}` : '') };
  try {
    await waitUntilUp(server, () => child.exitCode === null && child.signalCode === null && failure === undefined);
    await use(server);
  } finally {
    signalGroup(child.pid, 'SIGTERM');
    const stubborn = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 10_000);
    await ended;
    clearTimeout(stubborn);
    signalGroup(child.pid, 'SIGKILL'); // forked workers that outlived the leader
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
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

/** What the edge handlers train (the chapter's 4 → 1 model, seed 7, 20 epochs), trained here in Node. */
export function irisInNode(): { ae: Autoencoder; history: number[] } {
  const ae = new Autoencoder(4, 1, { seed: 7 });
  return { ae, history: ae.train(iris, { epochs: 20, logEvery: 0 }) };
}

/**
 * POST /train and POST /encode answer what the same seed gives in Node (the checkpoint byte for byte, and the
 * code), and trainInWorker explains that edge runtimes have no Web Workers.
 */
export async function assertTrainsAndEncodesLikeNode(server: Running): Promise<void> {
  const trained = await fetch(`${server.base}/train?epochs=20`, { method: 'POST' });
  assert.equal(trained.status, 200, server.log());
  const checkpoint = new Uint8Array(await trained.arrayBuffer());

  const { ae: local, history } = irisInNode();
  assert.equal(trained.headers.get('x-loss'), String(history.at(-1)));
  assert.deepEqual(checkpoint, local.toBytes());

  const encoded = await fetch(`${server.base}/encode?row=8,4,6,2`, { method: 'POST', body: checkpoint });
  assert.equal(encoded.status, 200, server.log());
  const { codes } = (await encoded.json()) as { codes: number[] };
  assert.deepEqual(codes, Array.from(local.encode([[8, 4, 6, 2]]).data));
  local.dispose();

  const inWorker = await fetch(`${server.base}/worker`, { method: 'POST' });
  assert.equal(inWorker.status, 501, server.log());
  assert.equal(await inWorker.text(), 'TypeError: trainInWorker needs Web Workers, which edge runtimes do not have; use train or trainAsync');
}

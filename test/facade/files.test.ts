// Node file helpers under attack: what is not a regular file, temp files of killed saves, and the Node entry used
// on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Autoencoder, DataFormatError } from '../../src/entries/index.js';
import { load, readFileBytes, save, writeFileAtomicSync } from '../../src/io/node.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wae-files-'));

test('load refuses what is not a regular file (a device, a folder, a pipe without a writer), and files larger than it reads, before reading them', { timeout: 60_000 }, async () => {
  const started = performance.now();
  await assert.rejects(load('/dev/zero'), (e) => e instanceof DataFormatError && /\/dev\/zero: is not a regular file/.test(e.message));
  const dir = tmp();
  await assert.rejects(load(dir), (e) => e instanceof DataFormatError && /is not a regular file/.test(e.message));
  fs.writeFileSync(path.join(dir, 'big'), new Uint8Array(100));
  await assert.rejects(readFileBytes(path.join(dir, 'big'), 99), /big: is 100 bytes; at most 99 are read/);
  assert.deepEqual(await readFileBytes(path.join(dir, 'big'), 100), new Uint8Array(100));
  await assert.rejects(load(path.join(dir, 'missing.ae')), { code: 'ENOENT' });
  // A named pipe with no writer: opening it must not wait for one.
  const fifo = path.join(dir, 'pipe.ae');
  (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
  await assert.rejects(readFileBytes(fifo), (e) => e instanceof DataFormatError && /pipe\.ae: is not a regular file/.test(e.message));
  assert.ok(performance.now() - started < 60_000, 'nothing waited on /dev/zero or the pipe');
  fs.rmSync(dir, { recursive: true });
});

/** A process id that is not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = (await import('node:child_process')).spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

test('a save removes the temp files that killed saves of the same file left, and only those', async () => {
  const dir = tmp();
  const file = path.join(dir, 'model.ae');
  const dead = await deadPid();
  const orphans = [`model.ae.${dead}.0123456789ab.tmp`, `model.ae.${dead}.ba9876543210.tmp`];
  const kept = [`model.ae.${process.pid}.0123456789ab.tmp`, `other.ae.${dead}.0123456789ab.tmp`, `model.ae.${dead}.notatemp.tmp`, 'model.ae.notes'];
  for (const name of [...orphans, ...kept]) fs.writeFileSync(path.join(dir, name), 'x');
  const ae = new Autoencoder(4, 2);
  await save(ae, file);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.ae', ...kept].sort());
  for (const name of orphans) fs.writeFileSync(path.join(dir, name), 'x');
  writeFileAtomicSync(file, ae.toBytes());
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.ae', ...kept].sort(), 'the synchronous save too');
  ae.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('wasm-autoencoder/node loads a model on its own, without the main entry', async () => {
  const dir = tmp();
  const file = path.join(dir, 'deep.ae');
  const ae = new Autoencoder(4, [3, 2], { optimizer: { name: 'adam' } });
  await save(ae, file);
  const code = `import { load } from 'wasm-autoencoder/node'; const ae = await load(${JSON.stringify(file)}); console.log(JSON.stringify([ae.hidden, ae.options.optimizer.name]));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code]);
  assert.equal(stdout.trim(), '[[3,2],"adam"]');
  ae.dispose();
  fs.rmSync(dir, { recursive: true });
});

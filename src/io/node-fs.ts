/**
 * Node-only file helpers (atomic writes, reads). Node built-ins are allowed only in
 * `src/io/node*.ts`; everything else sticks to web-standard APIs.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataFormatError } from '../errors.js';

/** A fresh temp file name next to `path`, so the final rename stays on one file system. */
function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * The temp files of saves of `path` (names from tempPathFor) whose writing process is no longer running: a
 * process killed mid-save leaves one behind, and nothing else would ever remove it.
 */
function orphansOf(path: string, names: string[]): string[] {
  const prefix = `${basename(path)}.`;
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+\.[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length)))
    .filter((name) => !isRunning(Number(name.slice(prefix.length).split('.')[0])))
    .map((name) => join(dirname(path), name));
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'; // exists, but belongs to someone else
  }
}

/** Makes a rename in `folder` durable; where the platform cannot sync a folder (Windows), the rename stands as it is. */
function syncFolderSync(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // not supported here
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `path` atomically: the data goes to a temp file in the same
 * directory, which is fsynced and then renamed over `path`. Readers see either
 * the old file or the complete new one, never a partial write. On failure the
 * temp file is removed, the previous file (if any) is left untouched, and the
 * error is rethrown.
 *
 * @example
 * ```ts
 * await writeFileAtomic('model.ckpt', encodeCheckpoint(ckpt));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  await Promise.all(orphansOf(path, names).map((orphan) => rm(orphan, { force: true })));
  const tmp = tempPathFor(path);
  try {
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await syncFolder(dirname(path));
}

/**
 * Synchronous twin of {@link writeFileAtomic}, for CLIs and exit handlers.
 *
 * @example
 * ```ts
 * writeFileAtomicSync('model.ckpt', encodeCheckpoint(ckpt));
 * ```
 */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  let names: string[] = [];
  try {
    names = readdirSync(dirname(path));
  } catch {
    // the write below reports a missing folder
  }
  for (const orphan of orphansOf(path, names)) rmSync(orphan, { force: true });
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Keep the original error; a leftover temp file is the lesser problem.
    }
    throw err;
  }
  syncFolderSync(dirname(path));
}

/**
 * Reads a whole regular file as a plain `Uint8Array` (not a `Buffer`), ready for `decodeCheckpoint`. A device,
 * pipe or folder (`/dev/zero` reads forever), or a file larger than `maxBytes`, is refused with a
 * `DataFormatError` before anything is read.
 *
 * @example
 * ```ts
 * const ckpt = decodeCheckpoint(await readFileBytes('model.ckpt'));
 * ```
 */
export async function readFileBytes(path: string | URL, maxBytes = 2 ** 32): Promise<Uint8Array> {
  const name = typeof path === 'string' ? path : path.pathname;
  // Non-blocking, so that opening a pipe with no writer returns at once (and is then refused) instead of waiting.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new DataFormatError(name, 'is not a regular file (a device, pipe or folder cannot be read as a whole)');
    if (stats.size > maxBytes) throw new DataFormatError(name, `is ${stats.size} bytes; at most ${maxBytes} are read`);
    const bytes = new Uint8Array(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) throw new DataFormatError(name, `ended after ${filled} of its ${stats.size} bytes (it shrank while being read)`);
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await file.close();
  }
}

/** The bytes of a file of the package itself (the .wasm), read at once: for the Node entry's synchronous start. */
export function readPackageFileSync(url: URL): Uint8Array<ArrayBuffer> {
  const buffer = readFileSync(url);
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The names of the entries of a folder that are not folders themselves, or undefined when `folder` is not a
 * folder (or does not exist).
 *
 * @example
 * ```ts
 * const names = await listFolder('./cifar-10-batches-py');   // ['batches.meta', 'data_batch_1', …]
 * ```
 */
export async function listFolder(folder: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((entry) => !entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

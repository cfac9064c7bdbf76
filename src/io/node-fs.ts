/**
 * Node-only file helpers (atomic writes, reads). Node built-ins are allowed only in
 * `src/io/node*.ts`; everything else sticks to web-standard APIs.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, readdir, rename, rm } from 'node:fs/promises';

/** A fresh temp file name next to `path`, so the final rename stays on one file system. */
function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
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
}

/**
 * Reads a whole file as a plain `Uint8Array` (not a `Buffer`), ready for
 * `decodeCheckpoint`.
 *
 * @example
 * ```ts
 * const ckpt = decodeCheckpoint(await readFileBytes('model.ckpt'));
 * ```
 */
export async function readFileBytes(path: string | URL): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
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

// The one door from the web-standard core to the file system: Node's helpers, loaded only when a path is given,
// so bundles for browsers and edge runtimes never reach node:fs.

/**
 * The Node file helpers (`io/node-fs.ts`), or a TypeError naming `what` outside Node.
 *
 * @example
 * ```ts
 * const bytes = await (await nodeFiles('a CIFAR-10 folder')).readFileBytes(path);
 * ```
 */
export async function nodeFiles(what: string): Promise<typeof import('./node-fs.js')> {
  const { process } = globalThis as { process?: { versions?: { node?: string } } };
  if (!process?.versions?.node) {
    throw new TypeError(`${what} given as a path can be read only in Node; elsewhere pass its bytes (e.g. await file.arrayBuffer())`);
  }
  return import('./node-fs.js');
}

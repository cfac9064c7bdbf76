// The entry for Node (the `node` export condition): reads and instantiates the .wasm beside the package
// synchronously, so it needs no top-level await: `import` and, where Node supports require(esm), `require` both
// give a package whose `new Autoencoder(…)` works at once.
import { readPackageFileSync } from '../io/node-fs.js';
import { initSync } from '../runtime/wasm.js';

export * from './core.js';

initSync(readPackageFileSync(new URL('../../build/autoencoder.wasm', import.meta.url)));

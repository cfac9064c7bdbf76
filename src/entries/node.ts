// The entry for Node (the `node` export condition): reads and instantiates the .wasm beside the package
// synchronously, so it needs no top-level await: `import` and, where Node supports require(esm), `require` both
// give a package whose `new Autoencoder(…)` works at once. It loads the threaded build, whose models can split
// their work among worker threads (the `threads` option), in its twin with fused products where Node has relaxed
// SIMD (the `precision` option).
import { availableParallelism } from 'node:os';
import { readPackageFileSync } from '../io/node-fs.js';
import { startNodeWorker } from '../runtime/node-workers.js';
import { initSync } from '../runtime/wasm.js';
import { relaxedSimdAvailable } from '../runtime/relaxed-simd.js';

export * from './core.js';

const packageFile = (name: string) => readPackageFileSync(new URL(`../../build/${name}`, import.meta.url));
const fast = relaxedSimdAvailable() ? '-fast' : '';
initSync(() => packageFile(`autoencoder${fast}.wasm`), {
  bytes: packageFile(`autoencoder-threads${fast}.wasm`),
  startWorker: startNodeWorker,
  cores: availableParallelism(),
});

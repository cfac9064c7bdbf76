// The default entry (Node, browsers, bundlers): finds the .wasm beside the package with
// new URL('…wasm', import.meta.url) and instantiates it on import, so `new Autoencoder(…)` can be synchronous.
import { autoInit } from '../runtime/wasm.js';
import { startWebWorker, webThreadsAvailable } from '../runtime/web-workers.js';

export * from './core.js';

// Cross-origin-isolated pages and their workers load the threaded build (the `threads` option); others the plain one.
await autoInit(new URL('../../build/autoencoder.wasm', import.meta.url), {
  wasm: new URL('../../build/autoencoder-threads.wasm', import.meta.url),
  startWorker: startWebWorker,
  available: webThreadsAvailable,
});

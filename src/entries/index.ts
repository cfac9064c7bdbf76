// The default entry (Node, browsers, bundlers): finds the .wasm beside the package with
// new URL('…wasm', import.meta.url) and instantiates it on import, so `new Autoencoder(…)` can be synchronous.
import { autoInit } from '../runtime/wasm.js';
import { startWebWorker, webThreadsAvailable } from '../runtime/web-workers.js';
import { relaxedSimdAvailable } from '../runtime/relaxed-simd.js';

export * from './core.js';

// Cross-origin-isolated pages and their workers load the threaded build (the `threads` option); others the plain one.
// Where relaxed SIMD validates, each build's twin with fused products (the `precision` option). Literal URLs, for
// bundlers to follow.
const fast = relaxedSimdAvailable();
await autoInit(fast ? new URL('../../build/autoencoder-fast.wasm', import.meta.url) : new URL('../../build/autoencoder.wasm', import.meta.url), {
  wasm: fast ? new URL('../../build/autoencoder-threads-fast.wasm', import.meta.url) : new URL('../../build/autoencoder-threads.wasm', import.meta.url),
  startWorker: startWebWorker,
  available: webThreadsAvailable,
});

// The default entry (Node, browsers, bundlers): finds the .wasm beside the package with
// new URL('…wasm', import.meta.url) and instantiates it on import, so `new Autoencoder(…)` can be synchronous.
import { autoInit } from '../runtime/wasm.js';

export * from './core.js';

await autoInit(new URL('../../build/autoencoder.wasm', import.meta.url));

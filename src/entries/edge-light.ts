// The entry for Vercel's edge runtime and Next.js edge routes (the `edge-light` export condition): like Workers
// they refuse to compile wasm from bytes at run time; their bundlers turn a `.wasm?module` import into a compiled
// WebAssembly.Module, which this entry hands to init.
import wasm from '../../build/autoencoder.wasm?module';
import { init } from '../runtime/wasm.js';

export * from './edge-exports.js';

await init({ wasm });

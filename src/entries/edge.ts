// The entry for Workers runtimes (the `workerd` export condition): they refuse to compile wasm from bytes at run
// time but import a .wasm file as a compiled WebAssembly.Module, which this entry hands to init.
import wasm from '../../build/autoencoder.wasm';
import { init } from '../runtime/wasm.js';

export * from './edge-exports.js';

await init({ wasm });

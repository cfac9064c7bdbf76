// The types of `import wasm from 'wasm-autoencoder/wasm'` (copied to dist/wasm.d.ts by the build): in runtimes
// and bundlers that import .wasm files as compiled modules, the package's module.
declare const module: WebAssembly.Module;
export default module;

// Workers runtimes and their bundlers import .wasm files as compiled modules (the edge entry does).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

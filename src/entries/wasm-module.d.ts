// Workers runtimes and their bundlers import .wasm files as compiled modules (the edge entry does); Vercel's and
// Next.js's bundlers do the same for `.wasm?module` (the edge-light entry).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}

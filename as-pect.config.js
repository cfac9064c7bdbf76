// as-pect configuration for the WebAssembly kernel tests: `npx asp --config as-pect.config.js`.
// Compiler settings come from ./as-pect.asconfig.json (as-pect's default), which extends ./asconfig.json so that
// SIMD is enabled exactly as in the release build.

export default {
  /** The spec files: one compilation and one wasm instance each. */
  entries: ["test/kernels/**/*.spec.ts"],
  /** Files added to every compilation (none are needed; shared helpers are imported explicitly). */
  include: ["test/kernels/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};

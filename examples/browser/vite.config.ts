// `vite examples/browser` (npm run demo:web) and `vite build examples/browser` read this.
import { defineConfig } from 'vite';

export default defineConfig({
  // The package loads its .wasm with top-level await, and the training worker is an ES module.
  build: { target: 'es2022' },
  worker: { format: 'es' },
});

// Imported first by the bench: Node 20 runs relaxed SIMD only behind a V8 flag, which must be set before the package
// probes for it when it loads (later Nodes have it on and do not know the flag). Then the Node entry loads the
// builds with fused products, and models can run precision 'fast' beside 'exact'.
import { setFlagsFromString } from 'node:v8';
import { relaxedSimdAvailable } from '../src/runtime/relaxed-simd.js';

if (!relaxedSimdAvailable()) setFlagsFromString('--experimental-wasm-relaxed-simd');

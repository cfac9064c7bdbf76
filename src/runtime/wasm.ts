import { WasmNotReadyError } from '../errors.js';
import { nodeFiles } from '../io/files.js';
import type { Kernels } from './kernels.js';
import { Arena } from './arena.js';
import { readAbi, type Abi } from './abi.js';
import { Pool, type WorkerStarter } from './pool.js';
import { relaxedSimdAvailable } from './relaxed-simd.js';

/** What `init` accepts as the module: its bytes, a compiled module, a fetch `Response`, or where to find it. */
export type WasmSource = BufferSource | WebAssembly.Module | Response | URL | string;

interface Runtime {
  kernels: Kernels;
  arena: Arena;
  abi: Abi;
  /** The worker pool, where the threaded build runs and the entry can start workers. */
  pool?: Pool;
}

/** The pages the threaded build's shared memory may grow to (as asconfig.json's threads target declares): 4 GiB. */
const SHARED_MAXIMUM_PAGES = 65536;

let runtime: Runtime | undefined;
let autoInitError: unknown;
let loading: Promise<void> | undefined;

// Where the .wasm lies in the unbundled package, for `init()` without a source. Not written as a literal
// new URL('…', import.meta.url): bundlers would then ship the file, and webpack a document-based URL runtime,
// into the edge entries, which never use it (the default entry names the file itself, for bundlers to follow).
// The fast twin's name is made from it at run time: Turbopack follows a computed name to every file it may name,
// and Next.js compiles each file shipped to an edge route, which fails on the relaxed-SIMD builds.
const packagedWasm = '../../build/autoencoder.wasm';
const defaultWasmUrl = (): URL => {
  const plain = new URL(packagedWasm, import.meta.url);
  return relaxedSimdAvailable() ? new URL(plain.href.replace(/\.wasm$/, '-fast.wasm')) : plain;
};

async function bytesOf(location: URL): Promise<ArrayBuffer | Uint8Array<ArrayBuffer>> {
  // fetch() cannot read file: URLs in Node; the Node-only reader is loaded only in that case.
  if (location.protocol === 'file:') return (await nodeFiles('the .wasm module')).readFileBytes(location) as Promise<Uint8Array<ArrayBuffer>>;
  const response = await fetch(location);
  if (!response.ok) throw new WasmNotReadyError(`could not fetch ${location.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  // By tag, not instanceof: edge sandboxes (Next.js, Vercel) hand in a Module compiled in another realm.
  const tag = Object.prototype.toString.call(source);
  if (tag === '[object WebAssembly.Module]') return source as WebAssembly.Module;
  // The bytes are awaited first: Next.js's dev build wraps each WebAssembly call in a plain (not async) function.
  const bytes = await bytesFrom(source, tag);
  return WebAssembly.compile(bytes);
}

async function bytesFrom(source: WasmSource, tag: string): Promise<BufferSource> {
  if (tag === '[object Response]') {
    const response = source as Response;
    if (!response.ok) throw new WasmNotReadyError(`the .wasm response is HTTP ${response.status} ${response.statusText}`.trim());
    return response.arrayBuffer();
  }
  if (tag === '[object URL]') return bytesOf(source as URL);
  if (typeof source === 'string') return bytesOf(new URL(source, baseUrl()));
  return source as BufferSource;
}

/** What a relative string is relative to: the page in a browser, the working directory in Node. */
function baseUrl(): string {
  const { location, process } = globalThis as { location?: { href: string }; process?: { cwd(): string } };
  if (location) return location.href;
  if (process) return `file://${process.cwd().replace(/\\/g, '/')}/`;
  return import.meta.url;
}

/**
 * Instantiates the WebAssembly kernels. The default entry calls this by itself when it is imported;
 * call it yourself in runtimes that hand the `.wasm` in (e.g. an edge function that imports it as a module).
 * Without `wasm` it loads the file beside the package's own files: right in Node, Deno or a browser loading them
 * unbundled (e.g. from a CDN); bundlers do not follow it, so in a bundle pass `wasm` (see the README).
 * Once a module is loaded, later calls change nothing: every model and data set lives in that one memory.
 *
 * @example
 * ```ts
 * import { init, Autoencoder } from 'wasm-autoencoder/core';   // the entry that does not load the module itself
 * import wasm from 'wasm-autoencoder/wasm';   // a WebAssembly.Module where the runtime imports .wasm files
 * await init({ wasm });
 * const ae = new Autoencoder(4, 2);
 * ```
 */
export function init(options: { wasm?: WasmSource } = {}, threaded?: WebThreadedBuild): Promise<void> {
  if (runtime) return Promise.resolve();
  // Calls that overlap share one load, so every model ends up in the same memory.
  loading ??= load(options.wasm ?? defaultWasmUrl(), threaded).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(source: WasmSource, threaded?: WebThreadedBuild): Promise<void> {
  if (threaded?.available()) {
    try {
      // A browser's main thread may not block: its models use the workers that are up (see pool.ts).
      const mayBlock = typeof (globalThis as { document?: unknown }).document === 'undefined';
      const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
      useThreadedModule(await compile(threaded.wasm), threaded.startWorker, cores, mayBlock);
      return;
    } catch {
      // The single-thread build below, as where pages are not isolated.
    }
  }
  const module = await compile(source);
  use(await WebAssembly.instantiate(module, {}));
}

function use(instance: WebAssembly.Instance): void {
  const kernels = instance.exports as unknown as Kernels;
  runtime = { kernels, arena: new Arena(kernels.memory, kernels.heap_base()), abi: readAbi(instance.exports) };
  autoInitError = undefined;
}

/**
 * Compiles and instantiates the module from its bytes (read when needed) at once, where the runtime allows (Node compiles a module
 * of this size synchronously; browsers' main threads do not): the Node entry uses it, so that it needs no
 * top-level await and `require('wasm-autoencoder')` works. A failure is kept and reported on first use, as by
 * autoInit.
 */
export function initSync(bytes: () => BufferSource, threaded?: ThreadedBuild): void {
  if (runtime) return;
  try {
    if (threaded && useThreaded(threaded)) return;
    use(new WebAssembly.Instance(new WebAssembly.Module(bytes()), {}));
  } catch (error) {
    autoInitError = error;
  }
}

/** The threaded build's `env.wait` import: Atomics.wait on the i32 at byte `at` while it holds `value`. */
export function waiter(memory: WebAssembly.Memory): (at: number, value: number) => void {
  return (at, value) => void Atomics.wait(new Int32Array(memory.buffer, at, 1), 0, value);
}

/** The threaded build, and how this platform starts workers for its pool. */
export interface ThreadedBuild {
  bytes: BufferSource;
  startWorker: WorkerStarter;
  /** The cores available to the pool ('auto'). */
  cores: number;
}

/** Instantiates the threaded build on a new shared memory with a pool; false where shared memory is unavailable. */
function useThreaded({ bytes, startWorker, cores }: ThreadedBuild): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch {
    return false; // a runtime without wasm threads: the single-thread build
  }
  useThreadedModule(module, startWorker, cores, true);
  return true;
}

/** The runtime on the threaded build's compiled module, a new shared memory, and a pool that starts workers so. */
function useThreadedModule(module: WebAssembly.Module, startWorker: WorkerStarter, cores: number, mayBlock: boolean): void {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  use(new WebAssembly.Instance(module, { env: { memory, wait: waiter(memory) } }));
  const { kernels, arena } = runtime!;
  const words = kernels.SYNC_WORDS.value;
  const block = arena.alloc(4 * words);
  new Int32Array(memory.buffer, block, words).fill(0);
  const host = {
    module,
    memory,
    block,
    words: { ready: kernels.S_READY.value, epoch: kernels.S_EPOCH.value, mainWaits: kernels.S_MAIN_WAITS.value },
    shutDown: (at: number) => kernels.shut_down(at),
  };
  runtime!.pool = new Pool(host, startWorker, cores, mayBlock);
}

/** The threaded build for pages and workers, where they are cross-origin isolated (see web-workers.ts). */
export interface WebThreadedBuild {
  wasm: WasmSource;
  startWorker: WorkerStarter;
  available(): boolean;
}

/** The instantiated runtime; throws a clear error when `init` has not run or failed. */
export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const reason = autoInitError instanceof Error ? ` (loading it automatically failed: ${autoInitError.message})` : '';
  throw new WasmNotReadyError(`the WebAssembly module is not loaded${reason}; call \`await init({ wasm })\` first`);
}

/**
 * Loads the module from `wasm` (or, given `threaded` and a cross-origin-isolated page or worker, the threaded
 * build); a failure is kept and reported when the module is first used.
 */
export async function autoInit(wasm: WasmSource, threaded?: WebThreadedBuild): Promise<void> {
  try {
    await init({ wasm }, threaded);
  } catch (error) {
    autoInitError = error;
  }
}

/**
 * Bytes of WebAssembly memory the package holds now (all models and bound data; it grows, never shrinks).
 *
 * @example
 * ```ts
 * console.log(`${(memoryBytes() / 2 ** 20).toFixed(1)} MiB`);
 * ```
 */
export function memoryBytes(): number {
  return getRuntime().arena.memoryBytes;
}

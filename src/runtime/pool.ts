// The worker pool of the threaded build: workers that instantiate the same compiled module on the same shared
// memory once, then wait inside worker_loop (assembly/train.ts) for calls that thread 0 posts. One pool serves
// every model of the runtime; it grows to the most threads a live model asked for and shuts down when the last
// such model is disposed. How a worker is started is the entry's business (worker_threads in Node).

/** Starts a worker running `worker_loop(block, t, epoch)` on the module and memory; it must not keep the process alive. */
export type WorkerStarter = (module: WebAssembly.Module, memory: WebAssembly.Memory, block: number, t: number, epoch: number) => void;

/** What the pool needs of the runtime. */
export interface PoolHost {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The synchronization block (SYNC_WORDS i32, zeroed). */
  readonly block: number;
  readonly words: { ready: number; epoch: number; mainWaits: number };
  shutDown(block: number): void;
}

/** How long a model waits for new workers to start before it gives up on threads (they start in milliseconds). */
const START_TIMEOUT_MS = 10_000;

export class Pool {
  private workers = 0;
  private users = 0;
  private epoch = 1;

  constructor(
    private readonly host: PoolHost,
    private readonly start: WorkerStarter,
    /** The cores the machine offers: the threads of a model that asks for 'auto'. */
    readonly cores: number,
    /**
     * Whether this thread may block in Atomics.wait (Node, workers; not a browser's main thread). If it may, acquire
     * waits for new workers to come up; if not, workers start in the background and a model uses those that are
     * up (readyWorkers), the same bits either way.
     */
    private readonly mayBlock: boolean,
  ) {
    this.word(host.words.mainWaits)[0] = mayBlock ? 1 : 0;
    this.word(host.words.epoch)[0] = this.epoch;
    this.word(host.words.ready)[0] = readyWord(this.epoch, 0);
  }

  /** Starts `threads − 1` workers if fewer run, and returns the synchronization block to put in a model. */
  acquire(threads: number): number {
    const wanted = threads - 1;
    for (; this.workers < wanted; this.workers++) this.start(this.host.module, this.host.memory, this.host.block, this.workers + 1, this.epoch);
    const ready = this.word(this.host.words.ready);
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (let seen = Atomics.load(ready, 0); this.mayBlock && (seen & 0xffff) < wanted; seen = Atomics.load(ready, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`the thread pool did not start: ${seen & 0xffff} of ${wanted} workers came up within ${START_TIMEOUT_MS / 1000} s`);
      Atomics.wait(ready, 0, seen, left);
    }
    this.users++;
    return this.host.block;
  }

  /** Workers of the current epoch inside worker_loop: a call may use this many besides the calling thread. */
  readyWorkers(): number {
    const ready = Atomics.load(this.word(this.host.words.ready), 0);
    return ready >>> 16 === (this.epoch & 0xffff) ? ready & 0xffff : 0;
  }

  /** A model that acquired the pool is done with it; the last one shuts the workers down. */
  release(): void {
    if (--this.users > 0) return;
    this.users = 0;
    this.epoch++;
    Atomics.store(this.word(this.host.words.ready), 0, readyWord(this.epoch, 0));
    Atomics.store(this.word(this.host.words.epoch), 0, this.epoch); // workers of the last epoch return from worker_loop
    this.host.shutDown(this.host.block);
    this.workers = 0;
  }

  private word(index: number): Int32Array {
    return new Int32Array(this.host.memory.buffer, this.host.block + 4 * index, 1);
  }
}

/** The ready word of an epoch: its low 16 bits, then the count of its workers that are in (assembly/parallel.ts). */
function readyWord(epoch: number, count: number): number {
  return ((epoch & 0xffff) << 16) | count;
}

// Keeps a model on threads from running slower than one thread would. When another process takes a core, every
// barrier of a step waits for the thread that lost it, and n threads can fall far behind one (PyTorch's pool does).
// Every PROBE_EVERY-th call into the kernels runs the other way (one thread while on n, n while on one), and the
// model keeps to whichever took less time per step. Results are the same bits on any number of threads, so this
// changes only the time.

/**
 * One call in this many runs on the thread count not in use, to see whether it has become the faster. Each probe
 * of one thread costs a call at its speed: one call in 16 would take about 5 % off two threads that run 1.8× one.
 */
export const PROBE_EVERY = 32;
/** One thread takes over only when it is this much faster per step (timings are noisy). */
const MARGIN = 0.9;
/** Weight of the newest timing in the running means. */
const NEWEST = 0.5;
/**
 * A timing enters its running mean at most this many times the mean: one slow call (a compile in the background, a
 * collection, another process's threads still spinning) moves the mean less than a slow core does call after call.
 */
const OUTLIER = 2;

export class ThreadGovernor {
  private calls = 0;
  private single = false;
  private readonly perStep = new Map<number, number>();

  /** For a model configured for `threads` threads (1: nothing to govern). */
  constructor(readonly threads: number) {}

  /** Threads for the next call. */
  next(): number {
    if (this.threads === 1) return 1;
    const probe = this.calls++ % PROBE_EVERY === PROBE_EVERY - 1;
    return this.single !== probe ? 1 : this.threads;
  }

  /** The time per step of a call run on `threads` threads. */
  record(threads: number, secondsPerStep: number): void {
    if (this.threads === 1 || !(secondsPerStep > 0)) return;
    const mean = this.perStep.get(threads);
    this.perStep.set(threads, mean === undefined ? secondsPerStep : NEWEST * Math.min(secondsPerStep, OUTLIER * mean) + (1 - NEWEST) * mean);
    const one = this.perStep.get(1), many = this.perStep.get(this.threads);
    if (one !== undefined && many !== undefined) this.single = one < MARGIN * many;
  }

  /** Whether the model runs on one thread for now. */
  get onOneThread(): boolean {
    return this.single;
  }
}

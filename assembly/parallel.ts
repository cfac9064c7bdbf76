// Threads over one model's work. Every thread runs the same call (train_steps, gradients, …) with its own index t;
// each phase of a step is split into H_THREADS parts by `share`, thread t doing part t, and the threads meet at a
// barrier between phases. Serial work (sampling, the loss) is thread 0's. Parts write disjoint outputs and read
// only what earlier phases wrote, and every kernel computes each value the same way wherever a split falls, so
// the results do not depend on the number of threads. Without a pool (H_SYNC = 0) one thread runs every part
// of a phase in turn: the same results, which is how the builds without threads (and the tests) check the splits.

import { H_SYNC, H_THREADS, ptr, word } from "./model";

// The synchronization block: 32 i32 words in shared memory, one per pool.
export const S_ARRIVED = 0;     // threads at the barrier
export const S_BARRIER = 1;     // barrier generation: bumped by the last thread to arrive
export const S_CALL = 2;        // call generation: bumped by the main thread to start a call on the workers
export const S_CALL_ID = 3;     // which call (CALL_*)
export const S_EPOCH = 4;       // the pool's generation: workers started for another one return from worker_loop
export const S_MAIN_WAITS = 5;  // 1: the main thread may block in atomic.wait (not a browser's main thread)
export const S_READY = 6;       // epoch (low 16 bits) << 16 | workers of that epoch inside worker_loop, having read S_CALL
export const S_ARGS = 8;        // the call's arguments, 16 words
export const S_SHARED = 24;     // f64 a serial phase hands to every thread (the step's loss)
export const SYNC_WORDS = 32;

export const CALL_TRAIN_STEPS = 1;
export const CALL_GRADIENTS = 2;
export const CALL_FORWARD = 3;
export const CALL_LOSS_TOTAL = 4;
export const CALL_TRAIN_STEP = 5;
export const CALL_OPTIMIZE = 6;

/**
 * Atomic loads a waiting thread spins before it blocks. A step's phases are short (tens of microseconds at batch
 * 10), and a blocked thread wakes late: in one probe of the 3072→100 model (2-core EPYC), 20,000 spins gave 2
 * threads 1.38× and 1.16× one thread at batches 1 and 10, 200,000 gave 1.73× and 1.33×.
 */
const SPINS = 200000;

/** Parts a phase of this model is split into. */
@inline export function threadsOf(desc: usize): i32 {
  return max(1, word(desc, H_THREADS));
}

/** The first part thread t does: t with a pool, 0 without (one thread does them all). */
@inline export function firstPart(desc: usize, t: i32): i32 {
  return ptr(desc, H_SYNC) != 0 ? t : 0;
}

/** One past the last part thread t does. */
@inline export function endPart(desc: usize, t: i32): i32 {
  return ptr(desc, H_SYNC) != 0 ? t + 1 : threadsOf(desc);
}

/** The start of part `part` of `parts` over `total` items cut at multiples of `align` (its end: the next part's start). */
@inline export function share(total: i32, align: i32, part: i32, parts: i32): i32 {
  const blocks = (total + align - 1) / align;
  return min(total, <i32>((<i64>blocks * part) / parts) * align);
}

/** Waits until every thread of the model's call has arrived (nothing without a pool). */
export function sync(desc: usize, t: i32): void {
  const block = ptr(desc, H_SYNC);
  if (block == 0 || threadsOf(desc) == 1) return;
  if (ASC_FEATURE_THREADS) barrier(block, threadsOf(desc), t);
}

/**
 * A thread-0 value (serial phase) for every thread: thread 0 stores it before a sync, the others read it after.
 * The caller meets at another barrier before thread 0 can share the next value (the loss stage's own last sync),
 * so that no thread reads the next value in place of this one.
 */
export function shareValue(desc: usize, t: i32, value: f64): f64 {
  const block = ptr(desc, H_SYNC);
  if (block == 0) return value;
  const at = block + (<usize>S_SHARED << 2);
  if (t == 0) store<f64>(at, value);
  sync(desc, t);
  return load<f64>(at);
}

// @ts-ignore: decorator
@inline function barrier(block: usize, n: i32, t: i32): void {
  if (ASC_FEATURE_THREADS) {
    const generation = atomic.load<i32>(block + (<usize>S_BARRIER << 2));
    if (atomic.add<i32>(block + (<usize>S_ARRIVED << 2), 1) == n - 1) {
      atomic.store<i32>(block + (<usize>S_ARRIVED << 2), 0);
      atomic.store<i32>(block + (<usize>S_BARRIER << 2), generation + 1);
      atomic.notify(block + (<usize>S_BARRIER << 2));
    } else {
      waitWhile(block, S_BARRIER, generation, t);
    }
  }
}

// JavaScript's Atomics.wait on the word at `at` while it holds `value`. Not wasm's atomic.wait: in Node 20 (V8 11.3)
// a thread in Liftoff code blocked in it was never woken by atomic.notify (measured: every run hung), while
// spinning, or TurboFan code, worked.
// @ts-ignore: decorator
@external("env", "wait")
declare function hostWait(at: usize, value: i32): void;

/** Spins, then blocks (where this thread may), while word `index` of the block still holds `value`. */
function waitWhile(block: usize, index: i32, value: i32, t: i32): void {
  if (ASC_FEATURE_THREADS) {
    const at = block + (<usize>index << 2);
    const mayWait = t != 0 || load<i32>(block + (<usize>S_MAIN_WAITS << 2)) != 0;
    for (let spins = 0; atomic.load<i32>(at) == value; spins++) {
      if (spins >= SPINS && mayWait) hostWait(at, value);
    }
  }
}

/** Starts `call` on the pool's workers (the main thread then runs it as thread 0); its arguments are already in S_ARGS. */
export function post_call(block: usize, call: i32): void {
  if (ASC_FEATURE_THREADS) {
    store<i32>(block + (<usize>S_CALL_ID << 2), call);
    atomic.add<i32>(block + (<usize>S_CALL << 2), 1);
    atomic.notify(block + (<usize>S_CALL << 2));
  }
}

/** Wakes every worker: those of an old epoch (the facade changed S_EPOCH first) return from worker_loop. */
export function shut_down(block: usize): void {
  if (ASC_FEATURE_THREADS) {
    atomic.add<i32>(block + (<usize>S_CALL << 2), 1);
    atomic.notify(block + (<usize>S_CALL << 2));
  }
}

/** The call's argument i. */
@inline export function arg(block: usize, i: i32): i32 {
  return load<i32>(block + (<usize>(S_ARGS + i) << 2));
}

/** Waits for the next call after `seen`; returns its generation, or −1 when the pool's epoch is no longer `epoch`. */
export function nextCall(block: usize, seen: i32, t: i32, epoch: i32): i32 {
  if (!ASC_FEATURE_THREADS) return -1;
  waitWhile(block, S_CALL, seen, t);
  if (atomic.load<i32>(block + (<usize>S_EPOCH << 2)) != epoch) return -1;
  return atomic.load<i32>(block + (<usize>S_CALL << 2));
}

/**
 * Counts a worker of `epoch` in (the pool waits for this before it posts a call, so no worker misses its first
 * one); false, counting nothing, when the pool has moved on to another epoch.
 */
export function announceReady(block: usize, epoch: i32): bool {
  if (!ASC_FEATURE_THREADS) return false;
  const at = block + (<usize>S_READY << 2);
  while (true) {
    const ready = atomic.load<i32>(at);
    if ((ready >>> 16) != (epoch & 0xffff)) return false;
    if (atomic.cmpxchg<i32>(at, ready, ready + 1) == ready) {
      atomic.notify(at);
      return true;
    }
  }
}

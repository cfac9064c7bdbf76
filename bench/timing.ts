// Timing helpers shared by the benchmark's sections: tinybench medians, one task at a time, and number formatting.
import { Bench } from 'tinybench';

export interface Timed {
  name: string;
  perIteration: number; // samples (or flops) one iteration processes
  fn: () => void;
}

/** Runs tasks one after another (never two at once) and returns the median seconds per iteration of each. */
export async function medians(tasks: Timed[], time = 1500): Promise<Map<string, number>> {
  const bench = new Bench({ time, warmupTime: 300, iterations: 3 });
  for (const task of tasks) bench.add(task.name, task.fn);
  await bench.run();
  const out = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    out.set(task.name, result.latency.p50 / 1000);
  }
  return out;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Flops of one training sample through dense layers whose in × out products are `products` (forward order): the
 * forward products, the weight gradients, and the gradients passed down, which the first layer does not pass to the data.
 */
export function trainingFlopsPerSample(products: number[]): number {
  const total = products.reduce((sum, p) => sum + p, 0);
  return 2 * total + 2 * total + 2 * (total - products[0]!);
}

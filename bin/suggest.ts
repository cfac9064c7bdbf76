// "Did you mean …?" for mistyped flags. Hand-written: ten lines of edit distance, not worth a dependency.

/** The edit distance (insertions, deletions, substitutions) between a and b. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The flag of `help` (every `--name` it shows) closest to `given`, if it is a plausible typo of it. */
export function closestFlag(given: string, help: string): string | undefined {
  const flags = [...new Set(help.match(/--[a-z][a-z-]*/g) ?? [])];
  const ranked = flags.map((flag) => ({ flag, d: distance(given, flag) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(given.length / 4)) ? best.flag : undefined;
}

// Anomaly scores a user can act on: a threshold picked from the scores of normal data, the rows above it, and
// the ROC AUC with which scores separate two groups (to judge a model before trusting its threshold).

/** What `detect` returns: each row's score and a 1 where it is above the threshold. */
export interface Detection {
  /** Each row's anomaly score (its reconstruction loss). */
  scores: Float64Array;
  /** 1 where the row's score is above the threshold, else 0. */
  anomalies: Uint8Array;
}

/** Options of `anomalyThreshold`. */
export interface ThresholdOptions {
  /** The fraction of normal scores at or below the threshold, in (0, 1]; default 0.99. */
  quantile?: number;
}

/**
 * A threshold for `detect`, from anomaly scores of data known to be normal: the nearest-rank quantile, i.e. the
 * ⌈quantile · n⌉-th smallest of the n scores, so that at least that fraction of the normal rows is not flagged
 * (a quantile · n within 4 ulps of an integer counts as that integer, as 0.29 · 100 does).
 *
 * @example
 * ```ts
 * const threshold = anomalyThreshold(ae.anomalyScores(normalRows), { quantile: 0.99 });
 * const { anomalies } = ae.detect(newRows, threshold);   // 1 where a row is above it
 * ```
 */
export function anomalyThreshold(scores: ArrayLike<number>, options: ThresholdOptions = {}): number {
  if (options === null || typeof options !== 'object') throw new TypeError('anomalyThreshold options must be an object such as { quantile: 0.99 }');
  for (const key of Object.keys(options)) {
    if (key !== 'quantile') throw new TypeError(`unknown anomalyThreshold option '${key}' (expected quantile)`);
  }
  const quantile = options.quantile ?? 0.99;
  if (typeof quantile !== 'number' || !(quantile > 0 && quantile <= 1)) {
    throw new RangeError(`quantile is ${String(quantile)}, expected a number in (0, 1], e.g. 0.99`);
  }
  const sorted = finiteScores(scores, 'anomalyThreshold').sort();
  if (sorted.length === 0) throw new RangeError('anomalyThreshold needs at least one score');
  // q·n may come out a hair above an integer (0.29 · 100 = 29.000000000000004): within 4 ulps, that integer is the rank.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(quantile * sorted.length * (1 - 4 * Number.EPSILON))));
  return sorted[rank - 1]! + 0; // a -0 comes out as 0
}

/** Refuses a threshold that is not a number (Infinity flags nothing, -Infinity everything). */
export function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`threshold is ${String(threshold)}, expected a number (e.g. from anomalyThreshold)`);
  }
}

/** `detect` for scores already computed: a 1 for each score above `threshold` (checked by checkThreshold). */
export function flagAbove(scores: Float64Array, threshold: number): Detection {
  const anomalies = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) anomalies[i] = scores[i]! > threshold ? 1 : 0;
  return { scores, anomalies };
}

/**
 * The area under the ROC curve of `scores` for telling rows labelled 1 (anomalies) from rows labelled 0: the
 * chance that a random anomaly scores above a random normal row, ties counting half. 0.5 is chance, 1 perfect.
 *
 * @example
 * ```ts
 * const auc = rocAuc(ae.anomalyScores(rows), isAnomaly);   // isAnomaly: Uint8Array of 0 and 1, one per row
 * ```
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const values = finiteScores(scores, 'rocAuc');
  if (!Array.isArray(labels) && !(ArrayBuffer.isView(labels) && !(labels instanceof DataView))) {
    throw new TypeError('rocAuc labels must be an array or typed array of 0 and 1, one per score');
  }
  if (labels.length !== values.length) throw new RangeError(`rocAuc got ${values.length} scores and ${labels.length} labels, expected one label per score`);
  const order = Array.from(values.keys()).sort((a, b) => values[a]! - values[b]!);
  let positives = 0, rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const meanRank = (start + 1 + end) / 2; // ranks start..end-1 (1-based start+1..end), tied: their mean
    for (let i = start; i < end; i++) {
      const given: unknown = labels[order[i]!];
      const label = given === true ? 1 : given === false ? 0 : given;
      if (label !== 0 && label !== 1) throw new RangeError(`rocAuc label ${order[i]} is ${String(given)}, expected 0 or 1 (or a boolean)`);
      if (label === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = values.length - positives;
  if (positives === 0 || negatives === 0) throw new RangeError(`rocAuc needs both labels, got ${positives} ones and ${negatives} zeros`);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function finiteScores(scores: ArrayLike<number>, caller: string): Float64Array {
  if (!Array.isArray(scores) && !(ArrayBuffer.isView(scores) && !(scores instanceof DataView) && !isBigIntArray(scores))) {
    throw new TypeError(`${caller} scores must be an array or typed array of numbers`);
  }
  // Checked value by value before anything is allocated: a forged length fails at its first missing value.
  for (let i = 0; i < scores.length; i++) {
    const v: unknown = scores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${caller}: score ${i} is ${String(v)}, expected a finite number`);
  }
  return Float64Array.from(scores);
}

function isBigIntArray(view: ArrayBufferView): boolean {
  return view instanceof BigInt64Array || view instanceof BigUint64Array;
}

// Anomaly detection: anomalyThreshold's nearest rank, rocAuc against a pairwise count, the model's scores and
// flags, and (where Debian's Fashion-MNIST is installed) a model of one class telling it from the other nine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fc from 'fast-check';
import { Autoencoder, anomalyThreshold, loadFashionMnist, rocAuc } from '../../src/entries/index.js';
import { randomRows } from './helpers.js';

/** The k-th smallest (1-based) of the values. */
const kthSmallest = (values: number[], k: number) => [...values].sort((a, b) => a - b)[k - 1]! + 0;

test('anomalyThreshold is the ⌈q·n⌉-th smallest score, q·n landing on an integer or not', () => {
  const shuffled = [37, 5, 100, 64, 1, 29, 99, 50, 2, 98, ...Array.from({ length: 90 }, (_, i) => i + 101)].map((v) => v / 7);
  const sorted = [...shuffled].sort((a, b) => a - b);
  for (const [q, rank] of [[0.99, 99], [1, 100], [0.5, 50], [0.29, 29], [0.001, 1], [0.291, 30], [0.57, 57], [0.07, 7]] as const) {
    assert.equal(anomalyThreshold(shuffled, { quantile: q }), sorted[rank - 1], `quantile ${q}`);
  }
  assert.equal(anomalyThreshold(Float64Array.of(3, 1, 2)), 3, 'default 0.99 of three scores: the largest');
  assert.equal(anomalyThreshold([4, 1, 3, 2], { quantile: 0.5 }), 2, 'median of four: the 2nd smallest');
  assert.equal(anomalyThreshold([7]), 7);
  const many = Float64Array.from({ length: 100000 }, (_, i) => 100000 - i);
  assert.equal(anomalyThreshold(many, { quantile: 0.99999 }), 99999);
  assert.equal(anomalyThreshold(many, { quantile: 0.999991 }), 100000);
  assert.ok(Object.is(anomalyThreshold([0, -0, 0], { quantile: 1 / 3 }), 0), 'never -0');
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.nat(), (scores, pick) => {
      const k = 1 + (pick % scores.length);
      assert.equal(anomalyThreshold(scores, { quantile: k / scores.length }), kthSmallest(scores, k));
      if (k < scores.length) assert.equal(anomalyThreshold(scores, { quantile: (k + 0.5) / scores.length }), kthSmallest(scores, k + 1));
    }),
  );
});

test('anomalyThreshold refuses what has no threshold, naming the problem', () => {
  assert.throws(() => anomalyThreshold([]), /at least one score/);
  assert.throws(() => anomalyThreshold([1, Number.NaN, 3]), /score 1 is NaN, expected a finite number/);
  assert.throws(() => anomalyThreshold([1, Infinity]), /score 1 is Infinity/);
  for (const quantile of [0, -0.5, 1.5, Number.NaN, '0.9']) {
    assert.throws(() => anomalyThreshold([1, 2], { quantile: quantile as number }), /quantile is .*, expected a number in \(0, 1\]/);
  }
  assert.throws(() => anomalyThreshold([1, 2], { quantlie: 0.9 } as never), /unknown anomalyThreshold option 'quantlie'/);
  assert.throws(() => anomalyThreshold({ length: 1e12 } as never), /scores must be an array or typed array/);
  assert.throws(() => anomalyThreshold('123' as never), /scores must be an array or typed array/);
  const forged = new Proxy([], { get: (t, k, r) => (k === 'length' ? 1e12 : Reflect.get(t, k, r)) });
  assert.throws(() => anomalyThreshold(forged), /score 0 is undefined, expected a finite number/);
  assert.throws(() => anomalyThreshold(['3', 1] as never), /score 0 is 3, expected a finite number/);
  assert.throws(() => anomalyThreshold([1, null] as never), /score 1 is null/);
});

test('rocAuc is the chance that an anomaly outscores a normal row, ties half, as a pairwise count says', () => {
  assert.equal(rocAuc([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 1]), 1);
  assert.equal(rocAuc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]), 0);
  assert.equal(rocAuc([5, 5, 5, 5], Uint8Array.of(0, 1, 0, 1)), 0.5);
  assert.equal(rocAuc([1, 2, 3], [true, false, true]), 0.5);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { minLength: 2, maxLength: 60 }), (rows) => {
      const positives = rows.filter(([, label]) => label), negatives = rows.filter(([, label]) => !label);
      fc.pre(positives.length > 0 && negatives.length > 0);
      let wins = 0;
      for (const [p] of positives) for (const [n] of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
      const auc = rocAuc(rows.map(([score]) => score), rows.map(([, label]) => (label ? 1 : 0)));
      assert.ok(Math.abs(auc - wins / (positives.length * negatives.length)) < 1e-12);
    }),
  );
  assert.throws(() => rocAuc([1, 2], [1]), /2 scores and 1 labels/);
  assert.throws(() => rocAuc([1, 2], [1, 1]), /needs both labels, got 2 ones and 0 zeros/);
  assert.throws(() => rocAuc([1, 2], [0, 2]), /label 1 is 2, expected 0 or 1/);
  assert.throws(() => rocAuc([1, 2], [null, 1] as never), /label 0 is null, expected 0 or 1/);
  assert.throws(() => rocAuc([1, 2], ['1', 0] as never), /label 0 is 1, expected 0 or 1/);
  assert.throws(() => rocAuc([1, Number.NaN], [0, 1]), /score 1 is NaN/);
});

test('anomalyScores are test()’s row losses, bit for bit; detect flags the scores above the threshold', () => {
  const ae = new Autoencoder(6, 3, { seed: 4, weightInit: 'glorot' });
  try {
    const rows = randomRows(40, 6, 9);
    ae.train(rows, { epochs: 20, logEvery: 0 });
    const { rowLosses } = ae.test(rows);
    const scores = ae.anomalyScores(rows);
    assert.deepEqual(scores, rowLosses);
    const target = randomRows(40, 6, 10);
    assert.deepEqual(ae.anomalyScores(rows, { target }), ae.test(rows, { target }).rowLosses);
    const threshold = anomalyThreshold(scores, { quantile: 0.75 });
    const { scores: detected, anomalies } = ae.detect(rows, threshold);
    assert.deepEqual(detected, scores);
    assert.deepEqual(Array.from(anomalies), Array.from(scores, (s) => (s > threshold ? 1 : 0)));
    assert.equal(anomalies.reduce((sum, a) => sum + a, 0), 10, 'a quarter of 40 distinct scores lies above the 0.75 quantile');
    assert.equal(ae.detect(rows, Infinity).anomalies.every((a) => a === 0), true);
    assert.equal(ae.detect(rows, -Infinity).anomalies.every((a) => a === 1), true);
    assert.throws(() => ae.detect(rows, Number.NaN), /threshold is NaN, expected a number/);
    assert.throws(() => ae.detect(rows, '0.5' as never), /threshold is 0.5, expected a number/);
    assert.throws(() => ae.detect([[1, 2, 3]], threshold), /data row 0 has 3 values, the model expects 6/);
  } finally {
    ae.dispose();
  }
});

const FASHION = '/usr/share/datasets/fashion-mnist';
const SKIP_FASHION = fs.existsSync(`${FASHION}/train-images-idx3-ubyte.gz`) ? false : 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist; .ci/run installs it)';

test('a model of trousers tells held-out trousers from the other nine classes (ROC AUC well above chance)', { skip: SKIP_FASHION }, async () => {
  const TROUSER = 1;
  const pixels = (images: { cols: number; data: Uint8Array }, rows: number[]) =>
    rows.map((r) => Array.from(images.data.subarray(r * images.cols, (r + 1) * images.cols), (p) => p / 255));
  const train = await loadFashionMnist({ split: 'train', limit: 6000 });
  const trousers = [...train.labels.keys()].filter((r) => train.labels[r] === TROUSER);
  const held = await loadFashionMnist({ split: 'test', limit: 1000 });
  const normal = [...held.labels.keys()].filter((r) => held.labels[r] === TROUSER);
  const others = [...held.labels.keys()].filter((r) => held.labels[r] !== TROUSER).slice(0, 300);
  const ae = new Autoencoder(784, 32, { seed: 1, weightInit: 'glorot', outputActivation: 'sigmoid', loss: 'mse' });
  try {
    ae.train(pixels(train.images, trousers), { epochs: 15, batchSize: 32, logEvery: 0 });
    const scores = ae.anomalyScores([...pixels(held.images, normal), ...pixels(held.images, others)]);
    const labels = [...normal.map(() => 0), ...others.map(() => 1)];
    const auc = rocAuc(scores, labels);
    assert.ok(auc > 0.85, `ROC AUC ${auc} (chance is 0.5)`);
    const threshold = anomalyThreshold(ae.anomalyScores(pixels(train.images, trousers)), { quantile: 0.95 });
    const { anomalies } = ae.detect(pixels(held.images, others), threshold);
    assert.ok(anomalies.reduce((s, a) => s + a, 0) > others.length / 2, 'most other classes lie above the 95 % quantile of trousers');
  } finally {
    ae.dispose();
  }
});

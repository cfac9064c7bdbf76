// The float64 reference (test/reference.ts) checked against itself: analytic gradients against finite
// differences, optimizer steps against hand computations, and the default path against the original code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ReferenceAutoencoder,
  finiteDifferenceGradients,
  type Activation,
  type RefLayer,
  type RefLoss,
  type RefOptimizer,
} from '../reference.js';
import { checkReferenceGradients, randomBatch, randomNet, seeded } from './helpers.js';


/** One 1→1 layer. */
function unit(W: number, b: number, activation: Activation): RefLayer {
  return { W: Float64Array.of(W), b: Float64Array.of(b), inDim: 1, outDim: 1, activation };
}

const rmsprop: RefOptimizer = { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-10 };
const allActivations: Activation[] = ['tanh', 'sigmoid', 'relu', 'linear', 'leakyRelu', 'elu'];
const allLosses: RefLoss[] = ['rmse', 'mse', 'bce'];
const kinked = new Set<Activation>(['relu', 'leakyRelu', 'elu']);

test('leakyRelu and elu: values on both sides of 0', () => {
  const forwardOf = (activation: Activation, z: number): number =>
    new ReferenceAutoencoder([unit(1, 0, activation)], rmsprop).forward([[z]]).activations[0][0][0];
  assert.equal(forwardOf('leakyRelu', 1.5), 1.5);
  assert.equal(forwardOf('leakyRelu', -2), -0.02);
  assert.equal(forwardOf('elu', 1.5), 1.5);
  assert.ok(Math.abs(forwardOf('elu', -2) - (Math.exp(-2) - 1)) < 1e-16);
  assert.equal(forwardOf('elu', -1e-20), -1e-20); // e^z - 1 without cancellation
  // The forward pass keeps z as well: z = 2·3 - 1 = 5.
  const pass = new ReferenceAutoencoder([unit(2, -1, 'sigmoid')], rmsprop).forward([[3]]);
  assert.equal(pass.preActivations[0][0][0], 5);
  assert.equal(pass.activations[0][0][0], 1 / (1 + Math.exp(-5)));
});

interface GradientCase {
  layers: RefLayer[];
  x: number[][];
  target: number[][] | undefined;
}

/**
 * A random net, batch (5 rows) and optional target, from the first seed at or after `firstSeed` whose
 * kinked layers (relu, leakyRelu, elu) have every pre-activation more than 1e-3 from 0, where central
 * differences with h = 1e-5 are valid, and both signs in each such layer, so both branches are checked.
 */
function gradientCase(firstSeed: number, dims: number[], activations: Activation[], separateTarget: boolean): GradientCase {
  for (let seed = firstSeed; seed < firstSeed + 50; seed++) {
    const rand = seeded(seed);
    const layers = randomNet(rand, dims, activations);
    const x = randomBatch(rand, 5, dims[0]);
    const target = separateTarget ? randomBatch(rand, 5, dims[dims.length - 1]) : undefined;
    const z = new ReferenceAutoencoder(layers, rmsprop).forward(x).preActivations;
    const usable = layers.every((layer, l) => {
      const values = z[l].flat();
      return !kinked.has(layer.activation) || (values.every((v) => Math.abs(v) > 1e-3) && values.some((v) => v > 0) && values.some((v) => v < 0));
    });
    if (usable) return { layers, x, target };
  }
  assert.fail(`no usable seed in [${firstSeed}, ${firstSeed + 50})`);
}

for (const depth of [2, 3]) {
  for (const activation of allActivations) {
    for (const loss of allLosses) {
      for (const separateTarget of [false, true]) {
        const output: Activation = loss === 'bce' ? 'sigmoid' : activation;
        const name = `gradients = finite differences: depth ${depth}, ${activation} hidden, ${output} output, ${loss}, ${separateTarget ? 'separate target' : 'target x'}`;
        test(name, () => {
          // With a separate target the output is narrower than the input, so x can't stand in for it.
          const outDim = separateTarget ? 2 : 4;
          const dims = depth === 2 ? [4, 3, outDim] : [4, 3, 3, outDim];
          const activations = [...Array<Activation>(depth - 1).fill(activation), output];
          const { layers, x, target } = gradientCase(1000 * depth + 100 * allActivations.indexOf(activation), dims, activations, separateTarget);
          checkReferenceGradients(layers, x, target, loss);
        });
      }
    }
  }
}

test('loss and rowLosses against a separate target match the textbook formulas', () => {
  const rand = seeded(5);
  const layers = randomNet(rand, [4, 3, 2], ['elu', 'sigmoid']);
  const x = randomBatch(rand, 6, 4);
  const t = randomBatch(rand, 6, 2);
  const y = new ReferenceAutoencoder(layers, rmsprop).forward(x).activations[1];
  // Per row: mean squared error, and the naive bce -(t log y + (1-t) log(1-y)).
  const rowMse = y.map((row, r) => row.reduce((s, v, c) => s + (v - t[r][c]) ** 2, 0) / 2);
  const rowBce = y.map((row, r) => row.reduce((s, v, c) => s - t[r][c] * Math.log(v) - (1 - t[r][c]) * Math.log(1 - v), 0) / 2);
  const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
  const expected: Record<RefLoss, { rows: number[]; batch: number }> = {
    rmse: { rows: rowMse.map(Math.sqrt), batch: Math.sqrt(mean(rowMse)) },
    mse: { rows: rowMse, batch: mean(rowMse) },
    bce: { rows: rowBce, batch: mean(rowBce) },
  };
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-13 * Math.abs(b);
  for (const loss of allLosses) {
    const ref = new ReferenceAutoencoder(layers, rmsprop, { loss });
    assert.ok(near(ref.loss(x, t), expected[loss].batch), `${loss}: ${ref.loss(x, t)} vs ${expected[loss].batch}`);
    ref.rowLosses(x, t).forEach((v, r) => assert.ok(near(v, expected[loss].rows[r]), `${loss} row ${r}: ${v} vs ${expected[loss].rows[r]}`));
    assert.equal(ref.rowLosses(x, t).length, 6);
    // Without a target the loss compares with x, which has the wrong width here: a square net instead.
    const square = randomNet(rand, [4, 4], ['sigmoid']);
    const own = new ReferenceAutoencoder(square, rmsprop, { loss });
    assert.equal(own.loss(x), own.loss(x, x));
    assert.deepEqual(own.rowLosses(x), own.rowLosses(x, x));
  }
});

test('bce is computed stably from z, and needs a sigmoid output', () => {
  // z = ±50: log(1 - sigmoid(50)) underflows in the naive form; the stable form gives ≈ 50.
  const ref = new ReferenceAutoencoder([unit(50, 0, 'sigmoid')], rmsprop, { loss: 'bce' });
  assert.equal(ref.loss([[1]], [[0]]), 50 + Math.log1p(Math.exp(-50)));
  assert.equal(ref.loss([[-1]], [[1]]), 50 + Math.log1p(Math.exp(-50)));
  assert.deepEqual(ref.rowLosses([[1], [-1]], [[0], [0]]), [50 + Math.log1p(Math.exp(-50)), Math.log1p(Math.exp(-50))]);
  // dL/dz = (sigmoid(z) - t) / n; with x = 1, dL/dW = dL/dz, n = 1.
  assert.equal(ref.gradients([[1]], [[0]]).b[0][0], 1 / (1 + Math.exp(-50)));
  assert.throws(() => new ReferenceAutoencoder([unit(1, 0, 'tanh')], rmsprop, { loss: 'bce' }), /sigmoid/);
  assert.throws(() => finiteDifferenceGradients([unit(1, 0, 'linear')], [[1]], 1e-5, [[1]], 'bce'), /sigmoid/);
});

// The 1→1→1 net of test/facade/reference.test.ts: hidden relu W1 = 1.75, b1 = 1.25; output linear
// W2 = 0.625, b2 = -0.5; one row x = 0.5. Forward: z1 = a1 = 2.125, y = 0.828125, y - x = 0.328125.
// rmse gradients (W1, b1, W2, b2) = (0.3125, 0.625, 2.125, 1); mse ones are 2·0.328125 = 0.65625 times those.
const handNet = (): RefLayer[] => [unit(1.75, 1.25, 'relu'), unit(0.625, -0.5, 'linear')];
const params = (ref: ReferenceAutoencoder): number[] => ref.layers.flatMap((layer) => [layer.W[0], layer.b[0]]);
const slots = (p: { W: Float64Array[]; b: Float64Array[] }): number[] => [p.W[0][0], p.b[0][0], p.W[1][0], p.b[1][0]];

test('one Adam step on the 1→1→1 net matches the hand computation exactly', () => {
  // lr = 0.5, beta1 = 0.5, beta2 = 0.75, epsilon = 0.25, rmse, so g = (0.3125, 0.625, 2.125, 1).
  // t = 1: lr_t = 0.5 * sqrt(1 - 0.75) / (1 - 0.5) = 0.5.
  //   m = 0.5 g                 = (0.15625, 0.3125, 1.0625, 0.5)
  //   v = 0.25 g², sqrt(v) = g/2 = (0.15625, 0.3125, 1.0625, 0.5)
  //   w -= 0.5 m / (sqrt(v) + 0.25):
  //     W1: 0.078125 / 0.40625 = 5/26    b1: 0.15625 / 0.5625 = 5/18
  //     W2: 0.53125 / 1.3125  = 17/42    b2: 0.25 / 0.75      = 1/3
  // Every number up to the division is exact in float64, so the expected values are written as that
  // division and the subtraction.
  const ref = new ReferenceAutoencoder(handNet(), { name: 'adam', learningRate: 0.5, beta1: 0.5, beta2: 0.75, epsilon: 0.25 });
  assert.equal(ref.t, 0);
  assert.equal(ref.step([[0.5]]), 0.328125);
  assert.equal(ref.t, 1);
  assert.deepEqual(slots(ref.m), [0.15625, 0.3125, 1.0625, 0.5]);
  assert.deepEqual(slots(ref.v), [0.0244140625, 0.09765625, 1.12890625, 0.25]);
  assert.deepEqual(params(ref), [1.75 - 0.078125 / 0.40625, 1.25 - 0.15625 / 0.5625, 0.625 - 0.53125 / 1.3125, -0.5 - 0.25 / 0.75]);
  const fractions = [1.75 - 5 / 26, 1.25 - 5 / 18, 0.625 - 17 / 42, -0.5 - 1 / 3];
  params(ref).forEach((w, k) => assert.ok(Math.abs(w - fractions[k]) < 1e-15, `param ${k}: ${w} vs ${fractions[k]}`));
  // Only Adam's slots moved.
  assert.deepEqual([...slots(ref.ms), ...slots(ref.mom), ...slots(ref.accum)], [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('the second Adam step uses t = 2 and carries m and v', () => {
  const opt = { name: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
  const rand = seeded(9);
  const x = randomBatch(rand, 4, 3);
  const ref = new ReferenceAutoencoder(randomNet(rand, [3, 2, 3], ['leakyRelu', 'sigmoid']), opt, { loss: 'mse' });
  ref.step(x);
  const w1 = Float64Array.from(ref.layers[0].W);
  const m1 = Float64Array.from(ref.m.W[0]);
  const v1 = Float64Array.from(ref.v.W[0]);
  const g2 = ref.gradients(x).W[0];
  ref.step(x);
  assert.equal(ref.t, 2);
  const lr2 = (0.01 * Math.sqrt(1 - 0.999 * 0.999)) / (1 - 0.9 * 0.9);
  for (let k = 0; k < w1.length; k++) {
    const m = 0.9 * m1[k] + 0.1 * g2[k];
    const v = 0.999 * v1[k] + 0.001 * g2[k] * g2[k];
    assert.ok(Math.abs(ref.m.W[0][k] - m) <= 1e-15 * Math.abs(m));
    assert.ok(Math.abs(ref.v.W[0][k] - v) <= 1e-15 * Math.abs(v));
    const w = w1[k] - (lr2 * m) / (Math.sqrt(v) + 1e-8);
    assert.ok(Math.abs(ref.layers[0].W[k] - w) <= 1e-15, `W[${k}]: ${ref.layers[0].W[k]} vs ${w}`);
  }
});

test('one momentum SGD step on the 1→1→1 net (mse), with and without nesterov, matches the hand computation', () => {
  // mse: L = 0.328125² = 0.107666015625, dL/dy = 0.65625, so
  //   g = (W1, b1, W2, b2) = (0.205078125, 0.41015625, 1.39453125, 0.65625).
  // lr = 0.5, momentum = 0.75. The accumulator is preset to 1 so that the step shows a = 0.75·a + g:
  //   a = 0.75 + g = (0.955078125, 1.16015625, 2.14453125, 1.40625)
  //   plain:    w -= 0.5·a
  //   nesterov: w -= 0.5·(g + 0.75·a)
  // All values are dyadic with few bits, so every operation is exact.
  const g = [0.205078125, 0.41015625, 1.39453125, 0.65625];
  const a = [0.955078125, 1.16015625, 2.14453125, 1.40625];
  const before = [1.75, 1.25, 0.625, -0.5];
  const plain = [1.75 - 0.4775390625, 1.25 - 0.580078125, 0.625 - 1.072265625, -0.5 - 0.703125];
  const nesterov = [
    1.75 - 0.5 * (0.205078125 + 0.71630859375),
    1.25 - 0.5 * (0.41015625 + 0.8701171875),
    0.625 - 0.5 * (1.39453125 + 1.6083984375),
    -0.5 - 0.5 * (0.65625 + 1.0546875),
  ];
  for (const [useNesterov, expected] of [[false, plain], [true, nesterov]] as const) {
    const ref = new ReferenceAutoencoder(handNet(), { name: 'sgd', learningRate: 0.5, momentum: 0.75, nesterov: useNesterov }, { loss: 'mse' });
    const grads = ref.gradients([[0.5]]);
    assert.deepEqual([...slots(grads), grads.loss], [...g, 0.107666015625]);
    for (const p of [ref.accum.W, ref.accum.b]) p.forEach((arr) => arr.fill(1));
    assert.equal(ref.step([[0.5]]), 0.107666015625);
    assert.deepEqual(slots(ref.accum), a);
    assert.deepEqual(params(ref), expected);
    params(ref).forEach((w, k) => assert.notEqual(w, before[k]));
    assert.equal(ref.t, 0);
  }
  // From a fresh accumulator a = g: plain moves by lr·g, nesterov by lr·(1 + momentum)·g = 0.875·g.
  for (const useNesterov of [false, true]) {
    const ref = new ReferenceAutoencoder(handNet(), { name: 'sgd', learningRate: 0.5, momentum: 0.75, nesterov: useNesterov }, { loss: 'mse' });
    ref.step([[0.5]]);
    assert.deepEqual(slots(ref.accum), g);
    assert.deepEqual(params(ref), before.map((w, k) => w - (useNesterov ? 0.875 : 0.5) * g[k]));
    assert.deepEqual([...slots(ref.ms), ...slots(ref.mom), ...slots(ref.m), ...slots(ref.v)], [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  }
});

// ---- The default path (RMSProp, rmse against x) against a copy of the original reference's formulas. ----

function originalForward(layers: RefLayer[], x: number[][]): number[][][] {
  const activations: number[][][] = [];
  let input = x;
  for (const layer of layers) {
    const output = input.map((row) =>
      Array.from({ length: layer.outDim }, (_, j) => {
        let z = layer.b[j];
        for (let i = 0; i < layer.inDim; i++) z += row[i] * layer.W[i * layer.outDim + j];
        const act = layer.activation;
        return act === 'tanh' ? Math.tanh(z) : act === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : act === 'relu' ? (z > 0 ? z : 0) : z;
      }),
    );
    activations.push(output);
    input = output;
  }
  return activations;
}

function originalDerivative(act: Activation, a: number): number {
  return act === 'tanh' ? 1 - a * a : act === 'sigmoid' ? a * (1 - a) : act === 'relu' ? (a > 0 ? 1 : 0) : 1;
}

function originalRmse(x: number[][], xhat: number[][]): number {
  let sum = 0;
  for (let r = 0; r < x.length; r++) {
    for (let c = 0; c < x[0].length; c++) {
      const d = x[r][c] - xhat[r][c];
      sum += d * d;
    }
  }
  return Math.sqrt(sum / (x.length * x[0].length));
}

function originalBackprop(layers: RefLayer[], x: number[][]): { W: Float64Array[]; b: Float64Array[]; loss: number } {
  const activations = originalForward(layers, x);
  const last = activations[activations.length - 1];
  const loss = originalRmse(x, last);
  const rows = x.length;
  const cols = x[0].length;
  let dA = last.map((row, r) => row.map((a, c) => (loss === 0 ? 0 : (a - x[r][c]) / (rows * cols * loss))));
  const W = layers.map((layer) => new Float64Array(layer.inDim * layer.outDim));
  const b = layers.map((layer) => new Float64Array(layer.outDim));
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    const aPrev = l === 0 ? x : activations[l - 1];
    const delta = dA.map((row, r) => row.map((d, j) => d * originalDerivative(layer.activation, activations[l][r][j])));
    for (let i = 0; i < layer.inDim; i++) {
      for (let j = 0; j < layer.outDim; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += aPrev[r][i] * delta[r][j];
        W[l][i * layer.outDim + j] = sum;
      }
    }
    for (let j = 0; j < layer.outDim; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += delta[r][j];
      b[l][j] = sum;
    }
    dA = delta.map((d) =>
      Array.from({ length: layer.inDim }, (_, i) => {
        let sum = 0;
        for (let j = 0; j < layer.outDim; j++) sum += d[j] * layer.W[i * layer.outDim + j];
        return sum;
      }),
    );
  }
  return { W, b, loss };
}

function originalFiniteDifferences(layers: RefLayer[], x: number[][], h: number): { W: Float64Array[]; b: Float64Array[] } {
  const work = layers.map((layer) => ({ ...layer, W: Float64Array.from(layer.W), b: Float64Array.from(layer.b) }));
  const lossOf = (): number => originalRmse(x, originalForward(work, x)[work.length - 1]);
  const derivative = (params: Float64Array, k: number): number => {
    const saved = params[k];
    params[k] = saved + h;
    const plus = lossOf();
    params[k] = saved - h;
    const minus = lossOf();
    params[k] = saved;
    return (plus - minus) / (2 * h);
  };
  return { W: work.map((layer) => layer.W.map((_, k) => derivative(layer.W, k))), b: work.map((layer) => layer.b.map((_, k) => derivative(layer.b, k))) };
}

test('default path (no optimizer name, no options) is bit-identical to the original RMSProp/RMSE reference', () => {
  const rand = seeded(77);
  const layers = randomNet(rand, [5, 4, 3, 5], ['tanh', 'relu', 'sigmoid']);
  const batches = [randomBatch(rand, 6, 5), randomBatch(rand, 3, 5), randomBatch(rand, 1, 5)];
  const opt: RefOptimizer = { learningRate: 0.05, decay: 0.8, momentum: 0.5, epsilon: 1e-6 };

  // The original algorithm, inline: ms = 1, mom = 0; per step backprop, then the TF1 RMSProp update.
  const expected = layers.map((layer) => ({ ...layer, W: Float64Array.from(layer.W), b: Float64Array.from(layer.b) }));
  const ms = { W: expected.map((l) => new Float64Array(l.W.length).fill(1)), b: expected.map((l) => new Float64Array(l.b.length).fill(1)) };
  const mom = { W: expected.map((l) => new Float64Array(l.W.length)), b: expected.map((l) => new Float64Array(l.b.length)) };
  const originalStep = (x: number[][]): number => {
    const grads = originalBackprop(expected, x);
    for (let l = 0; l < expected.length; l++) {
      for (const kind of ['W', 'b'] as const) {
        const w = expected[l][kind];
        for (let k = 0; k < w.length; k++) {
          const g = grads[kind][l][k];
          ms[kind][l][k] = opt.decay * ms[kind][l][k] + (1 - opt.decay) * g * g;
          mom[kind][l][k] = opt.momentum * mom[kind][l][k] + (opt.learningRate * g) / Math.sqrt(ms[kind][l][k] + opt.epsilon);
          w[k] -= mom[kind][l][k];
        }
      }
    }
    return grads.loss;
  };

  const variants = [
    new ReferenceAutoencoder(layers, opt),
    new ReferenceAutoencoder(layers, { ...opt, name: 'rmsprop' }),
    new ReferenceAutoencoder(layers, opt, {}),
    new ReferenceAutoencoder(layers, opt, { loss: 'rmse' }),
  ];
  for (let step = 0; step < 6; step++) {
    const x = batches[step % batches.length];
    const original = originalBackprop(expected, x);
    for (const ref of variants) {
      assert.equal(ref.loss(x), original.loss);
      assert.deepEqual(ref.forward(x).activations, originalForward(expected, x));
      const grads = ref.gradients(x);
      assert.deepEqual([grads.W, grads.b, grads.loss], [original.W, original.b, original.loss]);
    }
    const loss = originalStep(x);
    for (const ref of variants) {
      assert.equal(ref.step(x), loss);
      assert.deepEqual(ref.layers.map((l) => [l.W, l.b]), expected.map((l) => [l.W, l.b]));
      assert.deepEqual([ref.ms, ref.mom], [ms, mom]);
      assert.equal(ref.t, 0);
    }
  }
  // The positional finite-difference signature, with the default h and an explicit one.
  assert.deepEqual(finiteDifferenceGradients(layers, batches[0]), originalFiniteDifferences(layers, batches[0], 1e-5));
  assert.deepEqual(finiteDifferenceGradients(layers, batches[0], 1e-4), originalFiniteDifferences(layers, batches[0], 1e-4));
});

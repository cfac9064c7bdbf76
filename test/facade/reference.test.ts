import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ReferenceAutoencoder,
  type Activation,
  type RefLayer,
  type RefOptimizer,
} from '../reference.js';
import { checkReferenceGradients, randomBatch, randomNet, seeded as mulberry32 } from './helpers.js';


/** Pre-activations z_l = a_{l-1}·W_l + b_l, recomputed from the forward activations. */
function preActivations(layers: RefLayer[], x: number[][], activations: number[][][]): number[][][] {
  return layers.map((layer, l) => {
    const input = l === 0 ? x : activations[l - 1];
    return input.map((row) =>
      Array.from({ length: layer.outDim }, (_, j) => {
        let z = layer.b[j];
        for (let i = 0; i < layer.inDim; i++) z += row[i] * layer.W[i * layer.outDim + j];
        return z;
      }),
    );
  });
}

const tfDefaults: RefOptimizer = { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-10 };

const checkGradients = (layers: RefLayer[], x: number[][]): void => checkReferenceGradients(layers, x);

test('forward: shapes, activations and rmse loss', () => {
  const rand = mulberry32(1);
  const layers = randomNet(rand, [5, 3, 5], ['tanh', 'linear']);
  const x = randomBatch(rand, 4, 5);
  const ref = new ReferenceAutoencoder(layers, tfDefaults);
  const { activations } = ref.forward(x);
  assert.equal(activations.length, 2);
  assert.deepEqual(
    activations.map((a) => [a.length, a[0].length]),
    [
      [4, 3],
      [4, 5],
    ],
  );
  let sum = 0;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 5; c++) sum += (x[r][c] - activations[1][r][c]) ** 2;
  assert.equal(ref.loss(x), Math.sqrt(sum / 20));
});

test('constructor copies the parameter arrays', () => {
  const layers = randomNet(mulberry32(2), [2, 2], ['linear']);
  const ref = new ReferenceAutoencoder(layers, tfDefaults);
  const before = ref.layers[0].W[0];
  layers[0].W[0] += 1;
  assert.equal(ref.layers[0].W[0], before);
  assert.notEqual(ref.layers[0].W, layers[0].W);
});

test('gradients match finite differences: 5→3→5 tanh/linear', () => {
  const rand = mulberry32(42);
  const layers = randomNet(rand, [5, 3, 5], ['tanh', 'linear']);
  checkGradients(layers, randomBatch(rand, 4, 5));
});

test('gradients match finite differences: 6→4→2→6 sigmoid/relu/sigmoid', () => {
  const rand = mulberry32(7);
  const layers = randomNet(rand, [6, 4, 2, 6], ['sigmoid', 'relu', 'sigmoid']);
  const x = randomBatch(rand, 5, 6);
  // The relu derivative jumps at z = 0; central differences with h = 1e-5 only
  // move z by ~1e-5, so they are valid as long as no relu pre-activation is
  // within 1e-3 of 0. Check that this seed satisfies it.
  const ref = new ReferenceAutoencoder(layers, tfDefaults);
  const z = preActivations(layers, x, ref.forward(x).activations);
  for (const row of z[1]) for (const v of row) assert.ok(Math.abs(v) > 1e-3, `relu pre-activation ${v} too close to 0`);
  // Make sure the relu layer has both active and inactive units for this batch.
  const flat = z[1].flat();
  assert.ok(flat.some((v) => v > 0) && flat.some((v) => v < 0), 'relu layer should have both signs');
  checkGradients(layers, x);
});

test('gradients are 0 (not NaN) when the loss is 0', () => {
  const layers: RefLayer[] = [
    { W: Float64Array.of(1), b: Float64Array.of(0), inDim: 1, outDim: 1, activation: 'linear' },
  ];
  const g = new ReferenceAutoencoder(layers, tfDefaults).gradients([[0.3], [-2]]);
  assert.equal(g.loss, 0);
  assert.deepEqual([...g.W[0], ...g.b[0]], [0, 0]);
});

test('one RMSProp step on a 1→1→1 net matches the hand computation exactly', () => {
  // Net: hidden relu with W1 = 1.75, b1 = 1.25; output linear with W2 = 0.625, b2 = -0.5.
  // One row, x = 0.5. Optimizer: lr = 0.5, decay = 0.75, momentum = 0.9, epsilon = 0.5625.
  // All numbers are dyadic, so every value up to the final division is exact in float64.
  //
  // Forward:
  //   z1 = 0.5 * 1.75 + 1.25 = 2.125          a1 = relu(2.125) = 2.125
  //   z2 = 2.125 * 0.625 - 0.5 = 0.828125     a2 = 0.828125
  //   L  = sqrt((0.5 - 0.828125)^2 / 1) = 0.328125
  // Backward:
  //   dL/da2 = (0.828125 - 0.5) / (1 * 1 * 0.328125) = 1
  //   delta2 = 1 * 1 (linear)                 -> dW2 = a1 * 1 = 2.125,  db2 = 1
  //   dL/da1 = delta2 * W2 = 0.625
  //   delta1 = 0.625 * 1 (relu, a1 > 0)       -> dW1 = x * 0.625 = 0.3125, db1 = 0.625
  // RMSProp, ms starts at 1, mom at 0:
  //   ms = 0.75 * 1 + 0.25 * g^2, then sqrt(ms + 0.5625):
  //     W1: g = 0.3125  ms = 0.7744140625  sqrt(1.3369140625) = 1.15625
  //     b1: g = 0.625   ms = 0.84765625    sqrt(1.41015625)   = 1.1875
  //     W2: g = 2.125   ms = 1.87890625    sqrt(2.44140625)   = 1.5625
  //     b2: g = 1       ms = 1             sqrt(1.5625)       = 1.25
  //   mom = 0.9 * 0 + 0.5 * g / sqrt(ms + eps), w -= mom:
  //     W1: mom = 0.15625 / 1.15625 = 5/37   W1 = 1.75 - 5/37   ≈ 1.6148648648648649
  //     b1: mom = 0.3125 / 1.1875   = 5/19   b1 = 1.25 - 5/19   ≈ 0.9868421052631579
  //     W2: mom = 1.0625 / 1.5625   = 0.68   W2 = 0.625 - 0.68  ≈ -0.055
  //     b2: mom = 0.5 / 1.25        = 0.4    b2 = -0.5 - 0.4    ≈ -0.9
  // The expected values below are written as those last two float64 operations
  // (one division, one subtraction) so the comparison can be exact.
  const layers: RefLayer[] = [
    { W: Float64Array.of(1.75), b: Float64Array.of(1.25), inDim: 1, outDim: 1, activation: 'relu' },
    { W: Float64Array.of(0.625), b: Float64Array.of(-0.5), inDim: 1, outDim: 1, activation: 'linear' },
  ];
  const ref = new ReferenceAutoencoder(layers, { learningRate: 0.5, decay: 0.75, momentum: 0.9, epsilon: 0.5625 });
  const x = [[0.5]];

  const g = ref.gradients(x);
  assert.deepEqual(
    [g.W[0][0], g.b[0][0], g.W[1][0], g.b[1][0], g.loss],
    [0.3125, 0.625, 2.125, 1, 0.328125],
  );

  const loss = ref.step(x);
  assert.equal(loss, 0.328125);
  assert.deepEqual(
    [ref.ms.W[0][0], ref.ms.b[0][0], ref.ms.W[1][0], ref.ms.b[1][0]],
    [0.7744140625, 0.84765625, 1.87890625, 1],
  );
  assert.deepEqual(
    [ref.mom.W[0][0], ref.mom.b[0][0], ref.mom.W[1][0], ref.mom.b[1][0]],
    [0.15625 / 1.15625, 0.3125 / 1.1875, 1.0625 / 1.5625, 0.5 / 1.25],
  );
  assert.equal(ref.layers[0].W[0], 1.75 - 0.15625 / 1.15625);
  assert.equal(ref.layers[0].b[0], 1.25 - 0.3125 / 1.1875);
  assert.equal(ref.layers[1].W[0], 0.625 - 1.0625 / 1.5625);
  assert.equal(ref.layers[1].b[0], -0.5 - 0.5 / 1.25);
  // Sanity check of the rounding claims above.
  assert.ok(Math.abs(ref.layers[0].W[0] - (1.75 - 5 / 37)) < 1e-15);
  assert.ok(Math.abs(ref.layers[1].b[0] - -0.9) < 1e-15);
});

test('second RMSProp step carries ms and momentum (TF1 update rule)', () => {
  const rand = mulberry32(3);
  const layers = randomNet(rand, [3, 2, 3], ['tanh', 'sigmoid']);
  const x = randomBatch(rand, 4, 3);
  const opt: RefOptimizer = { learningRate: 0.01, decay: 0.9, momentum: 0.5, epsilon: 1e-7 };
  const ref = new ReferenceAutoencoder(layers, opt);
  ref.step(x);
  const w1 = Float64Array.from(ref.layers[0].W);
  const ms1 = Float64Array.from(ref.ms.W[0]);
  const mom1 = Float64Array.from(ref.mom.W[0]);
  const g2 = ref.gradients(x).W[0];
  const loss2 = ref.step(x);
  assert.ok(loss2 > 0);
  for (let k = 0; k < w1.length; k++) {
    const ms = opt.decay * ms1[k] + (1 - opt.decay) * g2[k] * g2[k];
    const mom = opt.momentum * mom1[k] + (opt.learningRate * g2[k]) / Math.sqrt(ms + opt.epsilon);
    assert.equal(ref.ms.W[0][k], ms);
    assert.equal(ref.mom.W[0][k], mom);
    assert.equal(ref.layers[0].W[k], w1[k] - mom);
  }
});

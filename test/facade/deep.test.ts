// Models of any depth: shapes and names, gradients of every activation and loss against the float64 reference
// and central finite differences, and training steps of every optimizer against the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, type Activation, type Loss, type OptimizerOptions, type OutputActivation } from '../../src/entries/index.js';
import { ReferenceAutoencoder, finiteDifferenceGradients, type RefOptimizerSpec } from '../reference.js';
import { layerNames, randomRows, referenceLayers, relativeError } from './helpers.js';

const ACTIVATIONS: Activation[] = ['tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu'];

test('hidden [256, 64] mirrors the encoder: TF1-uniquified names, shapes, activations and a summary', () => {
  const ae = new Autoencoder(784, [256, 64], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce' });
  assert.deepEqual([ae.hidden, ae.hiddenDim], [[256, 64], 64]);
  const shapes = Object.entries(ae.getWeights()).map(([name, w]) => `${name} ${w.rows}×${w.cols}`);
  assert.deepEqual(shapes, [
    'encode/weights 784×256', 'encode/biases 1×256', 'encode_1/weights 256×64', 'encode_1/biases 1×64',
    'decode/weights 64×256', 'decode/biases 1×256', 'decode_1/weights 256×784', 'decode_1/biases 1×784',
  ]);
  assert.equal(ae.summary(), [
    'layer      shape       activation   parameters',
    'encode     784 → 256   relu            200,960',
    'encode_1   256 → 64    relu             16,448',
    'decode     64 → 256    relu             16,640',
    'decode_1   256 → 784   sigmoid         201,488',
    'total                                  435,536',
    'loss bce, optimizer rmsprop',
  ].join('\n'));
  const codes = ae.encode(randomRows(3, 784, 1, 0, 1));
  assert.deepEqual([codes.rows, codes.cols], [3, 64]);
  assert.ok(codes.data.every((c) => c >= 0), 'relu codes');
  const out = ae.decode(codes);
  assert.deepEqual([out.rows, out.cols], [3, 784]);
  assert.ok(out.data.every((y) => y >= 0 && y <= 1), 'sigmoid outputs');
  ae.dispose();
});

/** A model whose pre-activations on x all keep clear of 0 (so relu-like kinks do not spoil finite differences). */
function smoothModel(hidden: number[], activation: Activation, outputActivation: OutputActivation, loss: Loss, x: number[][]): Autoencoder {
  for (let seed = 1; ; seed++) {
    const ae = new Autoencoder(x[0]!.length, hidden, { seed, activation, outputActivation, loss, weightInit: 'glorot' });
    const { preActivations } = new ReferenceAutoencoder(referenceLayers(ae), { learningRate: 0.1, decay: 0.9, momentum: 0, epsilon: 1e-10 }).forward(x);
    if (preActivations.every((layer) => layer.every((row) => row.every((z) => Math.abs(z) > 2e-3)))) return ae;
    ae.dispose();
  }
}

for (const depth of [2, 3]) {
  for (const activation of ACTIVATIONS) {
    for (const [loss, outputActivation] of [['rmse', 'linear'], ['mse', 'tanh'], ['bce', 'sigmoid']] as const) {
      test(`gradients, depth ${depth}, ${activation}, ${loss} (${outputActivation} output): float64 reference and finite differences`, () => {
        const hidden = depth === 2 ? [4, 3] : [5, 4, 2];
        const x = randomRows(6, 7, depth * 100 + ACTIVATIONS.indexOf(activation), loss === 'bce' ? 0 : -1, 1);
        const target = randomRows(6, 7, 77, 0, 1);
        const ae = smoothModel(hidden, activation, outputActivation, loss, x);
        const layers = referenceLayers(ae);
        const reference = new ReferenceAutoencoder(layers, { learningRate: 0.1, decay: 0.9, momentum: 0, epsilon: 1e-10 }, { loss });
        for (const t of [undefined, target]) {
          const wasm = ae.gradients(x, t ? { target: t } : {});
          const exact = reference.gradients(x, t ?? x);
          const numeric = finiteDifferenceGradients(layers, x, 1e-6, t ?? x, loss);
          assert.ok(relativeError(wasm.loss, exact.loss) < 1e-5, `loss ${wasm.loss} vs ${exact.loss}`);
          layerNames(depth).forEach((name, l) => {
            for (const [kind, ours, ref, fd] of [['weights', 'W', exact.W[l]!, numeric.W[l]!], ['biases', 'b', exact.b[l]!, numeric.b[l]!]] as const) {
              const got = wasm.gradients[`${name}/${kind}` as 'encode/weights'].data;
              assert.equal(got.length, ref.length);
              got.forEach((g, i) => {
                assert.ok(Math.abs(g - ref[i]!) < 2e-4 * Math.max(1, Math.abs(ref[i]!)), `${name}/${kind}[${i}] (${ours}): wasm ${g}, reference ${ref[i]}`);
                assert.ok(Math.abs(g - fd[i]!) < 1e-3 * Math.max(1, Math.abs(fd[i]!)), `${name}/${kind}[${i}]: wasm ${g}, finite differences ${fd[i]}`);
              });
            }
          });
        }
        ae.dispose();
      });
    }
  }
}

const OPTIMIZERS: [OptimizerOptions, RefOptimizerSpec][] = [
  [{ name: 'rmsprop', decay: 0.8, momentum: 0.5, epsilon: 1e-6 }, { learningRate: 0.01, decay: 0.8, momentum: 0.5, epsilon: 1e-6 }],
  [{ name: 'adam' }, { name: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }],
  [{ name: 'adam', beta1: 0.5, beta2: 0.9, epsilon: 1e-4 }, { name: 'adam', learningRate: 0.01, beta1: 0.5, beta2: 0.9, epsilon: 1e-4 }],
  [{ name: 'sgd' }, { name: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false }],
  [{ name: 'sgd', momentum: 0.9 }, { name: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: false }],
  [{ name: 'sgd', momentum: 0.9, nesterov: true }, { name: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: true }],
];

for (const [optimizer, refOptimizer] of OPTIMIZERS) {
  test(`3 epochs of ${JSON.stringify(optimizer)} on a depth-2 model with a target track float64 step by step`, () => {
    const x = randomRows(24, 6, 5);
    const target = randomRows(24, 6, 6, 0, 1);
    const ae = new Autoencoder(6, [5, 3], { seed: 9, activation: 'elu', outputActivation: 'sigmoid', loss: 'mse', learningRate: 0.01, optimizer, weightInit: 'glorot' });
    const reference = new ReferenceAutoencoder(referenceLayers(ae), refOptimizer, { loss: 'mse' });
    const losses: number[] = [];
    ae.train(x, { target, epochs: 3, batchSize: 8, shuffle: false, logEvery: 0, onEpoch: ({ batchLosses }) => losses.push(...batchLosses) });
    const expected: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) for (let r = 0; r < 24; r += 8) expected.push(reference.step(x.slice(r, r + 8), target.slice(r, r + 8)));
    losses.forEach((loss, i) => assert.ok(relativeError(loss, expected[i]!) < 1e-4, `step ${i}: wasm ${loss}, reference ${expected[i]}`));
    referenceLayers(ae).forEach((layer, l) => {
      layer.W.forEach((w, i) => assert.ok(Math.abs(w - reference.layers[l]!.W[i]!) < 1e-4, `layer ${l} W[${i}]: ${w} vs ${reference.layers[l]!.W[i]}`));
      layer.b.forEach((b, i) => assert.ok(Math.abs(b - reference.layers[l]!.b[i]!) < 1e-4, `layer ${l} b[${i}]`));
    });
    ae.dispose();
  });
}

test('unknown activation, loss and optimizer ids trap in the module instead of running as another', async () => {
  const fs = await import('node:fs');
  const { instance } = await WebAssembly.instantiate(fs.readFileSync('build/autoencoder.wasm'));
  const k = instance.exports as Record<string, (...args: number[]) => number>;
  const count = (instance.exports.ACTIVATION_COUNT as WebAssembly.Global).value as number;
  const base = k.heap_base!();
  assert.throws(() => k.activation_forward!(count, base, base, 4), /unreachable/);
  assert.throws(() => k.activation_backward!(-1, base, base, 4), /unreachable/);
  assert.throws(() => k.loss_sum!(99, base, base, base, 4), /unreachable/);
  assert.throws(() => k.loss_value!(3, 1, 1), /unreachable/);
  assert.throws(() => k.corrupt!(base, base, 4, 9, 0, 0, 0), /unreachable/);
  assert.equal(k.activation_forward!(count - 1, base, base, 4), undefined, 'the last known kind runs');
});

test('options are checked: bce needs a sigmoid output; unknown names and bad settings are refused by name', () => {
  assert.throws(() => new Autoencoder(4, 2, { loss: 'bce' }), /loss 'bce' needs outputActivation 'sigmoid'/);
  assert.throws(() => new Autoencoder(4, 2, { loss: 'mae' as 'mse' }), /unknown loss 'mae': expected one of 'rmse', 'mse', 'bce'/);
  assert.throws(() => new Autoencoder(4, 2, { activation: 'linear' as 'tanh' }), /unknown activation 'linear'/);
  assert.throws(() => new Autoencoder(4, 2, { outputActivation: 'gelu' as 'tanh' }), /unknown outputActivation 'gelu'/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { name: 'adagrad' } as never }), /unknown optimizer 'adagrad': expected one of 'rmsprop', 'adam', 'sgd'/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { name: 'adam', beta1: 1 } }), /optimizer.beta1 must be a number in \[0, 1\)/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { name: 'adam', decay: 0.9 } as never }), /unknown optimizer options 'decay'/);
  assert.throws(() => new Autoencoder(4, 2, { optimizer: { name: 'sgd', nesterov: 1 } as never }), /optimizer.nesterov must be true or false/);
  assert.throws(() => new Autoencoder(4, []), /hidden must be a layer width or an array of 1 to 64 widths/);
  assert.throws(() => new Autoencoder(4, [3, 0]), /hidden\[1\] must be a positive integer, got 0/);
  assert.throws(() => new Autoencoder(4, [3, 2.5]), /hidden\[1\] must be a positive integer/);
});

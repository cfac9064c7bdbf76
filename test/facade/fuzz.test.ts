// Property-based: whatever a caller passes, the facade answers with a result or a typed error, never a wasm trap,
// and a model stays usable afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Autoencoder, DivergenceError } from '../../src/entries/index.js';

const TYPED = [RangeError, TypeError, DivergenceError];

function expectTypedOrNothing(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(TYPED.some((type) => error instanceof type), `untyped error: ${String(error)}`);
    assert.doesNotMatch(String(error), /unreachable|memory access out of bounds|RuntimeError/);
  }
}

const number = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e38, -3e38), fc.integer({ min: -300, max: 300 }));
const row = fc.array(number, { maxLength: 6 });
const anything = fc.oneof(
  fc.array(row, { maxLength: 8 }),
  fc.record({ rows: fc.integer({ min: -2, max: 6 }), cols: fc.integer({ min: -2, max: 6 }), data: fc.float32Array({ maxLength: 40 }) }),
  fc.record({ rows: fc.integer({ min: 0, max: 6 }), cols: fc.integer({ min: 0, max: 6 }), data: fc.uint8Array({ maxLength: 40 }) }),
  fc.constantFrom(null, undefined, 'text', 42, {}, [[]], [[1, 2, 3, 4], null]),
);

test('random data into train, test, encode and decode: results or typed errors only', () => {
  const ae = new Autoencoder(4, 2, { seed: 1 });
  fc.assert(
    fc.property(anything, fc.integer({ min: -1, max: 10 }), fc.boolean(), (data, batchSize, shuffle) => {
      expectTypedOrNothing(() => ae.test(data as never));
      expectTypedOrNothing(() => ae.encode(data as never));
      expectTypedOrNothing(() => ae.decode(data as never));
      expectTypedOrNothing(() => ae.train(data as never, { epochs: 2, batchSize, shuffle, logEvery: 0 }));
      expectTypedOrNothing(() => ae.setWeights({ 'decode/biases': data as never }));
      const { loss } = ae.test([[1, 2, 3, 4]]);
      assert.equal(typeof loss, 'number');
    }),
    { numRuns: 400, seed: 20261127 },
  );
  ae.dispose();
});

test('random shapes and options into the constructor: a model or a typed error', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double()),
      fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double()),
      fc.record({
        learningRate: fc.oneof(fc.double(), fc.constant(undefined)),
        activation: fc.constantFrom('tanh', 'sigmoid', 'relu', 'elu', undefined),
        seed: fc.oneof(fc.integer({ min: -5, max: 2 ** 40 }), fc.constant(undefined)),
        optimizer: fc.record({ decay: fc.double(), momentum: fc.double({ min: -1, max: 1 }), epsilon: fc.double() }, { requiredKeys: [] }),
      }, { requiredKeys: [] }),
      (inputDim, hiddenDim, options) => {
        let ae: Autoencoder | undefined;
        expectTypedOrNothing(() => (ae = new Autoencoder(inputDim, hiddenDim, options as never)));
        if (ae) {
          expectTypedOrNothing(() => ae!.train([Array.from({ length: ae!.inputDim }, (_, i) => i)], { epochs: 3, logEvery: 0 }));
          ae.dispose();
        }
      },
    ),
    { numRuns: 300, seed: 27112026 },
  );
});

test('random depths, losses, optimizers and train options: a model and its training, or a typed error', () => {
  const width = fc.oneof(fc.integer({ min: -1, max: 6 }), fc.double(), fc.constant('3'));
  const fraction = fc.oneof(fc.double({ min: -1, max: 2 }), fc.constant(NaN));
  fc.assert(
    fc.property(
      fc.oneof(width, fc.array(width, { maxLength: 4 })),
      fc.record({
        activation: fc.constantFrom('tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'linear', undefined),
        outputActivation: fc.constantFrom('linear', 'sigmoid', 'elu', 'softmax', undefined),
        loss: fc.constantFrom('rmse', 'mse', 'bce', 'mae', undefined),
        optimizer: fc.oneof(
          fc.record({ name: fc.constantFrom('adam', 'adagrad'), beta1: fc.double(), beta2: fc.double(), epsilon: fc.double() }, { requiredKeys: ['name'] }),
          fc.record({ name: fc.constant('sgd'), momentum: fc.double({ min: -1, max: 1 }), nesterov: fc.constantFrom(true, false, 1) }, { requiredKeys: ['name'] }),
        ),
      }, { requiredKeys: [] }),
      fc.record({
        corruption: fc.oneof(
          fc.record({ type: fc.constantFrom('gaussian', 'blur'), stddev: fc.double() }),
          fc.record({ type: fc.constantFrom('mask', 'saltAndPepper'), fraction, low: fc.double(), high: fc.double() }, { requiredKeys: ['type'] }),
        ),
        validation: fc.oneof(fraction, fc.constant([[1, 2, 3]])),
        earlyStopping: fc.record({ patience: fc.integer({ min: -1, max: 3 }), minDelta: fc.double(), restoreBest: fc.constantFrom(true, false, 0) }, { requiredKeys: [] }),
        batchSize: fc.integer({ min: 0, max: 6 }),
      }, { requiredKeys: [] }),
      (hidden, options, trainOptions) => {
        let ae: Autoencoder | undefined;
        expectTypedOrNothing(() => (ae = new Autoencoder(3, hidden as never, options as never)));
        if (!ae) return;
        const rows = [[0.1, 0.5, 0.9], [0.3, 0.2, 0.8], [1, 0, 0.5], [0.4, 0.4, 0.4], [0.9, 0.1, 0.2]];
        expectTypedOrNothing(() => ae!.train(rows, { ...(trainOptions as object), epochs: 3, logEvery: 0 }));
        expectTypedOrNothing(() => ae!.gradients(rows, { target: rows }));
        assert.equal(ae.test(rows).rowLosses.length, 5, 'the model stays usable');
        ae.dispose();
      },
    ),
    { numRuns: 300, seed: 2026120 },
  );
});

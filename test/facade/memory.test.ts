// Memory budget of the issue: a bound 5000×3072 set and the 3072→100 model fit in data + 4 × parameters + 16 MB.
// Its own file, so its process starts with an empty module memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder, bindData, memoryBytes } from '../../src/entries/index.js';

test('a bound 5000×3072 set and the 3072→100 model training at batch 100 stay within budget', () => {
  const rows = 5000, input = 3072, hidden = 100;
  const data = { rows, cols: input, data: Uint8Array.from({ length: rows * input }, (_, i) => (i * 2654435761) >>> 24) };
  const bound = bindData(data);
  const ae = new Autoencoder(input, hidden);
  ae.train(bound, { epochs: 1, batchSize: 100, batchesPerEpoch: 2, logEvery: 0 });
  ae.test({ rows: 1500, cols: input, data: data.data.subarray(0, 1500 * input) });
  const parameters = 2 * input * hidden + input + hidden;
  const budget = rows * input * 4 + 4 * parameters * 4 + 16 * 2 ** 20;
  assert.ok(memoryBytes() <= budget, `${memoryBytes()} bytes of WebAssembly memory, budget ${budget}`);
  ae.dispose();
  bound.dispose();
});

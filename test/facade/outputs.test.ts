import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCsv, encodeNpy, lossCurveSvg } from '../../src/entries/index.js';

test('encodeNpy writes a NumPy 1.0 header padded to 64 bytes, then the raw little-endian values', () => {
  const bytes = encodeNpy({ rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, -6.5]) });
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 78, 85, 77, 80, 89, 1, 0]);
  assert.equal((10 + headerLength) % 64, 0);
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.deepEqual(Array.from(new Float32Array(bytes.slice(10 + headerLength).buffer)), [1, 2, 3, 4, 5, -6.5]);
  const pixels = encodeNpy({ rows: 1, cols: 2, data: new Uint8Array([7, 255]) });
  const start = 10 + new DataView(pixels.buffer).getUint16(8, true);
  assert.match(new TextDecoder().decode(pixels.subarray(10, start)), /'descr': '\|u1'/);
  assert.deepEqual(Array.from(pixels.subarray(start)), [7, 255]);
});

test('encodeCsv writes one line per row', () => {
  assert.equal(encodeCsv({ rows: 2, cols: 2, data: new Float32Array([1, 2.5, -3, 4]) }), '1,2.5\n-3,4\n');
});

test('lossCurveSvg draws one point per epoch, on a log scale when the loss spans decades', () => {
  const svg = lossCurveSvg([100, 10, 1, 0.1], { title: 'a < b' });
  assert.match(svg, /loss \(log scale\)/);
  assert.match(svg, /a &lt; b/);
  const points = svg.match(/points="([^"]*)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
  assert.equal(points.length, 4);
  const ys = points.map((p) => p[1]!);
  assert.ok(ys.every((y, i) => i === 0 || y > ys[i - 1]!), 'falling loss is drawn downwards');
  assert.ok(Math.abs(ys[1]! - ys[0]! - (ys[2]! - ys[1]!)) < 1e-6, 'equal ratios, equal steps on a log scale');
  assert.doesNotMatch(lossCurveSvg([1, 0.9, 0.8]), /log scale/);
});

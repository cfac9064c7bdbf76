import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CheckpointError } from '../../src/errors.js';
import {
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
  type CheckpointTensor,
} from '../../src/io/checkpoint.js';
import { readFileBytes, writeFileAtomic, writeFileAtomicSync } from '../../src/io/node-fs.js';

/** Bitwise reference CRC-32 (IEEE), independent of the table-driven one under test. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Rewrites the trailing checksum so that a deliberately forged file passes the CRC. */
function fixCrc(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** Deterministic NaN-free random values spanning many exponents, plus -0. */
function randomTensor(name: string, rows: number, cols: number, seed: number): CheckpointTensor {
  const data = new Float32Array(rows * cols);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = ((s / 2 ** 32) - 0.5) * 2 ** ((s % 64) - 32);
  }
  if (data.length > 0) data[0] = -0;
  return { name, rows, cols, data };
}

/** The tensors with their data as raw bits, so deepEqual compares -0 and every float exactly. */
function bits(tensors: CheckpointTensor[]) {
  return tensors.map(({ data, ...rest }) => ({ ...rest, bits: new Uint32Array(data.buffer, data.byteOffset, data.length) }));
}

function small(): Uint8Array {
  return encodeCheckpoint({
    header: { v: 1 },
    tensors: [randomTensor('a', 1, 3, 1), randomTensor('bb', 2, 1, 2)],
  });
}

test('round trip keeps every bit, including -0, empty and odd-sized tensors', () => {
  const tensors = [
    randomTensor('empty', 0, 0, 1),
    randomTensor('w0', 1, 3, 2),
    randomTensor('layer/1.weight', 17, 5, 3),
    randomTensor('zero-rows', 0, 7, 4),
    randomTensor('ünïcødé', 3, 3, 5),
  ];
  const bytes = encodeCheckpoint({ header: {}, tensors });
  assert.equal(new DataView(bytes.buffer).getUint32(8, true), CHECKPOINT_VERSION);
  const out = decodeCheckpoint(bytes);
  assert.deepEqual(bits(out.tensors), bits(tensors));
  assert.ok(out.tensors.every((t) => t.data instanceof Float32Array));
  assert.ok(Object.is(out.tensors[1]?.data[0], -0));
});

test('payloads are 4-byte aligned and the trailing CRC is standard CRC-32', () => {
  const bytes = encodeCheckpoint({ header: { x: 'odd' }, tensors: [randomTensor('abc', 2, 2, 9)] });
  const offset = bytes.length - 4 - 16;
  assert.equal(offset % 4, 0);
  assert.equal(new DataView(bytes.buffer).getFloat32(offset + 4, true), randomTensor('abc', 2, 2, 9).data[1]);
  assert.equal(new DataView(bytes.buffer).getUint32(bytes.length - 4, true), crc32(bytes.subarray(0, -4)));
});

test('header round trips', () => {
  const header = { arch: 'ae', layers: [4, 8, 2], lr: 0.001, nested: { ok: true, none: null }, text: 'héllo ✓' };
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint({ header, tensors: [] })).header, header);
});

test('decodes from an ArrayBuffer and from an unaligned Uint8Array view, without aliasing', () => {
  const bytes = small();
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  const a = decodeCheckpoint(bytes.slice().buffer);
  const b = decodeCheckpoint(padded.subarray(3));
  const expected = bits(a.tensors);
  assert.deepEqual(bits(b.tensors), expected);
  padded.fill(0);
  assert.deepEqual(bits(b.tensors), expected);
});

test('every truncation is refused with CheckpointError', () => {
  const bytes = small();
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, n)), CheckpointError, `length ${n}`);
  }
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, 10)), /truncated: version needs 4 bytes at offset 8, only 2 present/);
});

test('flipping any single byte is refused with CheckpointError', () => {
  const bytes = small();
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0xff]) {
      const bad = bytes.slice();
      bad[i] = bytes[i]! ^ mask;
      assert.throws(() => decodeCheckpoint(bad), CheckpointError, `offset ${i} ^ ${mask}`);
    }
  }
  const bad = bytes.slice();
  bad[bad.length - 8] = bytes[bytes.length - 8]! ^ 0x10; // inside the last payload
  assert.throws(() => decodeCheckpoint(bad), /checksum mismatch/);
});

test('bad magic and unknown version have specific messages', () => {
  const text = new TextEncoder().encode('WASMAE\n'); // \r\n mangled to \n
  const mangled = new Uint8Array(64);
  mangled.set(text);
  assert.throws(() => decodeCheckpoint(mangled), (e) => e instanceof CheckpointError && /not a checkpoint/.test(e.message));

  for (const version of [0, 3]) {
    const forged = small();
    new DataView(forged.buffer).setUint32(8, version, true);
    fixCrc(forged);
    assert.throws(() => decodeCheckpoint(forged), (e) => e instanceof CheckpointError && new RegExp(`unsupported checkpoint version ${version} \\(expected 1 to 2\\)`).test(e.message));
  }
  const v1 = small();
  new DataView(v1.buffer).setUint32(8, 1, true);
  fixCrc(v1);
  assert.deepEqual(decodeCheckpoint(v1), decodeCheckpoint(small()), 'version 1 has the same layout');
});

test('forged huge sizes with a valid CRC are refused without allocating', () => {
  // Layout of a single tensor named 'a' with an empty-object header:
  // magic 8 + version 4 + H 4 + "{}" 2 + T 4 = 22, then u16 name len @22, name @24, rows @25, cols @29.
  const base = () => encodeCheckpoint({ header: {}, tensors: [randomTensor('a', 1, 1, 1)] });
  const before = process.memoryUsage().arrayBuffers;
  for (const [rows, cols] of [[0xffffffff, 0xffffffff], [4096, 4096], [2, 3]] as const) {
    const bytes = base();
    const view = new DataView(bytes.buffer);
    view.setUint32(25, rows, true);
    view.setUint32(29, cols, true);
    fixCrc(bytes);
    assert.throws(() => decodeCheckpoint(bytes), (e) => e instanceof CheckpointError && /'a' is \d+x\d+, which would overrun/.test(e.message));
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no large allocation');

  const manyTensors = base();
  new DataView(manyTensors.buffer).setUint32(18, 0xffffffff, true);
  assert.throws(() => decodeCheckpoint(fixCrc(manyTensors)), /truncated: 4294967295 tensors/);

  const hugeHeader = base();
  new DataView(hugeHeader.buffer).setUint32(12, 0xfffffff0, true);
  assert.throws(() => decodeCheckpoint(fixCrc(hugeHeader)), /truncated: header needs 4294967280 bytes/);
});

test('duplicate names, invalid header JSON and trailing bytes are refused', () => {
  const dup = (() => {
    const bytes = encodeCheckpoint({ header: {}, tensors: [randomTensor('a', 1, 1, 1), randomTensor('b', 1, 1, 2)] });
    const second = bytes.indexOf(0x62 /* 'b' */, 24);
    bytes[second] = 0x61; // rename 'b' to 'a'
    return fixCrc(bytes);
  })();
  assert.throws(() => decodeCheckpoint(dup), /duplicate tensor name 'a'/);

  const json = encodeCheckpoint({ header: {}, tensors: [] });
  json[17] = 0x5d; // "{}" -> "{]"
  assert.throws(() => decodeCheckpoint(fixCrc(json)), (e) => e instanceof CheckpointError && /invalid header JSON/.test(e.message));

  const bytes = small();
  const trailing = new Uint8Array(bytes.length + 2);
  trailing.set(bytes);
  assert.throws(() => decodeCheckpoint(trailing), /2 trailing bytes/);
});

test('encoding validates names and shapes', () => {
  const enc = (t: Partial<CheckpointTensor>) => () =>
    encodeCheckpoint({ header: {}, tensors: [{ name: 'x', rows: 1, cols: 1, data: new Float32Array(1), ...t }] });
  assert.throws(enc({ name: '' }), RangeError);
  assert.throws(enc({ name: 'x'.repeat(65536) }), RangeError);
  assert.doesNotThrow(enc({ name: 'x'.repeat(65535) }));
  assert.throws(enc({ rows: -1 }), RangeError);
  assert.throws(enc({ cols: 1.5 }), RangeError);
  assert.throws(enc({ rows: 2 }), RangeError);
});

test('writeFileAtomic writes, overwrites, and leaves the old file alone on failure', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-ae-ckpt-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'model.ckpt');
  const first = small();
  const second: Checkpoint = { header: { step: 2 }, tensors: [randomTensor('w', 17, 5, 7)] };

  await writeFileAtomic(file, first);
  assert.deepEqual(await readFileBytes(file), first);
  await writeFileAtomic(file, encodeCheckpoint(second));
  assert.deepEqual(decodeCheckpoint(await readFileBytes(file)).header, { step: 2 });
  writeFileAtomicSync(file, first);
  assert.deepEqual(fs.readFileSync(file), Buffer.from(first));

  const blocker = path.join(dir, 'is-a-dir');
  fs.mkdirSync(path.join(blocker, 'child'), { recursive: true });
  const missing = path.join(dir, 'no-such-dir', 'model.ckpt');
  await assert.rejects(writeFileAtomic(blocker, first));
  await assert.rejects(writeFileAtomic(missing, first), { code: 'ENOENT' });
  assert.throws(() => writeFileAtomicSync(blocker, first));
  assert.throws(() => writeFileAtomicSync(missing, first), { code: 'ENOENT' });

  assert.deepEqual(fs.readFileSync(file), Buffer.from(first));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['is-a-dir', 'model.ckpt']);
  assert.deepEqual(fs.readdirSync(blocker), ['child']);
});

// The hand-written pickle reader: each opcode family on hand-built pickles, real Python 3 output, numpy arrays,
// refusals (globals, truncation, underflow, memo, lengths, nesting, cycles), the bounds on objects, marks, memo
// and text lines (the hardening issue's attacks, refused in little memory), and a 10,000-image CIFAR batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataFormatError } from '../../src/errors.js';
import { MAX_DEPTH, MAX_LINE, MAX_MARKS, MAX_MEMO, MAX_OBJECTS, NdArray, NumpyDType, pickleText, readPickle, type PickleValue } from '../../src/data/pickle.js';
import { loadCifar10 } from '../../src/data/cifar.js';
import {
  CIFAR_META, PROTO2, binstring, binunicode, bytes, cifarBatchPickle, global, int1, int2, ndarray, shortBinstring, u32, utf8, type Part,
} from '../pickle-writer.js';

const read = (...parts: Part[]): PickleValue => readPickle(bytes(...parts), 'test.pkl');

function refuses(pickle: Uint8Array | Part[], pattern: RegExp): void {
  const input = pickle instanceof Uint8Array ? pickle : bytes(...pickle);
  assert.throws(() => readPickle(input, 'bad.pkl'), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
    assert.equal(error.file, 'bad.pkl');
    assert.match(error.message, pattern);
    return true;
  });
}

// ---- opcode families ----

test('dicts: EMPTY_DICT + SETITEM / SETITEMS, DICT; byte-string keys are decoded as latin-1', () => {
  const built = read(PROTO2, '}', shortBinstring('a'), int1(1), 's', '(', binunicode('b'), int1(2), shortBinstring('\xe9'), 'N', 'u', '.');
  assert.deepEqual(built, new Map<unknown, unknown>([['a', 1], ['b', 2], ['\u00e9', null]]));
  const fromMark = read(PROTO2, '(', int1(5), int1(6), 'I7\n', 'N', 'd', '.');
  assert.deepEqual(fromMark, new Map<unknown, unknown>([[5, 6], [7, null]]));
});

test('lists and tuples: EMPTY_LIST + APPEND / APPENDS, LIST, EMPTY_TUPLE, TUPLE, TUPLE1–3; POP', () => {
  const list = read(PROTO2, ']', int1(1), 'a', '(', int1(2), int1(3), 'e', '.');
  assert.deepEqual(list, [1, 2, 3]);
  assert.equal(Object.isFrozen(list), false);
  assert.deepEqual(read(PROTO2, '(', int1(4), int1(5), 'l', '.'), [4, 5]);
  const tuples = read(PROTO2, '(', ')', int1(1), [0x85], int1(1), int1(2), [0x86], int1(1), int1(2), int1(3), [0x87], '(', 'N', 't', 't', '.');
  assert.deepEqual(tuples, [[], [1], [1, 2], [1, 2, 3], [null]]);
  assert.ok(Object.isFrozen(tuples) && (tuples as PickleValue[][]).every((t) => Object.isFrozen(t)));
  assert.equal(read(PROTO2, int1(1), int1(2), '0', '.'), 1, 'POP drops the top value');
  assert.equal(read(PROTO2, int1(9), '(', '0', '.'), 9, 'POP on an empty stack after MARK pops the mark');
});

test('ints: BININT, BININT1, BININT2, INT (and its booleans), LONG1, LONG', () => {
  assert.equal(read('J', u32(-5 >>> 0), '.'), -5);
  assert.equal(read('J', u32(2 ** 31 - 1), '.'), 2 ** 31 - 1);
  assert.equal(read(int1(255), '.'), 255);
  assert.equal(read(int2(65535), '.'), 65535);
  assert.equal(read('I-12\n.'), -12);
  assert.equal(read('I01\n.'), true);
  assert.equal(read('I00\n.'), false);
  assert.equal(read([0x8a, 0], '.'), 0);
  assert.equal(read([0x8a, 2, 0xff, 0x00], '.'), 255);
  assert.equal(read([0x8a, 1, 0xff], '.'), -1);
  assert.equal(read([0x8a, 2, 0x00, 0x80], '.'), -32768);
  assert.equal(read([0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40], '.'), 2n ** 70n);
  assert.equal(read('L-123456789012345678901234567890L\n.'), -123456789012345678901234567890n);
  assert.equal(read('L42L\n.'), 42);
});

test('BINFLOAT (big-endian), NONE, NEWTRUE, NEWFALSE', () => {
  const float = new Uint8Array(8);
  new DataView(float.buffer).setFloat64(0, -1.5e-7, false);
  assert.equal(read('G', float, '.'), -1.5e-7);
  assert.deepEqual(read(PROTO2, 'N', [0x88], [0x89], [0x87], '.'), [null, true, false]);
});

test('strings: byte strings stay exact bytes (0x80–0x9F too), text is decoded from UTF-8', () => {
  const high = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  assert.deepEqual(read(PROTO2, binstring(high), '.'), high);
  assert.deepEqual(read(PROTO2, shortBinstring('ab\xff'), '.'), new Uint8Array([0x61, 0x62, 0xff]));
  assert.deepEqual(read(`S'a\\x80\\n\\'\\101\\q'\n.`), new Uint8Array([0x61, 0x80, 0x0a, 0x27, 0x41, 0x5c, 0x71]));
  assert.deepEqual(read(`S"it's"\n.`), bytes("it's"));
  assert.equal(read(PROTO2, binunicode('hé€'), '.'), 'hé€');
  assert.equal(read(PROTO2, [0x8c, 3], utf8('hé'), '.'), 'hé');
  assert.deepEqual(read('B', u32(3), [1, 2, 250], '.'), new Uint8Array([1, 2, 250]));
  assert.deepEqual(read('C', [2, 0x80, 0x81], '.'), new Uint8Array([0x80, 0x81]));
  // latin-1, not windows-1252: 0x80 is U+0080, not '€'.
  assert.equal(pickleText(high.subarray(0, 2)), '\u0080\u0081');
  assert.equal(pickleText('x'), 'x');
  assert.equal(pickleText(3), undefined);
});

test('memo: PUT/GET, BINPUT/BINGET, LONG_BINPUT/LONG_BINGET keep shared values shared', () => {
  const shared = read(PROTO2, ']', 'p0\n', 'g0\n', [0x86], '.') as PickleValue[][];
  assert.equal(shared[0], shared[1]);
  assert.deepEqual(read(PROTO2, int1(7), 'q', [3], '0', 'h', [3], '.'), 7);
  assert.deepEqual(read(PROTO2, int1(8), 'r', u32(70000), '0', 'j', u32(70000), '.'), 8);
});

test('numpy: a uint8 array from _reconstruct + BUILD, as cPickle writes it', () => {
  const raw = Uint8Array.from({ length: 6 }, (_, i) => 0x80 + i * 20);
  const array = read(PROTO2, ndarray([2, 3], binstring(raw)), '.');
  assert.ok(array instanceof NdArray);
  assert.deepEqual([array.shape, array.dtype, array.data], [[2, 3], '|u1', raw]);
});

test('numpy: a Fortran-ordered uint8 array comes back in C order', () => {
  const array = read(PROTO2, ndarray([2, 3], binstring(new Uint8Array([1, 4, 2, 5, 3, 6])), 'u1', true), '.') as NdArray;
  assert.deepEqual([array.shape, Array.from(array.data)], [[2, 3], [1, 2, 3, 4, 5, 6]]);
});

// Written by Python 3.11 + numpy 2.4 with pickle.dumps(…, protocol=2): byte strings as _codecs.encode(str, 'latin1').
const PY3_DICT = '80027d7100285804000000646174617101636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7102636e756d70790a6e6461727261790a71034b00857104635f636f646563730a656e636f64650a7105580100000062710658060000006c6174696e31710786710852710987710a52710b284b014b024b0386710c636e756d70790a64747970650a710d58020000007531710e898887710f527110284b0358010000007c71114e4e4e4affffffff4affffffff4b0074711262896805580a000000c280c281c29fc3bf0041711368078671145271157471166258060000006c6162656c7371175d7118284b074b036558040000006e616d65711968055804000000c280c3bf711a680786711b52711c752e';
const PY3_FORTRAN_I2 = '8002636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b00857102635f636f646563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108527109284b014b024b0386710a636e756d70790a64747970650a710b58020000006932710c898887710d52710e284b0358010000003c710f4e4e4e4affffffff4affffffff4b0074711062886803581000000001000400c3bec3bf05002c01c2a8c3bd71116805867112527113747114622e';
const PY3_BIG_ENDIAN_I8 = '8002636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b00857102635f636f646563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108527109284b014b0285710a636e756d70790a64747970650a710b58020000006938710c898887710d52710e284b0358010000003e710f4e4e4e4affffffff4affffffff4b007471106289680358100000000000000000000001000000000000000271116805867112527113747114622e';
const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));

test('Python 3 protocol 2: _codecs.encode byte strings become the exact bytes (real Python output)', () => {
  const dict = readPickle(hex(PY3_DICT), 'py3.pkl') as Map<string, PickleValue>;
  const data = dict.get('data') as NdArray;
  assert.deepEqual([data.shape, data.dtype, Array.from(data.data)], [[2, 3], '|u1', [0x80, 0x81, 0x9f, 0xff, 0, 0x41]]);
  assert.deepEqual(dict.get('labels'), [7, 3]);
  assert.deepEqual(dict.get('name'), new Uint8Array([0x80, 0xff]));
});

test('numpy: other dtypes come back raw with their dtype string; Fortran order is undone per element', () => {
  const fortran = readPickle(hex(PY3_FORTRAN_I2), 'f.pkl') as NdArray;
  assert.deepEqual([fortran.shape, fortran.dtype], [[2, 3], '<i2']);
  assert.deepEqual(Array.from(new Int16Array(fortran.data.slice().buffer)), [1, -2, 300, 4, 5, -600]);
  const big = readPickle(hex(PY3_BIG_ENDIAN_I8), 'b.pkl') as NdArray;
  assert.deepEqual([big.shape, big.dtype, big.data.length], [[2], '>i8', 16]);
  assert.deepEqual([new DataView(big.data.slice().buffer).getBigInt64(8, false)], [2n]);
});

test('NEWOBJ builds a numpy dtype; BUILD sets its byte order', () => {
  const dtype = read(PROTO2, global('numpy', 'dtype'), binunicode('f4'), [0x85], [0x81], '(', int1(3), binunicode('>'), 'NNN', 't', 'b', '.');
  assert.ok(dtype instanceof NumpyDType);
  assert.equal(dtype.str, '>f4');
});

// ---- refusals ----

test('globals other than numpy reconstruction and _codecs.encode are refused, naming them', () => {
  refuses([PROTO2, global('os', 'system'), binunicode('echo hi'), [0x85], 'R', '.'], /'os\.system'.*refused/);
  refuses([global('__builtin__', 'eval'), '.'], /'__builtin__\.eval'/);
  refuses([global('numpy', 'load'), '.'], /'numpy\.load'/);
  refuses([global('subprocess', 'Popen'), ')', [0x81], '.'], /'subprocess\.Popen'/);
});

test('unknown opcodes and newer protocols are refused', () => {
  refuses([[0x80, 4], '.'], /protocol 4 is not supported/);
  refuses([PROTO2, [0x95], '.'], /unknown or unsupported opcode 0x95/);
  refuses(['V', 'abc\n', '.'], /opcode 0x56/);
});

test('every truncation of a valid pickle is a DataFormatError', () => {
  const whole = bytes(PROTO2, '}', '(', shortBinstring('data'), ndarray([2, 3], binstring(new Uint8Array(6))), shortBinstring('l'), ']', '(', int1(1), 'J', u32(7), 'e', 'u', '.');
  assert.ok(readPickle(whole) instanceof Map);
  for (let n = 0; n < whole.length; n++) refuses(whole.subarray(0, n), /truncated|underflow|MARK missing/);
});

test('stack underflow, missing MARK, missing memo entries, STOP on an empty stack', () => {
  refuses([PROTO2, 'a', '.'], /stack underflow/);
  refuses([PROTO2, int1(1), [0x86], '.'], /stack underflow/);
  refuses([PROTO2, int1(1), 't', '.'], /MARK missing/);
  refuses([PROTO2, ']', 'e', '.'], /MARK missing/);
  refuses([PROTO2, 'h', [7], '.'], /memo entry 7 is missing/);
  refuses(['g12\n', '.'], /memo entry 12 is missing/);
  refuses(['gx\n', '.'], /memo index/);
  refuses(['q', [0], '.'], /stack underflow/);
  refuses(['.'], /stack underflow/);
  refuses([PROTO2, '(', '.'], /stack underflow/);
});

test('absurd lengths are refused before anything is allocated', () => {
  refuses([PROTO2, 'T', u32(0x7fffffff), 'abc'], /BINSTRING needs 2147483647 bytes but only 3 remain/);
  refuses([PROTO2, 'T', u32(-4 >>> 0), 'abc'], /negative length/);
  refuses([PROTO2, 'X', u32(0xffffffff), 'abc'], /BINUNICODE needs 4294967295 bytes/);
  refuses([PROTO2, 'B', u32(0xfffffff0), '.'], /BINBYTES needs/);
  refuses([PROTO2, 'U', [200], 'abc'], /SHORT_BINSTRING needs 200 bytes/);
  refuses([PROTO2, [0x8a, 100], [1, 2], '.'], /LONG1 needs 100 bytes/);
  refuses([`I${'9'.repeat(1000)}\n.`], /INT line is longer than 256 bytes/);
  refuses(['L12x\n.'], /not an integer/);
});

test('a forged huge BINSTRING length allocates nothing, read directly or as a CIFAR batch', async () => {
  const forged = bytes(PROTO2, '}', shortBinstring('data'), 'T', u32(0x7fffffff), new Uint8Array(64));
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 100; i++) refuses(forged, /BINSTRING needs 2147483647 bytes/);
  await assert.rejects(loadCifar10({ test_batch: forged, 'batches.meta': forged }, { split: 'test' }), (error: unknown) => {
    assert.ok(error instanceof DataFormatError && error.file === 'batches.meta');
    return true;
  });
  assert.ok(process.memoryUsage().arrayBuffers - before < 2 ** 26, 'no large buffer was allocated');
});

test(`nesting deeper than ${MAX_DEPTH} is refused, without recursion`, () => {
  const nested = (depth: number): Uint8Array => bytes(PROTO2, ']', new Uint8Array(depth - 1).fill(0x85), '.');
  let value = readPickle(nested(MAX_DEPTH)) as PickleValue[];
  for (let d = 1; d < MAX_DEPTH; d++) value = value[0] as PickleValue[];
  assert.deepEqual(value, []);
  refuses(nested(MAX_DEPTH + 1), new RegExp(`more than ${MAX_DEPTH} deep`));
  refuses(nested(100_000), /deep/);
});

// ---- bounds: what a CIFAR file needs, with headroom; the hardening issue's attacks are refused at once ----

/** `head`, `unit` repeated `count` times, then `tail`, built by doubling copies (not through a string). */
function repeated(head: Part, unit: Part, count: number, tail: Part = '.'): Uint8Array {
  const [h, u, t] = [bytes(head), bytes(unit), bytes(tail)];
  const out = new Uint8Array(h.length + u.length * count + t.length);
  out.set(h);
  const end = h.length + u.length * count;
  if (count > 0) out.set(u, h.length);
  for (let filled = u.length; h.length + filled < end; filled *= 2) out.copyWithin(h.length + filled, h.length, h.length + Math.min(filled, end - h.length - filled));
  out.set(t, end);
  return out;
}

const MB = 2 ** 20;

/**
 * Refuses `input` like `refuses`, and checks that the attempt stayed small: the growth of the process's peak
 * resident memory (which the attempt's own peak would raise) and of heap + array buffers measured right after it.
 * The attacks cost 600 MB–1.6 GB before the bounds; each now costs a few MB.
 */
function refusesSmall(input: Uint8Array, pattern: RegExp): void {
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  refuses(input, pattern);
  const after = process.memoryUsage();
  const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
  const growth = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  assert.ok(peakGrowth < 100 * MB, `peak memory grew by ${(peakGrowth / MB).toFixed(0)} MB`);
  assert.ok(growth < 100 * MB, `heap + array buffers grew by ${(growth / MB).toFixed(0)} MB`);
}

test('issue attacks: 10 MB of MARK after PROTO 2, and deep MARK nesting, stop at the mark bound', () => {
  refusesSmall(repeated(PROTO2, '(', 10 * MB), new RegExp(`^bad\\.pkl: more than ${MAX_MARKS} nested marks; a CIFAR batch needs 3 \\(pickle opcode at byte ${2 + MAX_MARKS}\\)$`));
  // lists nested as the pickler writes them: EMPTY_LIST, MARK, the items, APPENDS
  refusesSmall(repeated(PROTO2, '](', 1_000_000, repeated('', 'e', 1_000_000)), /more than 64 nested marks/);
  // MARK and POP (which drops the mark again) never nest, so they read, however many
  assert.equal(read(repeated(PROTO2, '(0', 100_000, 'N.')), null);
  // MAX_MARKS open marks are accepted
  const deepest = read(repeated(PROTO2, '(', MAX_MARKS, repeated('', 'l', MAX_MARKS))) as PickleValue[];
  assert.equal(JSON.stringify(deepest), '['.repeat(MAX_MARKS) + ']'.repeat(MAX_MARKS));
});

test('issue attacks: 10 M EMPTY_LIST, EMPTY_DICT, byte strings or memo fetches stop at the object bound', () => {
  const objects = /more than 262,144 objects \(values pushed and memoised\); a CIFAR batch needs about 30,050/;
  assert.equal(MAX_OBJECTS, 262_144);
  refusesSmall(repeated(PROTO2, ']', 10_000_000), objects);
  refusesSmall(repeated(PROTO2, '}', 10_000_000), objects); // empty dicts are the costliest values (~200 bytes each)
  refusesSmall(repeated(PROTO2, 'U\x00', 5_000_000), objects);
  refusesSmall(repeated(bytes(PROTO2, ']', 'q', [0]), 'h\x00', 5_000_000), objects);
  // values appended as soon as they are pushed still count: a list may not hold more than the bound either
  refusesSmall(repeated(bytes(PROTO2, ']'), 'Na', 5_000_000), objects);
  // exactly MAX_OBJECTS is accepted (MARK, MAX_OBJECTS - 1 ints, LIST); one more is not
  assert.equal((read(repeated(bytes(PROTO2, '('), 'K\x07', MAX_OBJECTS - 1, 'l.')) as PickleValue[]).length, MAX_OBJECTS - 1);
  refuses(repeated(bytes(PROTO2, '('), 'K\x07', MAX_OBJECTS, 'l.'), objects);
});

test('issue attacks: a 30 MB INT, LONG, GLOBAL, STRING, PUT or GET line is refused before it is decoded', () => {
  const long = (opcode: string, tail = '\n.') => repeated(opcode, '9', 30 * MB, tail);
  refusesSmall(long('I'), /^bad\.pkl: the INT line is longer than 256 bytes; a CIFAR batch needs 22 bytes at most \(pickle opcode at byte 0\)$/);
  refusesSmall(long('I', ''), /INT line is longer than 256 bytes/); // no line end at all: no scan to the end either
  refusesSmall(long('L'), /LONG line is longer than 256 bytes/);
  refusesSmall(long('p'), /PUT line is longer than 256 bytes/);
  refusesSmall(long('g'), /GET line is longer than 256 bytes/);
  refusesSmall(repeated(`S'`, 'x', 30 * MB, `'\n.`), /STRING line is longer than 256 bytes.*protocol=2/);
  refusesSmall(repeated(bytes(PROTO2, 'c'), 'a', 30 * MB, '\nb\n.'), /GLOBAL line is longer than 256 bytes/);
  refusesSmall(repeated(bytes(PROTO2, 'cnumpy\n'), 'a', 30 * MB, '\n.'), /GLOBAL line is longer than 256 bytes/);
  // MAX_LINE bytes are accepted; a short line without its line end is a truncated file
  assert.equal(read(`I${'0'.repeat(MAX_LINE - 1)}7\n.`), 7);
  assert.equal(read(`L${'9'.repeat(MAX_LINE - 1)}L\n.`), 10n ** BigInt(MAX_LINE - 1) - 1n);
  refuses([`I${'0'.repeat(MAX_LINE)}7\n.`], /INT line is longer than 256 bytes/);
  refuses([`I${'9'.repeat(20)}`], /INT argument has no line end \(truncated file\)/);
  refuses([global('numpy', 'x'.repeat(MAX_LINE)), '.'], /'numpy\.x{70}.*…', which is refused/);
});

test('issue attacks: a memo flood with PUT, BINPUT or LONG_BINPUT stops at the memo bound', () => {
  const memo = /more than 131,072 memo entries; a CIFAR batch needs about 10,015/;
  assert.equal(MAX_MEMO, 131_072);
  const longBinputs = (count: number, first = 0): Uint8Array => {
    const out = repeated(bytes(PROTO2, ']'), 'r\0\0\0\0', count);
    const view = new DataView(out.buffer);
    for (let i = 0; i < count; i++) view.setUint32(4 + 5 * i, first + i, true);
    return out;
  };
  refusesSmall(longBinputs(2_000_000), memo);
  refusesSmall(longBinputs(2_000_000, 0xffffffff - 2_000_000), memo);
  const puts = Array.from({ length: MAX_MEMO + 1 }, (_, i) => `p${i}\n`).join('');
  refusesSmall(bytes(PROTO2, ']', puts, '.'), memo);
  // BINPUT has 256 indices: overwriting them again and again adds nothing
  const overwritten = read(repeated(bytes(PROTO2, ']'), 'q\x00q\x01q\xff', 1_000_000)) as PickleValue[];
  assert.deepEqual(overwritten, []);
  // exactly MAX_MEMO entries are accepted
  assert.deepEqual(read(longBinputs(MAX_MEMO)), []);
});

test('deep nesting of lists stops at the depth bound, however it is written', () => {
  const deep = new RegExp(`more than ${MAX_DEPTH} deep`);
  // 100,000 empty lists, then each appended to the one below it
  refusesSmall(repeated(repeated(PROTO2, ']', 100_000, ''), 'a', 99_999), deep);
  // each new list receives the previous one, fetched from the memo
  refusesSmall(repeated(bytes(PROTO2, ']'), 'q\x00]h\x00a', 1_000_000), deep);
  // a list wrapped in a million 1-tuples
  refusesSmall(repeated(bytes(PROTO2, ']'), [0x85], 1_000_000), deep);
});

test('a batch as Python 3 re-saves it (every byte string an _codecs.encode call, memoised 3 times) is within the bounds', () => {
  const count = 10_000;
  let memo = 3;
  const put = (): Part => bytes('r', u32(memo++));
  // as Python 3 writes bytes with protocol 2: encode (memoised), the text, 'latin1' (memoised), TUPLE2, REDUCE
  const encode = (text: string): Part => bytes('h', [1], binunicode(text), put(), 'h', [2], [0x86], put(), 'R', put());
  const pickle = bytes(
    PROTO2, '}', 'q', [0], '(', global('_codecs', 'encode'), 'q', [1], '0', binunicode('latin1'), 'q', [2], '0',
    encode('labels'), ']', put(), '(', ...Array.from({ length: count }, (_, i) => int1(i % 10)), 'e',
    encode('filenames'), ']', put(), '(', ...Array.from({ length: count }, (_, i) => encode(`leptodactylus_pentadactylus_s_${i}.png`)), 'e',
    encode('data'), ndarray([2, 3], binstring(new Uint8Array(6))),
    'u', '.',
  );
  const batch = readPickle(pickle, 'data_batch_1') as Map<PickleValue, PickleValue>;
  assert.equal((batch.get('labels') as PickleValue[]).length, count);
  assert.deepEqual((batch.get('filenames') as Uint8Array[])[9_999], utf8('leptodactylus_pentadactylus_s_9999.png'));
});

test('recursive structures and changes after placement are refused (no cycles reach the caller)', () => {
  refuses([PROTO2, ']', 'q', [0], 'h', [0], 'a', '.'], /inside itself/);
  refuses([PROTO2, ']', 'q', [0], ']', 'h', [0], 'a', '0', int1(1), 'a', '.'], /already placed/);
  refuses([PROTO2, '}', 'q', [0], ']', 'h', [0], 'a', '0', int1(1), int1(2), 's', '.'], /already placed/);
});

test('a memo entry converted over and over is stopped by the work budget', () => {
  const replay = bytes('h', [0], 'h', [1], 'h', [2], [0x86], 'R', '0');   // _codecs.encode(memo[1], 'latin1'), dropped
  const pickle = bytes(PROTO2, global('_codecs', 'encode'), 'q', [0], '0', binunicode('x'.repeat(10_000)), 'q', [1], '0', binunicode('latin1'), 'q', [2], '0',
    ...Array.from({ length: 200 }, () => replay), 'N', '.');
  refuses(pickle, /converts far more data than the file holds/);
});

test('wrong types in the right places are refused', () => {
  refuses([PROTO2, '}', ']', int1(1), 's', '.'], /dict key/);
  refuses([PROTO2, '}', '(', int1(1), 'u', '.'], /key without a value/);
  refuses([PROTO2, '}', int1(1), 'a', '.'], /not a list/);
  refuses([PROTO2, ']', int1(1), int1(2), 's', '.'], /not a dict/);
  refuses([PROTO2, '}', ')', 'b', '.'], /BUILD applies to something that is not a numpy array/);
  refuses([PROTO2, global('numpy.core.multiarray', '_reconstruct'), global('numpy', 'dtype'), int1(0), [0x85], shortBinstring('b'), [0x87], 'R', '.'], /needs \(numpy\.ndarray/);
  refuses([PROTO2, global('numpy', 'dtype'), shortBinstring('O8'), [0x85], 'R', '.'], /dtype "O8" is not supported/);
  refuses([PROTO2, global('_codecs', 'encode'), binunicode('x'), binunicode('utf-8'), [0x86], 'R', '.'], /only as encode\(str, 'latin1'\)/);
  refuses([PROTO2, global('_codecs', 'encode'), binunicode('€'), binunicode('latin1'), [0x86], 'R', '.'], /not latin-1/);
  refuses([PROTO2, ndarray([2, 3], binstring(new Uint8Array(5))), '.'], /needs 6 bytes, the pickle holds 5/);
  refuses([PROTO2, ndarray([2, 3], bytes(']')), '.'], /not a byte string/);
  refuses([PROTO2, 'X', u32(2), [0xc3, 0x28], '.'], /not valid UTF-8/);
  refuses([`S'abc\n.`], /not quoted/);
  refuses([`S'\\x4'\n.`], /bad escape/);
});

test('a synthetic 10,000-image python batch (30 MB) decodes exactly', async () => {
  const count = 10_000;
  const pixels = new Uint8Array(count * 3072);
  for (let i = 0, x = 12345; i < pixels.length; i++) pixels[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const labels = Array.from({ length: count }, (_, i) => (i * 7) % 10);
  for (const python3 of [false, true]) {
    const batch = cifarBatchPickle(pixels, labels, python3);
    const start = performance.now();
    const cifar = await loadCifar10({ test_batch: batch, 'batches.meta': CIFAR_META }, { split: 'test' });
    const ms = performance.now() - start;
    console.log(`10,000-image python batch (${python3 ? 'Python 3 protocol 2, _codecs.encode' : 'Python 2 cPickle, BINSTRING'}, ${(batch.length / 2 ** 20).toFixed(1)} MiB): ${ms.toFixed(1)} ms`);
    assert.equal(cifar.data.rows, count);
    assert.ok(Buffer.from(cifar.data.data.buffer, cifar.data.data.byteOffset, cifar.data.data.length).equals(pixels), 'pixels differ');
    assert.deepEqual(Array.from(cifar.labels), labels);
  }
});

test('cost stays linear: more than 64 dimensions are refused; a huge memoised typecode is not decoded again and again', { timeout: 120_000 }, () => {
  const shape = Array.from({ length: 65 }, () => 1);
  refuses([PROTO2, ndarray(shape, binstring(new Uint8Array(1))), '.'], /65 dimensions; numpy allows at most 64/);
  // a 1 MB byte string memoised once and used as the typecode of 200 _reconstruct calls
  const big = new Uint8Array(1 << 20).fill(0x41);
  const call = bytes(global('numpy.core.multiarray', '_reconstruct'), global('numpy', 'ndarray'), int1(0), [0x85], 'h', [1], [0x87], 'R', '0');
  const pickle = bytes(PROTO2, binstring(big), 'q', [1], '0', ...Array.from({ length: 200 }, () => call), 'N', '.');
  assert.equal(read(pickle), null); // minutes, not milliseconds, if each call decoded the megabyte
});

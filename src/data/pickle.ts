/**
 * A small, safe reader for Python pickles: the opcodes of protocols 0–2 (plus the byte-string opcodes of 3)
 * that Python 2's cPickle and Python 3 with protocol 2 write for the CIFAR-10 python batches.
 *
 * Written by hand instead of using an npm parser: pickleparser 0.2.1 replaces unknown globals with placeholder
 * objects instead of refusing them, and decodes byte strings with `TextDecoder('ascii')`, which browsers treat as
 * windows-1252 — bytes 0x80–0x9F, i.e. pixels, come out changed.
 *
 * Nothing is executed. A GLOBAL may name only numpy's array and dtype reconstruction and `_codecs.encode`; any
 * other global is refused. Byte strings stay `Uint8Array`s (views into the input, never copied per byte). Every
 * problem — truncation, an unknown opcode, stack underflow, a missing MARK or memo entry, a length larger than
 * what is left, nesting deeper than {@link MAX_DEPTH} — is a `DataFormatError` naming the file.
 *
 * Work and memory are bounded by what a CIFAR-10 file can need, not by the file's size: at most
 * {@link MAX_OBJECTS} values pushed and memoised, {@link MAX_MARKS} open MARKs, {@link MAX_MEMO} memo entries, and
 * text-line arguments (INT, LONG, STRING, PUT, GET, GLOBAL) of at most {@link MAX_LINE} bytes, whose line end is
 * looked for within that bound before anything is decoded. So a hostile file is refused after tens of MB of memory
 * at most, in time linear in what it got through; what still grows with the file is the bytes of single values
 * (byte strings are views into the input; a text is decoded once). A consequence: protocol-0
 * `STRING` lines longer than {@link MAX_LINE} bytes (a protocol-0 numpy array's data) are refused; the CIFAR files
 * are protocol 2, which writes byte strings with BINSTRING.
 *
 * @module
 */

import { DataFormatError } from '../errors.js';

/** A numpy array rebuilt from a pickle. `data` holds its bytes in C (row-major) order, often as a view into the input. */
export class NdArray {
  constructor(
    public shape: number[],
    /** numpy's dtype string: byte order, kind, size (`'|u1'`, `'<i8'`, `'<f4'`, …). */
    public dtype: string,
    public data: Uint8Array,
  ) {}
}

/** A numpy dtype rebuilt from a pickle (it appears in array states). */
export class NumpyDType {
  constructor(
    /** numpy's kind letter: `u` unsigned, `i` signed, `f` float, `b` bool, `S` bytes, `U` text, … */
    readonly kind: string,
    /** The size as the type code writes it: bytes, or characters for `U` (`'U5'` → `'5'`). */
    readonly size: string,
    /** `'|'` (not applicable), `'<'` or `'>'`. */
    public byteorder: string,
  ) {}

  get itemsize(): number {
    return this.kind === 'U' ? 4 * Number(this.size) : Number(this.size);
  }

  /** numpy's `dtype.str`, e.g. `'|u1'`. */
  get str(): string {
    return `${this.byteorder}${this.kind}${this.size}`;
  }
}

/** A reference to one of the allowed Python globals, e.g. `numpy.ndarray`. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** What a dict key may be (byte-string keys are decoded as latin-1). */
export type PickleKey = string | number | bigint | boolean | null;

/** A Python dict. */
export type PickleDict = Map<PickleKey, PickleValue>;

/**
 * A value read from a pickle. Byte strings (Python 2 `str`, Python 3 `bytes`) are `Uint8Array`s, text (`unicode`,
 * Python 3 `str`) is a string, lists are arrays, tuples are frozen arrays, dicts are `Map`s, ints beyond 2^53 are
 * `bigint`s.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | PickleDict
  | NdArray
  | NumpyDType
  | PickleGlobal;

// What a CIFAR-10 python file needs (counted with pickletools on 10,000-image batches): a dict of 4 keys;
// 'labels', a list of 10,000 ints; 'filenames', a list of 10,000 byte strings, each memoised; 'data', one numpy
// array (_reconstruct + BUILD, about 30 values); 'batch_label', one string. As cPickle wrote the originals that is
// 20,037 values pushed and 10,014 memo entries; re-saved by Python 3 with protocol 2 (each byte string becomes
// _codecs.encode(text, 'latin1')) 60,065 pushed and 30,039 memoised. Both need 3 open MARKs at most (the dict's
// items, the array's state, the dtype's state inside it) and text lines of at most 22 bytes (a GLOBAL's
// 'numpy._core.multiarray'). batches.meta (a dict with 10 label names) needs about 100 values. Each bound below
// leaves generous headroom over that, and together they keep a hostile file to tens of MB and well under a second.

/** Deepest nesting of lists, tuples and dicts accepted (CIFAR files nest 3 deep). */
export const MAX_DEPTH = 64;
/** Values pushed plus memo entries made: ~3× a Python-3 re-saved batch (~90,100), ~9× an original (~30,050); ~75 MB at most, if all are empty dicts (the costliest). */
export const MAX_OBJECTS = 262_144;
/** Open MARKs at once: a CIFAR batch needs 3; each MARK sets a stack aside, so a flood of them cost the most. */
export const MAX_MARKS = 64;
/** Distinct memo entries: ~4× a Python-3 re-saved batch (~30,040; cPickle's originals need ~10,015, one per filename). */
export const MAX_MEMO = 131_072;
/** Longest text-line argument in bytes (newline excluded), looked for before anything is decoded: CIFAR's longest is 22. */
export const MAX_LINE = 256;
/** What refusals say a CIFAR batch needs, for each bound above. */
const CIFAR_NEEDS = {
  objects: 'about 30,050 (about 90,100 if re-saved by Python 3)',
  marks: '3',
  memo: 'about 10,015 (about 30,040 if re-saved by Python 3)',
  line: '22 bytes',
} as const;
/** numpy's own limit on array dimensions. */
const MAX_DIMENSIONS = 64;
/** Longest GLOBAL name quoted in an error message. */
const MAX_QUOTED = 80;

/** Reused: a decoder without `stream` starts afresh on every call, even after a fatal error. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const RECONSTRUCT = ['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct'];
const NDARRAY = 'numpy.ndarray';
const DTYPE = 'numpy.dtype';
const ENCODE = '_codecs.encode';
// numpy ≥ 2 writes numpy._core.multiarray for the same function numpy 1 wrote as numpy.core.multiarray.
const ALLOWED_GLOBALS = new Set([...RECONSTRUCT, NDARRAY, DTYPE, ENCODE]);

const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, POP: 0x30,
  EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  SETITEM: 0x73, SETITEMS: 0x75, APPEND: 0x61, APPENDS: 0x65, DICT: 0x64, LIST: 0x6c,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, INT: 0x49, LONG1: 0x8a, LONG: 0x4c, BINFLOAT: 0x47,
  NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  BINSTRING: 0x54, SHORT_BINSTRING: 0x55, STRING: 0x53, BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c,
  BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72, GET: 0x67, BINGET: 0x68, LONG_BINGET: 0x6a,
  GLOBAL: 0x63, REDUCE: 0x52, BUILD: 0x62, NEWOBJ: 0x81,
} as const;

/**
 * Reads one pickled value from `bytes`. Throws `DataFormatError` (naming `file`) on anything it cannot read
 * safely, including any global other than numpy's array/dtype reconstruction and `_codecs.encode`.
 *
 * @example
 * ```ts
 * const batch = readPickle(bytes, 'data_batch_1') as PickleDict;
 * const data = batch.get('data') as NdArray;   // { shape: [10000, 3072], dtype: '|u1', data: Uint8Array }
 * ```
 */
export function readPickle(bytes: Uint8Array, file = 'pickle'): PickleValue {
  return new Unpickler(bytes, file).run();
}

/**
 * A pickled string as text: text as it is, a byte string decoded as latin-1 (byte n → U+00n, as Python's
 * `encoding='latin1'` does); `undefined` for anything else.
 *
 * @example
 * ```ts
 * pickleText(new Uint8Array([0x68, 0xe9]));   // 'hé'
 * ```
 */
export function pickleText(value: PickleValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  return value instanceof Uint8Array ? latin1(value) : undefined;
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return text;
}

function isTuple(value: PickleValue | undefined): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

function isList(value: PickleValue | undefined): value is PickleValue[] {
  return Array.isArray(value) && !Object.isFrozen(value);
}

class Unpickler {
  private readonly view: DataView;
  private pos = 0;
  /** Where the opcode being executed starts, for messages. */
  private at = 0;
  /** The values pushed since the last MARK; the ones before it wait in `marks`. */
  private stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Values pushed plus memo entries made so far (see {@link MAX_OBJECTS}). */
  private objects = 0;
  private readonly depths = new WeakMap<object, number>();
  /** Containers already put inside another one; they may not change any more (see `adopt`). */
  private readonly placed = new WeakSet<object>();
  /**
   * Bytes that conversions (latin-1 encoding, key decoding, Fortran reordering) may still produce. Memo entries
   * can be fetched again and again for a few bytes each, so without a bound a small file could cost quadratic time.
   */
  private budget: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 2 * bytes.length + 65536;
  }

  run(): PickleValue {
    for (;;) {
      this.at = this.pos;
      const op = this.take(1, 'an opcode')[0]!;
      if (op === OP.STOP) return this.pop();
      this.step(op);
    }
  }

  private step(op: number): void {
    switch (op) {
      case OP.PROTO: {
        const version = this.u8();
        if (version > 3) throw this.fail(`pickle protocol ${version} is not supported (0–3 are); save it again with protocol=2`);
        return;
      }
      case OP.MARK:
        if (this.marks.length >= MAX_MARKS) throw this.tooMany(MAX_MARKS, 'nested marks', CIFAR_NEEDS.marks);
        this.marks.push(this.stack);
        this.stack = [];
        return;
      case OP.POP:
        if (this.stack.length > 0) this.stack.pop();
        else this.popMark();
        return;
      case OP.EMPTY_DICT: return this.push(new Map());
      case OP.EMPTY_LIST: return this.push([]);
      case OP.EMPTY_TUPLE: return this.push(this.tuple([]));
      case OP.TUPLE: return this.push(this.tuple(this.popMark()));
      case OP.TUPLE1: return this.push(this.tuple(this.popN(1)));
      case OP.TUPLE2: return this.push(this.tuple(this.popN(2)));
      case OP.TUPLE3: return this.push(this.tuple(this.popN(3)));
      case OP.LIST: {
        const list: PickleValue[] = [];
        this.append(list, this.popMark());
        return this.push(list);
      }
      case OP.DICT: {
        const dict: PickleDict = new Map();
        this.setItems(dict, this.popMark());
        return this.push(dict);
      }
      case OP.APPEND: {
        const items = this.popN(1);
        return this.append(this.top(), items);
      }
      case OP.APPENDS: {
        const items = this.popMark();
        return this.append(this.top(), items);
      }
      case OP.SETITEM: {
        const items = this.popN(2);
        return this.setItems(this.top(), items);
      }
      case OP.SETITEMS: {
        const items = this.popMark();
        return this.setItems(this.top(), items);
      }
      case OP.BININT: return this.push(this.int32());
      case OP.BININT1: return this.push(this.u8());
      case OP.BININT2: return this.push(this.view.getUint16(this.skip(2), true));
      case OP.INT: {
        const line = this.textLine('INT');
        // Protocol 0 writes booleans as INT lines.
        if (line === '01' || line === '00') return this.push(line === '01');
        return this.push(this.integer(line, /^[-+]?\d+$/));
      }
      case OP.LONG: return this.push(this.integer(this.textLine('LONG'), /^[-+]?\d+L?$/));
      case OP.LONG1: return this.push(twosComplement(this.take(this.u8(), 'LONG1')));
      case OP.BINFLOAT: return this.push(this.view.getFloat64(this.skip(8), false));
      case OP.NONE: return this.push(null);
      case OP.NEWTRUE: return this.push(true);
      case OP.NEWFALSE: return this.push(false);
      case OP.BINSTRING: {
        const length = this.int32();
        if (length < 0) throw this.fail(`BINSTRING has a negative length (${length})`);
        return this.push(this.take(length, 'BINSTRING'));
      }
      case OP.SHORT_BINSTRING: return this.push(this.take(this.u8(), 'SHORT_BINSTRING'));
      case OP.STRING: return this.push(this.quoted(this.line('STRING')));
      case OP.BINUNICODE: return this.push(this.utf8(this.take(this.uint32(), 'BINUNICODE')));
      case OP.SHORT_BINUNICODE: return this.push(this.utf8(this.take(this.u8(), 'SHORT_BINUNICODE')));
      case OP.BINBYTES: return this.push(this.take(this.uint32(), 'BINBYTES'));
      case OP.SHORT_BINBYTES: return this.push(this.take(this.u8(), 'SHORT_BINBYTES'));
      case OP.PUT: return this.put(this.index(this.textLine('PUT')));
      case OP.BINPUT: return this.put(this.u8());
      case OP.LONG_BINPUT: return this.put(this.uint32());
      case OP.GET: return this.get(this.index(this.textLine('GET')));
      case OP.BINGET: return this.get(this.u8());
      case OP.LONG_BINGET: return this.get(this.uint32());
      case OP.GLOBAL: return this.push(this.global());
      case OP.REDUCE: {
        const [callable, args] = this.popN(2);
        return this.push(this.call(callable!, args!));
      }
      case OP.NEWOBJ: {
        const [cls, args] = this.popN(2);
        // cls.__new__(cls, *args): of the allowed globals only the two classes can be instantiated this way.
        if (!(cls instanceof PickleGlobal) || (cls.name !== NDARRAY && cls.name !== DTYPE)) throw this.fail('NEWOBJ needs numpy.ndarray or numpy.dtype');
        return this.push(this.call(cls, args!));
      }
      case OP.BUILD: {
        const state = this.pop();
        return this.build(this.top(), state);
      }
      default:
        throw this.fail(`unknown or unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }

  private fail(problem: string): DataFormatError {
    return new DataFormatError(this.file, `${problem} (pickle opcode at byte ${this.at})`);
  }

  /** E.g. `data_batch_1: more than 64 nested marks; a CIFAR batch needs 3 (pickle opcode at byte 70)`. */
  private tooMany(limit: number, what: string, needs: string): DataFormatError {
    return this.fail(`more than ${limit.toLocaleString('en-US')} ${what}; a CIFAR batch needs ${needs}`);
  }

  // ---- reading bytes ----

  private take(length: number, what: string): Uint8Array {
    const left = this.bytes.length - this.pos;
    if (length > left) throw this.fail(`${what} needs ${length} bytes but only ${left} remain (truncated or corrupt file)`);
    this.pos += length;
    return this.bytes.subarray(this.pos - length, this.pos);
  }

  private u8(): number {
    return this.take(1, 'an opcode argument')[0]!;
  }

  /** Where the next `length` bytes start; bounds-checked here, so DataView reads never throw. */
  private skip(length: number): number {
    this.take(length, 'an opcode argument');
    return this.pos - length;
  }

  private int32(): number {
    return this.view.getInt32(this.skip(4), true);
  }

  private uint32(): number {
    return this.view.getUint32(this.skip(4), true);
  }

  /**
   * The argument line of a text opcode, newline excluded. The newline is looked for only within the first
   * MAX_LINE + 1 bytes, so a longer line is refused at once, whatever its length, before anything is decoded.
   */
  private line(opcode: string): Uint8Array {
    const bytes = this.bytes;
    const start = this.pos;
    const limit = Math.min(bytes.length, start + MAX_LINE + 1);
    let end = start;
    while (end < limit && bytes[end] !== 0x0a) end++;
    if (end === limit) {
      if (limit === bytes.length && limit < start + MAX_LINE + 1) throw this.fail(`the ${opcode} argument has no line end (truncated file)`);
      const hint = opcode === 'STRING' ? ' (long protocol-0 byte strings are not supported: save the file with protocol=2)' : '';
      throw this.fail(`the ${opcode} line is longer than ${MAX_LINE} bytes; a CIFAR batch needs ${CIFAR_NEEDS.line} at most${hint}`);
    }
    this.pos = end + 1;
    return bytes.subarray(start, end);
  }

  private textLine(opcode: string): string {
    return latin1(this.line(opcode));
  }

  // ---- the stack and the memo ----

  /** Every value created or fetched from the memo passes through here; every container item came from here. */
  private push(value: PickleValue): void {
    this.countObject();
    this.stack.push(value);
  }

  private countObject(): void {
    if (++this.objects > MAX_OBJECTS) throw this.tooMany(MAX_OBJECTS, 'objects (values pushed and memoised)', CIFAR_NEEDS.objects);
  }

  private pop(): PickleValue {
    if (this.stack.length === 0) throw this.fail('stack underflow');
    return this.stack.pop()!;
  }

  private popN(count: number): PickleValue[] {
    if (this.stack.length < count) throw this.fail(`stack underflow: ${count} values needed, ${this.stack.length} present`);
    return this.stack.splice(this.stack.length - count, count);
  }

  private top(): PickleValue {
    if (this.stack.length === 0) throw this.fail('stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  /** The values pushed since the last MARK; the stack goes back to what it was before that MARK. */
  private popMark(): PickleValue[] {
    const items = this.stack;
    const before = this.marks.pop();
    if (before === undefined) throw this.fail('MARK missing');
    this.stack = before;
    return items;
  }

  private put(index: number): void {
    const value = this.top();
    if (!this.memo.has(index)) {
      if (this.memo.size >= MAX_MEMO) throw this.tooMany(MAX_MEMO, 'memo entries', CIFAR_NEEDS.memo);
      this.countObject();
    }
    this.memo.set(index, value);
  }

  private get(index: number): void {
    if (!this.memo.has(index)) throw this.fail(`memo entry ${index} is missing`);
    this.push(this.memo.get(index)!);
  }

  private index(line: string): number {
    if (!/^\d{1,15}$/.test(line)) throw this.fail(`memo index ${JSON.stringify(line.slice(0, 20))} is not a number`);
    return Number(line);
  }

  // ---- scalars and strings ----

  /** An INT or LONG line (at most MAX_LINE characters, so BigInt's cost, quadratic in length, stays small). */
  private integer(line: string, pattern: RegExp): number | bigint {
    if (!pattern.test(line)) throw this.fail(`${JSON.stringify(line.slice(0, 20))} is not an integer`);
    return narrow(BigInt(line.replace(/L$/, '')));
  }

  private utf8(bytes: Uint8Array): string {
    try {
      return UTF8.decode(bytes);
    } catch {
      throw this.fail('a unicode string is not valid UTF-8');
    }
  }

  /** A protocol-0 STRING argument: a Python 2 repr, quotes and backslash escapes included. */
  private quoted(line: Uint8Array): Uint8Array {
    const quote = line[0];
    if (line.length < 2 || (quote !== 0x27 && quote !== 0x22) || line[line.length - 1] !== quote) throw this.fail('STRING argument is not quoted');
    const escaped = unescape(line.subarray(1, line.length - 1));
    if (!escaped) throw this.fail('STRING argument has a bad escape');
    return escaped;
  }

  private spend(bytes: number): void {
    this.budget -= bytes;
    if (this.budget < 0) throw this.fail('converts far more data than the file holds (a memo entry fetched over and over)');
  }

  // ---- containers ----

  private tuple(items: PickleValue[]): readonly PickleValue[] {
    this.adopt(items, items);
    return Object.freeze(items);
  }

  private append(target: PickleValue, items: PickleValue[]): void {
    if (!isList(target)) throw this.fail('APPEND/APPENDS target is not a list');
    this.adopt(target, items);
    for (const item of items) target.push(item);
  }

  private setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Map)) throw this.fail('SETITEM/SETITEMS target is not a dict');
    if (items.length % 2 !== 0) throw this.fail('SETITEMS has a key without a value');
    this.adopt(target, items);
    for (let i = 0; i < items.length; i += 2) target.set(this.key(items[i]!), items[i + 1]!);
  }

  private key(value: PickleValue): PickleKey {
    if (value instanceof Uint8Array) {
      this.spend(value.length);
      return latin1(value);
    }
    if (value === null || typeof value !== 'object') return value;
    throw this.fail('a dict key is not a string, number, bool or None');
  }

  /**
   * Records that `children` are now inside `container`. Python's pickler fills every list and dict before it puts
   * it inside another, so a container may not change after that: this rules out cycles and keeps each container's
   * recorded depth exact, so nesting can be bounded without walking anything.
   */
  private adopt(container: object, children: readonly PickleValue[]): void {
    if (this.placed.has(container)) throw this.fail('changes a container already placed inside another (recursive structures are not supported)');
    let depth = this.depths.get(container) ?? 1;
    for (const child of children) {
      if (child === null || typeof child !== 'object') continue;
      if (child === container) throw this.fail('puts a container inside itself (recursive structures are not supported)');
      this.placed.add(child);
      depth = Math.max(depth, (this.depths.get(child) ?? (Array.isArray(child) || child instanceof Map ? 1 : 0)) + 1);
    }
    if (depth > MAX_DEPTH) throw this.fail(`nests containers more than ${MAX_DEPTH} deep`);
    this.depths.set(container, depth);
  }

  // ---- globals and objects ----

  private global(): PickleGlobal {
    const name = `${this.textLine('GLOBAL')}.${this.textLine('GLOBAL')}`;
    if (!ALLOWED_GLOBALS.has(name)) {
      const shown = name.length > MAX_QUOTED ? `${name.slice(0, MAX_QUOTED)}…` : name;
      throw this.fail(`refers to the Python global '${shown}', which is refused: only numpy arrays and dtypes (and _codecs.encode) may appear`);
    }
    return new PickleGlobal(name);
  }

  private call(callable: PickleValue, args: PickleValue): PickleValue {
    if (!(callable instanceof PickleGlobal)) throw this.fail('REDUCE calls something that is not a global');
    if (!isTuple(args)) throw this.fail(`the arguments of ${callable.name} are not a tuple`);
    switch (callable.name) {
      case DTYPE: return this.dtype(args);
      case ENCODE: return this.encode(args);
      case NDARRAY: return emptyArray();
      default: {
        // The remaining allowed globals are the two spellings of _reconstruct(numpy.ndarray, shape, typecode);
        // it returns an empty array that the following BUILD fills in.
        const [cls, shape, typecode] = args;
        if (args.length !== 3 || !(cls instanceof PickleGlobal) || cls.name !== NDARRAY || !isTuple(shape) || !isText(typecode)) {
          throw this.fail(`${callable.name} needs (numpy.ndarray, shape, typecode)`);
        }
        return emptyArray();
      }
    }
  }

  /** numpy.dtype(typecode, align, copy); the byte order comes from the BUILD that follows. */
  private dtype(args: readonly PickleValue[]): NumpyDType {
    const code = this.text(args[0]);
    const match = /^([biufcmMSUV])(\d{1,6})$/.exec(code);
    if (!match) throw this.fail(`numpy dtype ${JSON.stringify(code.slice(0, 20))} is not supported`);
    const dtype = new NumpyDType(match[1]!, match[2]!, '<');
    if (dtype.itemsize === 1 || dtype.kind === 'S' || dtype.kind === 'V') dtype.byteorder = '|';
    return dtype;
  }

  /** _codecs.encode(text, 'latin1'): how Python 3 writes byte strings with protocol 2. */
  private encode(args: readonly PickleValue[]): Uint8Array {
    const [text, encoding] = args;
    const name = isText(encoding) && encoding.length <= 16 ? this.text(encoding).toLowerCase() : undefined;
    if (args.length !== 2 || typeof text !== 'string' || (name !== 'latin1' && name !== 'latin-1')) {
      throw this.fail(`_codecs.encode is accepted only as encode(str, 'latin1')`);
    }
    this.spend(text.length);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0xff) throw this.fail('_codecs.encode: the string is not latin-1');
      bytes[i] = code;
    }
    return bytes;
  }

  private build(target: PickleValue, state: PickleValue): void {
    if (target instanceof NdArray || target instanceof NumpyDType) {
      if (this.placed.has(target)) throw this.fail('changes an object already placed inside another');
    }
    if (target instanceof NdArray) return this.buildArray(target, state);
    if (target instanceof NumpyDType) return this.buildDtype(target, state);
    throw this.fail('BUILD applies to something that is not a numpy array or dtype');
  }

  /** ndarray.__setstate__((version, shape, dtype, is_fortran, rawdata)); old files omit the version. */
  private buildArray(array: NdArray, state: PickleValue): void {
    if (!isTuple(state) || (state.length !== 4 && state.length !== 5)) throw this.fail('numpy array state is not a 4- or 5-tuple');
    const [shape, dtype, fortran, raw] = state.slice(state.length - 4);
    if (!isTuple(shape) || !shape.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
      throw this.fail('numpy array shape is not a tuple of sizes');
    }
    if (!(dtype instanceof NumpyDType)) throw this.fail('numpy array dtype is not a dtype');
    if (typeof fortran !== 'boolean' && fortran !== 0 && fortran !== 1) throw this.fail('numpy array order flag is not a bool');
    if (!(raw instanceof Uint8Array)) throw this.fail('numpy array data is not a byte string (object arrays are not supported)');
    const sizes = shape as readonly number[];
    if (sizes.length > MAX_DIMENSIONS) throw this.fail(`numpy array has ${sizes.length} dimensions; numpy allows at most ${MAX_DIMENSIONS}`);
    const expected = sizes.reduce((product, n) => Math.min(product * n, Number.MAX_SAFE_INTEGER), dtype.itemsize);
    if (expected !== raw.length) {
      throw this.fail(`numpy array of shape (${sizes.join(', ')}) and dtype ${dtype.str} needs ${expected} bytes, the pickle holds ${raw.length}`);
    }
    let data = raw;
    if (fortran && sizes.length > 1) {
      this.spend(raw.length);
      data = fortranToC(raw, sizes.filter((n) => n !== 1), dtype.itemsize); // size-1 axes do not change the order
    }
    array.shape = [...sizes];
    array.dtype = dtype.str;
    array.data = data;
  }

  /** dtype.__setstate__((version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])). */
  private buildDtype(dtype: NumpyDType, state: PickleValue): void {
    if (!isTuple(state) || state.length < 5) throw this.fail('numpy dtype state is not a tuple of at least 5 values');
    const order = this.text(state[1]);
    if (!['<', '>', '|', '='].includes(order)) throw this.fail(`numpy dtype byte order ${JSON.stringify(order.slice(0, 20))} is unknown`);
    if (state[2] !== null || state[3] !== null || state[4] !== null) throw this.fail('structured and sub-array numpy dtypes are not supported');
    // '=' (native) is little-endian on every machine this package targets; '|' stays for 1-byte and string types.
    if (dtype.byteorder !== '|') dtype.byteorder = order === '>' ? '>' : '<';
  }

  private text(value: PickleValue | undefined): string {
    if (value instanceof Uint8Array) this.spend(value.length);
    return pickleText(value) ?? '';
  }
}

/** What _reconstruct and ndarray.__new__ return before BUILD gives the array its shape, dtype and bytes. */
function emptyArray(): NdArray {
  return new NdArray([0], '|u1', new Uint8Array(0));
}

/** An int as a number when it fits exactly, as a bigint otherwise. */
function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** LONG1's argument: a little-endian two's-complement integer (empty means 0). */
function twosComplement(bytes: Uint8Array): number | bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! >= 0x80) value -= 1n << BigInt(8 * bytes.length);
  return narrow(value);
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x61: 0x07, 0x62: 0x08, 0x66: 0x0c, 0x76: 0x0b,
};

/** Python's string-escape decoding (\n, \xhh, \ooo, …); unknown escapes stay as written. `undefined` on a bad \x. */
function unescape(text: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const e = text[i + 1];
    if (c !== 0x5c || e === undefined) {
      out[n++] = c;
    } else if (SIMPLE_ESCAPES[e] !== undefined) {
      out[n++] = SIMPLE_ESCAPES[e];
      i++;
    } else if (e === 0x78) {
      const hex = String.fromCharCode(text[i + 2] ?? 0, text[i + 3] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out[n++] = parseInt(hex, 16);
      i += 3;
    } else if (isOctal(e)) {
      let value = 0;
      for (let digits = 0; digits < 3 && isOctal(text[i + 1]); digits++) value = value * 8 + text[++i]! - 0x30;
      out[n++] = value & 0xff;
    } else {
      out[n++] = c;
    }
  }
  return out.slice(0, n);
}

function isOctal(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x37;
}

/** Reorders column-major (Fortran) array bytes into row-major (C) order. */
function fortranToC(raw: Uint8Array, shape: readonly number[], itemsize: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  const strides: number[] = [];
  let stride = itemsize;
  for (const n of shape) {
    strides.push(stride);
    stride *= n;
  }
  const index = shape.map(() => 0);
  let from = 0;
  for (let to = 0; to < out.length; to += itemsize) {
    for (let b = 0; b < itemsize; b++) out[to + b] = raw[from + b]!;
    // Advance the C-order index like an odometer, moving `from` by the Fortran strides.
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      from += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      from -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

/** Whether a value is a string or byte string (checked without decoding it). */
function isText(value: PickleValue | undefined): value is string | Uint8Array {
  return typeof value === 'string' || value instanceof Uint8Array;
}

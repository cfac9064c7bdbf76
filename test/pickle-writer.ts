// A small pickle writer for tests and benchmarks: protocol-2 pickles laid out as Python 2's cPickle (or, where
// asked, Python 3) writes them, including a CIFAR-10 python batch.

export type Part = string | number[] | Uint8Array;

/** Concatenates parts; strings are taken as latin-1 (one byte per character). */
export function bytes(...parts: Part[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const u32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const PROTO2: Part = [0x80, 2];
export const binstring = (b: Uint8Array): Part => bytes('T', u32(b.length), b);
export const shortBinstring = (s: string): Part => bytes('U', [s.length], s);
export const binunicode = (s: string): Part => bytes('X', u32(utf8(s).length), utf8(s));
export const global = (module: string, name: string): Part => `c${module}\n${name}\n`;
export const int1 = (n: number): Part => ['K'.charCodeAt(0), n];
export const int2 = (n: number): Part => ['M'.charCodeAt(0), n & 255, n >> 8];

/** A numpy array as Python 2's cPickle writes it: _reconstruct, then BUILD with (1, shape, dtype, is_fortran, raw). */
export function ndarray(shape: number[], raw: Part, typecode = 'u1', fortran = false): Part {
  return bytes(
    global('numpy.core.multiarray', '_reconstruct'), global('numpy', 'ndarray'), int1(0), [0x85], shortBinstring('b'), [0x87], 'R',
    '(', int1(1), '(', ...shape.map(int2), 't',
    global('numpy', 'dtype'), shortBinstring(typecode), int1(0), int1(1), [0x87], 'R',
    '(', int1(3), shortBinstring('|'), 'NNN', 'J', u32(-1 >>> 0), 'J', u32(-1 >>> 0), int1(0), 't', 'b',
    [fortran ? 0x88 : 0x89], raw, 't', 'b',
  );
}


/** A CIFAR-10 python batch as cPickle writes it (or, with python3, as Python 3 writes it with protocol 2). */
export function cifarBatchPickle(pixels: Uint8Array, labels: number[], python3: boolean): Uint8Array {
  const count = labels.length;
  const key = (k: string): Part => (python3 ? binunicode(k) : shortBinstring(k));
  const raw = python3
    ? bytes(global('_codecs', 'encode'), binunicode(Buffer.from(pixels).toString('latin1')), binunicode('latin1'), [0x86], 'R')
    : binstring(pixels);
  const names = labels.map((_, i) => bytes(shortBinstring(`img_${i}.png`), 'r', u32(i + 10)));
  return bytes(
    PROTO2, '}', 'q', [1], '(',
    key('batch_label'), key('testing batch 1 of 1'),
    key('labels'), ']', '(', ...labels.map(int1), 'e',
    key('data'), ndarray([count, 3072], raw),
    key('filenames'), ']', '(', ...names, 'e',
    'u', '.',
  );
}

export const CIFAR_META = bytes(PROTO2, '}', '(', shortBinstring('label_names'), ']', '(',
  ...['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'].map(shortBinstring), 'e', 'u', '.');


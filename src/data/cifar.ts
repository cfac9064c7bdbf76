/**
 * CIFAR-10 in either official layout — python (pickled batches) or binary (`.bin` records) — from a folder (Node)
 * or from the files' bytes (any runtime). Pixels stay bytes, 3072 per image in CIFAR's own order: the red plane,
 * then green, then blue, each 32×32 row-major.
 *
 * @module
 */

import { DataFormatError } from '../errors.js';
import { nodeFiles } from '../io/files.js';
import { checkShape, type Matrix } from '../matrix.js';
import { checkKeys } from '../model/options.js';
import { NdArray, pickleText, readPickle, type PickleDict, type PickleValue } from './pickle.js';

/** CIFAR-10 images and their labels. */
export interface Cifar10 {
  /** N×3072 pixel bytes, channel-planar: R (1024 values), G, B, each plane 32×32 row-major. */
  data: Matrix<Uint8Array>;
  /** N labels, 0–9, indexes into `labelNames`. */
  labels: Uint8Array;
  /** The 10 class names: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck. */
  labelNames: string[];
}

/**
 * CIFAR-10 files by name (`'data_batch_1'`, `'data_batch_1.bin'`, `'batches.meta'`, `'batches.meta.txt'`,
 * `'test_batch'`, …) → their bytes. Names may keep their folder (`'cifar-10-batches-py/data_batch_1'`).
 */
export type CifarFiles = Record<string, ArrayBuffer | Uint8Array>;

export interface CifarOptions {
  /** `'train'` (data_batch_1 … 5, stacked in order; the default) or `'test'` (test_batch). */
  split?: 'train' | 'test';
  /** Keep only images with these labels, by name (`'horse'`) or number (7). */
  labels?: (string | number)[];
  /** Keep at most this many images (the first ones kept). */
  limit?: number;
}

const PIXELS = 3072;
const CLASSES = 10;
const MAX_NAME = 256;
const WHERE_TO_GET = 'get CIFAR-10 (python or binary version) from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it';
const SUBFOLDERS = ['cifar-10-batches-py', 'cifar-10-batches-bin'];

/** One batch file's images: row r's pixels are `bytes[offset + r·stride …]` (3072 bytes). */
interface Batch {
  labels: Uint8Array;
  bytes: Uint8Array;
  offset: number;
  stride: number;
}

interface Layout {
  name: string;
  batchFiles(split: 'train' | 'test'): string[];
  metaFile: string;
  readMeta(bytes: Uint8Array, file: string): string[];
  readBatch(bytes: Uint8Array, file: string): Batch;
}

interface FileSet {
  /** The folder, or a description of the map, for messages. */
  where: string;
  /** File name without folder → the name messages use, and a reader. */
  files: Map<string, { label: string; read(): Promise<Uint8Array> }>;
}

const trainNumbers = [1, 2, 3, 4, 5];

const PYTHON: Layout = {
  name: 'python',
  batchFiles: (split) => (split === 'test' ? ['test_batch'] : trainNumbers.map((n) => `data_batch_${n}`)),
  metaFile: 'batches.meta',
  readMeta(bytes, file) {
    const names = pickledDict(bytes, file).get('label_names');
    if (!Array.isArray(names)) throw new DataFormatError(file, "'label_names' is not a list of strings");
    // Count and size first: decoding a list of references to one huge string would cost its length each time.
    checkNames(names, file);
    if (names.some((name: PickleValue) => !(typeof name === 'string' || name instanceof Uint8Array) || name.length > MAX_NAME)) {
      throw new DataFormatError(file, `'label_names' holds something other than short strings (at most ${MAX_NAME} characters)`);
    }
    return names.map((name: PickleValue) => pickleText(name)!);
  },
  readBatch(bytes, file) {
    const batch = pickledDict(bytes, file);
    const data = batch.get('data');
    const labels = batch.get('labels');
    if (!(data instanceof NdArray)) throw new DataFormatError(file, "has no numpy array under 'data'");
    if (data.dtype !== '|u1' || data.shape.length !== 2 || data.shape[1] !== PIXELS) {
      throw new DataFormatError(file, `'data' is ${data.shape.join('×')} ${data.dtype}; CIFAR-10 batches hold N×${PIXELS} uint8 (|u1)`);
    }
    if (!Array.isArray(labels) || labels.length !== data.shape[0]) {
      throw new DataFormatError(file, `'labels' is not a list of ${data.shape[0]} labels, one per image`);
    }
    const codes = new Uint8Array(labels.length);
    labels.forEach((label: PickleValue, i) => (codes[i] = checkLabel(label, i, file)));
    return { labels: codes, bytes: data.data, offset: 0, stride: PIXELS };
  },
};

const BINARY: Layout = {
  name: 'binary',
  batchFiles: (split) => (split === 'test' ? ['test_batch.bin'] : trainNumbers.map((n) => `data_batch_${n}.bin`)),
  metaFile: 'batches.meta.txt',
  readMeta(bytes, file) {
    const lines = new TextDecoder().decode(bytes).split(/\r?\n/).map((line) => line.trim());
    return checkNames(lines.filter((line) => line !== ''), file);
  },
  readBatch(bytes, file) {
    const record = PIXELS + 1;
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new DataFormatError(file, `is ${bytes.length} bytes, not a multiple of ${record} (1 label byte + ${PIXELS} pixel bytes per image): truncated or not a CIFAR-10 .bin batch`);
    }
    const labels = new Uint8Array(bytes.length / record);
    for (let i = 0; i < labels.length; i++) labels[i] = checkLabel(bytes[i * record]!, i, file);
    return { labels, bytes, offset: 1, stride: record };
  },
};

const LAYOUTS = [PYTHON, BINARY];

/**
 * Loads CIFAR-10's train or test split. `source` is a folder path (Node only: the `cifar-10-batches-py` or
 * `cifar-10-batches-bin` folder, or a folder that holds one of them) or the files' bytes by name (any runtime).
 * The layout is recognised from the file names. Throws `DataFormatError` naming the file when one is missing or
 * not a CIFAR-10 file, and `RangeError` for bad options.
 *
 * @example
 * ```ts
 * const { data, labels, labelNames } = await loadCifar10('data/cifar-10-batches-py');   // data: 50000×3072 bytes
 * const horses = await loadCifar10('data', { labels: ['horse'] });                        // 5000×3072
 * const test = await loadCifar10({ test_batch: bytes, 'batches.meta': meta }, { split: 'test', limit: 100 });
 * ```
 */
export async function loadCifar10(source: string | CifarFiles, options: CifarOptions = {}): Promise<Cifar10> {
  checkKeys(options, ['split', 'labels', 'limit'], 'CIFAR-10 option');
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new RangeError(`split must be 'train' or 'test', got ${String(split)}`);
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isSafeInteger(limit) || limit < 1)) throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  if (options.labels !== undefined && !Array.isArray(options.labels)) throw new TypeError('labels must be an array of label names or numbers');
  if (options.labels?.length === 0) throw new RangeError('labels is empty: name at least one label to keep, or leave it out to keep all');

  const fileSet = typeof source === 'string' ? await folderFiles(source) : mapFiles(source);
  const layout = chooseLayout(fileSet, split);
  const file = (name: string) => fileSet.files.get(name)!; // chooseLayout made sure every file it names is there
  const labelNames = layout.readMeta(await file(layout.metaFile).read(), file(layout.metaFile).label);
  const wanted = options.labels && new Set(options.labels.map((label) => labelIndex(label, labelNames)));

  // Each batch file is dropped as soon as its kept rows are copied out, so a label filter never holds 150 MB.
  const kept: { data: Uint8Array; labels: Uint8Array }[] = [];
  let count = 0;
  for (const name of layout.batchFiles(split)) {
    if (count >= limit) break;
    const batch = layout.readBatch(await file(name).read(), file(name).label);
    const runs = keptRuns(batch.labels, wanted, limit - count);
    const rows = runs.reduce((n, [start, end]) => n + end - start, 0);
    const part = { data: new Uint8Array(rows * PIXELS), labels: new Uint8Array(rows) };
    let row = 0;
    for (const [start, end] of runs) {
      copyRows(batch, start, end, part.data, row);
      part.labels.set(batch.labels.subarray(start, end), row);
      row += end - start;
    }
    kept.push(part);
    count += rows;
  }

  const data = kept.length === 1 ? kept[0]!.data : new Uint8Array(count * PIXELS);
  const labels = kept.length === 1 ? kept[0]!.labels : new Uint8Array(count);
  if (kept.length > 1) {
    let row = 0;
    for (const part of kept) {
      data.set(part.data, row * PIXELS);
      labels.set(part.labels, row);
      row += part.labels.length;
    }
  }
  return { data: { rows: count, cols: PIXELS, data }, labels, labelNames };
}

/**
 * The rows of `data` whose label is `label` (a number, or a name looked up in `labelNames`), copied into a new
 * matrix of the same element type.
 *
 * @example
 * ```ts
 * const cifar = await loadCifar10('data/cifar-10-batches-py');
 * const horses = selectLabel(cifar.data, cifar.labels, 'horse', cifar.labelNames);   // 5000×3072
 * ```
 */
export function selectLabel<T extends Float32Array | Uint8Array>(data: Matrix<T>, labels: Uint8Array, label: string | number, labelNames?: string[]): Matrix<T> {
  checkShape(data, undefined);
  if (labels.length !== data.rows) throw new RangeError(`there are ${labels.length} labels for ${data.rows} rows of data`);
  const wanted = labelIndex(label, labelNames);
  let count = 0;
  for (const l of labels) if (l === wanted) count++;
  const out = (data.data instanceof Float32Array ? new Float32Array(count * data.cols) : new Uint8Array(count * data.cols)) as T;
  let row = 0;
  labels.forEach((l, r) => {
    if (l === wanted) out.set(data.data.subarray(r * data.cols, (r + 1) * data.cols), row++ * data.cols);
  });
  return { rows: count, cols: data.cols, data: out };
}

function labelIndex(label: string | number, labelNames: string[] | undefined): number {
  if (typeof label === 'number') {
    const count = labelNames?.length ?? 256;
    if (!Number.isInteger(label) || label < 0 || label >= count) throw new RangeError(`label ${label} is not a label number (an integer 0–${count - 1})`);
    return label;
  }
  if (typeof label !== 'string') throw new TypeError(`a label must be a name or a number, got ${String(label)}`);
  // Exact first, then regardless of case ('Sneaker' in Fashion-MNIST's names is 'sneaker' on a command line).
  const exact = labelNames?.indexOf(label) ?? -1;
  const index = exact >= 0 ? exact : (labelNames?.findIndex((name) => name.toLowerCase() === label.toLowerCase()) ?? -1);
  if (index < 0) {
    const known = labelNames ? `: expected one of ${labelNames.map((n) => `'${n}'`).join(', ')}` : '; pass labelNames to select by name';
    throw new RangeError(`unknown label '${label}'${known}`);
  }
  return index;
}

/** Runs [start, end) of rows to keep (labels in `wanted`, or all), at most `max` rows in all. */
function keptRuns(labels: Uint8Array, wanted: Set<number> | undefined, max: number): [number, number][] {
  if (!wanted) return [[0, Math.min(labels.length, max)]];
  const runs: [number, number][] = [];
  let kept = 0;
  for (let r = 0; r < labels.length && kept < max; r++) {
    if (!wanted.has(labels[r]!)) continue;
    const last = runs[runs.length - 1];
    if (last && last[1] === r) last[1]++;
    else runs.push([r, r + 1]);
    kept++;
  }
  return runs;
}

/** Copies rows [start, end) of a batch to `out` from row `at`: one `set` when rows are adjacent in the file. */
function copyRows(batch: Batch, start: number, end: number, out: Uint8Array, at: number): void {
  const from = batch.offset + start * batch.stride;
  if (batch.stride === PIXELS) {
    out.set(batch.bytes.subarray(from, from + (end - start) * PIXELS), at * PIXELS);
    return;
  }
  for (let r = 0; r < end - start; r++) {
    const row = from + r * batch.stride;
    out.set(batch.bytes.subarray(row, row + PIXELS), (at + r) * PIXELS);
  }
}

function pickledDict(bytes: Uint8Array, file: string): PickleDict {
  const value = readPickle(bytes, file);
  if (!(value instanceof Map)) throw new DataFormatError(file, 'does not hold a pickled dict, as CIFAR-10 python files do');
  return value;
}

function checkLabel(label: PickleValue, index: number, file: string): number {
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= CLASSES) {
    throw new DataFormatError(file, `image ${index} has label ${String(label)}; CIFAR-10 labels are 0–${CLASSES - 1}`);
  }
  return label;
}

function checkNames<T>(names: T[], file: string): T[] {
  if (names.length !== CLASSES) throw new DataFormatError(file, `holds ${names.length} label names; CIFAR-10 has ${CLASSES}`);
  return names;
}

/** The first layout whose files for `split` are all present; otherwise an error naming what is missing. */
function chooseLayout({ where, files }: FileSet, split: 'train' | 'test'): Layout {
  const missing = LAYOUTS.map((layout) => [...layout.batchFiles(split), layout.metaFile].filter((name) => !files.has(name)));
  const complete = LAYOUTS.find((_, i) => missing[i]!.length === 0);
  if (complete) return complete;
  const closest = missing[1]!.length < missing[0]!.length ? 1 : 0;
  throw new DataFormatError(where, `the CIFAR-10 ${split} split is incomplete: missing ${missing[closest]!.join(', ')} (${LAYOUTS[closest]!.name} layout); ${WHERE_TO_GET}`);
}

function mapFiles(source: CifarFiles): FileSet {
  if (typeof source !== 'object' || source === null) throw new TypeError('source must be a folder path or an object of file name → bytes');
  const files: FileSet['files'] = new Map();
  for (const [label, value] of Object.entries(source)) {
    const bytes = value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
    if (!bytes) throw new TypeError(`the file '${label}' must be an ArrayBuffer or a Uint8Array`);
    const name = label.split(/[\\/]/).pop()!;
    const other = files.get(name);
    if (other) throw new DataFormatError(label, `is given twice (also as '${other.label}')`);
    files.set(name, { label, read: async () => bytes });
  }
  return { where: 'the CIFAR-10 files given', files };
}

/** Node only: the files in `path` and in its `cifar-10-batches-py`/`-bin` subfolders (a name in `path` itself wins). */
async function folderFiles(path: string): Promise<FileSet> {
  const { listFolder, readFileBytes } = await nodeFiles('a CIFAR-10 folder');
  const root = path.replace(/[\\/]+$/, '') || path;
  const top = await listFolder(root);
  if (!top) throw new DataFormatError(path, `is not a folder (or does not exist); ${WHERE_TO_GET}`);
  const files: FileSet['files'] = new Map();
  for (const folder of [root, ...SUBFOLDERS.map((sub) => `${root}/${sub}`)]) {
    for (const name of (await listFolder(folder)) ?? []) {
      const full = `${folder}/${name}`;
      if (!files.has(name)) files.set(name, { label: full, read: () => readFileBytes(full) });
    }
  }
  return { where: path, files };
}


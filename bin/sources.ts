// Where the CLI's data comes from: one of --cifar, --idx, --fashion-mnist, --images or --csv.
import { access, constants, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { grayscale, loadCifar10, loadFashionMnist, loadIdxImages, matrix, selectLabel, type Activation, type Autoencoder, type Matrix, type OutputActivation } from 'wasm-autoencoder';
import { loadImageFolder } from 'wasm-autoencoder/node';

/** A data set and, when its rows are pictures, how to draw them (channels interleaved, as PNG wants them). */
export interface Source {
  data: Matrix;
  describe: string;
  picture?: { width: number; height: number; channels: 1 | 3; planar: boolean };
}

export const SOURCE_OPTIONS = {
  cifar: { type: 'string' },
  label: { type: 'string' },
  split: { type: 'string' },
  color: { type: 'boolean' },
  idx: { type: 'string' },
  'fashion-mnist': { type: 'boolean' },
  images: { type: 'string' },
  csv: { type: 'string' },
  limit: { type: 'string' },
  scale: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  'max-pixels': { type: 'string' },
} as const;

export const SOURCE_HELP = `data (one of):
  --cifar DIR            CIFAR-10 folder, python or binary layout (grayscale 1024 values per image, or --color 3072)
  --idx FILE             an IDX image file (MNIST, Fashion-MNIST), raw or .gz
  --fashion-mnist        Fashion-MNIST from Debian's dataset-fashion-mnist package
  --images DIR           a folder of PNG/JPEG images of one size (grayscale unless --color)
  --csv FILE             numbers, one row per line, comma-separated
data options:
  --label NAME|N         keep one class (CIFAR, Fashion-MNIST), e.g. --label horse
  --split train|test     which CIFAR / Fashion-MNIST split (default train)
  --color                keep the colour channels (CIFAR, images)
  --width W, --height H  resize every image to W×H (images; needed when they differ in size)
  --max-pixels N         refuse images over N pixels, before decoding them (images; default 33554432 = 2^25)
  --limit N              use the first N rows
  --scale S              multiply every value by S (e.g. 0.00392 for 0–1 pixels). train's default is 0.00392 for
                         pictures (1 with --raw) and 1 for --csv; it keeps S in the model, and reconstruct and encode
                         apply it by themselves.`;

type Values = { [K in keyof typeof SOURCE_OPTIONS]?: (typeof SOURCE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * Loads the data the flags name, every value multiplied by `scale` when given; throws a RangeError naming the
 * flag when none or several sources are given.
 */
export async function loadSource(values: Values, scale: number | undefined): Promise<Source> {
  const given = (['cifar', 'idx', 'fashion-mnist', 'images', 'csv'] as const).filter((k) => values[k] !== undefined && values[k] !== false);
  if (given.length !== 1) throw new RangeError(`give exactly one data source (--cifar, --idx, --fashion-mnist, --images or --csv); got ${given.length}`);
  const kind = given[0]!;
  for (const [flag, sources] of Object.entries(APPLIES_TO)) {
    if (values[flag as keyof Values] !== undefined && !sources.includes(kind)) throw new RangeError(`--${flag} does not apply to --${kind} (only to ${sources.map((s) => `--${s}`).join(', ')})`);
  }
  const limit = values.limit === undefined ? undefined : positiveInteger(values.limit, '--limit');
  const split = values.split === undefined ? undefined : oneOf(values.split, ['train', 'test'] as const, '--split');
  const source = await load(kind, values, limit, split);
  return scale === undefined ? source : { ...source, data: scaled(source.data, scale) };
}

/** --scale as a factor; none (or 1) is undefined: the values stay as they are. */
export function scaleFlag(given: string | undefined): number | undefined {
  const factor = given === undefined ? undefined : positiveNumber(given, '--scale');
  return factor === 1 ? undefined : factor;
}

/**
 * The scale to apply with a saved model: the one train kept in it (1: none); --scale may repeat it, not change
 * it. A model without one (saved by other code) takes --scale as given.
 */
export function modelScale(ae: Pick<Autoencoder, 'metadata'>, given: string | undefined): number | undefined {
  const factor = scaleFlag(given);
  const { scale } = ae.metadata;
  if (scale === undefined) return factor;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) throw new RangeError(`the model's metadata.scale is not a positive number: ${JSON.stringify(scale)}`);
  const stored = scale === 1 ? undefined : scale;
  if (given !== undefined && factor !== stored) {
    throw new RangeError(`the model was trained ${stored === undefined ? 'without --scale' : `with --scale ${stored}`}; leave --scale out and it is applied as trained`);
  }
  return stored;
}

// Data options that only some sources understand; giving one elsewhere is a mistake, not something to ignore.
const APPLIES_TO: Record<string, readonly string[]> = {
  label: ['cifar', 'fashion-mnist'],
  split: ['cifar', 'fashion-mnist'],
  color: ['cifar', 'images'],
  width: ['images'],
  height: ['images'],
  'max-pixels': ['images'],
};

async function load(kind: string, values: Values, limit: number | undefined, split: 'train' | 'test' | undefined): Promise<Source> {
  const label = values.label === undefined ? undefined : /^\d+$/.test(values.label) ? Number(values.label) : values.label;
  if (kind === 'cifar') {
    const { data } = await loadCifar10(values.cifar!, { split, ...(label === undefined ? {} : { labels: [label] }), ...(limit === undefined ? {} : { limit }) });
    return { data: values.color ? data : grayscale(data), describe: `CIFAR-10 ${split ?? 'train'}${label === undefined ? '' : ` '${label}'`}`, picture: { width: 32, height: 32, channels: values.color ? 3 : 1, planar: true } };
  }
  if (kind === 'fashion-mnist') {
    const { images, labels, labelNames } = await loadFashionMnist(split === undefined ? {} : { split });
    const picked = limitRows(label === undefined ? images : selectLabel(images, labels, label, labelNames), limit);
    return { data: picked, describe: `Fashion-MNIST ${split ?? 'train'}`, picture: { width: 28, height: 28, channels: 1, planar: false } };
  }
  if (kind === 'idx') {
    const images = await loadIdxImages(values.idx!, limit === undefined ? {} : { limit });
    const side = Math.round(Math.sqrt(images.cols));
    return { data: images, describe: values.idx!, ...(side * side === images.cols ? { picture: { width: side, height: side, channels: 1 as const, planar: false } } : {}) };
  }
  if (kind === 'images') {
    const maxPixels = values['max-pixels'] === undefined ? undefined : numberIn(values['max-pixels'], '--max-pixels', (n) => Number.isSafeInteger(n) && n > 0, 'a positive integer');
    const folder = await loadImageFolder(values.images!, { gray: !values.color, ...imageSize(values), ...(maxPixels === undefined ? {} : { maxPixels }) }).catch((error: unknown) => {
      // The library's hint names its option; here the flag is what to change.
      if (error instanceof Error) error.message = error.message.replace('pass a larger maxPixels', 'pass a larger --max-pixels');
      throw error;
    });
    const data = folder.channels === 4 ? withoutAlpha(folder.data) : folder.data;
    const channels = folder.channels === 1 ? 1 : 3;
    return { data: limitRows(data, limit), describe: `${folder.files.length} images from ${values.images}`, picture: { width: folder.width, height: folder.height, channels, planar: false } };
  }
  return { data: limitRows(await readCsv(values.csv!), limit), describe: values.csv! };
}

async function readCsv(path: string): Promise<Matrix> {
  // Line numbers as an editor shows them: counted from 1, blank lines included.
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).map((line, i) => ({ line, number: i + 1 })).filter(({ line }) => line.trim() !== '');
  if (lines.length === 0) throw new RangeError(`${path}: no rows of numbers`);
  const rows = lines.map(({ line, number }) => line.split(',').map((cell, j) => {
    const value = Number(cell);
    if (cell.trim() === '' || !Number.isFinite(value)) throw new RangeError(`${path}: line ${number}, value ${j + 1} is not a number: '${cell}'`);
    return value;
  }));
  rows.forEach((row, r) => {
    if (row.length !== rows[0]!.length) {
      throw new RangeError(`${path}: line ${lines[r]!.number} has ${row.length} values, line ${lines[0]!.number} has ${rows[0]!.length}: every row needs as many`);
    }
  });
  return matrix(rows);
}

/** --width and --height, both or neither: one alone would keep each image's aspect ratio, so sizes could still differ. */
function imageSize(values: Values): { width?: number; height?: number } {
  if ((values.width === undefined) !== (values.height === undefined)) throw new RangeError('give --width and --height together');
  if (values.width === undefined) return {};
  return { width: positiveInteger(values.width, '--width'), height: positiveInteger(values.height!, '--height') };
}

/** RGBA rows as RGB rows: the model learns colours, not transparency. */
function withoutAlpha(m: Matrix<Uint8Array>): Matrix<Uint8Array> {
  const pixels = m.cols / 4;
  const out = new Uint8Array(m.rows * pixels * 3);
  for (let p = 0; p < m.rows * pixels; p++) out.set(m.data.subarray(4 * p, 4 * p + 3), 3 * p);
  return { rows: m.rows, cols: pixels * 3, data: out };
}

function limitRows(m: Matrix, limit: number | undefined): Matrix {
  if (limit === undefined || limit >= m.rows) return m;
  return { rows: limit, cols: m.cols, data: m.data.subarray(0, limit * m.cols) };
}

function scaled(m: Matrix, factor: number): Matrix {
  return { rows: m.rows, cols: m.cols, data: Float32Array.from(m.data, (v) => v * factor) };
}

export function positiveInteger(text: string, flag: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN; // digits only: not 1e20, 0x10 or 2.0
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

export function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${flag} must be a positive number, got '${text}'`);
  return n;
}

/** The values of --activation and --output-activation. */
export const ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu'] as const satisfies readonly Activation[];
export const OUTPUT_ACTIVATIONS = ['linear', ...ACTIVATIONS] as const satisfies readonly OutputActivation[];

/**
 * A number written in decimal (Number() alone also takes '', ' ' and '0x10') that passes `accept`; otherwise a
 * RangeError: `${flag} must be ${expected}, got '${text}'`.
 */
export function numberIn(text: string, flag: string, accept: (n: number) => boolean, expected: string): number {
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || !accept(n)) {
    const underflow = n === 0 && /[1-9]/.test(text.split(/e/i)[0]!); // e.g. 1e-400, which is not 0 as written
    throw new RangeError(`${flag} must be ${expected}, got '${text}'${underflow ? ' (it rounds to 0)' : ''}`);
  }
  return n;
}

export function oneOf<T extends string>(text: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(text)) throw new RangeError(`${flag} must be one of ${choices.join(', ')}, got '${text}'`);
  return text as T;
}

/** Fails now, not after training, when a file cannot be written where `flag` says. */
export async function checkWritable(path: string, flag: string): Promise<void> {
  await access(dirname(path), constants.W_OK).catch(() => {
    throw new RangeError(`${flag} ${path}: the folder ${dirname(path)} does not exist or cannot be written`);
  });
}

import { DataFormatError } from '../errors.js';
import { nodeFiles } from '../io/files.js';
import { checkKeys } from '../model/options.js';
import type { Matrix } from '../matrix.js';
import type { GrayMethod } from './grayscale.js';
import { checkMaxPixels, readImage, type Image } from './image.js';
import { resize, resizeTo, toGray } from './image-ops.js';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Make every image gray: `true` or `'mean'` averages R, G, B; `'luminance'` weighs them 0.299/0.587/0.114. */
  gray?: boolean | GrayMethod;
  /** Scale every image by this factor (see `resize`), e.g. `1 / 8`. */
  scale?: number;
  /** Resize every image to this width (with `height`, or keeping each image's aspect ratio without it). */
  width?: number;
  /** Resize every image to this height (with `width`, or keeping each image's aspect ratio without it). */
  height?: number;
  /** Which files are images, compared case-insensitively; default `.png`, `.jpg`, `.jpeg`. */
  extensions?: string[];
  /**
   * The largest image to decode, in pixels (width × height), checked against each file's header before it is
   * decoded; default 2²⁵ ≈ 33.5 million. A larger image is refused with a `DataFormatError` naming the file and its
   * size (see `readImage`'s `maxPixels` for the byte bounds that come with it).
   *
   * @example
   * ```ts
   * const scans = await loadImageFolder('scans/', { gray: true, width: 256, height: 256, maxPixels: 2 ** 27 });
   * ```
   */
  maxPixels?: number;
}

/** A folder of images as a data set: one row per image, in the order of `files`. */
export interface ImageFolder {
  /** One row per image: its bytes, row-major, channels interleaved. */
  data: Matrix<Uint8Array>;
  /** The file names (within the folder) of the rows, sorted. */
  files: string[];
  width: number;
  height: number;
  channels: number;
}

/**
 * Reads every image of a folder (sorted by name), makes it gray and resizes it if asked, and flattens each into one
 * row of a data set. Images must all end up the same size and channel count; the first odd one is named in a
 * `DataFormatError` (give `width` and `height` to bring differently sized images to one size), and so is the first
 * image over `maxPixels` (default 2²⁵), before it is decoded. Node only.
 *
 * @example
 * ```ts
 * const { data, files } = await loadImageFolder('horses/', { gray: true, width: 32, height: 32 });
 * ae.train(data);   // data.rows === files.length, data.cols === 1024
 * ```
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  checkKeys(options, ['gray', 'scale', 'width', 'height', 'extensions', 'maxPixels'], 'image folder option');
  const { gray = false, scale, width, height, extensions = ['.png', '.jpg', '.jpeg'] } = options;
  const maxPixels = checkMaxPixels(options.maxPixels);
  if (scale !== undefined && (width !== undefined || height !== undefined)) {
    throw new RangeError('loadImageFolder takes either scale or width/height, not both');
  }
  const names = await (await nodeFiles('an image folder')).listFolder(dir);
  if (!names) throw new DataFormatError(dir, 'is not a folder (or does not exist)');
  const wanted = extensions.map((e) => e.toLowerCase());
  // Plain code-unit order, so the rows come out the same on every machine and locale.
  const files = names.filter((name) => wanted.some((ext) => name.toLowerCase().endsWith(ext))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (files.length === 0) throw new DataFormatError(dir, `holds no images (files ending in ${wanted.join(', ')})`);

  const base = dir.replace(/[\\/]+$/, '');
  let result: ImageFolder | undefined;
  for (const [i, file] of files.entries()) {
    const path = `${base}/${file}`;
    const image = prepare(await readImage(path, { maxPixels }), gray, scale, width, height);
    // The first image fixes the shape of the data set; its rows are allocated once.
    result ??= {
      data: { rows: files.length, cols: image.data.length, data: new Uint8Array(files.length * image.data.length) },
      files,
      width: image.width,
      height: image.height,
      channels: image.channels,
    };
    if (image.width !== result.width || image.height !== result.height || image.channels !== result.channels) {
      const hint = image.channels !== result.channels ? 'pass gray: true (leave out --color on the command line) to make every image gray' : 'pass width and height (--width and --height on the command line) to bring every image to one size';
      throw new DataFormatError(
        path,
        `is ${image.width}×${image.height}×${image.channels} after preparing, but ${files[0]} is ${result.width}×${result.height}×${result.channels}: ${hint}`,
      );
    }
    result.data.data.set(image.data, i * result.data.cols);
  }
  return result!;
}

function prepare(image: Image, gray: boolean | GrayMethod, scale?: number, width?: number, height?: number): Image {
  // Gray first: resizing one channel is cheaper than three.
  const shaded = gray === false ? image : toGray(image, gray === true ? 'mean' : gray);
  if (scale !== undefined) return resize(shaded, scale);
  if (width === undefined && height === undefined) return shaded;
  const w = width ?? Math.max(1, Math.round((shaded.width * height!) / shaded.height));
  const h = height ?? Math.max(1, Math.round((shaded.height * width!) / shaded.width));
  return w === shaded.width && h === shaded.height ? shaded : resizeTo(shaded, w, h);
}

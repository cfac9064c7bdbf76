/**
 * Bounds on what deflate data inflates to. The PNG reader checks its compressed chunks with inflatesWithin before
 * fast-png inflates them: fast-png inflates every IDAT byte and any embedded ICC profile whole, so half a megabyte
 * of file could inflate to gigabytes for a 1×1 picture. Counting with fflate's streaming inflater, fed in small
 * slices, stops at the bound instead (fflate is what fast-png itself inflates with).
 *
 * @module
 */

import { Unzlib } from 'fflate';

/**
 * The most deflate can expand: 258 bytes (the longest match) from 2 bits (1-bit length and distance codes), so
 * n bytes of deflate data (a gzip file, in one member or several; a PNG's IDAT chunks) inflate to less than 1032·n.
 */
export const MAX_DEFLATE_RATIO = 1032;
/** Input bytes per push: each push inflates to at most ~4 MiB, whatever the stream holds. */
const SLICE = 4 * 1024;

/**
 * Whether the zlib stream made of `pieces` (in order) inflates to at most `limit` bytes. Inflation stops as soon as
 * it passes the limit; a stream too short to pass it is not inflated at all. A corrupt stream throws fflate's error.
 */
export function inflatesWithin(pieces: readonly Uint8Array[], limit: number): boolean {
  const compressed = pieces.reduce((n, piece) => n + piece.length, 0);
  if (MAX_DEFLATE_RATIO * compressed + MAX_DEFLATE_RATIO <= limit) return true;
  let inflated = 0;
  const inflater = new Unzlib((chunk) => {
    inflated += chunk.length;
  });
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += SLICE) {
      inflater.push(piece.subarray(at, at + SLICE), false);
      if (inflated > limit) return false;
    }
  }
  return true;
}

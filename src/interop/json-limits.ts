/**
 * Limits checked on untrusted JSON text before `JSON.parse` sees it. Web-standard APIs only.
 *
 * @module
 * @internal
 */

/**
 * Whether JSON `text` (a string, or its UTF-8 bytes) nests arrays and objects deeper than `maxDepth`, found by one
 * linear scan that counts `[`/`{` against `]`/`}` outside strings, so that hostile input (a megabyte of `[`) is
 * refused before `JSON.parse` builds it. Malformed text is not judged here: `JSON.parse` refuses it afterwards.
 * In UTF-8 no byte of a multi-byte character is an ASCII bracket, quote or backslash, so bytes scan as text does.
 *
 * @example
 * ```ts
 * if (exceedsJsonNesting(bytes, 32)) throw new DataFormatError(file, 'is nested deeper than 32 levels');
 * ```
 */
export function exceedsJsonNesting(text: string | Uint8Array, maxDepth: number): boolean {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

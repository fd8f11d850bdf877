/**
 * Byte-array helpers shared by the tests.
 *
 * @module
 */

/**
 * Concatenates byte arrays into one fresh array.
 *
 * @example
 * ```ts
 * import { concat } from "./bytes.ts";
 *
 * concat([new Uint8Array([1, 2]), new Uint8Array([3])]); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Shared generators of the property-based tests: chunkings of a byte stream and
 * evenly spread doubles.
 *
 * @module
 */

import fc from "fast-check";

/** How a byte stream is cut into the chunks handed to a decoder. */
export type Chunking =
  | { kind: "sizes"; sizes: number[] }
  | { kind: "every"; size: number }
  | { kind: "cuts"; at: number[] };

/**
 * Any chunking: a list of chunk sizes (0 = an empty chunk; the rest goes in one
 * last chunk), fixed-size chunks (1 byte included), or cut points anywhere
 * (repeated points give empty chunks).
 */
export const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  fc.record({
    kind: fc.constant("sizes" as const),
    sizes: fc.array(
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 9000 }),
      ),
      { maxLength: 40 },
    ),
  }),
  fc.record({ kind: fc.constant("every" as const), size: fc.integer({ min: 1, max: 7 }) }),
  fc.record({
    kind: fc.constant("cuts" as const),
    at: fc.array(fc.oneof(uniform(0, 1), fc.constantFrom(0, 0.5, 0.999999)), { maxLength: 30 }),
  }),
);

/** Cut `bytes` as `chunking` says. Chunks are views into `bytes` (non-zero byteOffset). */
export function split(bytes: Uint8Array, chunking: Chunking): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (chunking.kind === "every") {
    for (let i = 0; i < bytes.length; i += chunking.size) {
      out.push(bytes.subarray(i, i + chunking.size));
    }
    return out;
  }
  const cuts = chunking.kind === "cuts"
    ? chunking.at.map((f) => Math.floor(f * bytes.length)).sort((a, b) => a - b)
    : chunking.sizes.reduce<number[]>((acc, size) => {
      acc.push(Math.min(bytes.length, (acc.at(-1) ?? 0) + size));
      return acc;
    }, []);
  let from = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}

/**
 * A double spread evenly over [min, max). fc.double({ min, max }) is not: it draws evenly over
 * the bit patterns, so about 90 % of its values in [0, 1) are below 0.01 (positions would
 * almost always be the start of a text, percentages almost always near 0).
 */
export function uniform(min: number, max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 2 ** 30 - 1 }).map((n) => min + (max - min) * (n / 2 ** 30));
}

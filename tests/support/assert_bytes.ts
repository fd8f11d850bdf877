/**
 * Byte comparisons for property tests.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Assert two lists of byte arrays are equal, with a short message: assert.deepEqual would
 * build a diff of kilobytes of bytes for every failing case while fast-check shrinks.
 */
export function assertSameFrames(got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  assert.equal(got.length, want.length, `${got.length} frames, expected ${want.length}`);
  got.forEach((g, i) => {
    const w = want[i];
    assert.ok(g instanceof Uint8Array, `frame ${i} is a ${Object.prototype.toString.call(g)}`);
    assert.equal(g.length, w.length, `frame ${i}: ${g.length} bytes, expected ${w.length}`);
    const at = g.findIndex((byte, j) => byte !== w[j]);
    assert.equal(at, -1, `frame ${i} differs at byte ${at}: ${g[at]}, expected ${w[at]}`);
  });
}

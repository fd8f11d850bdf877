import assert from "node:assert/strict";
import fc from "fast-check";
import { LineSplitter } from "../../src/process/line_splitter.ts";

interface Emitted {
  line: string;
  bytes: number;
}

/** Feeds `input` to a LineSplitter of bound `max`, cut at `cuts`, and flushes. */
function split(input: Uint8Array, cuts: number[], max: number): Emitted[] {
  const out: Emitted[] = [];
  const splitter = new LineSplitter(max, (line, bytes) => out.push({ line, bytes }));
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    splitter.push(input.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  splitter.push(input.subarray(at));
  splitter.flush();
  return out;
}

/** What the splitter must emit for `input` as a whole, computed the obvious way. */
function expected(input: Uint8Array, max: number): Emitted[] {
  const out: Emitted[] = [];
  let start = 0;
  while (start < input.length) {
    const nl = input.indexOf(10, start);
    const end = nl === -1 ? input.length : nl;
    const text = new TextDecoder().decode(input.subarray(start, Math.min(end, start + max)));
    out.push({ line: text.endsWith("\r") ? text.slice(0, -1) : text, bytes: end - start });
    if (nl === -1) break;
    start = nl + 1;
  }
  return out;
}

Deno.test("LineSplitter: cuts a line at its bound, drops \\r\\n, reports full lengths", () => {
  assert.deepEqual(split(new TextEncoder().encode("ab\r\ncdefgh\n\nij"), [], 4), [
    { line: "ab", bytes: 3 },
    { line: "cdef", bytes: 6 },
    { line: "", bytes: 0 },
    { line: "ij", bytes: 2 },
  ]);
});

Deno.test("LineSplitter: the lines do not depend on how the bytes are chunked", () => {
  // Bytes of `\n`, `\r`, ASCII and a two-byte UTF-8 character, so that lines, line ends and
  // characters all get split across pushes.
  const byte = fc.constantFrom(10, 13, 97, 98, 0xc3, 0xa9);
  fc.assert(
    fc.property(
      fc.array(byte, { maxLength: 200 }),
      fc.array(fc.nat(200), { maxLength: 20 }),
      fc.integer({ min: 1, max: 12 }),
      (bytes, cuts, max) => {
        const input = Uint8Array.from(bytes);
        assert.deepEqual(split(input, cuts, max), expected(input, max));
      },
    ),
  );
});

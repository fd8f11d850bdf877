/**
 * Property-based tests of the wire framing: any chunking of valid frames, random
 * and corrupt streams. Every property has a fixed seed (fast-check prints it, with
 * the shrunk counterexample, on failure).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  frame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  type FrameErrorCode,
  FrameSlab,
  MAX_FRAME_BYTES,
} from "../../src/ipc/framing.ts";
import { chunkingArb, split } from "../support/fuzz.ts";
import { concatBytes } from "../../src/bytes.ts";
import { assertSameFrames } from "../support/assert_bytes.ts";

/**
 * `length` pseudo-random bytes from `seed` (xorshift32). Long arrays are generated this way,
 * from two integers, so that shrinking a failing case costs a few steps, not one per byte.
 */
function seededBytes({ length, seed }: { length: number; seed: number }): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function longBytes(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.record({
    length: fc.integer({ min: minLength, max: maxLength }),
    seed: fc.integer(),
  }).map(seededBytes);
}

/** Bodies: mostly small, some of several KiB (beyond the 4 KiB slab-sharing limit). */
const bodyArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
  { weight: 2, arbitrary: longBytes(500, 1500) },
  { weight: 1, arbitrary: longBytes(1, 6000) },
);

function header(length: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(out.buffer).setUint32(0, length >>> 0, false);
  return out;
}

/** What a correct decoder makes of a whole stream: the frames, then the error (if any). */
function reference(
  stream: Uint8Array,
  max: number,
): { frames: Uint8Array[]; error: FrameErrorCode | null } {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < stream.length) {
    if (stream.length - at < FRAME_HEADER_BYTES) return { frames, error: "truncated" };
    const length = new DataView(stream.buffer, stream.byteOffset + at).getUint32(0, false);
    if (length === 0) return { frames, error: "zero-length" };
    if (length > max) return { frames, error: "too-large" };
    if (stream.length - at - FRAME_HEADER_BYTES < length) return { frames, error: "truncated" };
    frames.push(stream.slice(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length));
    at += FRAME_HEADER_BYTES + length;
  }
  return { frames, error: null };
}

/** Push every chunk, then finish: the frames returned and the FrameError code thrown (if any). */
function decodeChunks(
  decoder: FrameDecoder,
  chunks: readonly Uint8Array[],
  max: number,
): { frames: Uint8Array[]; error: FrameErrorCode | null } {
  const frames: Uint8Array[] = [];
  let error: FrameError | null = null;
  const call = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof FrameError)) throw e; // anything else fails the property
      assert.ok(["zero-length", "too-large", "truncated"].includes(e.code), e.code);
      error = e;
    }
  };
  for (const chunk of chunks) {
    call(() => {
      for (const f of decoder.push(chunk)) {
        assert.ok(f.length > 0 && f.length <= max, `frame of ${f.length} bytes (max ${max})`);
        frames.push(f);
      }
    });
    if (error) break;
  }
  if (!error) call(() => decoder.finish());
  if (error) {
    // the stream has lost sync: every later call throws the same error
    const first: FrameError = error;
    assert.throws(() => decoder.push(new Uint8Array([0, 0, 0, 1, 7])), (e) => e === first);
    assert.throws(() => decoder.finish(), (e) => e === first);
  }
  return { frames, error: error === null ? null : (error as FrameError).code };
}

Deno.test("fuzz framing (a): valid frames in any chunking decode to the same bodies", () => {
  fc.assert(
    fc.property(
      fc.array(bodyArb, { maxLength: 12 }),
      chunkingArb,
      fc.boolean(),
      (bodies, chunking, exactMax) => {
        const slab = new FrameSlab();
        const framed = bodies.map((b, i) => i % 2 === 0 ? slab.frame(b) : frame(b));
        const wire = concatBytes(framed);
        // The largest body exactly at the limit must still be accepted.
        const max = exactMax && bodies.length > 0
          ? Math.max(...bodies.map((b) => b.length))
          : MAX_FRAME_BYTES;
        const decoder = new FrameDecoder(max);
        const chunks = split(wire, chunking);
        const out: Uint8Array[] = [];
        for (const chunk of chunks) {
          out.push(...decoder.push(chunk));
          chunk.fill(0xa5); // the decoder must have copied what it keeps
        }
        decoder.finish();
        assert.equal(decoder.buffered, 0);
        assertSameFrames(out, bodies);
        for (const f of out) assert.equal(f.byteLength, f.buffer.byteLength, "a fresh copy");
        // views into a slab block were not overwritten by later frames
        framed.forEach((f, i) => {
          assertSameFrames([f.subarray(0, 4), f.subarray(4)], [
            header(bodies[i].length),
            bodies[i],
          ]);
        });
      },
    ),
    { seed: 0x5eed01, numRuns: 2000 },
  );
});

/** A stream built from pieces that make the decoder's branches likely. */
const streamPieceArb = fc.oneof(
  { weight: 6, arbitrary: bodyArb.map(frame) }, // a valid frame
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }, // noise
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }).map(header) }, // body: what follows
  { weight: 1, arbitrary: fc.constant(header(0)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map(header) },
);

Deno.test("fuzz framing (b): random streams in any chunking match a reference decoder", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
        { weight: 1, arbitrary: longBytes(0, 3000) },
        { weight: 4, arbitrary: fc.array(streamPieceArb, { maxLength: 12 }).map(concatBytes) },
      ),
      fc.oneof(fc.constant(MAX_FRAME_BYTES), fc.integer({ min: 1, max: 300 })),
      chunkingArb,
      (stream, max, chunking) => {
        const expected = reference(stream, max);
        const got = decodeChunks(new FrameDecoder(max), split(stream, chunking), max);
        assert.equal(got.error, expected.error);
        assertSameFrames(got.frames, expected.frames);
      },
    ),
    { seed: 0x5eed02, numRuns: 6000 },
  );
});

Deno.test("fuzz framing (c): every frame before a corrupt length is delivered, then the error", () => {
  fc.assert(
    fc.property(
      fc.array(bodyArb, { maxLength: 8 }),
      fc.oneof(fc.constant(MAX_FRAME_BYTES), fc.integer({ min: 64, max: 6000 })),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff })),
      fc.uint8Array({ maxLength: 100 }),
      chunkingArb,
      (bodies, maxHint, badLength, trailing, chunking) => {
        const max = Math.max(maxHint, ...bodies.map((b) => b.length));
        const length = badLength === 0 ? 0 : max + 1 + (badLength % (0xffffffff - max));
        const code: FrameErrorCode = length === 0 ? "zero-length" : "too-large";
        const stream = concatBytes([...bodies.map(frame), header(length), trailing]);
        const got = decodeChunks(new FrameDecoder(max), split(stream, chunking), max);
        assert.equal(got.error, code);
        assertSameFrames(got.frames, bodies);
      },
    ),
    { seed: 0x5eed03, numRuns: 3000 },
  );
});

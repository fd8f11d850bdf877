import assert from "node:assert/strict";
import fc from "fast-check";
import {
  frame,
  FrameDecoder,
  FrameError,
  FrameSlab,
  MAX_FRAME_BYTES,
} from "../../src/ipc/framing.ts";
import { concatBytes } from "../../src/bytes.ts";

const bodies = [
  new Uint8Array([1]),
  new Uint8Array(300).map((_, i) => i & 0xff),
  new Uint8Array([9, 8, 7, 6, 5]),
];
const stream = concatBytes(bodies.map(frame));

function decodeInChunks(bytes: Uint8Array, sizes: (i: number) => number): Uint8Array[] {
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes(i));
    frames.push(...decoder.push(bytes.subarray(at, at + size)));
    at += size;
  }
  decoder.finish();
  return frames;
}

Deno.test("frame writes a 4-byte big-endian length before the body", () => {
  const framed = frame(new Uint8Array(0x010203).fill(7));
  assert.deepEqual([...framed.subarray(0, 4)], [0x00, 0x01, 0x02, 0x03]);
  assert.equal(framed.length, 4 + 0x010203);
});

Deno.test("frames cut from shared slabs never overlap or change later", () => {
  const slab = new FrameSlab();
  const kept = Array.from(
    { length: 500 },
    (_, i) => slab.frame(new Uint8Array(1 + (i * 37) % 900).fill(i & 0xff)),
  );
  kept.forEach((f, i) => {
    const length = (f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3];
    assert.equal(length, 1 + (i * 37) % 900);
    assert.ok(f.subarray(4).every((b) => b === (i & 0xff)), `frame ${i} intact`);
  });
  const big = slab.frame(new Uint8Array(100_000).fill(1));
  assert.equal(big.length, 100_004);
  assert.deepEqual(big, frame(new Uint8Array(100_000).fill(1)), "the same bytes as frame()");
});

Deno.test("three frames in one chunk come out as three frames", () => {
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(stream), bodies);
  assert.equal(decoder.buffered, 0);
});

Deno.test("one byte at a time yields the same frames", () => {
  assert.deepEqual(decodeInChunks(stream, () => 1), bodies);
});

Deno.test("a length prefix split across chunks is reassembled", () => {
  const decoder = new FrameDecoder();
  const wire = frame(new Uint8Array([42, 43]));
  assert.deepEqual(decoder.push(wire.subarray(0, 1)), []);
  assert.deepEqual(decoder.push(wire.subarray(1, 3)), []);
  assert.deepEqual(decoder.push(wire.subarray(3, 5)), []);
  assert.deepEqual(decoder.push(wire.subarray(5)), [new Uint8Array([42, 43])]);
});

Deno.test("every chunking of the stream yields the same frames", () => {
  for (let size = 1; size <= stream.length; size += 7) {
    assert.deepEqual(decodeInChunks(stream, () => size), bodies, `chunk size ${size}`);
  }
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (sizes) => {
      assert.deepEqual(decodeInChunks(stream, (i) => sizes[i % sizes.length]), bodies);
    }),
    { seed: 12345, numRuns: 200 },
  );
});

Deno.test("returned frames are copies that later pushes do not overwrite", () => {
  const decoder = new FrameDecoder();
  const [first] = decoder.push(frame(new Uint8Array([1, 2, 3])));
  decoder.push(frame(new Uint8Array([4, 5, 6])));
  assert.deepEqual([...first], [1, 2, 3]);
});

Deno.test("a zero length is rejected with a specific error, and the decoder stays failed", () => {
  const decoder = new FrameDecoder();
  assert.throws(
    () => decoder.push(new Uint8Array([0, 0, 0, 0, 1])),
    (e) => e instanceof FrameError && e.code === "zero-length" && /length is 0/.test(e.message),
  );
  assert.throws(() => decoder.push(frame(new Uint8Array([1]))), FrameError);
});

Deno.test("frames before a bad length in the same chunk are delivered; the error follows", () => {
  const decoder = new FrameDecoder();
  const chunk = new Uint8Array([...stream, 0, 0, 0, 0]);
  assert.deepEqual(decoder.push(chunk), bodies);
  assert.throws(() => decoder.finish(), (e) => e instanceof FrameError && e.code === "zero-length");
  assert.throws(() => decoder.push(new Uint8Array([1])), FrameError);
});

Deno.test("a length above the 1 MiB maximum is rejected before buffering it", () => {
  const decoder = new FrameDecoder();
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
  assert.throws(
    () => decoder.push(header),
    (e) =>
      e instanceof FrameError && e.code === "too-large" &&
      e.message.includes(String(MAX_FRAME_BYTES + 1)) && e.message.includes("1048576"),
  );
  assert.equal(MAX_FRAME_BYTES, 1048576);
});

Deno.test("a frame of exactly the maximum is accepted", () => {
  const body = new Uint8Array(MAX_FRAME_BYTES).fill(3);
  const decoder = new FrameDecoder();
  const framed = frame(body);
  assert.deepEqual(decoder.push(framed.subarray(0, 1000)), []);
  const [out] = decoder.push(framed.subarray(1000));
  assert.equal(out.length, MAX_FRAME_BYTES);
});

Deno.test("a stream that ends inside a frame is reported as truncated by finish()", () => {
  const decoder = new FrameDecoder();
  decoder.push(stream.subarray(0, stream.length - 2));
  assert.throws(
    () => decoder.finish(),
    (e) => e instanceof FrameError && e.code === "truncated",
  );
  const clean = new FrameDecoder();
  clean.push(stream);
  clean.finish(); // nothing pending: no throw
});

Deno.test("frame() refuses empty and oversized bodies", () => {
  assert.throws(() => frame(new Uint8Array(0)), FrameError);
  assert.throws(() => frame(new Uint8Array(MAX_FRAME_BYTES + 1)), FrameError);
  assert.throws(() => new FrameSlab().frame(new Uint8Array(0)), FrameError);
  assert.throws(() => new FrameSlab().frame(new Uint8Array(MAX_FRAME_BYTES + 1)), FrameError);
});

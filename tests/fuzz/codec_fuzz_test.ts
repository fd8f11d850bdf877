/**
 * Property-based tests of the FlatBuffers codec: Snapshot round-trips through a
 * reused encoder, patched frames against full builds, and mutated bodies. Every
 * property has a fixed seed (fast-check prints it, with the shrunk counterexample,
 * on failure).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeAnimation,
  DecodeError,
  decodeMetrics,
  FrameEncoder,
  MAX_NAME_BYTES,
  type MetricsFrame,
  truncateUtf8,
} from "../../src/ipc/codec.ts";
import type { Snapshot } from "../../src/metrics/types.ts";
import type { MomentumColor, MomentumState } from "../../src/momentum/momentum.ts";
import { READING_LIST, READINGS } from "../../src/metrics/catalog.ts";
import { type Shape, ulong as ulongShape } from "../../src/metrics/shape.ts";
import { MOMENTUM_STATE } from "../../src/ipc/layout.ts";
import { readBack } from "../support/shapes.ts";
import { uniform } from "../support/fuzz.ts";
import { concatBytes } from "../../src/bytes.ts";
import { deepFreeze } from "../support/frozen.ts";
import { assertSameFrames } from "../support/assert_bytes.ts";

/** Floats of every kind: NaN, ±Infinity, ±0, subnormals, huge, and ordinary percentages. */
const floatArb = fc.oneof(
  fc.double(),
  uniform(0, 100),
  fc.float().map((f) => f),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 3.4028235677973366e38, 3.5e38, 1e-46),
);

/** A count or time for a `ulong`: safe integers mostly, and any double (→ 0 or clamped). */
const ulongArb = fc.oneof(
  { weight: 3, arbitrary: fc.maxSafeNat() },
  { weight: 1, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, 2 ** 53 - 1, 2 ** 53, 2 ** 64 - 2048, 2 ** 64, 1e300),
  },
);

/** Strings with multi-byte characters, lone surrogates, NULs and names over 255 UTF-8 bytes. */
const nameArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udfff", "\u0000", "\ufffd", " "),
    maxLength: 300,
  }),
  fc.string({ unit: "grapheme-ascii", minLength: 250, maxLength: 260 }),
);

/** An index or count for a `ushort`: in range mostly, and any double (→ clamped). */
const ushortArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom(-1, 65536, 1e9, 2.5)) },
);

/** Any int-ish number: in range, any double, and just past the int range. */
const int32Arb = fc.oneof(
  fc.integer({ min: -1, max: 6000 }),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 32)),
);

/** The most entries a vector gets: past the default top for the processes, a few otherwise. */
const MOST: Partial<Record<string, number>> = { topProcesses: 30, cpuCores: 40 };

/** Values of `shape` of every kind the encoder must survive (from its declaration). */
function arbitraryOf(shape: Shape, key: string): fc.Arbitrary<unknown> {
  const present = ((): fc.Arbitrary<unknown> => {
    switch (shape.kind) {
      case "float":
        return floatArb;
      case "ulong":
        return ulongArb;
      case "ushort":
        return ushortArb;
      case "uint":
        return fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer());
      case "int32":
        return int32Arb;
      case "bool":
        return fc.boolean();
      case "string":
        return nameArb;
      case "enum":
        return fc.constantFrom(...shape.values);
      case "vector":
        return fc.array(arbitraryOf(shape.element, key), { maxLength: MOST[key] ?? 4 });
      default:
        return fc.record(
          Object.fromEntries(
            Object.entries(shape.fields).map(([k, field]) => [k, arbitraryOf(field, k)]),
          ),
        );
    }
  })();
  return shape.optional ? fc.option(present, { nil: null }) : present;
}

/** A snapshot with every declared reading drawn from its declaration. */
const snapshotArb = fc.record({
  ...Object.fromEntries(READING_LIST.map((r) => [r.key, arbitraryOf(r.shape, r.key)])),
  timestamp: ulongArb,
}) as unknown as fc.Arbitrary<Snapshot>;

const momentumArb: fc.Arbitrary<MomentumState> = fc.record({
  color: fc.constantFrom<MomentumColor>(0, 1, 2),
  intensity: floatArb,
  rotationSpeed: floatArb,
});

/** A frame field of `s`'s as the decoder reads it back, by its declaration. */
function expectedReadings(s: Snapshot, top: number): Record<string, unknown> {
  return Object.fromEntries(
    READING_LIST.map((r) => {
      const value = r.key === "topProcesses" ? s.topProcesses.slice(0, top) : s[r.key];
      return [r.key, readBack(r.shape, value)];
    }),
  );
}

/** `value` with every -0 made 0. */
function zeroes(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(zeroes);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, zeroes(v)]));
  }
  return value;
}

/** A counter or time of the frame's own as it reads back: written as a `ulong`, at most 2^53 − 1. */
const ulong = (value: number) => readBack(ulongShape(), value);

function assertDecoded(
  got: MetricsFrame,
  s: Snapshot,
  m: MomentumState,
  sequence: number,
  sentAtUs: number,
  top: number,
): void {
  const { momentum, sequence: seq, sentAtUs: sent, startedAtUs: _, timestamp, ...readings } = got;
  // ±0 both read as 0 where the writer omits a 0 (process entries), so compare them as 0
  assert.deepEqual(zeroes(readings), zeroes(expectedReadings(s, top)));
  assert.deepEqual([timestamp, seq, sent], [s.timestamp, sequence, sentAtUs].map(ulong));
  assert.deepEqual(
    zeroes(momentum),
    zeroes({
      intensity: readBack(MOMENTUM_STATE.intensity.shape, m.intensity),
      color: m.color,
      rotationSpeed: readBack(MOMENTUM_STATE.rotationSpeed.shape, m.rotationSpeed),
    }),
  );
  for (const p of got.topProcesses) assert.ok(utf8.encode(p.name).length <= MAX_NAME_BYTES);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

Deno.test("fuzz codec (d): truncateUtf8 keeps the longest whole-character UTF-8 prefix", () => {
  fc.assert(
    fc.property(nameArb, fc.integer({ min: 0, max: 300 }), (name, max) => {
      const full = utf8.encode(name);
      const cut = truncateUtf8(name, max);
      assert.ok(cut.length <= max || (cut.length === full.length && full.length <= max));
      assertSameFrames([cut], [full.subarray(0, cut.length)]); // a prefix of the UTF-8
      // valid UTF-8: decodes without replacement characters that the full text lacks
      assert.ok(fromUtf8.decode(full).startsWith(fromUtf8.decode(cut)));
      // the longest: only a partial character (at most 3 bytes) was dropped
      if (full.length > max) assert.ok(cut.length >= max - 3, `${cut.length} of ${max}`);
      else assert.equal(cut.length, full.length);
    }),
    { seed: 0x5eed04, numRuns: 3000 },
  );
});

Deno.test("fuzz codec (d): random Snapshots round-trip through one reused FrameEncoder", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ s: snapshotArb, m: momentumArb, sequence: ulongArb, sentAtUs: ulongArb }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      fc.integer({ min: 1, max: 8 }),
      (frames, top, nameCacheSize) => {
        // One encoder for the whole sequence: builder reuse and name-cache eviction included.
        const encoder = new FrameEncoder({ top, nameCacheSize });
        for (const { s, m, sequence, sentAtUs } of frames) {
          const wire = encoder.encode(deepFreeze(s), deepFreeze(m), { sequence, sentAtUs });
          assert.equal(new DataView(wire.buffer, wire.byteOffset).getUint32(0), wire.length - 4);
          const body = wire.subarray(4);
          assertDecoded(decodeMetrics(body), s, m, sequence, sentAtUs, top ?? 10);
          const animation = decodeAnimation(body);
          const frame = decodeMetrics(body);
          assert.deepEqual(animation, {
            ...frame.momentum,
            sequence: frame.sequence,
            startedAtUs: frame.startedAtUs,
          });
        }
      },
    ),
    { seed: 0x5eed05, numRuns: 1000 },
  );
});

Deno.test("fuzz codec (d): a patched repeat frame equals a freshly encoded one, byte for byte", () => {
  fc.assert(
    fc.property(
      snapshotArb,
      fc.array(fc.record({ m: momentumArb, sequence: ulongArb, sentAtUs: ulongArb }), {
        minLength: 2,
        maxLength: 5,
      }),
      (s, ticks) => {
        const encoder = new FrameEncoder();
        for (const [i, { m, sequence, sentAtUs }] of ticks.entries()) {
          // The same object, or an equal copy: either way the last frame is patched.
          const same = deepFreeze(i % 2 === 0 ? s : structuredClone(s));
          const header = { sequence, sentAtUs };
          const patched = encoder.encode(same, deepFreeze(m), header);
          const fresh = new FrameEncoder().encode(same, m, header);
          assertSameFrames([patched], [fresh]);
        }
        assert.equal(encoder.fullBuilds, 1, "only the first frame is built in full");
      },
    ),
    { seed: 0x5eed06, numRuns: 1000 },
  );
});

Deno.test("fuzz codec (d): a frame whose appended readings changed equals a fresh one", () => {
  fc.assert(
    fc.property(snapshotArb, snapshotArb, momentumArb, (a, other, m) => {
      // Same processes and temperature presence: only the appended readings can differ.
      const b: Snapshot = {
        ...other,
        topProcesses: a.topProcesses,
        temperature: a.temperature === null ? null : other.temperature ?? 1,
      };
      const encoder = new FrameEncoder();
      encoder.encode(deepFreeze(a), m, { sequence: 1, sentAtUs: 1 });
      const next = encoder.encode(deepFreeze(b), m, { sequence: 2, sentAtUs: 2 });
      assertSameFrames([next], [new FrameEncoder().encode(b, m, { sequence: 2, sentAtUs: 2 })]);
      assert.deepEqual(
        decodeMetrics(next.subarray(4)).battery,
        readBack(READINGS.battery.shape, b.battery),
      );
    }),
    { seed: 0x5eed08, numRuns: 1000 },
  );
});

/** One change to a frame body. */
type Mutation =
  | { op: "set"; at: number; value: number }
  | { op: "word"; at: number; value: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant("set" as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    op: fc.constant("word" as const),
    at: fc.nat(),
    // small offsets keep pointing inside the buffer; others are any 32-bit value
    value: fc.oneof(fc.integer({ min: -64, max: 512 }), fc.integer({ min: 0, max: 0xffffffff })),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 8 }),
  }),
);

function mutate(body: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = body.slice();
  for (const mu of mutations) {
    const at = b.length === 0 ? 0 : mu.at % (b.length + 1);
    switch (mu.op) {
      case "set":
        if (at < b.length) b[at] = mu.value;
        break;
      case "word":
        if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at & ~3, mu.value >>> 0, true);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "insert":
        b = concatBytes([b.subarray(0, at), mu.bytes, b.subarray(at)]);
        break;
      case "delete":
        b = concatBytes([b.subarray(0, at), b.subarray(at + mu.count)]);
        break;
    }
  }
  return b;
}

/** The result of a decode, or the DecodeError message; anything else thrown fails. */
function outcome<T>(decode: () => T): { ok: T } | { error: string } {
  try {
    return { ok: decode() };
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.message };
    throw e;
  }
}

Deno.test("fuzz codec (e): mutated bodies decode or throw DecodeError, wherever they sit", () => {
  fc.assert(
    fc.property(
      snapshotArb,
      momentumArb,
      fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 7 }),
      (s, m, mutations, offset) => {
        const wire = new FrameEncoder().encode(s, m, { sequence: 1, sentAtUs: 2 });
        const body = mutate(wire.subarray(4), mutations);
        const metrics = outcome(() => decodeMetrics(body));
        const animation = outcome(() => decodeAnimation(body));
        if ("ok" in metrics) {
          assert.ok(metrics.ok.topProcesses.length <= body.length / 4);
          assert.ok("ok" in animation, "animation fields decode whenever the whole frame does");
        }
        // The same bytes at an odd offset of a larger buffer decode the same way.
        const host = new Uint8Array(body.length + offset + 3).fill(0xee);
        host.set(body, offset);
        const view = host.subarray(offset, offset + body.length);
        assert.deepEqual(outcome(() => decodeMetrics(view)), metrics);
        assert.deepEqual(outcome(() => decodeAnimation(view)), animation);
      },
    ),
    { seed: 0x5eed07, numRuns: 4000 },
  );
});

/** The codec's round trip and its decoder's answers to bytes that are not a frame. */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeAnimation,
  DecodeError,
  decodeMetrics,
  FrameEncoder,
  MAX_NAME_BYTES,
  truncateUtf8,
} from "../../src/ipc/codec.ts";
import { Opta_Metrics_MomentumColor as WireColor } from "../../src/ipc/generated/system_metrics_generated.ts";
import { MomentumColor } from "../../src/momentum/momentum.ts";
import {
  bodyOf as body,
  MOMENTUM as momentum,
  SNAPSHOT as snapshot,
} from "../support/codec_fixtures.ts";
import { deepFreeze } from "../support/frozen.ts";

Deno.test("encode then decode round-trips every field", () => {
  const encoder = new FrameEncoder({ startedAtUs: 1764183500000042 });
  const frame = decodeMetrics(
    body(encoder.encode(snapshot, momentum, { sequence: 17, sentAtUs: 1764183600124567 })),
  );
  assert.equal(frame.cpuUsage, 42.5);
  assert.equal(frame.memoryUsage, 63.25);
  assert.equal(frame.memoryTotal, 17179869184);
  assert.equal(frame.diskUsage, 77.75);
  assert.equal(frame.temperature, 61.5);
  assert.equal(frame.timestamp, 1764183600123);
  assert.equal(frame.sequence, 17);
  assert.equal(frame.sentAtUs, 1764183600124567);
  assert.equal(frame.startedAtUs, 1764183500000042, "the run id is in every frame");
  assert.deepEqual(frame.momentum, momentum);
  assert.equal(frame.topProcesses.length, 10, "default top is 10");
  assert.deepEqual(frame.topProcesses, snapshot.topProcesses.slice(0, 10));
});

Deno.test("the body carries the OPTM file identifier", () => {
  const b = body(new FrameEncoder().encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 }));
  assert.equal(new TextDecoder().decode(b.subarray(4, 8)), "OPTM");
});

Deno.test("absent temperature decodes as null, and 0 °C stays 0", () => {
  const encoder = new FrameEncoder();
  const absent = decodeMetrics(
    body(
      encoder.encode(deepFreeze({ ...snapshot, temperature: null }), momentum, {
        sequence: 1,
        sentAtUs: 1,
      }),
    ),
  );
  assert.equal(absent.temperature, null);
  const zero = decodeMetrics(
    body(
      encoder.encode(deepFreeze({ ...snapshot, temperature: 0 }), momentum, {
        sequence: 1,
        sentAtUs: 1,
      }),
    ),
  );
  assert.equal(zero.temperature, 0);
  const negative = decodeMetrics(
    body(
      encoder.encode(deepFreeze({ ...snapshot, temperature: -5 }), momentum, {
        sequence: 1,
        sentAtUs: 1,
      }),
    ),
  );
  assert.equal(negative.temperature, -5);
});

Deno.test("zero processes encode as an empty list", () => {
  const frame = decodeMetrics(
    body(
      new FrameEncoder().encode(deepFreeze({ ...snapshot, topProcesses: [] }), momentum, {
        sequence: 2,
        sentAtUs: 2,
      }),
    ),
  );
  assert.deepEqual(frame.topProcesses, []);
});

Deno.test("the top option bounds the processes encoded", () => {
  const frame = decodeMetrics(
    body(new FrameEncoder({ top: 3 }).encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 })),
  );
  assert.deepEqual(frame.topProcesses.map((p) => p.pid), [100, 101, 102]);
});

Deno.test("unicode names round-trip; long names are cut at a character boundary", () => {
  const names = ["Überwachung ⚙️ 監視", "x".repeat(300), "é".repeat(127) + "😀", "🙂".repeat(70)];
  const s = {
    ...snapshot,
    topProcesses: names.map((name, i) => ({ pid: i, name, cpuPercent: 1, memoryMb: 1 })),
  };
  const decoded = decodeMetrics(
    body(new FrameEncoder().encode(deepFreeze(s), momentum, { sequence: 1, sentAtUs: 1 })),
  ).topProcesses;
  assert.equal(decoded[0].name, names[0]);
  assert.equal(decoded[1].name, "x".repeat(255));
  assert.equal(
    decoded[2].name,
    "é".repeat(127),
    "the 4-byte emoji that would cross 255 bytes is dropped whole",
  );
  assert.equal(decoded[3].name, "🙂".repeat(63), "63 × 4 bytes = 252 ≤ 255 < 256");
  for (const p of decoded) {
    assert.ok(new TextEncoder().encode(p.name).length <= MAX_NAME_BYTES);
    assert.ok(!p.name.includes("\uFFFD"), "no replacement characters from a split sequence");
  }
});

Deno.test("truncateUtf8 never splits a multi-byte sequence", () => {
  const name = "aé😀ü".repeat(40);
  for (let max = 0; max <= 40; max++) {
    const cut = truncateUtf8(name, max);
    assert.ok(cut.length <= max);
    assert.ok(name.startsWith(new TextDecoder("utf-8", { fatal: true }).decode(cut)));
  }
});

Deno.test("the encoder reuses its builder: a second encode does not disturb the first frame", () => {
  const encoder = new FrameEncoder();
  const first = encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 });
  const copy = first.slice();
  encoder.encode(deepFreeze({ ...snapshot, cpuUsage: 1, topProcesses: [] }), momentum, {
    sequence: 2,
    sentAtUs: 2,
  });
  assert.deepEqual(first, copy);
  assert.equal(decodeMetrics(body(first)).sequence, 1);
});

Deno.test("the encoder is deterministic for the same input", () => {
  const a = new FrameEncoder().encode(snapshot, momentum, { sequence: 5, sentAtUs: 6 });
  const encoder = new FrameEncoder();
  encoder.encode(deepFreeze({ ...snapshot, temperature: null }), momentum, {
    sequence: 1,
    sentAtUs: 1,
  });
  assert.deepEqual(encoder.encode(snapshot, momentum, { sequence: 5, sentAtUs: 6 }), a);
});

Deno.test("non-finite counters are encoded as 0, not thrown", () => {
  const s = { ...snapshot, memoryTotal: NaN, timestamp: -1 };
  const frame = decodeMetrics(
    body(new FrameEncoder().encode(deepFreeze(s), momentum, { sequence: Infinity, sentAtUs: NaN })),
  );
  assert.equal(frame.memoryTotal, 0);
  assert.equal(frame.timestamp, 0);
  assert.equal(frame.sequence, 0);
  assert.equal(frame.sentAtUs, 0);
});

Deno.test("decodeAnimation reads the animation fields and the run id", () => {
  const b = body(
    new FrameEncoder({ startedAtUs: 77 }).encode(
      snapshot,
      deepFreeze({ color: MomentumColor.Critical, intensity: 0.875, rotationSpeed: 2.5 }),
      { sequence: 99, sentAtUs: 1 },
    ),
  );
  assert.deepEqual(decodeAnimation(b), {
    color: MomentumColor.Critical,
    intensity: 0.875,
    rotationSpeed: 2.5,
    sequence: 99,
    startedAtUs: 77,
  });
});

Deno.test("the momentum colours match the generated wire enum", () => {
  assert.equal(MomentumColor.Idle, WireColor.Idle);
  assert.equal(MomentumColor.Active, WireColor.Active);
  assert.equal(MomentumColor.Critical, WireColor.Critical);
});

Deno.test("bytes that are not an opta-metrics frame give a DecodeError", () => {
  assert.throws(
    () => decodeMetrics(new Uint8Array(3)),
    (e) => e instanceof DecodeError && /too short/.test(e.message),
  );
  const wrongId = new Uint8Array(16);
  wrongId.set(new TextEncoder().encode("ABCD"), 4);
  assert.throws(
    () => decodeMetrics(wrongId),
    (e) => e instanceof DecodeError && /"ABCD"/.test(e.message),
  );
  assert.throws(() => decodeAnimation(wrongId), DecodeError);
  // Right identifier, garbage offsets: must not escape as a RangeError.
  const garbage = new Uint8Array(16).fill(0xff);
  garbage.set(new TextEncoder().encode("OPTM"), 4);
  assert.throws(() => decodeMetrics(garbage), DecodeError);
});

Deno.test("every truncation of a valid frame is a DecodeError or (cut padding only) the same frame", () => {
  const full = body(new FrameEncoder().encode(snapshot, momentum, { sequence: 3, sentAtUs: 4 }))
    .slice();
  const whole = decodeMetrics(full);
  let rejected = 0;
  for (let cut = 0; cut < full.length; cut++) {
    try {
      assert.deepEqual(decodeMetrics(full.subarray(0, cut)), whole, `cut at ${cut}`);
    } catch (error) {
      assert.ok(error instanceof DecodeError, `cut at ${cut}: ${error}`);
      rejected++;
    }
  }
  assert.ok(rejected >= full.length - 8, `only trailing alignment padding may be cut: ${rejected}`);
});

Deno.test("flipped bytes give a DecodeError or a decoded frame, never another exception", () => {
  const full = body(new FrameEncoder().encode(snapshot, momentum, { sequence: 3, sentAtUs: 4 }))
    .slice();
  const flip = fc.record({
    at: fc.nat({ max: full.length - 1 }),
    value: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(fc.array(flip, { minLength: 1, maxLength: 4 }), (flips) => {
      const bytes = full.slice();
      for (const { at, value } of flips) bytes[at] = value;
      try {
        decodeMetrics(bytes);
        decodeAnimation(bytes);
      } catch (error) {
        assert.ok(error instanceof DecodeError, String(error));
      }
    }),
    { seed: 7, numRuns: 2000 },
  );
});

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
import * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_MomentumColor as WireColor,
  Opta_Metrics_SystemMetrics as SystemMetrics,
} from "../../src/ipc/generated/system_metrics_generated.ts";
import type { Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor, type MomentumState } from "../../src/momentum/momentum.ts";

const snapshot: Snapshot = {
  cpuUsage: 42.5,
  memoryUsage: 63.25,
  memoryTotal: 17179869184,
  diskUsage: 77.75,
  temperature: 61.5,
  timestamp: 1764183600123,
  topProcesses: Array.from({ length: 12 }, (_, i) => ({
    pid: 100 + i,
    name: `proc-${i}`,
    cpuPercent: 120 - i * 10,
    memoryMb: 10.5 * (i + 1),
  })),
};
const momentum: MomentumState = {
  color: MomentumColor.Active,
  intensity: 0.5,
  rotationSpeed: 1.25,
};

function body(framed: Uint8Array): Uint8Array {
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(0, false);
  assert.equal(length, framed.length - 4, "prefix is the big-endian body length");
  return framed.subarray(4);
}

Deno.test("encode then decode round-trips every field", () => {
  const encoder = new FrameEncoder({ startedAtUs: 1764183500000042 });
  const frame = decodeMetrics(body(encoder.encode(snapshot, momentum, 17, 1764183600124567)));
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
  const b = body(new FrameEncoder().encode(snapshot, momentum, 1, 1));
  assert.equal(new TextDecoder().decode(b.subarray(4, 8)), "OPTM");
});

Deno.test("absent temperature decodes as null, and 0 °C stays 0", () => {
  const encoder = new FrameEncoder();
  const absent = decodeMetrics(
    body(encoder.encode({ ...snapshot, temperature: null }, momentum, 1, 1)),
  );
  assert.equal(absent.temperature, null);
  const zero = decodeMetrics(body(encoder.encode({ ...snapshot, temperature: 0 }, momentum, 1, 1)));
  assert.equal(zero.temperature, 0);
  const negative = decodeMetrics(
    body(encoder.encode({ ...snapshot, temperature: -5 }, momentum, 1, 1)),
  );
  assert.equal(negative.temperature, -5);
});

Deno.test("zero processes encode as an empty list", () => {
  const frame = decodeMetrics(
    body(new FrameEncoder().encode({ ...snapshot, topProcesses: [] }, momentum, 2, 2)),
  );
  assert.deepEqual(frame.topProcesses, []);
});

Deno.test("the top option bounds the processes encoded", () => {
  const frame = decodeMetrics(body(new FrameEncoder({ top: 3 }).encode(snapshot, momentum, 1, 1)));
  assert.deepEqual(frame.topProcesses.map((p) => p.pid), [100, 101, 102]);
});

Deno.test("unicode names round-trip; long names are cut at a character boundary", () => {
  const names = ["Überwachung ⚙️ 監視", "x".repeat(300), "é".repeat(127) + "😀", "🙂".repeat(70)];
  const s = {
    ...snapshot,
    topProcesses: names.map((name, i) => ({ pid: i, name, cpuPercent: 1, memoryMb: 1 })),
  };
  const decoded = decodeMetrics(body(new FrameEncoder().encode(s, momentum, 1, 1))).topProcesses;
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
  const first = encoder.encode(snapshot, momentum, 1, 1);
  const copy = first.slice();
  encoder.encode({ ...snapshot, cpuUsage: 1, topProcesses: [] }, momentum, 2, 2);
  assert.deepEqual(first, copy);
  assert.equal(decodeMetrics(body(first)).sequence, 1);
});

Deno.test("the encoder is deterministic for the same input", () => {
  const a = new FrameEncoder().encode(snapshot, momentum, 5, 6);
  const encoder = new FrameEncoder();
  encoder.encode({ ...snapshot, temperature: null }, momentum, 1, 1);
  assert.deepEqual(encoder.encode(snapshot, momentum, 5, 6), a);
});

Deno.test("non-finite counters are encoded as 0, not thrown", () => {
  const s = { ...snapshot, memoryTotal: NaN, timestamp: -1 };
  const frame = decodeMetrics(body(new FrameEncoder().encode(s, momentum, Infinity, NaN)));
  assert.equal(frame.memoryTotal, 0);
  assert.equal(frame.timestamp, 0);
  assert.equal(frame.sequence, 0);
  assert.equal(frame.sentAtUs, 0);
});

Deno.test("decodeAnimation reads the animation fields and the run id", () => {
  const b = body(
    new FrameEncoder({ startedAtUs: 77 }).encode(
      snapshot,
      { color: MomentumColor.Critical, intensity: 0.875, rotationSpeed: 2.5 },
      99,
      1,
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
  const full = body(new FrameEncoder().encode(snapshot, momentum, 3, 4)).slice();
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
  const full = body(new FrameEncoder().encode(snapshot, momentum, 3, 4)).slice();
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let round = 0; round < 2000; round++) {
    const bytes = full.slice();
    for (let k = 0; k < 1 + (round % 4); k++) bytes[next() % bytes.length] = next() & 0xff;
    try {
      decodeMetrics(bytes);
      decodeAnimation(bytes);
    } catch (error) {
      assert.ok(error instanceof DecodeError, `round ${round}: ${error}`);
    }
  }
});

Deno.test("an unchanged snapshot is re-encoded by patching: same bytes as a full encode", () => {
  const run = { startedAtUs: 1764183599000001 };
  const encoder = new FrameEncoder(run);
  const first = encoder.encode(snapshot, momentum, 1, 1764183600000000).slice();
  const next: MomentumState = {
    color: MomentumColor.Critical,
    intensity: 0.9375,
    rotationSpeed: 2.75,
  };
  const patched = encoder.encode(snapshot, next, 2 ** 40 + 3, 1764183600040123);
  assert.deepEqual(
    patched,
    new FrameEncoder(run).encode(snapshot, next, 2 ** 40 + 3, 1764183600040123),
  );
  const decoded = decodeMetrics(body(patched));
  assert.deepEqual(decoded.momentum, next);
  assert.equal(decoded.sequence, 2 ** 40 + 3);
  assert.equal(decoded.sentAtUs, 1764183600040123);
  assert.equal(decoded.startedAtUs, run.startedAtUs, "the run id stays in a patched frame");
  assert.equal(decodeMetrics(body(first)).sequence, 1, "the earlier frame is untouched");
  const idle: MomentumState = { color: MomentumColor.Idle, intensity: 0, rotationSpeed: 0 };
  const zeroed = decodeMetrics(body(encoder.encode(snapshot, idle, 0, NaN)));
  assert.deepEqual(zeroed.momentum, idle, "zeros are patched in too (slots always present)");
  assert.equal(zeroed.sentAtUs, 0);
});

Deno.test("a new snapshot object is encoded in full", () => {
  const encoder = new FrameEncoder();
  encoder.encode(snapshot, momentum, 1, 1);
  const changed = { ...snapshot, cpuUsage: 99.5, topProcesses: [] };
  const frame = decodeMetrics(body(encoder.encode(changed, momentum, 2, 2)));
  assert.equal(frame.cpuUsage, 99.5);
  assert.deepEqual(frame.topProcesses, []);
});

/** An encoder that counts its full encodes (encode() builds through encodeBody). */
function countingEncoder(): { encoder: FrameEncoder; full: () => number } {
  const encoder = new FrameEncoder();
  const build = encoder.encodeBody.bind(encoder);
  let full = 0;
  encoder.encodeBody = (...args) => {
    full++;
    return build(...args);
  };
  return { encoder, full: () => full };
}

Deno.test("a new CPU reading (same processes) is patched into the last frame: a tick's worth of work", () => {
  const { encoder, full } = countingEncoder();
  encoder.encode(snapshot, momentum, 1, 1);
  const cpu = { ...snapshot, cpuUsage: 12.5, timestamp: snapshot.timestamp + 250 };
  const patched = encoder.encode(cpu, momentum, 2, 2);
  assert.deepEqual(patched, new FrameEncoder().encode(cpu, momentum, 2, 2));
  assert.equal(decodeMetrics(body(patched)).cpuUsage, 12.5);
  // A reading of 0 keeps the layout (every scalar is on the wire): patched too
  const zero = { ...cpu, cpuUsage: 0, memoryTotal: 0, timestamp: NaN };
  const zeroed = encoder.encode(zero, momentum, 3, 3);
  assert.deepEqual(zeroed, new FrameEncoder().encode(zero, momentum, 3, 3));
  assert.equal(zeroed.length, patched.length, "the same layout");
  assert.equal(decodeMetrics(body(zeroed)).cpuUsage, 0);
  assert.equal(full(), 1, "only the first frame was built in full");
  encoder.encode({ ...zero, topProcesses: [] }, momentum, 4, 4);
  assert.equal(full(), 2, "new processes: a full encode");
});

Deno.test("every scalar of the root table is on the wire, even when 0 (only temperature may be absent)", () => {
  const zeros: Snapshot = {
    cpuUsage: 0,
    memoryUsage: 0,
    memoryTotal: 0,
    diskUsage: 0,
    temperature: null,
    timestamp: 0,
    topProcesses: [],
  };
  const root = SystemMetrics.getRootAsSystemMetrics(
    new flatbuffers.ByteBuffer(body(new FrameEncoder().encode(zeros, momentum, 0, 0))),
  );
  // vtable slots 0-10: cpu, memory, memory total, disk, temperature, timestamp, processes,
  // momentum, sequence, sent_at_us, started_at_us
  const present = Array.from(
    { length: 11 },
    (_, slot) => root.bb!.__offset(root.bb_pos, 4 + 2 * slot) !== 0,
  );
  assert.deepEqual(present, [true, true, true, true, false, true, true, true, true, true, true]);
});

Deno.test("any sequence of snapshots encodes to the bytes of a fresh full encode, patched or not", () => {
  const scalar = fc.oneof(
    fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.25, 100),
    fc.double({ min: -1e6, max: 1e6 }),
  );
  const ulong = fc.oneof(
    fc.constantFrom(0, 0.5, 1, NaN, Infinity, -5, 2 ** 40 + 3),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  );
  const step = fc.record({
    cpuUsage: scalar,
    memoryUsage: scalar,
    memoryTotal: ulong,
    diskUsage: scalar,
    temperature: fc.option(scalar, { nil: null }),
    timestamp: ulong,
    newProcesses: fc.boolean(),
  });
  const lists = [snapshot.topProcesses, snapshot.topProcesses.slice(0, 3), []];
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), ulong, (steps, startedAtUs) => {
      const encoder = new FrameEncoder({ startedAtUs });
      let processes = lists[0];
      for (const [i, { newProcesses, ...values }] of steps.entries()) {
        if (newProcesses) processes = lists[(lists.indexOf(processes) + 1) % lists.length];
        const next: Snapshot = { ...values, topProcesses: processes };
        const got = encoder.encode(next, momentum, i + 1, 1000 + i);
        const fresh = new FrameEncoder({ startedAtUs });
        assert.deepEqual(got, fresh.encode(next, momentum, i + 1, 1000 + i));
      }
    }),
    { seed: 20261127, numRuns: 300 },
  );
});

Deno.test("stampSentAt rewrites only the send time of the frame just encoded (full or patched)", () => {
  const encoder = new FrameEncoder();
  assert.throws(() => encoder.stampSentAt(new Uint8Array(64), 1), /no frame encoded yet/);
  for (const snap of [snapshot, snapshot, { ...snapshot, cpuUsage: 12.5 }]) {
    const framed = encoder.encode(snap, momentum, 7, 0);
    encoder.stampSentAt(framed, 1764183600123456);
    assert.deepEqual(framed, new FrameEncoder().encode(snap, momentum, 7, 1764183600123456));
    assert.equal(decodeMetrics(body(framed)).sentAtUs, 1764183600123456);
  }
});

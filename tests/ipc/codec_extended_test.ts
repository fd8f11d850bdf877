/**
 * The fields appended after the seed's (issue #17): each round-trips when present,
 * reads as null or [] when absent, and leaves the patch path correct.
 */
import assert from "node:assert/strict";
import { decodeAnimation, decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import {
  bodyOf as body,
  EXTENDED_SNAPSHOT as laptop,
  MOMENTUM as momentum,
  SNAPSHOT as seed,
} from "../support/codec_fixtures.ts";
import { assertSameFrames } from "../support/assert_bytes.ts";
import { deepFreeze } from "../support/frozen.ts";

/** The snapshot fields of a decoded frame (the header and momentum left out). */
function snapshotOf(wire: Uint8Array): Snapshot {
  const { momentum: _m, sequence: _s, sentAtUs: _t, startedAtUs: _r, ...s } = decodeMetrics(
    body(wire),
  );
  return s;
}

const header = { sequence: 5, sentAtUs: 1764183600124567 };

Deno.test("every appended field present round-trips exactly", () => {
  const got = snapshotOf(new FrameEncoder().encode(laptop, momentum, header));
  assert.deepEqual(got, { ...laptop, topProcesses: laptop.topProcesses.slice(0, 10) });
});

Deno.test("every appended field absent reads as null or [], and the seed fields are unchanged", () => {
  const got = snapshotOf(new FrameEncoder().encode(seed, momentum, header));
  assert.deepEqual(got, { ...seed, topProcesses: seed.topProcesses.slice(0, 10) });
  for (const [name, value] of Object.entries(NO_EXTENDED_READINGS)) {
    assert.deepEqual(got[name as keyof Snapshot], value, name);
  }
});

Deno.test("each appended field can be absent on its own", () => {
  for (const [name, absent] of Object.entries(NO_EXTENDED_READINGS)) {
    const s = deepFreeze({ ...laptop, [name]: absent });
    const got = snapshotOf(new FrameEncoder().encode(s, momentum, header));
    assert.deepEqual(got, { ...s, topProcesses: s.topProcesses.slice(0, 10) }, name);
  }
});

Deno.test("a battery without an estimate has no minutes_remaining; every state round-trips", () => {
  for (const state of ["charging", "discharging", "charged", "not-charging", "unknown"] as const) {
    const battery = { percent: 100, state, onAc: state !== "discharging", minutesRemaining: null };
    const got = snapshotOf(
      new FrameEncoder().encode(deepFreeze({ ...laptop, battery }), momentum, header),
    );
    assert.deepEqual(got.battery, battery);
  }
});

Deno.test("counts beyond the ulong range are clamped, not wrapped; core indexes to a ushort", () => {
  const s = deepFreeze({
    ...laptop,
    swap: { used: 2 ** 70, total: -1 },
    cpuCoreLevels: [{ name: "Performance", firstCore: -3, cores: 70000 }],
  });
  const got = snapshotOf(new FrameEncoder().encode(s, momentum, header));
  assert.deepEqual(got.swap, { used: 2 ** 64, total: 0 }); // 2^64 − 1 reads back as 2^64
  assert.deepEqual(got.cpuCoreLevels, [{ name: "Performance", firstCore: 0, cores: 65535 }]);
});

Deno.test("the animation path reads a frame with every appended field", () => {
  const wire = new FrameEncoder({ startedAtUs: 9 }).encode(laptop, momentum, header);
  const animation = decodeAnimation(body(wire));
  assert.equal(animation.sequence, 5);
  assert.equal(animation.startedAtUs, 9);
  assert.equal(animation.color, momentum.color);
});

Deno.test("equal appended readings are patched; a changed one is built in full, same bytes", () => {
  const encoder = new FrameEncoder();
  encoder.encode(laptop, momentum, { sequence: 1, sentAtUs: 1 });
  const copy = deepFreeze(structuredClone(laptop));
  const patched = encoder.encode({ ...copy, cpuUsage: 3.5 }, momentum, {
    sequence: 2,
    sentAtUs: 2,
  });
  assert.equal(encoder.fullBuilds, 1, "an equal copy with a new cpu reading is patched");
  assertSameFrames(
    [patched],
    [new FrameEncoder().encode({ ...copy, cpuUsage: 3.5 }, momentum, { sequence: 2, sentAtUs: 2 })],
  );
  const changes: Partial<Snapshot>[] = [
    { cpuCores: [...laptop.cpuCores.slice(0, 9), 50] },
    { cpuCoreLevels: [{ name: "Performance", firstCore: 0, cores: 10 }] },
    { loadAverage: { one: 9, five: 3.5, fifteen: 1.75 } },
    { swap: { used: 1, total: 4294967296 } },
    { memoryPressure: "critical" },
    { network: { ...laptop.network!, sentBytes: 123456789013 } },
    { diskIo: { ...laptop.diskIo!, writeBytesPerSecond: 0 } },
    { battery: { ...laptop.battery!, minutesRemaining: 246 } },
    { gpuUsage: 19 },
  ];
  let builds = encoder.fullBuilds;
  for (const [i, change] of changes.entries()) {
    const s = deepFreeze({ ...laptop, ...change });
    const h = { sequence: 3 + i, sentAtUs: 3 + i };
    const wire = encoder.encode(s, momentum, h);
    assert.equal(encoder.fullBuilds, ++builds, `${Object.keys(change)[0]} changed: full build`);
    assertSameFrames([wire], [new FrameEncoder().encode(s, momentum, h)]);
    assert.deepEqual(snapshotOf(wire), { ...s, topProcesses: s.topProcesses.slice(0, 10) });
  }
});

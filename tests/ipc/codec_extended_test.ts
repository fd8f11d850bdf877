/**
 * The declared readings on the wire: each appended one round-trips when present,
 * reads as null or [] when absent, and a change of any declared reading is sent
 * (patched or built again), never the old value: a property walked over every
 * declared reading, shown to fail when any one is left out of the comparison.
 */
import assert from "node:assert/strict";
import { decodeAnimation, decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { APPENDED_KEYS } from "../../src/ipc/readings_codec.ts";
import { READING_LIST } from "../../src/metrics/catalog.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import {
  bodyOf as body,
  EXTENDED_SNAPSHOT as laptop,
  MOMENTUM as momentum,
  SNAPSHOT as seed,
} from "../support/codec_fixtures.ts";
import { assertSameFrames } from "../support/assert_bytes.ts";
import { deepFreeze } from "../support/frozen.ts";
import { changes, everyReading } from "../support/shapes.ts";

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
  // 2^64 − 1 on the wire; a reader holds no number past 2^53 − 1 exactly, so it clamps there
  assert.deepEqual(got.swap, { used: Number.MAX_SAFE_INTEGER, total: 0 });
  assert.deepEqual(got.cpuCoreLevels, [{ name: "Performance", firstCore: 0, cores: 65535 }]);
});

Deno.test("the animation path reads a frame with every appended field", () => {
  const wire = new FrameEncoder({ startedAtUs: 9 }).encode(laptop, momentum, header);
  const animation = decodeAnimation(body(wire));
  assert.equal(animation.sequence, 5);
  assert.equal(animation.startedAtUs, 9);
  assert.equal(animation.color, momentum.color);
});

Deno.test("an equal copy of each appended reading is patched, not built again", () => {
  const encoder = new FrameEncoder();
  encoder.encode(laptop, momentum, { sequence: 1, sentAtUs: 1 });
  for (const [i, key] of APPENDED_KEYS.entries()) {
    const copy = deepFreeze({ ...laptop, [key]: structuredClone(laptop[key]), cpuUsage: i });
    const h = { sequence: 2 + i, sentAtUs: 2 + i };
    const wire = encoder.encode(copy, momentum, h);
    assert.equal(encoder.fullBuilds, 1, `an equal copy of ${key} is patched`);
    assertSameFrames([wire], [new FrameEncoder().encode(copy, momentum, h)]);
  }
});

/** Where `encoder` sent an old value: each one-place change of each declared reading. */
function staleReadings(encoder: () => FrameEncoder, baseline: Snapshot): string[] {
  const stale: string[] = [];
  for (const reading of READING_LIST) {
    for (const change of changes(reading.shape, baseline[reading.key], reading.key)) {
      const e = encoder();
      e.encode(baseline, momentum, { sequence: 1, sentAtUs: 1 });
      const next = deepFreeze({ ...baseline, [reading.key]: change.value });
      const wire = e.encode(next, momentum, { sequence: 2, sentAtUs: 2 });
      const fresh = new FrameEncoder().encode(next, momentum, { sequence: 2, sentAtUs: 2 });
      if (!bytesEqual(wire, fresh)) stale.push(change.path);
      else assert.deepEqual(snapshotOf(wire)[reading.key], change.value, change.path);
    }
  }
  return stale;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Every reading present, and every optional one absent (the rest as in the first). */
const BASELINES: readonly Snapshot[] = [
  deepFreeze(everyReading(1)),
  deepFreeze({
    ...everyReading(2),
    ...Object.fromEntries(
      READING_LIST.filter((r) => r.shape.optional).map((r) => [r.key, null]),
    ),
  }),
];

Deno.test("a change of any declared reading, anywhere in it, is sent: never the old value", () => {
  for (const baseline of BASELINES) {
    assert.deepEqual(staleReadings(() => new FrameEncoder(), baseline), []);
  }
});

Deno.test("that check fails for each appended reading left out of the patch-or-rebuild comparison", () => {
  for (const key of APPENDED_KEYS) {
    const compared = APPENDED_KEYS.filter((k) => k !== key);
    const stale = BASELINES.flatMap((b) => staleReadings(() => new FrameEncoder({ compared }), b));
    assert.ok(stale.length > 0, `${key} left out, and no stale value noticed`);
    assert.ok(stale.every((path) => path.startsWith(key)), `${key}: ${stale.join(", ")}`);
  }
});

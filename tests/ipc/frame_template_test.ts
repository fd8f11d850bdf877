/**
 * The encoder's patch path: a frame whose layout matches the last full build is
 * rewritten in place, and its bytes are always those of a full build.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor, type MomentumState } from "../../src/momentum/momentum.ts";
import {
  bodyOf as body,
  MOMENTUM as momentum,
  SNAPSHOT as snapshot,
} from "../support/codec_fixtures.ts";
import { deepFreeze } from "../support/frozen.ts";

/** A frozen copy of `s` whose process `i` is called `name`. */
function withName(s: Snapshot, i: number, name: string): Snapshot {
  return deepFreeze({
    ...s,
    topProcesses: s.topProcesses.map((p, j) => j === i ? { ...p, name } : { ...p }),
  });
}

Deno.test("an unchanged snapshot is re-encoded by patching: same bytes as a full encode", () => {
  const run = { startedAtUs: 1764183599000001 };
  const encoder = new FrameEncoder(run);
  const first = encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: 1764183600000000 });
  const next: MomentumState = deepFreeze({
    color: MomentumColor.Critical,
    intensity: 0.9375,
    rotationSpeed: 2.75,
  });
  const header = { sequence: 2 ** 40 + 3, sentAtUs: 1764183600040123 };
  const patched = encoder.encode(snapshot, next, header);
  assert.equal(encoder.fullBuilds, 1, "the second frame was patched");
  assert.deepEqual(patched, new FrameEncoder(run).encode(snapshot, next, header));
  const decoded = decodeMetrics(body(patched));
  assert.deepEqual(decoded.momentum, next);
  assert.equal(decoded.sequence, 2 ** 40 + 3);
  assert.equal(decoded.sentAtUs, 1764183600040123);
  assert.equal(decoded.startedAtUs, run.startedAtUs, "the run id stays in a patched frame");
  assert.equal(decodeMetrics(body(first)).sequence, 1, "the earlier frame is untouched");
  const idle = deepFreeze({ color: MomentumColor.Idle, intensity: 0, rotationSpeed: 0 });
  const zeroed = decodeMetrics(
    body(encoder.encode(snapshot, idle, { sequence: 0, sentAtUs: NaN })),
  );
  assert.deepEqual(zeroed.momentum, idle, "zeros are patched in too (slots always present)");
  assert.equal(zeroed.sentAtUs, 0);
});

Deno.test("new processes are encoded in full", () => {
  const encoder = new FrameEncoder();
  encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 });
  const changed = deepFreeze({ ...snapshot, cpuUsage: 99.5, topProcesses: [] });
  const frame = decodeMetrics(
    body(encoder.encode(changed, momentum, { sequence: 2, sentAtUs: 2 })),
  );
  assert.equal(frame.cpuUsage, 99.5);
  assert.deepEqual(frame.topProcesses, []);
  assert.equal(encoder.fullBuilds, 2);
});

Deno.test("what changed is decided by value: an equal copy is patched, one changed process is not", () => {
  const encoder = new FrameEncoder();
  encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 });
  encoder.encode(deepFreeze(structuredClone(snapshot)), momentum, { sequence: 2, sentAtUs: 2 });
  assert.equal(encoder.fullBuilds, 1, "an equal copy of the processes: patched");
  const renamed = withName(snapshot, 9, "renamed");
  const frame = encoder.encode(renamed, momentum, { sequence: 3, sentAtUs: 3 });
  assert.equal(encoder.fullBuilds, 2, "a changed name: built in full");
  assert.equal(decodeMetrics(body(frame)).topProcesses[9].name, "renamed");
  encoder.encode(withName(renamed, 11, "not encoded"), momentum, { sequence: 4, sentAtUs: 4 });
  assert.equal(encoder.fullBuilds, 2, "a change past the top processes does not matter");
});

Deno.test("a new CPU reading (same processes) is patched into the last frame: a tick's worth of work", () => {
  const encoder = new FrameEncoder();
  encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: 1 });
  const cpu = deepFreeze({ ...snapshot, cpuUsage: 12.5, timestamp: snapshot.timestamp + 250 });
  const patched = encoder.encode(cpu, momentum, { sequence: 2, sentAtUs: 2 });
  assert.deepEqual(patched, new FrameEncoder().encode(cpu, momentum, { sequence: 2, sentAtUs: 2 }));
  assert.equal(decodeMetrics(body(patched)).cpuUsage, 12.5);
  // A reading of 0 keeps the layout (every scalar is on the wire): patched too
  const zero = deepFreeze({ ...cpu, cpuUsage: 0, memoryTotal: 0, timestamp: NaN });
  const zeroed = encoder.encode(zero, momentum, { sequence: 3, sentAtUs: 3 });
  assert.deepEqual(zeroed, new FrameEncoder().encode(zero, momentum, { sequence: 3, sentAtUs: 3 }));
  assert.equal(zeroed.length, patched.length, "the same layout");
  assert.equal(decodeMetrics(body(zeroed)).cpuUsage, 0);
  assert.equal(encoder.fullBuilds, 1, "only the first frame was built in full");
  encoder.encode(deepFreeze({ ...zero, topProcesses: [] }), momentum, { sequence: 4, sentAtUs: 4 });
  assert.equal(encoder.fullBuilds, 2, "new processes: a full encode");
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
        const next: Snapshot = deepFreeze({
          ...NO_EXTENDED_READINGS,
          ...values,
          topProcesses: processes,
        });
        const header = { sequence: i + 1, sentAtUs: 1000 + i };
        const got = encoder.encode(next, momentum, header);
        assert.deepEqual(got, new FrameEncoder({ startedAtUs }).encode(next, momentum, header));
      }
    }),
    { seed: 20261127, numRuns: 300 },
  );
});

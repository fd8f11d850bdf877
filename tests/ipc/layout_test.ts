/**
 * The field layout read from the generated code agrees with the generated
 * readers, and the encoder puts every root scalar on the wire.
 */
import assert from "node:assert/strict";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { bySlot, fieldPosition, MOMENTUM_STATE, ROOT } from "../../src/ipc/layout.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { bodyOf as body, MOMENTUM as momentum, SNAPSHOT } from "../support/codec_fixtures.ts";
import { deepFreeze } from "../support/frozen.ts";

/** Read a little-endian scalar of `size` bytes at `at`, as the layout says it is stored. */
function read(view: DataView, at: number, size: number, float: boolean): number {
  if (size === 1) return view.getInt8(at);
  if (size === 8) return Number(view.getBigUint64(at, true));
  return float ? view.getFloat32(at, true) : view.getUint32(at, true);
}

Deno.test("every root and momentum scalar sits where the layout says: the decoder reads the same", () => {
  const header = { sequence: 2 ** 40 + 7, sentAtUs: 1764183600124567 };
  const b = body(new FrameEncoder({ startedAtUs: 99 }).encode(SNAPSHOT, momentum, header));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const decoded = decodeMetrics(b);
  const root = view.getUint32(0, true);
  const floats = new Set(["cpuUsage", "memoryUsage", "diskUsage", "temperature"]);
  for (const [name, field] of Object.entries(ROOT)) {
    if (field.kind !== "scalar") continue;
    const at = fieldPosition(view, root, field.slot);
    const value = read(view, at, field.size, floats.has(name));
    assert.equal(value, decoded[name as keyof typeof ROOT], name);
  }
  const link = fieldPosition(view, root, ROOT.momentum.slot);
  const table = link + view.getUint32(link, true);
  for (const [name, field] of Object.entries(MOMENTUM_STATE)) {
    const value = read(view, fieldPosition(view, table, field.slot), field.size, name !== "color");
    assert.equal(value, decoded.momentum[name as keyof typeof MOMENTUM_STATE], name);
  }
});

Deno.test("the layout lists every slot of each table once, in schema order", () => {
  assert.deepEqual(bySlot(ROOT).map((f) => f.slot), [...Array(11).keys()]);
  assert.deepEqual(bySlot(MOMENTUM_STATE).map((f) => f.slot), [0, 1, 2]);
  assert.deepEqual(ROOT.topProcesses.fields.map((f) => f.kind), [
    "scalar",
    "string",
    "scalar",
    "scalar",
  ]);
});

Deno.test("every scalar of the root table is on the wire, even when 0 (only temperature may be absent)", () => {
  const zeros: Snapshot = deepFreeze({
    ...NO_EXTENDED_READINGS,
    cpuUsage: 0,
    memoryUsage: 0,
    memoryTotal: 0,
    diskUsage: 0,
    temperature: null,
    timestamp: 0,
    topProcesses: [],
  });
  const b = body(new FrameEncoder().encode(zeros, momentum, { sequence: 0, sentAtUs: 0 }));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const root = view.getUint32(0, true);
  const absent = Object.entries(ROOT)
    .filter(([, field]) => fieldPosition(view, root, field.slot) === 0)
    .map(([name]) => name);
  assert.deepEqual(absent, ["temperature"]);
});

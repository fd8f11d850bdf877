/**
 * The field layout read from the generated code agrees with the generated
 * readers, and the encoder puts every root scalar on the wire.
 */
import assert from "node:assert/strict";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import {
  BATTERY,
  bySlot,
  CORE_LEVEL,
  DISK_IO,
  type Field,
  fieldPosition,
  MOMENTUM_STATE,
  NETWORK,
  ROOT,
} from "../../src/ipc/layout.ts";
import { BATTERY_STATE_BY_WIRE, PRESSURE_BY_WIRE } from "../../src/ipc/extended.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import {
  bodyOf as body,
  EXTENDED_SNAPSHOT as SNAPSHOT,
  MOMENTUM as momentum,
} from "../support/codec_fixtures.ts";
import { deepFreeze } from "../support/frozen.ts";

/** Read a little-endian scalar of `size` bytes at `at`, as the layout says it is stored. */
function read(view: DataView, at: number, size: number, float: boolean): number {
  if (size === 1) return view.getInt8(at);
  if (size === 2) return view.getUint16(at, true);
  if (size === 8) return Number(view.getBigUint64(at, true));
  return float ? view.getFloat32(at, true) : view.getInt32(at, true);
}

/** The table that the reference in `slot` of the table at `at` points to. */
function follow(view: DataView, at: number, slot: number): number {
  const link = fieldPosition(view, at, slot);
  assert.ok(link > 0, `slot ${slot} is present`);
  return link + view.getUint32(link, true);
}

/** Every scalar of a table, read where `fields` says it sits. */
function scalars(
  view: DataView,
  at: number,
  fields: Readonly<Record<string, Field>>,
  integers: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.kind !== "scalar") continue;
    out[name] = read(
      view,
      fieldPosition(view, at, field.slot),
      field.size,
      !integers.includes(name),
    );
  }
  return out;
}

Deno.test("every root and momentum scalar sits where the layout says: the decoder reads the same", () => {
  const header = { sequence: 2 ** 40 + 7, sentAtUs: 1764183600124567 };
  const b = body(new FrameEncoder({ startedAtUs: 99 }).encode(SNAPSHOT, momentum, header));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const decoded = decodeMetrics(b);
  const root = view.getUint32(0, true);
  const floats = new Set(["cpuUsage", "memoryUsage", "diskUsage", "temperature", "gpuUsage"]);
  for (const [name, field] of Object.entries(ROOT)) {
    if (field.kind !== "scalar") continue;
    const at = fieldPosition(view, root, field.slot);
    const value = read(view, at, field.size, floats.has(name));
    if (name === "memoryPressure") assert.equal(PRESSURE_BY_WIRE[value], decoded.memoryPressure);
    else assert.equal(value, decoded[name as keyof typeof ROOT], name);
  }
  const load = fieldPosition(view, root, ROOT.loadAverage.slot);
  assert.deepEqual(
    [0, 4, 8].map((i) => view.getFloat32(load + i, true)),
    [decoded.loadAverage!.one, decoded.loadAverage!.five, decoded.loadAverage!.fifteen],
  );
  const swap = fieldPosition(view, root, ROOT.swap.slot);
  assert.deepEqual(
    [0, 8].map((i) => Number(view.getBigUint64(swap + i, true))),
    [decoded.swap!.used, decoded.swap!.total],
  );
  const { interface: _name, ...traffic } = decoded.network!;
  assert.deepEqual(
    scalars(view, follow(view, root, ROOT.network.slot), NETWORK, ["receivedBytes", "sentBytes"]),
    traffic,
  );
  assert.deepEqual(
    scalars(view, follow(view, root, ROOT.diskIo.slot), DISK_IO, ["readBytes", "writtenBytes"]),
    decoded.diskIo,
  );
  const battery = scalars(view, follow(view, root, ROOT.battery.slot), BATTERY, [
    "state",
    "onAc",
    "minutesRemaining",
  ]);
  assert.deepEqual(
    { ...battery, state: BATTERY_STATE_BY_WIRE[battery.state], onAc: battery.onAc === 1 },
    decoded.battery,
  );
  const levels = follow(view, root, ROOT.cpuCoreLevels.slot);
  const first = levels + 4 + view.getUint32(levels + 4, true);
  const { name: _level, ...span } = decoded.cpuCoreLevels[0];
  assert.deepEqual(scalars(view, first, CORE_LEVEL, ["firstCore", "cores"]), span);
  const link = fieldPosition(view, root, ROOT.momentum.slot);
  const table = link + view.getUint32(link, true);
  for (const [name, field] of Object.entries(MOMENTUM_STATE)) {
    const value = read(view, fieldPosition(view, table, field.slot), field.size, name !== "color");
    assert.equal(value, decoded.momentum[name as keyof typeof MOMENTUM_STATE], name);
  }
});

Deno.test("the layout lists every slot of each table once, in schema order", () => {
  assert.deepEqual(bySlot(ROOT).map((f) => f.slot), [...Array(20).keys()]);
  assert.deepEqual(bySlot(MOMENTUM_STATE).map((f) => f.slot), [0, 1, 2]);
  assert.deepEqual(bySlot(CORE_LEVEL).map((f) => f.slot), [0, 1, 2]);
  assert.deepEqual(bySlot(NETWORK).map((f) => f.slot), [0, 1, 2, 3, 4]);
  assert.deepEqual(bySlot(DISK_IO).map((f) => f.slot), [0, 1, 2, 3]);
  assert.deepEqual(bySlot(BATTERY).map((f) => f.slot), [0, 1, 2, 3]);
  assert.deepEqual(Object.keys(ROOT).slice(11), [
    "cpuCores",
    "cpuCoreLevels",
    "loadAverage",
    "swap",
    "memoryPressure",
    "network",
    "diskIo",
    "battery",
    "gpuUsage",
  ]);
  assert.deepEqual([ROOT.loadAverage.size, ROOT.swap.size], [12, 16], "struct sizes");
  assert.deepEqual(ROOT.topProcesses.fields.map((f) => f.kind), [
    "scalar",
    "string",
    "scalar",
    "scalar",
  ]);
});

Deno.test("every seed scalar of the root table is on the wire, even when 0 (only temperature may be absent)", () => {
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
  assert.deepEqual(absent, [
    "temperature",
    "cpuCores",
    "cpuCoreLevels",
    "loadAverage",
    "swap",
    "memoryPressure",
    "network",
    "diskIo",
    "battery",
    "gpuUsage",
  ]);
});

Deno.test("appended readings of 0 are on the wire, not mistaken for absent", () => {
  const zeros: Snapshot = deepFreeze({
    ...SNAPSHOT,
    cpuCores: [0],
    cpuCoreLevels: [{ name: "", firstCore: 0, cores: 0 }],
    loadAverage: { one: 0, five: 0, fifteen: 0 },
    swap: { used: 0, total: 0 },
    memoryPressure: "normal",
    network: {
      interface: "",
      receiveBytesPerSecond: 0,
      sendBytesPerSecond: 0,
      receivedBytes: 0,
      sentBytes: 0,
    },
    diskIo: { readBytesPerSecond: 0, writeBytesPerSecond: 0, readBytes: 0, writtenBytes: 0 },
    battery: { percent: 0, state: "unknown", onAc: false, minutesRemaining: 0 },
    gpuUsage: 0,
  });
  const b = body(new FrameEncoder().encode(zeros, momentum, { sequence: 0, sentAtUs: 0 }));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const root = view.getUint32(0, true);
  for (const [name, field] of Object.entries(ROOT)) {
    assert.ok(fieldPosition(view, root, field.slot) > 0, `${name} is present`);
  }
  const battery = follow(view, root, ROOT.battery.slot);
  assert.ok(fieldPosition(view, battery, BATTERY.minutesRemaining.slot) > 0, "0 minutes");
  const { momentum: _m, sequence: _s, sentAtUs: _t, startedAtUs: _r, ...decoded } = decodeMetrics(
    b,
  );
  assert.deepEqual(decoded, { ...zeros, topProcesses: zeros.topProcesses.slice(0, 10) });
});

/**
 * Codec cost: FlatBuffers encode/decode of a realistic laptop frame (10 processes,
 * 10 cores in two levels, load, swap, pressure, network, disk I/O, battery, GPU)
 * against JSON.stringify/JSON.parse of the same data, side by side in one run.
 * Run: `deno bench bench/codec_bench.ts` (or `deno task bench`).
 * Targets on the CI machine: encode ≤ 5 µs, decode of the 4 animation fields ≤ 1 µs.
 * The encoder has two paths: a full build when the processes or an appended reading
 * changed (a CPU reading changes the per-core values, so at the cpu cadence) and a
 * rewrite of the last frame's scalars when they did not (most ticks); all are measured.
 *
 * @module
 */

import { decodeAnimation, decodeMetrics, FrameEncoder } from "../src/ipc/codec.ts";
import { frameToJson } from "../src/ipc/json.ts";
import type { Snapshot } from "../src/metrics/types.ts";
import { VECTOR_CASES } from "../tests/vectors/cases.ts";
import { MomentumColor, type MomentumState } from "../src/momentum/momentum.ts";

/** The vectors' Apple-silicon laptop (every appended field present), with real-looking processes. */
const laptop = VECTOR_CASES.find((c) => c.name === "laptop")!.snapshot;
const snapshot: Snapshot = {
  ...laptop,
  cpuUsage: 37.5,
  memoryUsage: 70.7,
  memoryTotal: 34359738368,
  diskUsage: 81.2,
  temperature: null,
  timestamp: 1764183600123,
  topProcesses: [
    ["WindowServer", 23.4, 512.3],
    ["Google Chrome Helper (Renderer)", 18.1, 301.5],
    ["kernel_task", 12.0, 2.1],
    ["Code Helper (Plugin)", 9.5, 880.0],
    ["mds_stores", 7.2, 64.7],
    ["deno", 3.1, 41.5],
    ["Finder", 1.5, 120.0],
    ["Dock", 0.8, 95.5],
    ["launchd", 0.2, 18.2],
    ["syslogd", 0.1, 4.5],
  ].map(([name, cpuPercent, memoryMb], i) => ({
    pid: 400 + i * 37,
    name: name as string,
    cpuPercent: cpuPercent as number,
    memoryMb: memoryMb as number,
  })),
};
const momentum: MomentumState = {
  color: MomentumColor.Active,
  intensity: 0.65,
  rotationSpeed: 1.4,
};
const SENT_AT_US = 1764183600125432;
const encoder = new FrameEncoder();
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const body = encoder.encode(snapshot, momentum, { sequence: 1, sentAtUs: SENT_AT_US }).slice(4);
const jsonBytes = utf8.encode(JSON.stringify({ ...snapshot, momentum, sequence: 1, sentAtUs: 1 }));
console.log(`frame size: FlatBuffers ${body.length + 4} bytes, JSON ${jsonBytes.length} bytes`);

let sequence = 0;
let sink = 0;

/** The snapshot with new processes on every other call, so each call builds in full. */
function withNewProcesses(): Snapshot {
  const bump = sequence & 1;
  return {
    ...snapshot,
    topProcesses: snapshot.topProcesses.map((p) => ({ ...p, cpuPercent: p.cpuPercent + bump })),
  };
}

Deno.bench({
  name: "FlatBuffers encode, new processes (full build)",
  group: "encode",
  baseline: true,
}, () => {
  // As after a process-list read: the whole frame is built.
  const next = withNewProcesses();
  sink += encoder.encode(next, momentum, { sequence: ++sequence, sentAtUs: SENT_AT_US }).length;
});
Deno.bench({ name: "FlatBuffers encode, unchanged snapshot (patch)", group: "encode" }, () => {
  // As on most 25 Hz ticks: the processes compare equal, the last frame is rewritten.
  sink += encoder.encode(snapshot, momentum, { sequence: ++sequence, sentAtUs: SENT_AT_US }).length;
});
Deno.bench({ name: "FlatBuffers encode, new CPU total only (patch)", group: "encode" }, () => {
  const next = { ...snapshot, cpuUsage: sequence & 63 };
  sink += encoder.encode(next, momentum, { sequence: ++sequence, sentAtUs: SENT_AT_US }).length;
});
Deno.bench({
  name: "FlatBuffers encode, new CPU reading with per-core (full build)",
  group: "encode",
}, () => {
  // As after a cpu read (every 250 ms by default): the per-core values changed.
  const load = sequence & 63;
  const next = { ...snapshot, cpuUsage: load, cpuCores: snapshot.cpuCores.map((c) => c + load) };
  sink += encoder.encode(next, momentum, { sequence: ++sequence, sentAtUs: SENT_AT_US }).length;
});
Deno.bench({ name: "JSON.stringify + UTF-8 encode", group: "encode" }, () => {
  const json = JSON.stringify({ ...snapshot, momentum, sequence: ++sequence, sentAtUs: 1 });
  sink += utf8.encode(json).length;
});

Deno.bench({
  name: "FlatBuffers decode, 4 animation fields",
  group: "decode-animation",
  baseline: true,
}, () => {
  sink += decodeAnimation(body).intensity;
});
Deno.bench({ name: "JSON.parse, 4 animation fields", group: "decode-animation" }, () => {
  const parsed = JSON.parse(fromUtf8.decode(jsonBytes));
  sink += parsed.momentum.intensity + parsed.sequence;
});

Deno.bench({ name: "FlatBuffers decode, whole frame", group: "decode-all", baseline: true }, () => {
  sink += decodeMetrics(body).topProcesses.length;
});
Deno.bench({ name: "JSON.parse, whole frame", group: "decode-all" }, () => {
  sink += JSON.parse(fromUtf8.decode(jsonBytes)).topProcesses.length;
});

Deno.bench({ name: "decode + JSON view (what `decode` prints)", group: "cli" }, () => {
  sink += JSON.stringify(frameToJson(decodeMetrics(body))).length;
});

addEventListener("unload", () => {
  if (sink === 42) console.log(""); // keep `sink` observable so no work is optimised away
});

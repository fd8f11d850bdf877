/**
 * A deeply frozen snapshot and momentum for the codec tests, and the check that
 * opens a framed encode.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type CoreLevel, NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor, type MomentumState } from "../../src/momentum/momentum.ts";
import { deepFreeze } from "./frozen.ts";

/** Twelve processes (more than the default top), a temperature, no value at a default. */
export const SNAPSHOT: Snapshot = deepFreeze({
  ...NO_EXTENDED_READINGS,
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
});

/** Apple silicon's M1 Pro levels: 8 performance cores, then 2 efficiency cores. */
export const M1_PRO_LEVELS: readonly CoreLevel[] = deepFreeze([
  { name: "Performance", firstCore: 0, cores: 8 },
  { name: "Efficiency", firstCore: 8, cores: 2 },
]);

/**
 * {@linkcode SNAPSHOT} with every appended reading present, each with exact float32
 * values: a laptop's frame (10 cores in two levels, network, disk I/O, battery, GPU).
 */
export const EXTENDED_SNAPSHOT: Snapshot = deepFreeze({
  ...SNAPSHOT,
  cpuCores: [87.5, 75, 62.5, 50, 37.5, 25, 12.5, 6.25, 3.125, 0],
  cpuCoreLevels: M1_PRO_LEVELS,
  loadAverage: { one: 3.5, five: 2.25, fifteen: 1.75 },
  swap: { used: 1073741824, total: 4294967296 },
  memoryPressure: "warning",
  network: {
    interface: "en0",
    receiveBytesPerSecond: 1250000,
    sendBytesPerSecond: 62500,
    receivedBytes: 987654321012,
    sentBytes: 123456789012,
  },
  diskIo: {
    readBytesPerSecond: 4194304,
    writeBytesPerSecond: 1048576,
    readBytes: 549755813888,
    writtenBytes: 274877906944,
  },
  battery: { percent: 81.5, state: "discharging", onAc: false, minutesRemaining: 247 },
  gpuUsage: 18.75,
  // an Intel Mac held back for heat (pmset -g thermlog's throttled capture, warning level 5)
  thermal: {
    speedLimit: 0.28125,
    schedulerLimit: 0.40625,
    availableCpus: 8,
    state: "throttled",
    warningLevel: 5,
  },
});

/** An active momentum with exact float32 values. */
export const MOMENTUM: MomentumState = deepFreeze({
  color: MomentumColor.Active,
  intensity: 0.5,
  rotationSpeed: 1.25,
});

/** The body of a framed encode, after checking its prefix is the big-endian body length. */
export function bodyOf(framed: Uint8Array): Uint8Array {
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(0, false);
  assert.equal(length, framed.length - 4, "prefix is the big-endian body length");
  return framed.subarray(4);
}

/**
 * A deeply frozen snapshot and momentum for the codec tests, and the check that
 * opens a framed encode.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
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

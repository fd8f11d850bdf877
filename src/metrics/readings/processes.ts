/**
 * The process readings: the busiest processes, each with its CPU and resident memory
 * (exported only when asked for, as their labels make many series).
 *
 * @module
 */

import * as fmt from "../format.ts";
import { type Declarations, gauge, optIn } from "../reading.ts";
import { CORE_PERCENT, float, string, table, uint, vector } from "../shape.ts";
import type * as t from "../types.ts";

/** The process readings. */
export const PROCESS_READINGS: Declarations<"topProcesses"> = {
  topProcesses: {
    source: "processes",
    shape: vector(table<t.ProcessSample>("ProcessInfo", {
      pid: uint(),
      name: string(),
      cpuPercent: float(CORE_PERCENT),
      memoryMb: float({ min: 0, max: 2 ** 33 }),
    })),
    metrics: [
      optIn(
        gauge(
          "opta_process_cpu_ratio",
          "ratio",
          "A busy process's CPU (1: one core).",
          (list) => list.map((p) => ({ labels: fmt.processLabels(p), value: p.cpuPercent })),
          0.01,
        ),
      ),
      optIn(
        gauge(
          "opta_process_resident_memory_bytes",
          "bytes",
          "Its resident memory.",
          (list) => list.map((p) => ({ labels: fmt.processLabels(p), value: p.memoryMb })),
          1024 * 1024,
        ),
      ),
    ],
  },
};

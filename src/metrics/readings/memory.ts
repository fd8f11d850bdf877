/**
 * The memory readings: physical memory in use and in all, swap, and how hard the OS
 * finds it to supply memory.
 *
 * @module
 */

import * as fmt from "../format.ts";
import { type Declarations, gauge } from "../reading.ts";
import { enumeration, float, optional, PERCENT, struct, ulong } from "../shape.ts";
import type * as t from "../types.ts";

const PRESSURE_LEVELS = ["normal", "warning", "critical"] as const;

/** A pressure level as a number: 0 normal, 1 warning, 2 critical. */
const pressureLevel = (level: t.MemoryPressure) => PRESSURE_LEVELS.indexOf(level) as 0 | 1 | 2;

const PRESSURE_HELP = "How hard the OS finds it to supply memory: 0 normal, 1 warning, 2 critical.";

/** The memory readings, in the order `sample` and `watch` show them. */
export const MEMORY_READINGS: Declarations<
  "memoryUsage" | "memoryTotal" | "swap" | "memoryPressure"
> = {
  memoryUsage: {
    source: "memory",
    shape: float(PERCENT),
    row: {
      label: "Memory",
      text: (v, s) => `${fmt.formatPercent(v)} of ${fmt.formatGib(s.memoryTotal)}`,
      gauge: (v) => v,
      rank: 0,
    },
    metrics: [
      gauge(
        "opta_memory_used_bytes",
        "bytes",
        "Physical memory in use.",
        (v, s) => Math.round((v / 100) * s.memoryTotal),
      ),
    ],
  },
  memoryTotal: {
    source: "memory",
    shape: ulong(),
    metrics: [gauge("opta_memory_total_bytes", "bytes", "Physical memory.", (v) => v)],
  },
  swap: {
    source: "swap",
    shape: optional(struct<t.SwapUsage>("Swap", { used: ulong(), total: ulong() })),
    row: { label: "Swap", text: fmt.formatSwap, rank: 7 },
    metrics: [
      gauge("opta_swap_used_bytes", "bytes", "Swap space in use.", (v) => v.used),
      gauge("opta_swap_total_bytes", "bytes", "Swap space configured (0: none).", (v) => v.total),
    ],
  },
  memoryPressure: {
    source: "pressure",
    shape: optional(enumeration("MemoryPressure", PRESSURE_LEVELS)),
    row: { label: "Pressure", text: (v) => v, level: pressureLevel, rank: 4 },
    metrics: [gauge("opta_memory_pressure", "", PRESSURE_HELP, pressureLevel)],
  },
};

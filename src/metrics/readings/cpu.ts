/**
 * The CPU readings: how busy the CPUs are, in all and per core, the cores' levels
 * (performance and efficiency), and the load average.
 *
 * @module
 */

import * as fmt from "../format.ts";
import { type Declarations, gauge, percentRatio } from "../reading.ts";
import {
  float,
  optional,
  PERCENT,
  string,
  struct,
  table,
  TASKS,
  ushort,
  vector,
} from "../shape.ts";
import type * as t from "../types.ts";

/** The CPU readings, in the order `sample` and `watch` show them. */
export const CPU_READINGS: Declarations<"cpuUsage" | "cpuCores" | "cpuCoreLevels" | "loadAverage"> =
  {
    cpuUsage: {
      source: "cpu",
      shape: float(PERCENT),
      row: { label: "CPU", text: fmt.formatPercent, gauge: (v) => v, rank: 0 },
      metrics: [
        percentRatio("opta_cpu_usage_ratio", "Busy share of all CPUs, over about 1 s (0-1)."),
      ],
    },
    cpuCores: {
      source: "cpu",
      shape: vector(float(PERCENT)),
      row: {
        label: "  per core",
        text: (v, s) => fmt.formatCores(v, s.cpuCoreLevels),
        detail: (_, s) => fmt.formatLevels(s.cpuCoreLevels),
        rank: 1,
      },
      metrics: [
        gauge(
          "opta_cpu_core_usage_ratio",
          "ratio",
          "Busy share of each CPU (0-1).",
          (v, s) => v.map((value, i) => ({ labels: fmt.coreLabels(i, s.cpuCoreLevels), value })),
          0.01,
        ),
      ],
    },
    cpuCoreLevels: {
      source: "cpu",
      shape: vector(table<t.CoreLevel>("CoreLevel", {
        name: string(),
        firstCore: ushort(),
        cores: ushort(),
      })),
    },
    loadAverage: {
      source: "load",
      shape: optional(struct<t.LoadAverage>("LoadAverage", {
        one: float(TASKS),
        five: float(TASKS),
        fifteen: float(TASKS),
      })),
      row: { label: "Load", text: fmt.formatLoad, rank: 5 },
      metrics: ([["one", 1], ["five", 5], ["fifteen", 15]] as const).map(([key, minutes]) =>
        gauge<t.LoadAverage | null>(
          `opta_load${minutes}`,
          "",
          `Load average over ${minutes} min.`,
          (v) => v[key],
        )
      ),
    },
  };

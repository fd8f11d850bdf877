/**
 * Which Prometheus metric family carries which reading of a frame: one table, one row per
 * family, each with its name, type, unit, help text, the scale from the frame's unit to the
 * metric's base unit, and how its samples are read from a decoded frame. A reading the frame
 * does not have gives no sample: an absent value is never exported as 0.
 *
 * @example
 * ```ts
 * import { frameFamilies } from "./families.ts";
 * import { decodeMetrics } from "../ipc/codec.ts";
 * const bytes = Deno.readFileSync("tests/vectors/laptop.bin");
 * const families = frameFamilies(decodeMetrics(bytes), { nowMs: Date.now(), processes: 0 });
 * families.find((f) => f.name === "opta_cpu_usage_ratio")?.samples[0].value; // 0–1
 * ```
 *
 * @module
 */

import type { MetricsFrame } from "../ipc/codec.ts";
import type { MemoryPressure } from "../metrics/types.ts";

/** The metric types the exporter uses. */
export type MetricType = "gauge" | "counter";

/** Base units, as OpenMetrics' `# UNIT` names them (and as each name ends). */
export type MetricUnit = "" | "bytes" | "ratio" | "seconds" | "celsius";

/** One labelled value: label pairs in order, and the value in the family's base unit. */
export interface Sample {
  /** `[name, value]` pairs, in the order they are written. */
  readonly labels: readonly (readonly [string, string])[];
  /** The value. */
  readonly value: number;
}

/**
 * A metric family ready to be written. For a counter, `name` is the OpenMetrics family name
 * (without `_total`); every sample, and the 0.0.4 text format's HELP and TYPE, add `_total`.
 */
export interface Family {
  /** Family name. */
  readonly name: string;
  /** gauge or counter. */
  readonly type: MetricType;
  /** Base unit ("" when the value has none). */
  readonly unit: MetricUnit;
  /** One line saying what it is. */
  readonly help: string;
  /** Its samples; a family without any is not written. */
  readonly samples: readonly Sample[];
}

/** What a frame alone does not say. */
export interface FrameContext {
  /** Wall-clock ms of the scrape. */
  nowMs: number;
  /** Busiest processes to export (0: none, the default). */
  processes: number;
}

/** A reading in the frame's own unit, with its labels. */
type Reading = { labels?: readonly (readonly [string, string])[]; value: number };

/** One row of the table. */
interface Declaration {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: MetricUnit;
  readonly help: string;
  /** Multiplies the frame's value into the base unit (percent → ratio: 0.01). */
  readonly scale: number;
  /** The readings of a frame; none when the frame does not carry the value. */
  readonly read: (frame: MetricsFrame, context: FrameContext) => readonly Reading[];
}

const PERCENT = 0.01;
const MIB = 1_048_576;
const one = (value: number | null | undefined): Reading[] =>
  value === null || value === undefined ? [] : [{ value }];

/** The level of memory pressure as a number: 0 normal, 1 warning, 2 critical. */
export const PRESSURE_LEVEL: Readonly<Record<MemoryPressure, number>> = Object.freeze({
  normal: 0,
  warning: 1,
  critical: 2,
});

/** Each core's busy percent, labelled by index and, where the frame has kinds, by kind. */
function cores(frame: MetricsFrame): Reading[] {
  return frame.cpuCores.map((value, index) => {
    const level = frame.cpuCoreLevels.find((l) =>
      index >= l.firstCore && index < l.firstCore + l.cores
    );
    const labels: [string, string][] = [["core", String(index)]];
    if (level !== undefined) labels.push(["kind", level.name]);
    return { labels, value };
  });
}

/** The busiest processes the exporter was asked for, labelled by pid and name. */
function processes(frame: MetricsFrame, context: FrameContext, pick: "cpu" | "memory"): Reading[] {
  return frame.topProcesses.slice(0, context.processes).map((p) => ({
    labels: [["pid", String(p.pid)], ["name", p.name]],
    value: pick === "cpu" ? p.cpuPercent : p.memoryMb,
  }));
}

/**
 * `value` times `scale`; a fractional scale divides by its inverse instead, which keeps
 * exact figures exact (13 ms is 0.013 s, not 0.013000000000000001).
 */
function scaled(value: number, scale: number): number {
  return scale < 1 ? value / Math.round(1 / scale) : value * scale;
}

/** Every family a frame feeds, in the order they are written. */
const DECLARATIONS: readonly Declaration[] = [
  {
    name: "opta_cpu_usage_ratio",
    type: "gauge",
    unit: "ratio",
    help: "Busy share of all CPUs over the daemon's CPU window (0-1).",
    scale: PERCENT,
    read: (f) => one(f.cpuUsage),
  },
  {
    name: "opta_cpu_core_usage_ratio",
    type: "gauge",
    unit: "ratio",
    help: "Busy share of each logical CPU over the same window (0-1).",
    scale: PERCENT,
    read: cores,
  },
  {
    name: "opta_memory_used_bytes",
    type: "gauge",
    unit: "bytes",
    help: "Physical memory in use.",
    scale: 1,
    read: (f) => one(Math.round((f.memoryUsage / 100) * f.memoryTotal)),
  },
  {
    name: "opta_memory_total_bytes",
    type: "gauge",
    unit: "bytes",
    help: "Physical memory.",
    scale: 1,
    read: (f) => one(f.memoryTotal),
  },
  {
    name: "opta_memory_pressure",
    type: "gauge",
    unit: "",
    help: "How hard the OS finds it to supply memory: 0 normal, 1 warning, 2 critical.",
    scale: 1,
    read: (f) => one(f.memoryPressure === null ? null : PRESSURE_LEVEL[f.memoryPressure]),
  },
  {
    name: "opta_swap_used_bytes",
    type: "gauge",
    unit: "bytes",
    help: "Swap space in use.",
    scale: 1,
    read: (f) => one(f.swap?.used),
  },
  {
    name: "opta_swap_total_bytes",
    type: "gauge",
    unit: "bytes",
    help: "Swap space configured (0 when none is).",
    scale: 1,
    read: (f) => one(f.swap?.total),
  },
  {
    name: "opta_disk_used_ratio",
    type: "gauge",
    unit: "ratio",
    help: "Used share of the root volume (0-1).",
    scale: PERCENT,
    read: (f) => one(f.diskUsage),
  },
  {
    name: "opta_load1",
    type: "gauge",
    unit: "",
    help: "Load average over 1 minute.",
    scale: 1,
    read: (f) => one(f.loadAverage?.one),
  },
  {
    name: "opta_load5",
    type: "gauge",
    unit: "",
    help: "Load average over 5 minutes.",
    scale: 1,
    read: (f) => one(f.loadAverage?.five),
  },
  {
    name: "opta_load15",
    type: "gauge",
    unit: "",
    help: "Load average over 15 minutes.",
    scale: 1,
    read: (f) => one(f.loadAverage?.fifteen),
  },
  {
    name: "opta_network_receive_bytes",
    type: "counter",
    unit: "bytes",
    help: "Bytes received by the interface that carries the default route.",
    scale: 1,
    read: (f) =>
      f.network === null ? [] : [{
        labels: [["interface", f.network.interface]],
        value: f.network.receivedBytes,
      }],
  },
  {
    name: "opta_network_transmit_bytes",
    type: "counter",
    unit: "bytes",
    help: "Bytes sent by the interface that carries the default route.",
    scale: 1,
    read: (f) =>
      f.network === null
        ? []
        : [{ labels: [["interface", f.network.interface]], value: f.network.sentBytes }],
  },
  {
    name: "opta_disk_read_bytes",
    type: "counter",
    unit: "bytes",
    help: "Bytes read from the physical disks since boot.",
    scale: 1,
    read: (f) => one(f.diskIo?.readBytes),
  },
  {
    name: "opta_disk_written_bytes",
    type: "counter",
    unit: "bytes",
    help: "Bytes written to the physical disks since boot.",
    scale: 1,
    read: (f) => one(f.diskIo?.writtenBytes),
  },
  {
    name: "opta_battery_charge_ratio",
    type: "gauge",
    unit: "ratio",
    help: "Charge of the internal battery (0-1).",
    scale: PERCENT,
    read: (f) => one(f.battery?.percent),
  },
  {
    name: "opta_battery_on_ac",
    type: "gauge",
    unit: "",
    help: "1 when the machine with a battery runs on external power, else 0.",
    scale: 1,
    read: (f) => one(f.battery === null ? null : f.battery.onAc ? 1 : 0),
  },
  {
    name: "opta_gpu_usage_ratio",
    type: "gauge",
    unit: "ratio",
    help: "Busy share of the GPU (0-1).",
    scale: PERCENT,
    read: (f) => one(f.gpuUsage),
  },
  {
    name: "opta_temperature_celsius",
    type: "gauge",
    unit: "celsius",
    help: "Temperature of the CPU or SoC sensor.",
    scale: 1,
    read: (f) => one(f.temperature),
  },
  {
    name: "opta_daemon_start_time_seconds",
    type: "gauge",
    unit: "seconds",
    help: "When the daemon run started, seconds since the Unix epoch: a change is a restart.",
    scale: 1e-6,
    read: (f) => one(f.startedAtUs > 0 ? f.startedAtUs : null),
  },
  {
    name: "opta_process_cpu_ratio",
    type: "gauge",
    unit: "ratio",
    help: "CPU of one of the busiest processes, as a share of one core (1 = one full core).",
    scale: PERCENT,
    read: (f, c) => processes(f, c, "cpu"),
  },
  {
    name: "opta_process_resident_memory_bytes",
    type: "gauge",
    unit: "bytes",
    help: "Resident memory of one of the busiest processes.",
    scale: MIB,
    read: (f, c) => processes(f, c, "memory"),
  },
];

/**
 * The names of every reading family a frame can feed (`opta_up`, `opta_frame_age_seconds`
 * and the exporter's own aside).
 */
export const FRAME_FAMILY_NAMES: readonly string[] = DECLARATIONS.map((d) => d.name);

/**
 * The families of `frame`, values in base units. A reading that is not a finite number
 * (which a well-formed frame never holds) is left out like an absent one.
 */
export function frameFamilies(frame: MetricsFrame, context: FrameContext): Family[] {
  return DECLARATIONS.map((d) => ({
    name: d.name,
    type: d.type,
    unit: d.unit,
    help: d.help,
    samples: d.read(frame, context)
      .map((r) => ({ labels: r.labels ?? [], value: scaled(r.value, d.scale) }))
      .filter((s) => Number.isFinite(s.value)),
  }));
}

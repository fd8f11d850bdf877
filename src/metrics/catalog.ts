/**
 * Every source and every reading, declared once. A reading's declaration names its
 * source, its shape on the wire (checked against the generated code at start, see
 * `ipc/layout.ts`), its row in `sample` and `watch` and its Prometheus metric
 * families; the codec, the JSON view, the rows, the sampler's assembly and the
 * exporter are derived from it. Readings are listed in the order people see them.
 *
 * @example
 * ```ts
 * import { READING_LIST, SOURCE_NAMES } from "./catalog.ts";
 * SOURCE_NAMES[0]; // "cpu"
 * READING_LIST.find((r) => r.key === "gpuUsage")?.wire; // "gpu_usage"
 * ```
 *
 * @module
 */

import * as fmt from "./format.ts";
import {
  counter,
  gauge,
  optIn,
  percentRatio,
  type Reading,
  type ReadingDeclaration,
  type ReadingKey,
  type SourceDeclaration,
} from "./reading.ts";
import {
  AMOUNT,
  bool,
  CELSIUS,
  CORE_PERCENT,
  enumeration,
  float,
  int32,
  optional,
  PERCENT,
  string,
  struct,
  table,
  TASKS,
  uint,
  ulong,
  ushort,
  vector,
  wireName,
} from "./shape.ts";
import type * as t from "./types.ts";

/** The sources, in the order help texts list them. */
export const SOURCES = Object.freeze(
  {
    cpu: { defaultMs: 250, required: true },
    memory: { defaultMs: 1000, required: true },
    processes: { defaultMs: 2000, required: false },
    disk: { defaultMs: 30_000, required: true },
    temperature: { defaultMs: 5000, required: false },
    load: { defaultMs: 5000, required: false },
    swap: { defaultMs: 10_000, required: false },
    pressure: { defaultMs: 5000, required: false },
    network: { defaultMs: 1000, required: false },
    diskio: { defaultMs: 1000, required: false },
    battery: { defaultMs: 30_000, required: false },
    gpu: { defaultMs: 2000, required: false },
    thermal: { defaultMs: 5000, required: false },
  } satisfies Record<string, SourceDeclaration>,
);

/** The name of a source. */
export type SourceName = keyof typeof SOURCES;

/** The source names, in {@linkcode SOURCES} order. */
export const SOURCE_NAMES = Object.freeze(Object.keys(SOURCES) as SourceName[]);

const PRESSURE_LEVELS = ["normal", "warning", "critical"] as const;

/** A pressure level as a number: 0 normal, 1 warning, 2 critical. */
const pressureLevel = (level: t.MemoryPressure) => PRESSURE_LEVELS.indexOf(level) as 0 | 1 | 2;

const PRESSURE_HELP = "How hard the OS finds it to supply memory: 0 normal, 1 warning, 2 critical.";

const BATTERY_STATES = ["unknown", "charging", "discharging", "charged", "not-charging"] as const;

const THERMAL_STATES = ["nominal", "throttled"] as const;

/** A fraction from 0 to 1. */
const FRACTION = { min: 0, max: 1 };

/** A thermal field's one sample, or none while the OS gives no value. */
const given = (value: number | null) => value === null ? [] : value;

type Declarations = {
  readonly [K in ReadingKey]: ReadingDeclaration<t.Snapshot[K]> & { source: SourceName };
};

/** Every reading, in the order `sample` and `watch` show them. */
export const READINGS: Declarations = {
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
  diskUsage: {
    source: "disk",
    shape: float(PERCENT),
    row: { label: "Disk (/)", text: fmt.formatPercent, gauge: (v) => v, rank: 0 },
    metrics: [percentRatio("opta_disk_used_ratio", "Used share of the root volume (0-1).")],
  },
  diskIo: {
    source: "diskio",
    shape: optional(table<t.DiskIoSample>("DiskIo", {
      readBytesPerSecond: float(AMOUNT),
      writeBytesPerSecond: float(AMOUNT),
      readBytes: ulong(),
      writtenBytes: ulong(),
    })),
    row: {
      label: "Disk I/O",
      text: fmt.formatDiskIo,
      detail: (d) =>
        `${fmt.formatBytes(d.readBytes)} read, ${fmt.formatBytes(d.writtenBytes)} written`,
      rank: 3,
    },
    metrics: [
      counter(
        "opta_disk_read_bytes",
        "bytes",
        "Bytes the disks read since boot.",
        (v) => v.readBytes,
      ),
      counter(
        "opta_disk_written_bytes",
        "bytes",
        "Bytes written since boot.",
        (v) => v.writtenBytes,
      ),
    ],
  },
  network: {
    source: "network",
    shape: optional(table<t.NetworkSample>("Network", {
      interface: string(),
      receiveBytesPerSecond: float(AMOUNT),
      sendBytesPerSecond: float(AMOUNT),
      receivedBytes: ulong(),
      sentBytes: ulong(),
    })),
    row: {
      label: "Network",
      text: fmt.formatNetwork,
      detail: (n) => `${fmt.formatBytes(n.receivedBytes)} in, ${fmt.formatBytes(n.sentBytes)} out`,
      rank: 2,
    },
    metrics: [
      counter(
        "opta_network_receive_bytes",
        "bytes",
        "Bytes received on the default route.",
        (n) => [{ labels: { interface: n.interface }, value: n.receivedBytes }],
      ),
      counter(
        "opta_network_transmit_bytes",
        "bytes",
        "Bytes sent on the default route.",
        (n) => [{ labels: { interface: n.interface }, value: n.sentBytes }],
      ),
    ],
  },
  battery: {
    source: "battery",
    shape: optional(table<t.BatterySample>("Battery", {
      percent: float(PERCENT),
      state: enumeration("BatteryState", BATTERY_STATES),
      onAc: bool(),
      minutesRemaining: optional(int32({ min: 0, max: 0x7fff_ffff })),
    })),
    row: { label: "Battery", text: fmt.formatBattery, rank: 6 },
    metrics: [
      gauge("opta_battery_charge_ratio", "ratio", "Battery charge (0-1).", (v) => v.percent, 0.01),
      gauge("opta_battery_on_ac", "", "1 on external power, else 0.", (v) => v.onAc ? 1 : 0),
    ],
  },
  gpuUsage: {
    source: "gpu",
    shape: optional(float(PERCENT)),
    row: { label: "GPU", text: fmt.formatPercent, gauge: (v) => v, rank: 8 },
    metrics: [percentRatio("opta_gpu_usage_ratio", "Busy share of the GPU (0-1).")],
  },
  thermal: {
    source: "thermal",
    shape: optional(table<t.ThermalSample>("Thermal", {
      speedLimit: optional(float(FRACTION)),
      schedulerLimit: optional(float(FRACTION)),
      availableCpus: optional(ushort()),
      state: optional(enumeration("ThermalState", THERMAL_STATES)),
      warningLevel: optional(uint()),
    })),
    row: {
      label: "Thermal",
      text: fmt.formatThermal,
      detail: fmt.thermalDetail,
      level: (v) => v.state === "throttled" ? 2 : 0,
      rank: 9,
    },
    metrics: [
      gauge(
        "opta_thermal_throttled",
        "",
        "1 while the CPUs are held back for heat, 0 when not.",
        (v) => v.state === null ? [] : v.state === "throttled" ? 1 : 0,
      ),
      gauge(
        "opta_thermal_speed_limit_ratio",
        "ratio",
        "Share of full CPU speed allowed (0-1).",
        (v) => given(v.speedLimit),
      ),
      gauge(
        "opta_thermal_scheduler_limit_ratio",
        "ratio",
        "Share of CPU time the scheduler may hand out (0-1).",
        (v) => given(v.schedulerLimit),
      ),
      gauge(
        "opta_thermal_available_cpus",
        "",
        "CPUs the scheduler may use.",
        (v) => given(v.availableCpus),
      ),
      gauge(
        "opta_thermal_warning_level",
        "",
        "The OS's thermal warning level: 0 normal, 5 danger, 10 critical.",
        (v) => given(v.warningLevel),
      ),
    ],
  },
  temperature: {
    source: "temperature",
    shape: optional(float(CELSIUS)),
    row: { label: "Temperature", text: (v) => `${v.toFixed(1)} °C`, rank: 0 },
    metrics: [gauge("opta_temperature_celsius", "celsius", "CPU or SoC temperature.", (v) => v)],
  },
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

/** Every reading with its names, in {@linkcode READINGS} order. */
export const READING_LIST: readonly Reading[] = Object.freeze(
  (Object.entries(READINGS) as [ReadingKey, Reading][]).map(([key, declaration]) =>
    Object.freeze({ ...declaration, key, wire: wireName(key) })
  ),
);

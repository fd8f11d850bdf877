/**
 * The JSON form of frames and snapshots printed by `decode`, `watch --json` and
 * `sample --json`: the schema's snake_case field names, enums (colour, memory
 * pressure, battery state) as their schema names (as `flatc --json` prints them),
 * 32-bit floats printed at the shortest precision that reads back as the same float,
 * and `null` (or `[]` for the per-core lists) for every optional value that is absent.
 * `jsonLine` (`../printable.ts`) prints them with every control and format character escaped.
 *
 * @module
 */

import type { BatteryState, MemoryPressure, Snapshot } from "../metrics/types.ts";
import type { MetricsFrame } from "./codec.ts";

/** Enum names of the colours as the schema spells them, indexed by wire value. */
export const COLOR_ENUM_NAMES = ["Idle", "Active", "Critical"] as const;

/** Enum names of the memory pressure levels as the schema spells them. */
export const PRESSURE_ENUM_NAMES: Readonly<Record<MemoryPressure, string>> = {
  normal: "Normal",
  warning: "Warning",
  critical: "Critical",
};

/** Enum names of the battery states as the schema spells them. */
export const BATTERY_STATE_ENUM_NAMES: Readonly<Record<BatteryState, string>> = {
  unknown: "Unknown",
  charging: "Charging",
  discharging: "Discharging",
  charged: "Charged",
  "not-charging": "NotCharging",
};

/** The shortest decimal that reads back as the same 32-bit float (what the wire carries). */
export function float32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const target = Math.fround(value);
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

/** Snapshot fields in schema order with snake_case names. */
export function snapshotToJson(s: Snapshot): Record<string, unknown> {
  return { ...seedToJson(s), ...appendedToJson(s) };
}

/** The seed's snapshot fields. */
function seedToJson(s: Snapshot): Record<string, unknown> {
  return {
    cpu_usage: float32(s.cpuUsage),
    memory_usage: float32(s.memoryUsage),
    memory_total: s.memoryTotal,
    disk_usage: float32(s.diskUsage),
    temperature: s.temperature === null ? null : float32(s.temperature),
    timestamp: s.timestamp,
    top_processes: s.topProcesses.map((p) => ({
      pid: p.pid,
      name: p.name,
      cpu_percent: float32(p.cpuPercent),
      memory_mb: float32(p.memoryMb),
    })),
  };
}

/** The fields appended after the seed's, absent ones as null or []. */
function appendedToJson(s: Snapshot): Record<string, unknown> {
  const { loadAverage: load, swap, network: n, diskIo: d, battery: b } = s;
  return {
    cpu_cores: s.cpuCores.map(float32),
    cpu_core_levels: s.cpuCoreLevels.map((l) => ({
      name: l.name,
      first_core: l.firstCore,
      cores: l.cores,
    })),
    load_average: load === null
      ? null
      : { one: float32(load.one), five: float32(load.five), fifteen: float32(load.fifteen) },
    swap: swap === null ? null : { used: swap.used, total: swap.total },
    memory_pressure: s.memoryPressure === null ? null : PRESSURE_ENUM_NAMES[s.memoryPressure],
    network: n === null ? null : {
      interface: n.interface,
      receive_bytes_per_second: float32(n.receiveBytesPerSecond),
      send_bytes_per_second: float32(n.sendBytesPerSecond),
      received_bytes: n.receivedBytes,
      sent_bytes: n.sentBytes,
    },
    disk_io: d === null ? null : {
      read_bytes_per_second: float32(d.readBytesPerSecond),
      write_bytes_per_second: float32(d.writeBytesPerSecond),
      read_bytes: d.readBytes,
      written_bytes: d.writtenBytes,
    },
    battery: b === null ? null : {
      percent: float32(b.percent),
      state: BATTERY_STATE_ENUM_NAMES[b.state],
      on_ac: b.onAc,
      minutes_remaining: b.minutesRemaining,
    },
    gpu_usage: s.gpuUsage === null ? null : float32(s.gpuUsage),
  };
}

/** A decoded frame in its JSON form: every schema field, in schema order. */
export function frameToJson(f: MetricsFrame): Record<string, unknown> {
  return {
    ...seedToJson(f),
    momentum: {
      intensity: float32(f.momentum.intensity),
      color: COLOR_ENUM_NAMES[f.momentum.color] ?? f.momentum.color,
      rotation_speed: float32(f.momentum.rotationSpeed),
    },
    sequence: f.sequence,
    sent_at_us: f.sentAtUs,
    started_at_us: f.startedAtUs,
    ...appendedToJson(f),
  };
}

/**
 * The appended readings (per-core, load, swap, pressure, network, disk I/O,
 * battery, GPU) as short text for people, shared by `sample`'s table and
 * `watch`'s view: binary units (KiB, MiB, GiB, as the memory figures use), one
 * line each, and "—" for a value that is absent.
 *
 * @module
 */

import type {
  BatterySample,
  CoreLevel,
  DiskIoSample,
  LoadAverage,
  NetworkSample,
  SwapUsage,
} from "../metrics/types.ts";
import { printable } from "../printable.ts";

/** What an absent value reads as. */
export const ABSENT = "—";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `bytes` in the largest binary unit that keeps it at or above 1, e.g. `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return ABSENT;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A throughput, e.g. `1.5 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  const text = formatBytes(bytesPerSecond);
  return text === ABSENT ? text : `${text}/s`;
}

/** Eight block heights for one core's busy percent (space for idle). */
const BLOCKS = " ▁▂▃▄▅▆▇█";

/** One character per core, its height the core's busy percent (a busy core is never blank). */
export function coreBlocks(cores: readonly number[]): string {
  let out = "";
  for (const pct of cores) {
    const clamped = Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 0;
    out += BLOCKS[clamped > 0 ? Math.max(1, Math.round((clamped / 100) * 8)) : 0];
  }
  return out;
}

/**
 * The cores grouped by kind, e.g. `P ▇▆▅▃▂▁▁▁  E ▂▁`: each level by its name's first
 * letter; cores no level lists (or all, on a machine of one kind) in one group.
 */
export function formatCores(cores: readonly number[], levels: readonly CoreLevel[]): string {
  if (cores.length === 0) return ABSENT;
  if (levels.length === 0) return coreBlocks(cores);
  const groups: string[] = [];
  const listed = new Set<number>();
  for (const level of levels) {
    const slice = cores.slice(level.firstCore, level.firstCore + level.cores);
    for (let i = 0; i < slice.length; i++) listed.add(level.firstCore + i);
    if (slice.length > 0) groups.push(`${printable(level.name.slice(0, 1))} ${coreBlocks(slice)}`);
  }
  const rest = cores.filter((_, i) => !listed.has(i));
  if (rest.length > 0) groups.push(`? ${coreBlocks(rest)}`);
  return groups.join("  ");
}

/** Each level's name and size, e.g. `8 Performance + 2 Efficiency`; empty for one kind. */
export function formatLevels(levels: readonly CoreLevel[]): string {
  return levels.map((l) => `${l.cores} ${printable(l.name)}`).join(" + ");
}

/** The three load averages, e.g. `4.25  3.50  2.75`. */
export function formatLoad(load: LoadAverage | null): string {
  return load === null
    ? ABSENT
    : [load.one, load.five, load.fifteen].map((v) => v.toFixed(2)).join("  ");
}

/** Swap use, e.g. `1.5 GiB of 3.0 GiB`, or `none configured`. */
export function formatSwap(swap: SwapUsage | null): string {
  if (swap === null) return ABSENT;
  if (swap.total === 0) return "none configured";
  return `${formatBytes(swap.used)} of ${formatBytes(swap.total)}`;
}

/** The default-route interface's traffic, e.g. `en0  ↓ 1.5 MiB/s  ↑ 96.0 KiB/s`. */
export function formatNetwork(n: NetworkSample | null): string {
  if (n === null) return ABSENT;
  return `${printable(n.interface)}  ↓ ${formatRate(n.receiveBytesPerSecond)}  ↑ ${
    formatRate(n.sendBytesPerSecond)
  }`;
}

/** Disk throughput, e.g. `read 8.0 MiB/s  write 2.0 MiB/s`. */
export function formatDiskIo(d: DiskIoSample | null): string {
  if (d === null) return ABSENT;
  return `read ${formatRate(d.readBytesPerSecond)}  write ${formatRate(d.writeBytesPerSecond)}`;
}

/** Minutes as `h:mm`. */
function hoursMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`;
}

/** The battery, e.g. `72.5 %  discharging  3:35 left` or `100.0 %  charged  on AC`. */
export function formatBattery(b: BatterySample | null): string {
  if (b === null) return ABSENT;
  const parts = [`${b.percent.toFixed(1)} %`, b.state];
  if (b.minutesRemaining !== null) {
    const when = b.state === "charging" ? "to full" : "left";
    parts.push(`${hoursMinutes(b.minutesRemaining)} ${when}`);
  }
  if (b.onAc && b.state !== "charging") parts.push("on AC");
  return parts.join("  ");
}

/** A percentage, e.g. `23.5 %`. */
export function formatPercent(value: number | null): string {
  return value === null ? ABSENT : `${value.toFixed(1)} %`;
}

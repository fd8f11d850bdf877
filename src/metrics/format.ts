/**
 * Readings as short text for people, the pieces the declared rows of `sample` and
 * `watch` are made of: binary units (KiB, MiB, GiB, as the memory figures use) and
 * "—" for a value that is absent. Text that comes from the machine (an interface or
 * core-level name) is returned as it is: the terminal side escapes whole rows.
 *
 * @example
 * ```ts
 * import { formatBytes, formatRate } from "./format.ts";
 * formatBytes(1536); // "1.5 KiB"
 * formatRate(1572864); // "1.5 MiB/s"
 * ```
 *
 * @module
 */

import type {
  BatterySample,
  CoreLevel,
  DiskIoSample,
  LoadAverage,
  NetworkSample,
  ProcessSample,
  SwapUsage,
  ThermalSample,
} from "./types.ts";

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

/** Bytes as GiB with one decimal, e.g. `32.0 GiB` (how memory totals read). */
export function formatGib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** A throughput, e.g. `1.5 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  const text = formatBytes(bytesPerSecond);
  return text === ABSENT ? text : `${text}/s`;
}

/** A percentage, e.g. `23.5 %`. */
export function formatPercent(value: number): string {
  return `${value.toFixed(1)} %`;
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
    if (slice.length > 0) groups.push(`${level.name.slice(0, 1)} ${coreBlocks(slice)}`);
  }
  const rest = cores.filter((_, i) => !listed.has(i));
  if (rest.length > 0) groups.push(`? ${coreBlocks(rest)}`);
  return groups.join("  ");
}

/** Each level's name and size, e.g. `8 Performance + 2 Efficiency`; empty for one kind. */
export function formatLevels(levels: readonly CoreLevel[]): string {
  return levels.map((l) => `${l.cores} ${l.name}`).join(" + ");
}

/** The three load averages, e.g. `4.25  3.50  2.75`. */
export function formatLoad(load: LoadAverage): string {
  return [load.one, load.five, load.fifteen].map((v) => v.toFixed(2)).join("  ");
}

/** Swap use, e.g. `1.5 GiB of 3.0 GiB`, or `none configured`. */
export function formatSwap(swap: SwapUsage): string {
  if (swap.total === 0) return "none configured";
  return `${formatBytes(swap.used)} of ${formatBytes(swap.total)}`;
}

/** The default-route interface's traffic, e.g. `en0  ↓ 1.5 MiB/s  ↑ 96.0 KiB/s`. */
export function formatNetwork(n: NetworkSample): string {
  return `${n.interface}  ↓ ${formatRate(n.receiveBytesPerSecond)}  ↑ ${
    formatRate(n.sendBytesPerSecond)
  }`;
}

/** Disk throughput, e.g. `read 8.0 MiB/s  write 2.0 MiB/s`. */
export function formatDiskIo(d: DiskIoSample): string {
  return `read ${formatRate(d.readBytesPerSecond)}  write ${formatRate(d.writeBytesPerSecond)}`;
}

/** Minutes as `h:mm`. */
function hoursMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`;
}

/** The battery, e.g. `72.5 %  discharging  3:35 left` or `100.0 %  charged  on AC`. */
export function formatBattery(b: BatterySample): string {
  const parts = [formatPercent(b.percent), b.state];
  if (b.minutesRemaining !== null) {
    const when = b.state === "charging" ? "to full" : "left";
    parts.push(`${hoursMinutes(b.minutesRemaining)} ${when}`);
  }
  if (b.onAc && b.state !== "charging") parts.push("on AC");
  return parts.join("  ");
}

/**
 * Thermal throttling in a row's width: the state, then only what holds the CPUs back (a limit
 * below full, a warning above normal), e.g. `throttled  speed 28.1 %  time 40.6 %  level 5`;
 * `not reported` when the OS says nothing either way (Apple silicon's pmset).
 */
export function formatThermal(t: ThermalSample): string {
  const parts: string[] = [t.state ?? "not reported"];
  if (t.speedLimit !== null && t.speedLimit < 1) {
    parts.push(`speed ${formatPercent(100 * t.speedLimit)}`);
  }
  if (t.schedulerLimit !== null && t.schedulerLimit < 1) {
    parts.push(`time ${formatPercent(100 * t.schedulerLimit)}`);
  }
  if (t.warningLevel !== null && t.warningLevel > 0) parts.push(`level ${t.warningLevel}`);
  return parts.join("  ");
}

/** Every thermal field the OS gave, for `sample`'s detail ("" when none). */
export function thermalDetail(t: ThermalSample): string {
  const parts: string[] = [];
  if (t.speedLimit !== null) parts.push(`speed limit ${formatPercent(100 * t.speedLimit)}`);
  if (t.schedulerLimit !== null) {
    parts.push(`scheduler limit ${formatPercent(100 * t.schedulerLimit)}`);
  }
  if (t.availableCpus !== null) parts.push(`${t.availableCpus} CPUs available`);
  if (t.warningLevel !== null) parts.push(`warning level ${t.warningLevel}`);
  return parts.join(", ");
}

/** A core's metric labels: its index, and its kind where the machine has more than one. */
export function coreLabels(core: number, levels: readonly CoreLevel[]): Record<string, string> {
  const level = levels.find((l) => core >= l.firstCore && core < l.firstCore + l.cores);
  return level ? { core: String(core), kind: level.name } : { core: String(core) };
}

/** A process's metric labels: its id and name. */
export function processLabels(p: ProcessSample): Record<string, string> {
  return { pid: String(p.pid), name: p.name };
}

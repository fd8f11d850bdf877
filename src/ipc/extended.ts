/**
 * The fields appended to `SystemMetrics` after the seed's: how the encoder writes
 * them and how the frame template tells whether two snapshots carry the same ones
 * (`decoder.ts` reads them back). Every one is absent from a frame when its
 * snapshot value is null (or, for the two vectors, empty), so a snapshot with none
 * of them encodes to the seed's bytes exactly.
 *
 * @module
 */

import type * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_Battery as BatteryTable,
  Opta_Metrics_BatteryState as WireBatteryState,
  Opta_Metrics_CoreLevel as CoreLevelTable,
  Opta_Metrics_DiskIo as DiskIoTable,
  Opta_Metrics_LoadAverage as LoadAverageStruct,
  Opta_Metrics_MemoryPressure as WirePressure,
  Opta_Metrics_Network as NetworkTable,
  Opta_Metrics_Swap as SwapStruct,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "./generated/system_metrics_generated.ts";
import { MAX_CORE_LEVELS, MAX_CPU_CORES } from "./limits.ts";
import type {
  BatterySample,
  BatteryState,
  CoreLevel,
  ExtendedReadings,
  MemoryPressure,
} from "../metrics/types.ts";

/** The pressure levels by wire value, as the schema's `MemoryPressure` numbers them. */
export const PRESSURE_BY_WIRE: readonly MemoryPressure[] = ["normal", "warning", "critical"];

/** The battery states by wire value, as the schema's `BatteryState` numbers them. */
export const BATTERY_STATE_BY_WIRE: readonly BatteryState[] = [
  "unknown",
  "charging",
  "discharging",
  "charged",
  "not-charging",
];

const PRESSURE_TO_WIRE: Record<MemoryPressure, WirePressure> = {
  normal: WirePressure.Normal,
  warning: WirePressure.Warning,
  critical: WirePressure.Critical,
};

const BATTERY_STATE_TO_WIRE: Record<BatteryState, WireBatteryState> = {
  unknown: WireBatteryState.Unknown,
  charging: WireBatteryState.Charging,
  discharging: WireBatteryState.Discharging,
  charged: WireBatteryState.Charged,
  "not-charging": WireBatteryState.NotCharging,
};

const TWO_64 = 2 ** 64;

/** The largest `ulong`, 2^64 − 1. */
const ULONG_MAX = 0xffff_ffff_ffff_ffffn;

/** A count or time as the schema's `ulong`: whole, 0 for NaN/±Infinity/negatives, at most 2^64 − 1. */
export function toUlong(value: number): bigint {
  if (!Number.isFinite(value) || value <= 0) return 0n;
  return value < TWO_64 ? BigInt(Math.trunc(value)) : ULONG_MAX;
}

/** An index or count as the schema's `ushort`: whole, clamped to 0–65535. */
function toUshort(value: number): number {
  return value > 0 ? Math.min(Math.trunc(value), 0xffff) : 0;
}

/** Minutes as the schema's `int`, rounded and clamped to its range. */
function toInt32(value: number): number {
  return Math.max(-0x8000_0000, Math.min(Math.round(value), 0x7fff_ffff));
}

/** Scratch for the core levels' offsets, reused by every build. */
const LEVEL_OFFSETS: flatbuffers.Offset[] = [];

/** Offsets of the appended fields that live outside the root table, built before it. */
export interface ExtendedOffsets {
  /** `cpu_cores`, or 0 when absent. */
  cpuCores: flatbuffers.Offset;
  /** `cpu_core_levels`, or 0 when absent. */
  cpuCoreLevels: flatbuffers.Offset;
  /** `network`, or 0 when absent. */
  network: flatbuffers.Offset;
  /** `disk_io`, or 0 when absent. */
  diskIo: flatbuffers.Offset;
  /** `battery`, or 0 when absent. */
  battery: flatbuffers.Offset;
}

/**
 * Build the vectors and tables of the appended fields; call with `forceDefaults`
 * on, so a 0 is written (an absent `minutes_remaining` would read as "no estimate").
 * Byte counts are left 0 for the frame template to write, as the seed's counters are.
 * `utf8` gives a name's bytes as the wire carries them (the encoder's cache: the
 * same few names come every build).
 */
export function buildExtended(
  b: flatbuffers.Builder,
  s: ExtendedReadings,
  utf8: (name: string) => Uint8Array,
): ExtendedOffsets {
  let cpuCores = 0;
  const coreCount = Math.min(s.cpuCores.length, MAX_CPU_CORES); // no reader accepts more
  if (coreCount > 0) {
    b.startVector(4, coreCount, 4);
    for (let i = coreCount - 1; i >= 0; i--) b.addFloat32(s.cpuCores[i]);
    cpuCores = b.endVector();
  }
  let cpuCoreLevels = 0;
  const levels = s.cpuCoreLevels;
  const levelCount = Math.min(levels.length, MAX_CORE_LEVELS); // no reader accepts more
  if (levelCount > 0) {
    const offsets = LEVEL_OFFSETS;
    offsets.length = levelCount;
    for (let i = 0; i < levelCount; i++) {
      const level = levels[i];
      offsets[i] = CoreLevelTable.createCoreLevel(
        b,
        b.createString(utf8(level.name)),
        toUshort(level.firstCore),
        toUshort(level.cores),
      );
    }
    cpuCoreLevels = MetricsTable.createCpuCoreLevelsVector(b, offsets);
  }
  const n = s.network;
  const network = n === null ? 0 : NetworkTable.createNetwork(
    b,
    b.createString(utf8(n.interface)),
    n.receiveBytesPerSecond,
    n.sendBytesPerSecond,
    0n, // received_bytes and sent_bytes: the frame template writes them
    0n,
  );
  const d = s.diskIo;
  const diskIo = d === null ? 0 : DiskIoTable.createDiskIo(
    b,
    d.readBytesPerSecond,
    d.writeBytesPerSecond,
    0n, // read_bytes and written_bytes: the frame template writes them
    0n,
  );
  const battery = s.battery === null ? 0 : buildBattery(b, s.battery);
  return { cpuCores, cpuCoreLevels, network, diskIo, battery };
}

function buildBattery(b: flatbuffers.Builder, battery: BatterySample): flatbuffers.Offset {
  const minutes = battery.minutesRemaining;
  return BatteryTable.createBattery(
    b,
    battery.percent,
    BATTERY_STATE_TO_WIRE[battery.state] ?? WireBatteryState.Unknown,
    battery.onAc,
    minutes === null || !Number.isFinite(minutes) ? null : toInt32(minutes),
  );
}

/** Add the appended fields to the root table being built, after the seed's fields. */
export function addExtended(
  b: flatbuffers.Builder,
  s: ExtendedReadings,
  offsets: ExtendedOffsets,
): void {
  if (offsets.cpuCores !== 0) MetricsTable.addCpuCores(b, offsets.cpuCores);
  if (offsets.cpuCoreLevels !== 0) MetricsTable.addCpuCoreLevels(b, offsets.cpuCoreLevels);
  const load = s.loadAverage;
  if (load !== null) {
    MetricsTable.addLoadAverage(
      b,
      LoadAverageStruct.createLoadAverage(b, load.one, load.five, load.fifteen),
    );
  }
  // Swap's used and total: the frame template writes them.
  if (s.swap !== null) MetricsTable.addSwap(b, SwapStruct.createSwap(b, 0n, 0n));
  const pressure = s.memoryPressure === null ? undefined : PRESSURE_TO_WIRE[s.memoryPressure];
  if (pressure !== undefined) MetricsTable.addMemoryPressure(b, pressure);
  if (offsets.network !== 0) MetricsTable.addNetwork(b, offsets.network);
  if (offsets.diskIo !== 0) MetricsTable.addDiskIo(b, offsets.diskIo);
  if (offsets.battery !== 0) MetricsTable.addBattery(b, offsets.battery);
  if (s.gpuUsage !== null) MetricsTable.addGpuUsage(b, s.gpuUsage);
}

/**
 * Whether `a` and `b` encode to the same bytes in every appended field. Snapshots
 * are read-only, so an object seen before is compared by identity first; a new
 * object with the same values compares equal too.
 */
export function sameExtended(a: ExtendedReadings, b: ExtendedReadings): boolean {
  return Object.is(a.gpuUsage, b.gpuUsage) && a.memoryPressure === b.memoryPressure &&
    sameCores(a.cpuCores, b.cpuCores) && sameLevels(a.cpuCoreLevels, b.cpuCoreLevels) &&
    sameLoad(a.loadAverage, b.loadAverage) && sameSwap(a.swap, b.swap) &&
    sameNetwork(a.network, b.network) && sameDiskIo(a.diskIo, b.diskIo) &&
    sameBattery(a.battery, b.battery);
}

function sameCores(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameLevels(a: readonly CoreLevel[], b: readonly CoreLevel[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.name !== y.name || !Object.is(x.firstCore, y.firstCore) || !Object.is(x.cores, y.cores)) {
      return false;
    }
  }
  return true;
}

function sameLoad(a: ExtendedReadings["loadAverage"], b: ExtendedReadings["loadAverage"]) {
  if (a === b) return true;
  return a !== null && b !== null && Object.is(a.one, b.one) && Object.is(a.five, b.five) &&
    Object.is(a.fifteen, b.fifteen);
}

function sameSwap(a: ExtendedReadings["swap"], b: ExtendedReadings["swap"]): boolean {
  if (a === b) return true;
  return a !== null && b !== null && Object.is(a.used, b.used) && Object.is(a.total, b.total);
}

function sameNetwork(a: ExtendedReadings["network"], b: ExtendedReadings["network"]): boolean {
  if (a === b) return true;
  return a !== null && b !== null && a.interface === b.interface &&
    Object.is(a.receiveBytesPerSecond, b.receiveBytesPerSecond) &&
    Object.is(a.sendBytesPerSecond, b.sendBytesPerSecond) &&
    Object.is(a.receivedBytes, b.receivedBytes) && Object.is(a.sentBytes, b.sentBytes);
}

function sameDiskIo(a: ExtendedReadings["diskIo"], b: ExtendedReadings["diskIo"]): boolean {
  if (a === b) return true;
  return a !== null && b !== null && Object.is(a.readBytesPerSecond, b.readBytesPerSecond) &&
    Object.is(a.writeBytesPerSecond, b.writeBytesPerSecond) &&
    Object.is(a.readBytes, b.readBytes) && Object.is(a.writtenBytes, b.writtenBytes);
}

function sameBattery(a: BatterySample | null, b: BatterySample | null): boolean {
  if (a === b) return true;
  return a !== null && b !== null && Object.is(a.percent, b.percent) && a.state === b.state &&
    a.onAc === b.onAc && Object.is(a.minutesRemaining, b.minutesRemaining);
}

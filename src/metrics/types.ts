/**
 * The plain data every other part of opta-metrics consumes. Units are fixed here
 * and nowhere else: percentages are 0–100, sizes are bytes or MiB as named,
 * times are milliseconds since the Unix epoch.
 *
 * @module
 */

/** One entry of the busiest-processes list; read-only, as everything a snapshot holds. */
export interface ProcessSample {
  /** Process id. */
  readonly pid: number;
  /** Executable base name (UTF-8); the codec cuts it to 255 bytes. */
  readonly name: string;
  /** Percent of ONE core, as `ps`/`top` show it: 100 = one full core; may exceed 100. */
  readonly cpuPercent: number;
  /** Resident set size in MiB (1 MiB = 1 048 576 bytes). */
  readonly memoryMb: number;
}

/**
 * A group of logical CPUs of one kind on a machine with more than one (Apple silicon's
 * performance levels): `cpuCores[firstCore .. firstCore + cores)` are its cores.
 */
export interface CoreLevel {
  /** The kernel's name for it, e.g. `Performance`, `Efficiency`, `Super`. */
  readonly name: string;
  /** Index in `Snapshot.cpuCores` of its first core. */
  readonly firstCore: number;
  /** How many logical CPUs it has. */
  readonly cores: number;
}

/** The run-queue load averages the OS reports. */
export interface LoadAverage {
  /** Over the last minute. */
  readonly one: number;
  /** Over the last 5 minutes. */
  readonly five: number;
  /** Over the last 15 minutes. */
  readonly fifteen: number;
}

/** Swap space, bytes. */
export interface SwapUsage {
  /** In use. */
  readonly used: number;
  /** Configured (0 when the machine has none configured right now). */
  readonly total: number;
}

/** How hard the OS finds it to supply memory. */
export type MemoryPressure = "normal" | "warning" | "critical";

/** Traffic of the network interface that carries the default route. */
export interface NetworkSample {
  /** Its name, e.g. `en0`, `eth0`. */
  readonly interface: string;
  /** Bytes per second received over the source's last window. */
  readonly receiveBytesPerSecond: number;
  /** Bytes per second sent over the same window. */
  readonly sendBytesPerSecond: number;
  /** Bytes received since the counters started (boot or interface creation). */
  readonly receivedBytes: number;
  /** Bytes sent since the counters started. */
  readonly sentBytes: number;
}

/** Reads and writes of the physical disks, summed. */
export interface DiskIoSample {
  /** Bytes per second read over the source's last window. */
  readonly readBytesPerSecond: number;
  /** Bytes per second written over the same window. */
  readonly writeBytesPerSecond: number;
  /** Bytes read since boot. */
  readonly readBytes: number;
  /** Bytes written since boot. */
  readonly writtenBytes: number;
}

/** What the battery is doing. */
export type BatteryState = "charging" | "discharging" | "charged" | "not-charging" | "unknown";

/** The internal battery. */
export interface BatterySample {
  /** Charge, percent 0–100. */
  readonly percent: number;
  /** What it is doing. */
  readonly state: BatteryState;
  /** True when the machine runs on external power. */
  readonly onAc: boolean;
  /** Minutes to empty (discharging) or to full (charging), or null when the OS has no estimate. */
  readonly minutesRemaining: number | null;
}

/** Whether the CPUs are held back for heat. */
export type ThermalState = "nominal" | "throttled";

/**
 * CPU thermal throttling as the OS reports it. Each field is null where the OS gives none:
 * macOS's `pmset` reports all but, on Apple silicon, records nothing; Linux gives a speed limit
 * from cpufreq and the state from the CPUs' thermal throttle counters.
 */
export interface ThermalSample {
  /** Fraction of full speed the CPUs may run at, 0–1 (1: no limit). */
  readonly speedLimit: number | null;
  /** Fraction of CPU time the scheduler may hand out, 0–1 (macOS). */
  readonly schedulerLimit: number | null;
  /** How many CPUs the scheduler may use (macOS). */
  readonly availableCpus: number | null;
  /**
   * `throttled` while a limit below full or a warning above normal is in force (Linux: the
   * counters grew since the last reading), else `nominal`; null when the OS says nothing.
   */
  readonly state: ThermalState | null;
  /** The OS's thermal warning level: 0 normal, 5 danger, 10 critical, 100 and up platform-defined (macOS). */
  readonly warningLevel: number | null;
}

/**
 * The metrics of one moment, as the publisher encodes them. Deeply read-only: a
 * changed value is a new snapshot.
 */
export interface Snapshot {
  /** Busy percent of the whole machine, 0–100. */
  readonly cpuUsage: number;
  /** Percent of `memoryTotal` in use, 0–100. */
  readonly memoryUsage: number;
  /** Physical memory in bytes. */
  readonly memoryTotal: number;
  /** Percent of the root volume in use, 0–100. */
  readonly diskUsage: number;
  /** Degrees Celsius, or `null` when no sensor can be read (never a fake 0). */
  readonly temperature: number | null;
  /** Milliseconds since the Unix epoch of the newest sample in this snapshot. */
  readonly timestamp: number;
  /** Busiest processes by `cpuPercent`, descending. */
  readonly topProcesses: readonly ProcessSample[];
  /** Busy percent (0–100) of each logical CPU in the OS's order, over the `cpuUsage` window; empty when unknown. */
  readonly cpuCores: readonly number[];
  /** The kinds of core, fastest first, on machines with more than one kind; else empty. */
  readonly cpuCoreLevels: readonly CoreLevel[];
  /** Load averages, or null when not read. */
  readonly loadAverage: LoadAverage | null;
  /** Swap, or null when not read. */
  readonly swap: SwapUsage | null;
  /** Memory pressure, or null where the OS does not report it. */
  readonly memoryPressure: MemoryPressure | null;
  /** The default-route interface's traffic, or null without a default route or a reading. */
  readonly network: NetworkSample | null;
  /** Physical disks' throughput, or null when not read. */
  readonly diskIo: DiskIoSample | null;
  /** The battery, or null on a machine without one. */
  readonly battery: BatterySample | null;
  /** GPU busy percent 0–100, or null where no GPU reports it (never a fake 0). */
  readonly gpuUsage: number | null;
  /** CPU thermal throttling, or null where the OS has no throttle signal (most Linux VMs). */
  readonly thermal: ThermalSample | null;
}

/** The values added after the seed's six (each null or empty when not read). */
export type ExtendedReadings = Omit<
  Snapshot,
  | "cpuUsage"
  | "memoryUsage"
  | "memoryTotal"
  | "diskUsage"
  | "temperature"
  | "timestamp"
  | "topProcesses"
>;

/**
 * The values a snapshot holds when none of the sources added after the seed's six values
 * has read anything: what a frame carries for a switched-off or missing source.
 */
export const NO_EXTENDED_READINGS: ExtendedReadings = Object.freeze({
  cpuCores: Object.freeze([]) as readonly number[],
  cpuCoreLevels: Object.freeze([]) as readonly CoreLevel[],
  loadAverage: null,
  swap: null,
  memoryPressure: null,
  network: null,
  diskIo: null,
  battery: null,
  gpuUsage: null,
  thermal: null,
});

/** Health of one source, as `sample --json` and the stats line show it. */
export interface SourceStatus {
  /** ms since its last good value, or null if it never produced one. */
  ageMs: number | null;
  /** Its last failure's message while it is failing, else null. */
  error: string | null;
  /** Good readings so far. */
  samples: number;
  /** Failed attempts so far. */
  failures: number;
  /** What its last good reading cost, ms (see `SourceSink.emit`), or null before the first. */
  costMs: number | null;
  /**
   * Why its value is absent although it ran fine: it cannot see what it measures from
   * where it runs (no default route; only `lo` in a network namespace of its own). Null
   * when it sees it, or when its value is there.
   */
  unseen?: string | null;
}

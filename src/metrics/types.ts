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
}

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
}

/**
 * What a source is: each kind of reading ({@linkcode SOURCE_NAMES}) comes from one
 * independent source that produces values on its own cadence and reports its own
 * failures. Two shapes cover every platform: a *polled* source (a function run at
 * an interval, `polled_source.ts`) and a *streamed* source (a long-lived child
 * whose lines a parser turns into readings, `streamed_source.ts`).
 *
 * A source arms no timer of its own: its reads, retries and restarts are tasks
 * of the {@linkcode Schedule} it is started with, which the daemon's tick runs
 * while frames flow and the schedule's one timer runs otherwise.
 *
 * @module
 */

import type { Schedule } from "../time/schedule.ts";
import type {
  BatterySample,
  CoreLevel,
  DiskIoSample,
  LoadAverage,
  MemoryPressure,
  NetworkSample,
  ProcessSample,
  SwapUsage,
} from "./types.ts";

/** The kinds of reading, one source each. */
export const SOURCE_NAMES = [
  "cpu",
  "memory",
  "processes",
  "disk",
  "temperature",
  "load",
  "swap",
  "pressure",
  "network",
  "diskio",
  "battery",
  "gpu",
] as const;
/** One of {@linkcode SOURCE_NAMES}. */
export type SourceName = typeof SOURCE_NAMES[number];

/**
 * Sources that cannot be switched off: the seed's frame has no "absent" for their
 * values, and momentum is derived from cpu and memory.
 */
export const REQUIRED_SOURCES: readonly SourceName[] = ["cpu", "memory", "disk"];

/** What a source may report; each source fills its own fields. */
export interface Readings {
  /** Whole-machine busy percent, 0–100. */
  cpuUsage?: number;
  /** Memory in use, percent 0–100. */
  memoryUsage?: number;
  /** Physical memory, bytes. */
  memoryTotal?: number;
  /** Root volume in use, percent 0–100. */
  diskUsage?: number;
  /** °C, or null when the machine has no readable sensor. */
  temperature?: number | null;
  /** Busiest processes, descending by cpu. */
  topProcesses?: ProcessSample[];
  /** Per-core busy percent, the OS's order (the cpu source). */
  cpuCores?: readonly number[];
  /** Core kinds, fastest first (the cpu source; static). */
  cpuCoreLevels?: readonly CoreLevel[];
  /** Load averages (the load source). */
  loadAverage?: LoadAverage | null;
  /** Swap (the swap source). */
  swap?: SwapUsage | null;
  /** Memory pressure (the pressure source); null where the OS does not report it. */
  memoryPressure?: MemoryPressure | null;
  /** Default-route traffic (the network source); null without a default route. */
  network?: NetworkSample | null;
  /** Physical disks' throughput (the diskio source). */
  diskIo?: DiskIoSample | null;
  /** Battery (the battery source); null on a machine without one. */
  battery?: BatterySample | null;
  /** GPU busy percent (the gpu source); null where no GPU reports it. */
  gpuUsage?: number | null;
}

/** Where a running source delivers. */
export interface SourceSink {
  /**
   * A good reading, and what producing it cost in ms: the wall time of a polled
   * read (a spawned tool's run included), or the parse time of a streamed one.
   */
  emit(readings: Readings, costMs?: number): void;
  /** A failed attempt; the source retries by itself. */
  fail(error: Error): void;
}

/** One independent producer of readings. */
export interface Source {
  /** Which reading it produces. */
  readonly name: SourceName;
  /**
   * Start producing about every `intervalMs` into `sink`, as tasks of `schedule`
   * (restarts with the new cadence if already running).
   */
  start(intervalMs: number, sink: SourceSink, schedule: Schedule): void;
  /** Stop, cancel any run in flight and leave no timer or child behind. */
  stop(): Promise<void>;
}

/**
 * What a source is: each kind of reading ({@linkcode SOURCE_NAMES}, declared in
 * `sources.ts`) comes from one independent source that produces values on its own
 * cadence and reports its own failures. Two shapes cover every platform: a *polled* source (a function run at
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
import { SOURCE_NAMES, type SourceName, SOURCES } from "./sources.ts";
import type { ReadingKey } from "./reading.ts";
import type { Snapshot } from "./types.ts";

export { SOURCE_NAMES, type SourceName };

/**
 * Sources that cannot be switched off: the seed's frame has no "absent" for their
 * values, and momentum is derived from cpu and memory.
 */
export const REQUIRED_SOURCES: readonly SourceName[] = Object.freeze(
  SOURCE_NAMES.filter((name) => SOURCES[name].required),
);

/**
 * What a source may report: each source fills the readings declared as its own, and
 * `unseen` says why its value is absent although it ran fine (it cannot see what it
 * measures): reported in the source's health, never in frames.
 */
export type Readings = Partial<Pick<Snapshot, ReadingKey>> & { unseen?: string };

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
   * Fed by a long-lived child: starting it again restarts the child (a polled source reads
   * at once instead), so the sampler never restarts it just for one more reading.
   */
  readonly streamed: boolean;
  /**
   * Start producing about every `intervalMs` into `sink`, as tasks of `schedule`
   * (restarts with the new cadence if already running).
   */
  start(intervalMs: number, sink: SourceSink, schedule: Schedule): void;
  /** Stop, cancel any run in flight and leave no timer or child behind. */
  stop(): Promise<void>;
}

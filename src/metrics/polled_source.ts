/**
 * The polled source: a function run at an interval as tasks of the schedule, with
 * a doubling retry delay after a failure.
 *
 * @module
 */

import { Backoff } from "../time/backoff.ts";
import type { Schedule } from "../time/schedule.ts";
import type { Readings, Source, SourceName, SourceSink } from "./source.ts";

/**
 * What a polled source runs: one reading, or a failure (thrown or rejected). `intervalMs` is
 * the cadence it runs at now (a polled source always passes it): a reading over a window (a
 * rate, the CPU) starts its window afresh when the previous sample is too old for it.
 */
export type PolledRead = (
  signal: AbortSignal,
  intervalMs?: number,
) => Promise<Readings> | Readings;

/**
 * The reads a platform module provides, by the source each one is: a reader module
 * that adds a source adds it here, and the platform runs it with no edit of its own.
 */
export type PolledReads = Partial<Record<SourceName, PolledRead>>;

/** A polled source for each of `reads`. */
export function polledSources(reads: PolledReads): Source[] {
  return Object.entries(reads).map(([name, read]) => polledSource(name as SourceName, read));
}

/** Longest pause between retries of a failing polled source. */
export const MAX_RETRY_MS = 60_000;

/**
 * A source that runs `read` every `intervalMs` (never two runs at once). A failure
 * is reported and retried after a doubling delay (interval × 2, × 4, … up to
 * {@linkcode MAX_RETRY_MS}, never shorter than the interval); success resets it.
 * Calling `start` again changes the cadence: a run in flight finishes (its work is
 * not thrown away), otherwise the next run happens at once.
 *
 * Runs keep to the interval's grid; each is a task of the schedule, so while
 * frames flow it runs inside the first tick at or after its time.
 */
export function polledSource(
  name: SourceName,
  read: PolledRead,
): Source {
  let active = false;
  let intervalMs = 0;
  let sink: SourceSink | null = null;
  let schedule: Schedule | null = null;
  let backoff = new Backoff({ initialMs: 1, maxMs: 1 });
  let dueAt = 0;
  let cancel: (() => void) | undefined;
  let abort: AbortController | undefined;
  let running: Promise<void> | null = null;
  // Set for the whole of a run: `running` is assigned only after run() returns its promise,
  // which a read that throws synchronously has already settled.
  let inFlight = false;

  const run = async () => {
    inFlight = true;
    cancel = undefined;
    abort = new AbortController();
    const clock = schedule!.clock;
    const started = clock.now();
    let delay = intervalMs;
    try {
      const readings = await read(abort.signal, intervalMs);
      if (active) sink?.emit(readings, clock.now() - started);
      backoff.reset();
    } catch (error) {
      if (!active) return; // stopped meanwhile: the abort is not a failure
      sink?.fail(error instanceof Error ? error : new Error(String(error)));
      delay = Math.max(intervalMs, backoff.next());
    } finally {
      inFlight = false;
    }
    if (!active) return;
    // Due one delay after this run was due (it may have started late, at a tick); never in
    // the past, so a read slower than its interval or a freeze causes no burst.
    dueAt = Math.max(dueAt + delay, clock.now());
    cancel = schedule!.at(dueAt, () => running = run());
  };

  return {
    name,
    streamed: false,
    start(newIntervalMs, newSink, newSchedule) {
      active = true;
      intervalMs = newIntervalMs;
      sink = newSink;
      schedule = newSchedule;
      // A failing read retries after twice the interval, then four times, … up to a minute.
      backoff = new Backoff({ initialMs: 2 * intervalMs, maxMs: MAX_RETRY_MS });
      if (inFlight) return; // the run in flight reschedules with the new interval
      cancel?.();
      dueAt = newSchedule.clock.now();
      running = run();
    },
    async stop() {
      active = false;
      cancel?.();
      cancel = undefined;
      abort?.abort();
      await running?.catch(() => {});
    },
  };
}

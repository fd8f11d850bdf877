/**
 * Sources: each kind of reading (cpu, memory, processes, disk, temperature)
 * comes from one independent source that produces values on its own cadence and
 * reports its own failures. Two shapes cover every platform: a *polled* source
 * (a function run on a timer) and a *streamed* source (a long-lived child whose
 * lines a parser turns into readings).
 *
 * @module
 */

import { sharedWakeups } from "../wakeups.ts";
import { LineChild } from "../process/line_child.ts";
import type { ProcessSample } from "./types.ts";

/** The kinds of reading, one source each. */
export const SOURCE_NAMES = ["cpu", "memory", "processes", "disk", "temperature"] as const;
/** One of {@linkcode SOURCE_NAMES}. */
export type SourceName = typeof SOURCE_NAMES[number];

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
  /** Start producing about every `intervalMs` (restarts if already running). */
  start(intervalMs: number, sink: SourceSink): void;
  /** Stop, cancel any run in flight and leave no timer or child behind. */
  stop(): Promise<void>;
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
 * Runs keep to the interval's grid but may each come up to a quarter interval
 * late, to share a wake-up (see `src/wakeups.ts`): while frames flow they run
 * inside the daemon's ticks.
 */
export function polledSource(
  name: SourceName,
  read: (signal: AbortSignal) => Promise<Readings> | Readings,
): Source {
  let active = false;
  let intervalMs = 0;
  let sink: SourceSink | null = null;
  let failures = 0;
  let dueAt = 0;
  let cancel: (() => void) | undefined;
  let abort: AbortController | undefined;
  let running: Promise<void> | null = null;

  const run = async () => {
    cancel = undefined;
    abort = new AbortController();
    const started = performance.now();
    let delay = intervalMs;
    try {
      const readings = await read(abort.signal);
      if (active) sink?.emit(readings, performance.now() - started);
      failures = 0;
    } catch (error) {
      if (!active) return; // stopped meanwhile: the abort is not a failure
      failures++;
      sink?.fail(error instanceof Error ? error : new Error(String(error)));
      delay = Math.max(intervalMs, Math.min(MAX_RETRY_MS, intervalMs * 2 ** failures));
    } finally {
      running = null;
    }
    if (!active) return;
    // Due one delay after this run was due (it may have started late to share a wake-up);
    // never in the past, so a read slower than its interval or a freeze causes no burst.
    dueAt = Math.max(dueAt + delay, performance.now());
    cancel = sharedWakeups.at(dueAt, intervalMs / 4, () => running = run());
  };

  return {
    name,
    start(newIntervalMs, newSink) {
      active = true;
      intervalMs = newIntervalMs;
      sink = newSink;
      if (running) return; // the run in flight reschedules with the new interval
      cancel?.();
      failures = 0;
      dueAt = performance.now();
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

/** How a streamed source turns its child's lines into readings. */
export interface LineParser {
  /** One line of output: a reading when the line completes one, else null. May throw. */
  line(text: string): Readings | null;
}

/** The child a streamed source runs and how it parses it. */
export interface StreamedSpec {
  /** Absolute path of the tool. */
  path: string;
  /** Arguments for a given interval (e.g. `["1"]` for `vm_stat 1`). */
  args(intervalMs: number): string[];
  /** A fresh parser for each child run. */
  parser(): LineParser;
  /** Kill and restart the child when no line arrives for this long (default 3 intervals + 5 s). */
  stallMs?(intervalMs: number): number;
}

/**
 * A source fed by one long-lived child (e.g. `vm_stat 1`, `top -b -d 2`). A child
 * that exits, stalls or prints something unparsable is reported and restarted
 * with backoff; the parser is fresh for every run. "Unparsable" means
 * {@linkcode GARBAGE_LINES} lines in a row the parser rejects: such a child is
 * killed rather than left burning CPU on output nobody can read.
 */
export function streamedSource(name: SourceName, spec: StreamedSpec): Source {
  let child: LineChild | undefined;
  let stopping: Promise<void> = Promise.resolve();
  let garbageRestarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  const source: Source = {
    name,
    start(intervalMs, sink) {
      clearTimeout(restartTimer);
      const previous = child;
      if (previous) stopping = Promise.all([stopping, previous.stop()]).then(() => {});
      let parser = spec.parser();
      let run = 0;
      let parseMs = 0; // parse time of the lines behind the next reading
      let badLines = 0;
      const current: LineChild = new LineChild({
        path: spec.path,
        args: spec.args(intervalMs),
        stallMs: spec.stallMs?.(intervalMs) ?? intervalMs * 3 + 5000,
        onLine(text) {
          if (current.restarts !== run) { // the child was restarted: parse its output afresh
            run = current.restarts;
            parser = spec.parser();
          }
          const started = performance.now();
          let reading: Readings | null;
          try {
            reading = parser.line(text);
          } catch (error) {
            if (++badLines === GARBAGE_LINES && child === current) {
              // Kill it and start afresh after a doubling pause (1 s, 2 s, … 60 s).
              const pause = Math.min(MAX_RETRY_MS, 1000 * 2 ** garbageRestarts++);
              stopping = Promise.all([stopping, current.stop()]).then(() => {});
              restartTimer = setTimeout(() => {
                if (child === current) source.start(intervalMs, sink);
              }, pause);
            }
            throw error; // reported (once per distinct failure) through onError
          } finally {
            parseMs += performance.now() - started;
          }
          badLines = 0;
          if (reading) {
            garbageRestarts = 0;
            sink.emit(reading, parseMs);
            parseMs = 0;
          }
        },
        onError(failure) {
          sink.fail(failure);
        },
      });
      child = current;
      current.start();
    },
    async stop() {
      clearTimeout(restartTimer);
      const current = child;
      child = undefined;
      await Promise.all([stopping, current?.stop()]);
    },
  };
  return source;
}

/** Consecutive unparsable lines after which a streamed source's child is restarted. */
export const GARBAGE_LINES = 200;

/**
 * A source that runs `primary` until it fails in a way `fallBack` recognises,
 * then runs `secondary` for the rest of the process's life (e.g. interval-mode
 * `vm_stat 1` whose columns are not recognised → one-shot `vm_stat` polls).
 */
export function fallbackSource(
  primary: Source,
  secondary: Source,
  fallBack: (error: Error) => boolean,
): Source {
  let fellBack = false;
  let stopping: Promise<void> = Promise.resolve();
  return {
    name: primary.name,
    start(intervalMs, sink) {
      if (fellBack) return secondary.start(intervalMs, sink);
      primary.start(intervalMs, {
        emit: (readings, costMs) => sink.emit(readings, costMs),
        fail: (error) => {
          if (fellBack || !fallBack(error)) return sink.fail(error);
          fellBack = true;
          sink.fail(new Error(`${error.message}; falling back to polling`));
          stopping = primary.stop();
          secondary.start(intervalMs, sink);
        },
      });
    },
    async stop() {
      await Promise.all([stopping, primary.stop(), secondary.stop()]);
    },
  };
}

/**
 * The streamed source (a long-lived child whose lines a parser turns into readings,
 * restarted with backoff when it dies, stalls or prints garbage) and the fallback
 * source that swaps to a second source when the first cannot work on this machine.
 *
 * @module
 */

import { Backoff } from "../time/backoff.ts";
import { LineChild } from "../process/line_child.ts";
import type { SpawnCounter } from "../process/spawn.ts";
import { MAX_RETRY_MS } from "./polled_source.ts";
import type { Readings, Source, SourceName } from "./source.ts";

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
  /** Counts each start of the child. */
  spawns?: SpawnCounter;
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
  // A child killed for printing only garbage restarts after 1 s, 2 s, … up to a minute.
  const garbageBackoff = new Backoff({ initialMs: 1000, maxMs: MAX_RETRY_MS });
  let cancelRestart: (() => void) | undefined;
  const source: Source = {
    name,
    streamed: true,
    start(intervalMs, sink, schedule) {
      cancelRestart?.();
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
        schedule,
        spawns: spec.spawns,
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
              stopping = Promise.all([stopping, current.stop()]).then(() => {});
              cancelRestart = schedule.at(schedule.clock.now() + garbageBackoff.next(), () => {
                if (child === current) source.start(intervalMs, sink, schedule);
              });
            }
            throw error; // reported (once per distinct failure) through onError
          } finally {
            parseMs += performance.now() - started;
          }
          badLines = 0;
          if (reading) {
            garbageBackoff.reset();
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
      cancelRestart?.();
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
    get streamed() {
      return (fellBack ? secondary : primary).streamed;
    },
    start(intervalMs, sink, schedule) {
      if (fellBack) return secondary.start(intervalMs, sink, schedule);
      primary.start(intervalMs, {
        emit: (readings, costMs) => sink.emit(readings, costMs),
        fail: (error) => {
          if (fellBack || !fallBack(error)) return sink.fail(error);
          fellBack = true;
          sink.fail(new Error(`${error.message}; falling back to polling`));
          stopping = primary.stop();
          secondary.start(intervalMs, sink, schedule);
        },
      }, schedule);
    },
    async stop() {
      await Promise.all([stopping, primary.stop(), secondary.stop()]);
    },
  };
}

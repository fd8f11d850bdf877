/**
 * Sources: each kind of reading (cpu, memory, processes, disk, temperature)
 * comes from one independent source that produces values on its own cadence and
 * reports its own failures. Two shapes cover every platform: a *polled* source
 * (a function run at an interval) and a *streamed* source (a long-lived child
 * whose lines a parser turns into readings).
 *
 * A source arms no timer of its own: its reads, retries and restarts are tasks
 * of the {@linkcode Schedule} it is started with, which the daemon's tick runs
 * while frames flow and the schedule's one timer runs otherwise.
 *
 * @module
 */

import { Backoff } from "../time/backoff.ts";
import type { Schedule } from "../time/schedule.ts";
import { LineChild } from "../process/line_child.ts";
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
  read: (signal: AbortSignal) => Promise<Readings> | Readings,
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
      const readings = await read(abort.signal);
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
  // A child killed for printing only garbage restarts after 1 s, 2 s, … up to a minute.
  const garbageBackoff = new Backoff({ initialMs: 1000, maxMs: MAX_RETRY_MS });
  let cancelRestart: (() => void) | undefined;
  const source: Source = {
    name,
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

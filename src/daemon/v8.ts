/**
 * The daemon's V8 flags and its periodic full garbage collection. While frames flow, V8's young-generation
 * collector promotes a steady trickle of short-lived objects into the old
 * generation, and V8 collects that only when it reaches a limit set well above
 * the live heap: left alone, the daemon's RSS climbs for its first minutes
 * before it levels off. A full collection every minute costs a few
 * milliseconds and keeps the heap at its live size from the first minute on,
 * as the JDK's periodic collections (JEP 346) do for idle services. It needs
 * V8's `gc` hook, which the runtime exposes with `--v8-flags=--expose-gc`: the
 * compiled binary has it baked in and `deno task start` passes it; without it
 * V8's own heuristics apply. BENCHMARKS.md ("Soak") has the measured cost and
 * growth.
 *
 * @module
 */

import type { Schedule } from "../time/schedule.ts";

/**
 * The V8 flags the daemon runs with: `deno task compile` bakes them in, `deno task start` passes
 * them. `--expose-gc` for the full collections above. `--single-threaded-gc` keeps V8's collector
 * on the main thread: with a heap this small, handing each young-generation collection to helper
 * threads costs more in thread wake-ups than it saves. `--no-turbofan` leaves the daemon's code to
 * V8's mid-tier compiler (Maglev): the hot path is a few small functions run 25 times a second,
 * which Maglev compiles within seconds, while the optimizing compiler's recompile buys no
 * measurable CPU and pages in its own code and working memory for good. `--single-threaded` runs
 * the rest of V8's background work (Maglev's compile jobs, sweeping) on the main thread too: each
 * worker thread otherwise grows a malloc arena of its own that glibc never shrinks, and the
 * daemon's anonymous memory creeps up in steps for as long as it runs. BENCHMARKS.md ("Where the
 * daemon's time goes", "Soak") has the side-by-side measurements.
 */
export const DAEMON_V8_FLAGS: readonly string[] = Object.freeze([
  "--expose-gc",
  "--single-threaded-gc",
  "--no-turbofan",
  "--single-threaded",
]);

/** The default interval between full collections (ms). */
export const DEFAULT_GC_INTERVAL_MS = 60_000;

/** V8's full collection when the runtime exposes it (`--expose-gc`), else null. */
export function fullCollection(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? () => void gc() : null;
}

/** Periodic full collections on a schedule, and what they report. */
export interface Collections {
  /** `"every 60s"`, `"off"`, or why it is unavailable: for the `listening` line. */
  readonly state: string;
  /** The last collection's pause (ms); null before the first or when off. */
  readonly lastPauseMs: number | null;
  /** Stops collecting. */
  stop(): void;
}

/** Runs a full collection every `intervalMs` (0: never) as a task of `schedule`. */
export function scheduleCollections(schedule: Schedule, intervalMs: number): Collections {
  const collect = intervalMs > 0 ? fullCollection() : null;
  let lastPauseMs: number | null = null;
  const stop = collect
    ? schedule.every(intervalMs, () => {
      const started = schedule.clock.now();
      collect();
      lastPauseMs = schedule.clock.now() - started;
    })
    : () => {};
  return {
    state: intervalMs === 0
      ? "off"
      : collect
      ? `every ${intervalMs / 1000}s`
      : "unavailable (run with --v8-flags=--expose-gc)",
    get lastPauseMs() {
      return lastPauseMs;
    },
    stop,
  };
}

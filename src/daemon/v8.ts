/**
 * The daemon's V8 flags and its periodic full garbage collection. While frames flow, V8's
 * young-generation collector promotes a steady trickle of short-lived objects into the old
 * generation, and V8 collects that only when it reaches a limit set well above the live heap:
 * left alone, the daemon's RSS climbs for its first minutes before it levels off. A full
 * collection every minute costs a few milliseconds and keeps the heap at its live size from the
 * first minute on, as the JDK's periodic collections (JEP 346) do for idle services. After a
 * burst of clients, one of them also returns the burst's heap pages to the OS. While nobody
 * streams, and nobody has since the last collection, a collection runs only if the heap beyond
 * its young generation (what survives young collections, and piles up) has grown by more than a
 * margin since that one: an idle daemon, or one asked for a frame now and then, promotes next
 * to nothing, and a collection that finds nothing new would be its largest cost. It needs V8's
 * `gc` hook, which the runtime exposes with `--v8-flags=--expose-gc`: the compiled binary has it
 * baked in and `deno task start` passes it; without it V8's own heuristics apply. BENCHMARKS.md
 * ("Soak") has the measured cost and growth.
 *
 * @module
 */

import { getHeapSpaceStatistics } from "node:v8";
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

/**
 * How much more memory than at its lowest the process may hold beyond the JS heap before a
 * collection gives V8's freed pages back (bytes): above what the process grows by from its
 * start to streaming and what moves while it streams, well below what a burst of hundreds of
 * clients leaves behind.
 */
export const RETAINED_MARGIN_BYTES = 16 * 1024 * 1024;

/**
 * How much the heap beyond its young generation may grow past what the last collection left
 * while nobody streams, before a due collection runs (bytes): a scraper's requests promote a
 * little now and then, and a collection for each page of it would cost more than the page.
 */
export const IDLE_GROWTH_MARGIN_BYTES = 1024 * 1024;

/** What the periodic collections use of the runtime; {@linkcode v8Runtime} is the real one. */
export interface GcRuntime {
  /** A full collection. */
  collect(): void;
  /** A full collection that also shrinks the heap and returns its freed pages to the OS. */
  reduce(): void;
  /** The process's resident memory and the JS heap's committed size, bytes. */
  memory(): { rss: number; heapTotal: number };
  /**
   * The committed size of the heap beyond its young generation, bytes: what grows only when
   * objects survive (the young generation's own size comes and goes with every allocation).
   */
  oldGeneration(): number;
}

/** V8's collections when the runtime exposes them (`--expose-gc`), else null. */
export function v8Runtime(): GcRuntime | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== "function") return null;
  return {
    collect: () => void gc(),
    // V8's "last resort" collection: what it does itself on a low-memory notification.
    reduce: () => void gc({ type: "major", execution: "sync", flavor: "last-resort" }),
    memory: () => Deno.memoryUsage(),
    oldGeneration: () => {
      let size = 0;
      for (const space of getHeapSpaceStatistics()) {
        if (!space.space_name.startsWith("new_")) size += space.space_size;
      }
      return size;
    },
  };
}

/** Periodic full collections on a schedule, and what they report. */
export interface Collections {
  /** `"every 60s"`, `"off"`, or why it is unavailable: for the `listening` line. */
  readonly state: string;
  /** The last collection's pause (ms); null before the first or when off. */
  readonly lastPauseMs: number | null;
  /** How many collections also gave freed heap pages back to the OS. */
  readonly reduced: number;
  /** How many due collections were skipped: nobody streamed and the old generation was flat. */
  readonly skipped: number;
  /** Stops collecting. */
  stop(): void;
}

/**
 * Runs a full collection every `intervalMs` (0: never) as a task of `schedule`. After it, when
 * the process holds more than {@linkcode RETAINED_MARGIN_BYTES} beyond its JS heap than it did
 * at its lowest, it runs a memory-reducing collection too: after a burst of clients, V8 frees
 * the burst's heap pages but keeps them resident, and with `--single-threaded` its own memory
 * reducer, which would return them, never runs.
 *
 * `lastStreamedMs` tells when a client last streamed (the schedule's clock; now while one
 * does). A due collection is skipped when that was before the last collection and the heap
 * beyond its young generation has not grown by more than {@linkcode IDLE_GROWTH_MARGIN_BYTES}
 * since: so the first collection after clients have left always runs, and returns what they
 * left. Without it every due collection runs.
 */
export function scheduleCollections(
  schedule: Schedule,
  intervalMs: number,
  runtime: GcRuntime | null = v8Runtime(),
  lastStreamedMs: () => number = () => schedule.clock.now(),
): Collections {
  const on = intervalMs > 0 ? runtime : null;
  let lastPauseMs: number | null = null;
  let reduced = 0;
  let skipped = 0;
  /** When the last collection started, and the old generation's size it left (none yet: -∞). */
  let collectedAt = -Infinity;
  let oldAfter = -Infinity;
  const beyondHeap = () => {
    const { rss, heapTotal } = on!.memory();
    return rss - heapTotal;
  };
  /**
   * The least memory held beyond the heap, from the start on (after a reducing collection:
   * what that one left), so that a burst before the first collection counts too.
   */
  let floor = on ? beyondHeap() : Infinity;
  const stop = on
    ? schedule.every(intervalMs, () => {
      const started = schedule.clock.now();
      const flat = on.oldGeneration() <= oldAfter + IDLE_GROWTH_MARGIN_BYTES;
      if (lastStreamedMs() < collectedAt && flat) {
        skipped++;
        return;
      }
      collectedAt = started;
      on.collect();
      const held = beyondHeap();
      if (held > floor + RETAINED_MARGIN_BYTES) {
        on.reduce();
        reduced++;
        floor = beyondHeap(); // native memory that stays raises the floor: reduce once, not always
      } else {
        floor = Math.min(floor, held);
      }
      oldAfter = on.oldGeneration();
      lastPauseMs = schedule.clock.now() - started;
    })
    : () => {};
  return {
    state: intervalMs === 0
      ? "off"
      : on
      ? `every ${intervalMs / 1000}s`
      : "unavailable (run with --v8-flags=--expose-gc)",
    get lastPauseMs() {
      return lastPauseMs;
    },
    get reduced() {
      return reduced;
    },
    get skipped() {
      return skipped;
    },
    stop,
  };
}

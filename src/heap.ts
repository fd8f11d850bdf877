/**
 * Periodic full garbage collection. While frames flow, V8's young-generation
 * collector promotes a steady trickle of short-lived objects into the old
 * generation (about 0.75 MiB a minute with ten subscribers), and V8 collects
 * that only when it reaches a limit set some 8 MiB above the live heap: left
 * alone, the daemon's RSS climbs for its first ~13 minutes before it levels
 * off. A full collection every minute (10–15 ms on the 2-vCPU VM the benchmarks
 * run on, about 0.02 % of a core) keeps the heap at its live size from the
 * first minute on, as the JDK's periodic collections (JEP 346) do for idle
 * services. It needs V8's `gc` hook, which the runtime exposes with
 * `--v8-flags=--expose-gc`: the compiled binary has it baked in and
 * `deno task start` passes it; without it V8's own heuristics apply.
 *
 * @module
 */

/**
 * The V8 flags the daemon runs with: `deno task compile` bakes them in, `deno task start` passes
 * them. `--expose-gc` for the full collections above; `--single-threaded-gc` keeps V8's collector
 * on the main thread: with a heap of under 10 MiB, handing each young-generation collection to
 * helper threads costs more in thread wake-ups than it saves (the daemon's own CPU with one
 * subscriber and no sampling was 0.90–1.00 % with it against 1.07–1.33 % without, in three A/B
 * pairs on the benchmark VM). `--no-turbofan` leaves the daemon's code to V8's mid-tier compiler
 * (Maglev): its hot path is a few small functions run 25 times a second, which Maglev compiles
 * within seconds; the optimizing compiler's recompile, about a minute in, bought no measurable CPU
 * (three side-by-side pairs of 60 s windows: 0.77, 0.81, 0.83 % without the flag, 0.78, 0.82,
 * 0.79 % with it) but paged in some 2.5 MiB of its own code and 1 MiB of working memory for good
 * (RSS +3 MiB at 65–70 s).
 */
export const DAEMON_V8_FLAGS: readonly string[] = Object.freeze([
  "--expose-gc",
  "--single-threaded-gc",
  "--no-turbofan",
]);

/** The default interval between full collections (ms). */
export const DEFAULT_GC_INTERVAL_MS = 60_000;

/** V8's full collection when the runtime exposes it (`--expose-gc`), else null. */
export function fullCollection(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? () => void gc() : null;
}

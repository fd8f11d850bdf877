/**
 * The V8 flags the exporter runs with: `deno task compile` bakes them into its binary, `deno
 * task export` passes them. A scraped exporter does a little work every few seconds and
 * nothing between. `--no-memory-reducer` stops V8 from waking the idle process every few
 * seconds after a collection to see whether the heap could shrink: for a heap this small the
 * wake-ups cost more than the memory they return. `--single-threaded` keeps V8's background
 * work (compiling, sweeping, collecting) on the main thread instead of helper threads that
 * each wake and keep memory of their own. BENCHMARKS.md ("The exporter") has the figures.
 *
 * @module
 */

/** The exporter's V8 flags. */
export const EXPORTER_V8_FLAGS: readonly string[] = Object.freeze([
  "--single-threaded",
  "--no-memory-reducer",
]);

/**
 * Wall-clock time in microseconds with sub-millisecond resolution, for
 * `sent_at_us` and for clients measuring latency against it. `Date.now()` has
 * only millisecond resolution; `performance.now()` is monotonic but does not
 * follow wall-clock steps. This clock interpolates the wall clock with the
 * monotonic one. It anchors on the instant `Date.now()` ticks over to a new
 * millisecond (so two processes agree to a few µs, not to ±1 ms), and re-anchors
 * whenever the two clocks disagree (a clock step, a long suspend), so it never
 * drifts from the wall clock.
 *
 * @module
 */

let anchorWallMs = 0;
let anchorMonoMs = 0;

/** Anchor on a millisecond edge of the wall clock (spins at most ~1 ms). */
function anchor(): void {
  const start = Date.now();
  const giveUp = performance.now() + 2;
  let wall = start;
  while (wall === start && performance.now() < giveUp) wall = Date.now();
  anchorMonoMs = performance.now();
  anchorWallMs = wall === start ? start + 0.5 : wall; // no edge seen: assume mid-millisecond
}

anchor();

/** Microseconds since the Unix epoch, wall clock, µs resolution. */
export function wallClockMicros(): number {
  let estimate = anchorWallMs + (performance.now() - anchorMonoMs);
  const wall = Date.now(); // the true time lies in [wall, wall + 1)
  if (estimate < wall - 0.5 || estimate > wall + 1.5) {
    anchor();
    estimate = anchorWallMs + (performance.now() - anchorMonoMs);
  }
  return Math.round(estimate * 1000);
}

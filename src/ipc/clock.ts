/**
 * Wall-clock time in microseconds with sub-millisecond resolution, for
 * `sent_at_us` and for clients measuring latency against it. `Date.now()` has
 * only millisecond resolution; `performance.now()` is monotonic but does not
 * follow wall-clock corrections. This clock interpolates the wall clock with the
 * monotonic one and re-anchors whenever they disagree by more than 1 ms (a clock
 * step, an NTP correction, a long suspend), so it never drifts from the wall clock.
 *
 * @module
 */

let anchorWallMs = Date.now();
let anchorMonoMs = performance.now();

/** Microseconds since the Unix epoch, wall clock, µs resolution. */
export function wallClockMicros(): number {
  const mono = performance.now();
  const wall = Date.now();
  let estimate = anchorWallMs + (mono - anchorMonoMs);
  if (Math.abs(estimate - wall) > 1) {
    anchorWallMs = wall;
    anchorMonoMs = mono;
    estimate = wall;
  }
  return Math.round(estimate * 1000);
}

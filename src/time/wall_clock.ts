/**
 * Wall-clock time in microseconds with sub-millisecond resolution, for
 * `sent_at_us` and for clients measuring latency against it. `Date.now()` has
 * only millisecond resolution; `performance.now()` is monotonic but does not
 * follow wall-clock steps. This clock interpolates the wall clock with the
 * monotonic one. It anchors on the instant `Date.now()` ticks over to a new
 * millisecond, then keeps every later reading consistent with `Date.now()`: the
 * true time lies within the millisecond it reports, so an estimate outside it is
 * nudged to its edge. Readings at random phases soon pin the estimate to within
 * tens of µs of the wall clock (the two clocks of a VM wander apart by ~0.1 ms a
 * minute, and an anchoring spin can be preempted), so two processes agree on
 * latencies of a fraction of a millisecond. A disagreement over 2 ms (a clock
 * step, a long suspend) re-anchors at once. Readings never go backwards except
 * across such a step.
 *
 * @module
 */

/** A disagreement with `Date.now()` beyond this is a clock step: anchor afresh. */
const STEP_MS = 2;
/** Readings taken further apart than this (preempted between them) correct nothing. */
const SAME_INSTANT_MS = 0.05;

/** Wall-clock microseconds, interpolated between `Date.now()`'s milliseconds. */
export class WallClock {
  #anchorWallMs = 0;
  #anchorMonoMs = 0;
  #lastMicros = 0;

  /** Anchors on the wall clock at once (spins at most ~1 ms). */
  constructor() {
    this.#anchor();
  }

  /** Microseconds since the Unix epoch, wall clock, µs resolution. */
  micros(): number {
    const before = performance.now();
    const wall = Date.now(); // the true time lies in [wall, wall + 1)
    const after = performance.now();
    let estimate = this.#anchorWallMs + ((before + after) / 2 - this.#anchorMonoMs);
    if (estimate < wall - STEP_MS || estimate > wall + 1 + STEP_MS) {
      this.#anchor();
      estimate = this.#anchorWallMs + (performance.now() - this.#anchorMonoMs);
      this.#lastMicros = 0; // the clock stepped: follow it, even backwards
    } else if (after - before < SAME_INSTANT_MS) {
      const nudge = estimate < wall
        ? wall - estimate
        : estimate >= wall + 1
        ? wall + 1 - estimate
        : 0;
      this.#anchorWallMs += nudge;
      estimate += nudge;
    }
    this.#lastMicros = Math.max(this.#lastMicros, Math.round(estimate * 1000));
    return this.#lastMicros;
  }

  /** Anchor on a millisecond edge of the wall clock (spins at most ~1 ms). */
  #anchor(): void {
    const start = Date.now();
    const giveUp = performance.now() + 2;
    let wall = start;
    while (wall === start && performance.now() < giveUp) wall = Date.now();
    this.#anchorMonoMs = performance.now();
    this.#anchorWallMs = wall === start ? start + 0.5 : wall; // no edge seen: assume mid-millisecond
  }
}

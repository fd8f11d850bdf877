/**
 * A steady periodic tick that stays near its ideal grid (start + k × period)
 * at the cost of one `setInterval`, not one `setTimeout` per tick: Deno's
 * timers are Node's, and creating one costs more CPU than a 25 Hz tick can
 * afford. An interval alone drifts, though: it runs at a whole number of
 * milliseconds and each period overshoots by a fraction of one. So the ticker
 * learns that overshoot and steers between the whole intervals that bracket
 * the true period (39 and 40 ms at 25 Hz): a tick more than the tolerance
 * late, on an interval that is not catching up, restarts it a millisecond
 * shorter; one more than that early, on an interval that is not falling back,
 * a millisecond longer. A restart is a timer creation, so the tolerance is
 * wide enough to make restarts rare (a quarter of a period, at most
 * {@linkcode MAX_TOLERANCE_MS}) rather than chasing every stray tick. Where a
 * tick sits on the grid is seen by no one: the gaps between frames are the
 * interval's either way. The average rate is exact, no tick strays much
 * further than the tolerance (plus the timer's own latency) from the grid, and
 * a tick over a period late (the process was frozen or starved) skips the
 * missed ticks rather than bursting. BENCHMARKS.md ("Where the daemon's time
 * goes") has the timer costs and restart rates.
 *
 * @module
 */

import { type Clock, systemClock, type Timer } from "./clock.ts";

/** The most a tick may stray from the grid before the interval is re-steered (ms). */
export const MAX_TOLERANCE_MS = 10;

/** Weight of a new observation in the running estimate of the overshoot. */
const LEARNING_RATE = 1 / 8;

/** Calls `onTick` every `periodMs` on average, on a `setInterval` steered onto the grid. */
export class Ticker {
  readonly #periodMs: number;
  readonly #toleranceMs: number;
  readonly #onTick: (lateMs: number, nowMs: number) => void;
  readonly #clock: Clock;
  #timer: Timer | undefined;
  #intervalMs: number;
  #dueMs = 0;
  #lastTickMs = 0;
  /** How much longer than its interval a period of the running timer lasts (ms, learned). */
  #overshootMs = 0.5;

  /**
   * A ticker of `periodMs`, not ticking until started.
   * @param periodMs the period, any positive number of milliseconds
   * @param onTick called each tick with how late it is against the grid (ms; negative if
   * early) and the tick's time on `clock`
   * @param clock the clock whose interval timer ticks (default: the system clock)
   */
  constructor(
    periodMs: number,
    onTick: (lateMs: number, nowMs: number) => void,
    clock: Clock = systemClock,
  ) {
    this.#periodMs = periodMs;
    this.#clock = clock;
    this.#onTick = onTick;
    this.#toleranceMs = Math.min(MAX_TOLERANCE_MS, periodMs / 4);
    this.#intervalMs = Math.max(1, Math.floor(periodMs - this.#overshootMs));
  }

  /** True between {@linkcode start} and {@linkcode stop}. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Tick at once, then every period until {@linkcode stop}. Does nothing if running. */
  start(): void {
    if (this.running) return;
    this.#dueMs = this.#lastTickMs = this.#clock.now();
    this.#restart(this.#intervalMs);
    this.#tick();
  }

  /** Stop ticking (a tick may call this). */
  stop(): void {
    this.#clock.clear(this.#timer);
    this.#timer = undefined;
  }

  #restart(intervalMs: number): void {
    this.#clock.clear(this.#timer);
    this.#intervalMs = intervalMs;
    this.#timer = this.#clock.setInterval(this.#tick, intervalMs);
  }

  readonly #tick = (): void => {
    const now = this.#clock.now();
    const lateMs = now - this.#dueMs;
    const sinceLastMs = now - this.#lastTickMs;
    this.#lastTickMs = now;
    if (lateMs > this.#periodMs) {
      this.#dueMs = now + this.#periodMs; // frozen or starved: skip the missed ticks, never burst
    } else {
      this.#dueMs += this.#periodMs;
      if (sinceLastMs > 0 && sinceLastMs < 2 * this.#intervalMs) {
        this.#overshootMs += (sinceLastMs - this.#intervalMs - this.#overshootMs) * LEARNING_RATE;
      }
      // Out of tolerance and not heading back (by the learned overshoot): one ms the other way.
      const periodNowMs = this.#intervalMs + this.#overshootMs;
      if (lateMs > this.#toleranceMs && periodNowMs >= this.#periodMs && this.#intervalMs > 1) {
        this.#restart(this.#intervalMs - 1);
      } else if (lateMs < -this.#toleranceMs && periodNowMs <= this.#periodMs) {
        this.#restart(this.#intervalMs + 1);
      }
    }
    this.#onTick(lateMs, now);
  };
}

/**
 * A steady periodic tick that stays on its ideal grid (start + k × period) at
 * the cost of one `setInterval`, not one `setTimeout` per tick. Deno's timers
 * are Node's: creating one costs 80–180 µs of CPU on the 2-vCPU VM the
 * benchmarks run on (a bare `setTimeout` chain at 25 Hz costs ~1.0 % of a core,
 * a `setInterval` ~0.67 %). An interval alone drifts, though: it runs at a
 * whole number of milliseconds and each period overshoots by a fraction of one
 * (40 → ~40.9 ms, 24.5 Hz). So the ticker steers: a tick more than
 * {@linkcode TOLERANCE_MS} late restarts the interval one millisecond shorter,
 * one more than that early restarts it one longer. It settles between the two whole
 * periods that bracket the true one, restarting every few ticks; the average
 * rate is exact and no tick strays further than the tolerance (plus the
 * timer's own latency) from the grid. A tick over a period late (the process
 * was frozen or starved) skips the missed ticks rather than bursting.
 *
 * @module
 */

/** How far a tick may stray from the grid before the interval is re-steered (ms; at most a quarter period). */
export const TOLERANCE_MS = 2;

/** Calls `onTick` every `periodMs` on average, on a `setInterval` steered onto the grid. */
export class Ticker {
  readonly #periodMs: number;
  readonly #toleranceMs: number;
  readonly #onTick: (lateMs: number) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #intervalMs: number;
  #dueMs = 0;

  /**
   * @param periodMs the period, any positive number of milliseconds
   * @param onTick called each tick with how late it is against the grid (ms; negative if early)
   */
  constructor(periodMs: number, onTick: (lateMs: number) => void) {
    this.#periodMs = periodMs;
    this.#onTick = onTick;
    this.#toleranceMs = Math.min(TOLERANCE_MS, periodMs / 4);
    this.#intervalMs = Math.max(1, Math.floor(periodMs));
  }

  /** True between {@linkcode start} and {@linkcode stop}. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Tick at once, then every period until {@linkcode stop}. Does nothing if running. */
  start(): void {
    if (this.running) return;
    this.#dueMs = performance.now();
    this.#restart(this.#intervalMs);
    this.#tick();
  }

  /** Stop ticking (a tick may call this). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #restart(intervalMs: number): void {
    clearInterval(this.#timer);
    this.#intervalMs = intervalMs;
    this.#timer = setInterval(this.#tick, intervalMs);
  }

  readonly #tick = (): void => {
    const now = performance.now();
    const lateMs = now - this.#dueMs;
    if (lateMs > this.#periodMs) {
      this.#dueMs = now + this.#periodMs; // frozen or starved: skip the missed ticks, never burst
    } else {
      this.#dueMs += this.#periodMs;
      if (lateMs > this.#toleranceMs && this.#intervalMs > 1) this.#restart(this.#intervalMs - 1);
      else if (lateMs < -this.#toleranceMs) this.#restart(this.#intervalMs + 1);
    }
    this.#onTick(lateMs);
  };
}

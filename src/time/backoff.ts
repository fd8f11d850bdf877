/**
 * The one retry policy: wait longer after each failure in a row, up to a
 * ceiling, and start again from the shortest wait after a success. Every retry
 * loop (a failing polled source, a child that keeps exiting or printing garbage,
 * a client reconnecting) uses it.
 *
 * @example
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const backoff = new Backoff({ initialMs: 100, maxMs: 1000 });
 * console.log(backoff.next(), backoff.next(), backoff.next()); // 100 200 400
 * backoff.reset();
 * console.log(backoff.next()); // 100
 * ```
 *
 * @module
 */

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** The wait after the first failure (ms). */
  initialMs: number;
  /** The longest wait (ms). */
  maxMs: number;
  /** How much longer each further wait is (default 2). */
  factor?: number;
}

/** Doubling (or `factor`-fold) waits between retries, capped at `maxMs`. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  #failures = 0;

  /** A backoff with no failures yet. */
  constructor(options: BackoffOptions) {
    this.#initialMs = options.initialMs;
    this.#maxMs = Math.max(options.initialMs, options.maxMs);
    this.#factor = options.factor ?? 2;
  }

  /** Failures since the last {@linkcode reset}. */
  get failures(): number {
    return this.#failures;
  }

  /** The wait before the next retry after one more failure. */
  next(): number {
    const wait = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#failures);
    this.#failures++;
    return wait;
  }

  /** A success: the next failure waits the shortest time again. */
  reset(): void {
    this.#failures = 0;
  }
}

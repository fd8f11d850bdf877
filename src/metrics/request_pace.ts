/**
 * Whether requests for frames come often enough to read the idle sampler's slow sources on
 * them. A scraper asks every so often while nobody streams; each request reads the fast
 * sources anyway, in one `grep` on Linux. When the slow sources also read on their own idle
 * timers, each of those reads is one more wake-up and one more spawn between two requests.
 * While requests come at least once per idle interval, the slow sources instead read at the
 * first request at which their reading is an idle interval old, in the same batch as the
 * fast ones; their own timers wait behind.
 *
 * @module
 */

import type { Schedule } from "../time/schedule.ts";

/**
 * How much earlier than one idle interval after its last reading a slow source is read at a
 * request (ms): a request that comes every idle interval, give or take a little, reads it at
 * every request rather than every other.
 */
export const REQUEST_SLACK_MS = 1000;

/** Requests on a schedule: whether they lead the slow sources, and which readings are due. */
export class RequestPace {
  readonly #schedule: Schedule;
  readonly #idleMs: number;
  readonly #onEnd: () => void;
  #lastMs = -Infinity;
  #leading = false;
  #cancelEnd: (() => void) | undefined;

  /**
   * Requests on `schedule`'s clock, with the sampler's idle interval `idleMs`; `onEnd` runs
   * when no request has come for an idle interval while they led (not on {@linkcode end}).
   */
  constructor(schedule: Schedule, idleMs: number, onEnd: () => void) {
    this.#schedule = schedule;
    this.#idleMs = idleMs;
    this.#onEnd = onEnd;
  }

  /** Whether requests lead the slow sources now. */
  get leading(): boolean {
    return this.#leading;
  }

  /**
   * A request now. Returns `"start"` when it is the one that makes requests lead (it came
   * within an idle interval of the one before), `"lead"` when they led already, else null.
   */
  request(): "start" | "lead" | null {
    const now = this.#schedule.clock.now();
    const often = now - this.#lastMs <= this.#idleMs;
    this.#lastMs = now;
    if (!often) return null;
    this.#cancelEnd?.();
    this.#cancelEnd = this.#schedule.at(now + this.#idleMs, () => {
      this.#cancelEnd = undefined;
      this.#leading = false;
      this.#onEnd();
    });
    if (this.#leading) return "lead";
    this.#leading = true;
    return "start";
  }

  /** Whether a slow source last read at `lastMs` reads at this request. */
  due(lastMs: number): boolean {
    return this.#schedule.clock.now() - lastMs >= this.#idleMs - REQUEST_SLACK_MS;
  }

  /** Requests lead no more (a client streams, the sampler stops); the next two lead again. */
  end(): void {
    this.#cancelEnd?.();
    this.#cancelEnd = undefined;
    this.#leading = false;
    this.#lastMs = -Infinity;
  }
}

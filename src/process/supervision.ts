/**
 * The two rules that decide when a `LineChild` restarts its child: {@linkcode RestartBackoff}
 * (how long to wait before the next start) and {@linkcode StallWatch} (when a silent child counts
 * as stalled).
 *
 * @example
 * ```ts
 * import { RestartBackoff, StallWatch } from "./supervision.ts";
 * const backoff = new RestartBackoff(250, 30_000);
 * backoff.grow(); // backoff.delayMs is now 500
 * const watch = new StallWatch(performance.now(), 10_000, () => console.log("stalled"));
 * watch.seen(performance.now());
 * watch.stop();
 * ```
 *
 * @module
 */

/**
 * A stall check firing this much later than it was due means the event loop itself was frozen
 * (the daemon stopped or suspended), so the silence it measured is not the child's.
 */
const FROZEN_MS = 1000;

/** The delay before the next restart: starts at `startMs`, doubles up to `maxMs`. */
export class RestartBackoff {
  /** The delay to wait before the next restart. */
  delayMs: number;

  /** Starts at `startMs`; never waits longer than `maxMs`. */
  constructor(
    /** The first delay, in ms. */
    readonly startMs: number,
    /** The longest delay, in ms. */
    readonly maxMs: number,
  ) {
    this.delayMs = startMs;
  }

  /** After a restart: the next delay doubles, up to the maximum. */
  grow(): void {
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
  }

  /** A fresh start or a healthy child: back to the first delay. */
  reset(): void {
    this.delayMs = this.startMs;
  }
}

/** Calls `onStall` once when no line was {@linkcode StallWatch.seen} for `stallMs`. */
export class StallWatch {
  readonly #stallMs: number;
  readonly #onStall: () => void;
  #lastLine: number;
  #due: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Arms the first check `stallMs` after `started` (a `performance.now()` time). */
  constructor(started: number, stallMs: number, onStall: () => void) {
    this.#stallMs = stallMs;
    this.#onStall = onStall;
    this.#lastLine = started;
    this.#due = started + stallMs;
    this.#timer = setTimeout(this.#check, stallMs);
  }

  /** A line arrived at `now`. */
  seen(now: number): void {
    this.#lastLine = now;
  }

  /** The child has exited: no more checks. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  #check = (): void => {
    const now = performance.now();
    // Fired long after it was due: this process was not running (SIGSTOP, Ctrl-Z, a paused
    // VM) and the child's lines may be waiting unread in the pipe. Not the child's silence:
    // give it a fresh window instead of killing a healthy child on every resume.
    if (now - this.#due > FROZEN_MS) this.#lastLine = now;
    const idle = now - this.#lastLine;
    if (idle < this.#stallMs) {
      this.#due = now + this.#stallMs - idle;
      this.#timer = setTimeout(this.#check, this.#stallMs - idle);
      return;
    }
    this.#timer = undefined;
    this.#onStall();
  };
}

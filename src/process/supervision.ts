/**
 * When a `LineChild` counts as stalled: {@linkcode StallWatch} checks, as a task of
 * the child's schedule, that a line arrived within the stall window. A check that
 * runs long after it was due means this process was frozen ({@linkcode wasFrozen}),
 * and the silence it measured is not the child's.
 *
 * @example
 * ```ts
 * import { StallWatch } from "./supervision.ts";
 * import { Schedule } from "../time/schedule.ts";
 * import { systemClock } from "../time/clock.ts";
 * const schedule = new Schedule(systemClock);
 * const watch = new StallWatch(schedule, 10_000, () => console.log("stalled"));
 * watch.seen(systemClock.now());
 * watch.stop();
 * ```
 *
 * @module
 */

import { wasFrozen } from "../time/freeze.ts";
import type { Schedule } from "../time/schedule.ts";

/** Calls `onStall` once when no line was {@linkcode StallWatch.seen} for `stallMs`. */
export class StallWatch {
  readonly #schedule: Schedule;
  readonly #stallMs: number;
  readonly #onStall: () => void;
  #lastLine: number;
  #due: number;
  #cancel: () => void;

  /** Arms the first check `stallMs` from now on `schedule`. */
  constructor(schedule: Schedule, stallMs: number, onStall: () => void) {
    this.#schedule = schedule;
    this.#stallMs = stallMs;
    this.#onStall = onStall;
    this.#lastLine = schedule.clock.now();
    this.#due = this.#lastLine + stallMs;
    this.#cancel = schedule.at(this.#due, this.#check);
  }

  /** A line arrived at `now`. */
  seen(now: number): void {
    this.#lastLine = now;
  }

  /** The child has exited: no more checks. */
  stop(): void {
    this.#cancel();
  }

  #check = (): void => {
    const now = this.#schedule.clock.now();
    // This process was not running (SIGSTOP, Ctrl-Z, a paused VM): the child's lines may be
    // waiting unread in the pipe. Give it a fresh window instead of killing a healthy child.
    if (wasFrozen(now - this.#due)) this.#lastLine = now;
    const idle = now - this.#lastLine;
    if (idle < this.#stallMs) {
      this.#due = now + this.#stallMs - idle;
      this.#cancel = this.#schedule.at(this.#due, this.#check);
      return;
    }
    this.#onStall();
  };
}

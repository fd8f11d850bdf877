/**
 * A {@linkcode Clock} whose time moves only when a test advances it: timers fire
 * in due order, each at its own time, so scheduling tests are exact and instant.
 *
 * @module
 */

import type { Clock, Timer } from "../../src/time/clock.ts";

interface VirtualTimer {
  id: number;
  dueMs: number;
  everyMs: number | null;
  fn: () => void;
}

/** Options of {@linkcode VirtualClock}. */
export interface VirtualClockOptions {
  /** Where time starts (ms, default 1000). */
  startMs?: number;
  /**
   * How much longer than asked each period of an interval timer lasts (ms, default 0),
   * as a real runtime's does: it fires on whole milliseconds and a little late.
   */
  intervalOvershootMs?: number;
}

/** Virtual monotonic time, advanced by {@linkcode VirtualClock.advance}. */
export class VirtualClock implements Clock {
  #nowMs: number;
  #nextId = 1;
  readonly #overshootMs: number;
  readonly #timers = new Map<number, VirtualTimer>();
  /** Intervals created so far. */
  intervalsCreated = 0;

  /** A clock with no timers; a number is the start time. */
  constructor(options: VirtualClockOptions | number = {}) {
    const { startMs = 1000, intervalOvershootMs = 0 } = typeof options === "number"
      ? { startMs: options }
      : options;
    this.#nowMs = startMs;
    this.#overshootMs = intervalOvershootMs;
  }

  /** Timers pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the earliest pending timer fires (ms on this clock), or null when none is pending. */
  get nextDueMs(): number | null {
    let next: number | null = null;
    for (const timer of this.#timers.values()) {
      if (next === null || timer.dueMs < next) next = timer.dueMs;
    }
    return next;
  }

  /** The current virtual time. */
  now(): number {
    return this.#nowMs;
  }

  /** A one-shot timer. */
  setTimeout(fn: () => void, ms: number): Timer {
    return this.#add(fn, ms, null);
  }

  /** A repeating timer. */
  setInterval(fn: () => void, ms: number): Timer {
    this.intervalsCreated++;
    const period = Math.max(1, ms) + this.#overshootMs;
    return this.#add(fn, period, period);
  }

  /** Cancels a timer. */
  clear(timer: Timer | undefined): void {
    if (typeof timer === "number") this.#timers.delete(timer);
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way at its
   * own time (a timer set by a firing timer fires too if it falls within the span).
   * Awaits a macrotask turn before each firing, so promise callbacks run first.
   */
  async advance(ms: number): Promise<void> {
    const endMs = this.#nowMs + ms;
    while (true) {
      await settle(); // work started before or by the last timer may set the next one
      let next: VirtualTimer | null = null;
      for (const timer of this.#timers.values()) {
        if (timer.dueMs <= endMs && (next === null || timer.dueMs < next.dueMs)) next = timer;
      }
      if (next === null) break;
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      if (next.everyMs === null) this.#timers.delete(next.id);
      else next.dueMs = this.#nowMs + next.everyMs; // as Node's: the next period starts now
      next.fn();
      await settle();
    }
    this.#nowMs = endMs;
    await settle();
  }

  /** Moves time forward without firing anything (the process was frozen). */
  jump(ms: number): void {
    this.#nowMs += ms;
  }

  #add(fn: () => void, ms: number, everyMs: number | null): Timer {
    const id = this.#nextId++;
    this.#timers.set(id, { id, dueMs: this.#nowMs + Math.max(0, ms), everyMs, fn });
    return id;
  }
}

/** Lets pending promise callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

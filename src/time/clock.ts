/**
 * The one notion of time the daemon and its client use: a monotonic clock in
 * milliseconds and the timers that fire on it. Everything that waits or measures
 * takes a {@linkcode Clock}, so tests drive it with a virtual one and run
 * deterministically; production code uses {@linkcode systemClock}.
 *
 * @example
 * ```ts
 * import { sleep, systemClock } from "./clock.ts";
 * const started = systemClock.now();
 * await sleep(systemClock, 10);
 * console.log(systemClock.now() - started >= 10);
 * ```
 *
 * @module
 */

import { type QueuedTimer, TimerQueue } from "./timer_queue.ts";

/** An opaque timer handle from {@linkcode Clock.setTimeout} or {@linkcode Clock.setInterval}. */
export type Timer = unknown;

/** Monotonic time and timers. */
export interface Clock {
  /** Milliseconds on a monotonic clock (never goes back, not the wall clock). */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Calls `fn` every `ms` until cleared. */
  setInterval(fn: () => void, ms: number): Timer;
  /** Cancels a timer of either kind; a cleared or fired timer is ignored. */
  clear(timer: Timer | undefined): void;
}

/** An interval of {@linkcode systemClock}: the runtime's own, told apart from queued timeouts. */
class RuntimeInterval {
  constructor(readonly id: ReturnType<typeof setInterval>) {}
}

/**
 * The runtime's timeouts behind one queue (`timer_queue.ts`): the process wakes for the
 * earliest timeout still wanted, not for every one set and cleared since. It is per process
 * because the runtime's timers are.
 */
const runtimeTimeouts = new TimerQueue({
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  defer: (fn) => queueMicrotask(fn),
});

/**
 * The process's real clock: `performance.now()`, timeouts on the runtime's timers through
 * one queue, intervals on the runtime's own (the tick's fires every period anyway).
 */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): Timer => runtimeTimeouts.set(fn, ms),
  setInterval: (fn: () => void, ms: number): Timer => new RuntimeInterval(setInterval(fn, ms)),
  clear(timer: Timer | undefined): void {
    if (timer instanceof RuntimeInterval) clearInterval(timer.id);
    else if (timer !== undefined) runtimeTimeouts.cancel(timer as QueuedTimer);
  },
});

/**
 * Resolves after `ms` on `clock`; rejects with the signal's reason as soon as `signal`
 * aborts (at once if it already has), leaving no timer behind.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clear(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

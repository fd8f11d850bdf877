/**
 * Waiting for sources to report: each source the sampler holds keeps a list of waiters it
 * wakes whenever it delivers a reading or a failure (or stops, or pauses).
 *
 * @module
 */

import type { Clock } from "../time/clock.ts";

/** Something that wakes its waiters when its state changes. */
export interface Waitable {
  /** Called (and emptied) at each change. */
  waiters: (() => void)[];
}

/**
 * Resolves once `done` holds for each of `items` (checked at each of their changes), or after
 * `timeoutMs` on `clock`.
 */
export async function untilEach<T extends Waitable>(
  items: T[],
  done: (item: T) => boolean,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  const until = (item: T) =>
    new Promise<void>((resolve) => {
      const check = () => done(item) ? resolve() : item.waiters.push(check);
      check();
    });
  let timer: unknown;
  await Promise.race([
    Promise.all(items.map(until)),
    new Promise<void>((resolve) => timer = clock.setTimeout(resolve, timeoutMs)),
  ]);
  clock.clear(timer);
}

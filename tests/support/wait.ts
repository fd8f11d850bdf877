/**
 * Waiting on a condition in end-to-end tests, where the only signal is polling.
 *
 * @module
 */

import { setTimeout as delay } from "node:timers/promises";

/** Polls `cond` every 20 ms up to `ms`; returns whether it became true. */
export async function poll(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (true) {
    if (await cond()) return true;
    if (performance.now() > end) return false;
    await delay(20);
  }
}

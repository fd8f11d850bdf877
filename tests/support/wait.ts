/**
 * Waiting on a condition in end-to-end tests, where the only signal is polling.
 *
 * @module
 */

import assert from "node:assert/strict";
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

/** Polls `cond` every 20 ms; fails the test with `what` after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  if (!(await poll(cond, ms))) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

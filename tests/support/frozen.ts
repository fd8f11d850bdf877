/**
 * Deeply frozen test data, so a test that hands a snapshot to the encoder fails
 * loudly if anything on the way writes to it.
 *
 * @example
 * ```ts
 * import { deepFreeze } from "./frozen.ts";
 * const s = deepFreeze({ topProcesses: [{ pid: 1 }] });
 * Object.isFrozen(s.topProcesses[0]); // true
 * ```
 *
 * @module
 */

/** Freeze `value` and every object and array it reaches; returns `value`. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Measurements an end-to-end test prints on request: quiet by default, so a passing run stays
 * short, and on when the named environment variable is set.
 *
 * @example
 * ```ts
 * import { noteWhen } from "./note.ts";
 *
 * const note = noteWhen("DAEMON_TEST_VERBOSE");
 * note("rate", { rate: 25.1 }); // printed only when DAEMON_TEST_VERBOSE is set
 * ```
 *
 * @module
 */

/** A `console.log` that prints only while the environment variable `variable` is set. */
export function noteWhen(variable: string): (...what: unknown[]) => void {
  return (...what) => {
    if (Deno.env.get(variable)) console.log(...what);
  };
}

/**
 * The check every refusal passes: the program exits with its code and says why in exactly
 * one line of its own (`opta-metrics: …`), with no stack trace and no "internal error".
 *
 * @example
 * ```ts
 * import { assertOneLine } from "./one_line.ts";
 * assertOneLine({ code: 1, lines: ["opta-metrics: no such socket"] }, /no such socket/);
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";

/** A finished run as far as a refusal shows: its exit code and its stderr lines. */
export interface Refused {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  /** Its stderr, one entry a line. */
  lines: string[];
}

/** `run` exited `code` and printed one `opta-metrics:` line matching `pattern`; returns it. */
export function assertOneLine(run: Refused, pattern: RegExp, code = 1): string {
  assert.equal(run.code, code, run.lines.join("\n"));
  assert.equal(run.lines.length, 1, `one line expected, got:\n${run.lines.join("\n")}`);
  const [line] = run.lines;
  assert.match(line, pattern);
  assert.ok(line.startsWith("opta-metrics: "), line);
  assert.doesNotMatch(line, /internal error|\bat .*\.ts:\d+/);
  return line;
}

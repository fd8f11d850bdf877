/**
 * The real macOS captures in `../shared/fixtures/darwin/` (outside the project,
 * never copied into it) and the ParseError assertion every parser test uses.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ParseError } from "../../src/metrics/parse_error.ts";

/** Where the captures live: `<workspace>/shared/fixtures/darwin/`. */
export const FIXTURES = new URL("../../../shared/fixtures/darwin/", import.meta.url);

const haveFixtures = (() => {
  try {
    return Deno.statSync(FIXTURES).isDirectory;
  } catch {
    return false;
  }
})();

const MISSING = haveFixtures ? "" : ` [SKIPPED: fixtures folder ${FIXTURES.pathname} is missing]`;

/** A test that needs the captures: ignored, with the reason in its name, when they are absent. */
export function fixtureTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: name + MISSING, ignore: !haveFixtures, fn });
}

/** The text of one capture. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

/** Assert that `fn` throws a ParseError from `source` naming `line` (and containing `includes`). */
export function assertParseError(
  fn: () => unknown,
  source: string,
  line: number,
  includes?: string,
): ParseError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ParseError, `expected ParseError, got ${caught}`);
  assert.equal(caught.source, source);
  assert.equal(caught.line, line);
  if (line > 0) assert.match(caught.message, new RegExp(`^${source}: line ${line}: `));
  if (includes) assert.ok(caught.message.includes(includes), caught.message);
  return caught;
}

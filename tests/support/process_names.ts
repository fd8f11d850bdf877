/**
 * Names any local user can give a process (`prctl(PR_SET_NAME)` on Linux, the name of
 * what it runs on macOS), for the process parsers' tests: each must parse, and none
 * may hide another process.
 *
 * @module
 */

/** Empty, spaces only, leading and trailing spaces, 15 bytes, control and format characters. */
export const HOSTILE_NAMES: readonly string[] = [
  "",
  "   ",
  " lead",
  "trail   ",
  "  both  ",
  "exactly-15bytes",
  "tab\there\x1b[2J",
  "\u202eevil\u2066",
];

/**
 * Text from elsewhere (process, interface and core-kind names, a daemon's messages,
 * paths) made safe for a terminal. A terminal acts on control characters instead of
 * printing them, and format characters reorder or hide what follows (U+202E shows
 * `gpj.exe` as `exe.jpg`, a zero-width space makes two names look alike), so both are
 * shown as escapes in every human-readable output, and escaped in JSON so the parsed
 * value stays the same.
 *
 * @example
 * ```ts
 * import { jsonLine, printable } from "./printable.ts";
 * printable("evil\x1b[2J\u202Etxt.exe"); // "evil\\x1b[2J\\u202etxt.exe"
 * jsonLine({ name: "a\u200Bb" }); // '{"name":"a\\u200bb"}'
 * ```
 *
 * @module
 */

/**
 * What a terminal may act on or not show: C0 controls, DEL and C1 controls, every
 * format character (Unicode category Cf: bidirectional controls, zero-width
 * characters, U+FEFF, U+061C, tags…), and the line and paragraph separators.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

/** The characters JSON.stringify leaves raw among {@linkcode UNSAFE} (it escapes only C0). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

/** `\xNN` for a character up to U+00FF, `\uNNNN` up to U+FFFF, else `\u{N…}`. */
function escape(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\u{${hex}}`;
}

/**
 * `text` safe to print on a terminal: every control and format character is shown
 * as an escape (`\x1b`, `\u202e`), so a name or a message cannot move the cursor,
 * retitle the window, reverse what follows or hide itself. Other text, emoji and
 * every script included, is left alone; the escapes are plain ASCII, so escaping
 * twice changes nothing more.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * `value` as one line of JSON with every control and format character escaped: C0
 * by `JSON.stringify`, the rest here as `\uNNNN` (a surrogate pair for a character
 * past U+FFFF). The parsed value is the same; a terminal shows the escapes.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (c) => {
    let out = "";
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return out;
  });
}

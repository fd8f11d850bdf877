/**
 * Random mutations of real command output for the parsers' property-based tests, and the
 * checks they share: a parser may only throw ParseError, and what it returns is finite.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { ParseError } from "../../src/metrics/parse_error.ts";
import { uniform } from "./fuzz.ts";

/** A position anywhere in a text, as a fraction of its length (uniform, unlike fc.nat()). */
export const whereArb = uniform(0, 1);

/** Text to insert: any code points (lone surrogates too), raw bytes read as Latin-1, separators. */
export const junkArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((b) => String.fromCharCode(...b)),
  fc.constantFrom(
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    ":",
    ": ",
    ".",
    ",",
    "%",
    "-",
    "(",
    ")",
    "\u0000",
    "\ufeff",
    "\ud800",
    "K",
    "Gi",
    "k",
  ),
);

/** What a digit (or a number) may become: another digit, nothing, a sign, an exponent, … */
export const digitsArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(..."0123456789") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", "-1", "1e5", "NaN", "Infinity", "0x1f", "1.5", "1,5", "\u0661"),
  },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 24 }) },
  // … or a huge number: past Number.MAX_VALUE (Infinity), just below it, past 2^53 and 2^64
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "9".repeat(309),
      "1" + "0".repeat(308),
      "9007199254740993",
      "18446744073709551616",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 16, max: 400 }).map((n) => "9".repeat(n)) },
);

/** One edit of a text: lines dropped, doubled, swapped, cut, or characters changed. */
export type TextMutation =
  | { op: "deleteLine"; at: number }
  | { op: "duplicateLine"; at: number }
  | { op: "swapLines"; at: number; with: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "digit"; at: number; text: string }
  | { op: "number"; at: number; text: string }
  | { op: "comma"; at: number; all: boolean }
  | { op: "append"; text: string }
  | { op: "empty" }
  | { op: "crlf" };

/** Any one {@linkcode TextMutation}, digits and numbers more often than the rest. */
export const mutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant("deleteLine" as const), at: whereArb }),
  fc.record({ op: fc.constant("duplicateLine" as const), at: whereArb }),
  fc.record({ op: fc.constant("swapLines" as const), at: whereArb, with: whereArb }),
  fc.record({ op: fc.constant("truncate" as const), at: whereArb }),
  fc.record({ op: fc.constant("insert" as const), at: whereArb, text: junkArb }),
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("digit" as const), at: whereArb, text: digitsArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("number" as const), at: whereArb, text: digitsArb }),
  },
  fc.record({ op: fc.constant("comma" as const), at: whereArb, all: fc.boolean() }),
  fc.record({ op: fc.constant("append" as const), text: junkArb }),
  { weight: 1, arbitrary: fc.constant({ op: "empty" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "crlf" as const }) },
);

/** One to four mutations (each test checks first that the capture itself parses). */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function indexIn(length: number, at: number): number {
  return Math.min(length, Math.floor(at * (length + 1)));
}

/** `text` with `mutations` applied in order. */
export function mutate(text: string, mutations: readonly TextMutation[]): string {
  for (const mu of mutations) {
    const lines = text.split("\n");
    const line = (at: number) => Math.min(lines.length - 1, Math.floor(at * lines.length));
    switch (mu.op) {
      case "deleteLine":
        lines.splice(line(mu.at), 1);
        text = lines.join("\n");
        break;
      case "duplicateLine":
        lines.splice(line(mu.at), 0, lines[line(mu.at)]);
        text = lines.join("\n");
        break;
      case "swapLines": {
        const [a, b] = [line(mu.at), line(mu.with)];
        [lines[a], lines[b]] = [lines[b], lines[a]];
        text = lines.join("\n");
        break;
      }
      case "truncate": {
        // at any byte, even inside a multi-byte character (decoded as U+FFFD)
        const bytes = utf8.encode(text);
        text = fromUtf8.decode(bytes.subarray(0, indexIn(bytes.length, mu.at)));
        break;
      }
      case "insert": {
        const at = indexIn(text.length, mu.at);
        text = text.slice(0, at) + mu.text + text.slice(at);
        break;
      }
      case "digit":
      case "number": {
        // one digit, or a whole run of digits
        const digits = [...text.matchAll(mu.op === "digit" ? /\d/g : /\d+/g)];
        if (digits.length === 0) break;
        const m = digits[Math.min(digits.length - 1, Math.floor(mu.at * digits.length))];
        text = text.slice(0, m.index) + mu.text + text.slice(m.index + m[0].length);
        break;
      }
      case "comma": {
        if (mu.all) {
          text = text.replaceAll(".", ",");
          break;
        }
        const dots = [...text.matchAll(/\./g)];
        if (dots.length === 0) break;
        const at = dots[Math.min(dots.length - 1, Math.floor(mu.at * dots.length))].index;
        text = text.slice(0, at) + "," + text.slice(at + 1);
        break;
      }
      case "append":
        text += mu.text;
        break;
      case "empty":
        text = "";
        break;
      case "crlf":
        text = text.replaceAll("\n", "\r\n");
        break;
    }
  }
  return text;
}

/** Run `parse`: a ParseError gives undefined, any other exception fails the property. */
export function parsed<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

/** Fails unless `value` is a finite number. */
export function assertFinite(value: number, what: string): void {
  assert.ok(Number.isFinite(value), `${what} is ${value}`);
}

/**
 * Parser for `/bin/ps -Axo pid=,pcpu=,rss=,comm= -r`: no header, one process per line,
 * `comm` last so it is printed whole. `comm` is whatever the process was started as:
 * empty, spaces only, leading or trailing spaces, anything. The numbers before it hold
 * no space, and `ps` writes one space after each column but the last, so `comm` is all
 * that follows that space (a line cut before it is malformed, not an empty name).
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { ProcessSample } from "../types.ts";

const SOURCE = "ps";
const LINE = /^\s*(\d+)\s+([0-9.,]+)\s+(\d+) (.*)$/;
const DECIMAL = /^\d+(?:\.\d+)?$|^\.\d+$/;

/**
 * Process name from a `comm` value: a value wrapped in parentheses (`(uname)`, what macOS
 * prints when it cannot read argv) loses them; then the base name after the last `/` is taken.
 * Falls back to the whole value when that would leave nothing (e.g. `comm` ending in `/`).
 * Spaces are part of the name, wherever they are.
 */
export function processName(comm: string): string {
  let s = comm;
  if (s.length > 2 && s.startsWith("(") && s.endsWith(")")) s = s.slice(1, -1);
  const base = s.slice(s.lastIndexOf("/") + 1);
  return base !== "" ? base : s;
}

/**
 * Parses `pid pcpu rss comm` lines, in input order. pcpu may use a comma decimal; rss is KiB
 * and becomes `memoryMb = rss / 1024`. Blank lines are skipped and a trailing `\r` trimmed.
 * Throws {@link ParseError} naming the line for a non-matching line or bad number, and
 * `line 0` for output with no process line at all.
 */
export function parsePs(text: string): ProcessSample[] {
  const out: ProcessSample[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const m = LINE.exec(line);
    if (!m) throw new ParseError(SOURCE, i + 1, "expected 'pid pcpu rss comm'", line);
    const pcpuText = m[2].replace(",", ".");
    const cpuPercent = Number(pcpuText);
    if (!DECIMAL.test(pcpuText) || !Number.isFinite(cpuPercent)) {
      throw new ParseError(SOURCE, i + 1, `bad %cpu ${JSON.stringify(m[2])}`, line);
    }
    const pid = Number(m[1]);
    const rss = Number(m[3]);
    if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(rss)) {
      throw new ParseError(SOURCE, i + 1, "pid or rss out of range", line);
    }
    out.push({ pid, name: processName(m[4]), cpuPercent, memoryMb: rss / 1024 });
  }
  if (out.length === 0) throw new ParseError(SOURCE, 0, "empty output (no process lines)");
  return out;
}

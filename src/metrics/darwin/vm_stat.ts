/**
 * The parser for macOS `/usr/bin/vm_stat`'s one-shot report (`vm_stat`), what both
 * its modes share (the counters, the banner) and Activity Monitor's "Memory Used"
 * figure. The interval mode (`vm_stat N`) is parsed by `vm_stat_stream.ts`.
 *
 * One-shot lines are a label padded to 30 columns (35 on Macs with memory tagging), the
 * count right-aligned in 16 and a dot.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

/** The source name vm_stat parse errors carry. */
export const SOURCE = "vm_stat";

/** Names of the counters this module understands (camelCase of vm_stat's labels). */
export type VmStatKey =
  | "free"
  | "active"
  | "inactive"
  | "speculative"
  | "throttled"
  | "wired"
  | "purgeable"
  | "faults"
  | "copyOnWrite"
  | "zeroFilled"
  | "reactivated"
  | "purged"
  | "fileBacked"
  | "anonymous"
  | "compressorStored"
  | "compressorOccupied"
  | "decompressions"
  | "compressions"
  | "pageins"
  | "pageouts"
  | "swapins"
  | "swapouts";

/**
 * Counters in pages, keyed by {@link VmStatKey}. A key is absent when this macOS
 * does not print it (e.g. OS X before 10.9 has no file-backed/anonymous/compressor lines).
 */
export type VmStatCounters = Partial<Record<VmStatKey, number>>;

/** Result of {@link parseVmStat}. */
export interface VmStatReport {
  /** Bytes per page, from the header "(page size of N bytes)". */
  pageSize: number;
  /** Known counters, in pages (cumulative ones are totals since boot). */
  counters: VmStatCounters;
  /** Lines with a well-formed `label: N.` but a label this module does not know, by label. */
  unknown: Map<string, number>;
}

/** One-shot label (without the trailing colon) → counter key. */
const LABELS: ReadonlyMap<string, VmStatKey> = new Map<string, VmStatKey>([
  ["Pages free", "free"],
  ["Pages active", "active"],
  ["Pages inactive", "inactive"],
  ["Pages speculative", "speculative"],
  ["Pages throttled", "throttled"],
  ["Pages wired down", "wired"],
  ["Pages purgeable", "purgeable"],
  ['"Translation faults"', "faults"],
  ["Pages copy-on-write", "copyOnWrite"],
  ["Pages zero filled", "zeroFilled"],
  ["Pages reactivated", "reactivated"],
  ["Pages purged", "purged"],
  ["File-backed pages", "fileBacked"],
  ["Anonymous pages", "anonymous"],
  ["Pages stored in compressor", "compressorStored"],
  ["Pages occupied by compressor", "compressorOccupied"],
  ["Decompressions", "decompressions"],
  ["Compressions", "compressions"],
  ["Pageins", "pageins"],
  ["Pageouts", "pageouts"],
  ["Swapins", "swapins"],
  ["Swapouts", "swapouts"],
]);

/** Gauges every vm_stat since OS X 10.0 prints; their absence means truncated output. */
const REQUIRED: readonly VmStatKey[] = ["free", "active", "inactive", "wired"];

const BANNER = /^Mach Virtual Memory Statistics:\s*\(page size of (\d+) bytes\b[^)]*\)$/;
const ONE_SHOT_LINE = /^(.+?):\s+(\d+)\.$/;

function splitLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The page size from vm_stat's banner line (both modes print it first). */
export function parsePageSize(line: string, lineNo: number): number {
  const m = BANNER.exec(line.trim());
  if (!m) {
    throw new ParseError(
      SOURCE,
      lineNo,
      "expected the 'Mach Virtual Memory Statistics' banner",
      line,
    );
  }
  const size = Number(m[1]);
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new ParseError(SOURCE, lineNo, "page size is not a positive integer", line);
  }
  return size;
}

/**
 * Parses the one-shot `vm_stat` report. Throws {@link ParseError} on empty output, a missing
 * banner, a line that is not `label: N.` (a cut-off last line lacks the dot), a repeated
 * label, or when free/active/inactive/wired are missing. Unknown labels go to `unknown`.
 */
export function parseVmStat(text: string): VmStatReport {
  const lines = splitLines(text);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) throw new ParseError(SOURCE, 0, "empty output");
  const pageSize = parsePageSize(lines[first], first + 1);
  const counters: VmStatCounters = {};
  const unknown = new Map<string, number>();
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const m = ONE_SHOT_LINE.exec(line);
    if (!m) throw new ParseError(SOURCE, i + 1, "expected 'label: <pages>.'", lines[i]);
    const value = Number(m[2]);
    if (!Number.isSafeInteger(value)) {
      throw new ParseError(SOURCE, i + 1, "value too large", lines[i]);
    }
    const key = LABELS.get(m[1]);
    if (key === undefined) {
      unknown.set(m[1], value);
    } else if (counters[key] !== undefined) {
      throw new ParseError(SOURCE, i + 1, `label repeated`, lines[i]);
    } else {
      counters[key] = value;
    }
  }
  const missing = REQUIRED.filter((k) => counters[k] === undefined);
  if (missing.length > 0) {
    throw new ParseError(SOURCE, 0, `missing counters (truncated output?): ${missing.join(", ")}`);
  }
  return { pageSize, counters, unknown };
}

/**
 * Activity Monitor's "Memory Used" in bytes: (anonymous − purgeable + wired + compressor
 * occupied) × pageSize, i.e. App Memory + Wired + Compressed.
 *
 * Fallbacks: a missing `compressorOccupied` or `purgeable` counts as 0. If `anonymous` is
 * missing but `fileBacked` is present, uses the equivalent Stats/go-osstat form
 * active + inactive + speculative + wired + compressor − purgeable − fileBacked (pageable pages
 * split exactly into anonymous + file-backed). If both are missing (OS X ≤ 10.8, which Deno
 * does not run on) or `wired` is missing, throws {@link ParseError}. Clamped at 0.
 */
export function memoryUsedBytes(counters: VmStatCounters, pageSize: number): number {
  const wired = counters.wired;
  if (wired === undefined) throw new ParseError(SOURCE, 0, "no 'Pages wired down' counter");
  const compressor = counters.compressorOccupied ?? 0;
  const purgeable = counters.purgeable ?? 0;
  let pages: number;
  if (counters.anonymous !== undefined) {
    pages = counters.anonymous - purgeable + wired + compressor;
  } else if (
    counters.fileBacked !== undefined && counters.active !== undefined &&
    counters.inactive !== undefined
  ) {
    pages = counters.active + counters.inactive + (counters.speculative ?? 0) + wired +
      compressor - purgeable - counters.fileBacked;
  } else {
    throw new ParseError(
      SOURCE,
      0,
      "neither 'Anonymous pages' nor 'File-backed pages' present: cannot compute Memory Used",
    );
  }
  return Math.max(0, pages) * pageSize;
}

/**
 * Parsers for macOS `/usr/bin/vm_stat`: the one-shot report (`vm_stat`) and the
 * interval mode (`vm_stat N`), plus Activity Monitor's "Memory Used" figure.
 *
 * One-shot lines are a label padded to 30 columns (35 on Macs with memory tagging), the
 * count right-aligned in 16 and a dot; interval rows are right-aligned columns under a
 * header of names, each value followed by one space.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const SOURCE = "vm_stat";

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

function parsePageSize(line: string, lineNo: number): number {
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
 * occupied) × pageSize, i.e. App Memory + Wired + Compressed (research note §2).
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

/** Interval-mode column header names, in order, exactly as `banner()` prints them. */
export const VM_STAT_COLUMNS: readonly string[] = [
  "free",
  "active",
  "specul",
  "inactive",
  "throttle",
  "wired",
  "prgable",
  "faults",
  "copy",
  "0fill",
  "reactive",
  "purged",
  "file-backed",
  "anonymous",
  "cmprssed",
  "cmprssor",
  "dcomprs",
  "comprs",
  "pageins",
  "pageout",
  "swapins",
  "swapouts",
];

/** The counter each interval-mode column fills, in {@linkcode VM_STAT_COLUMNS} order. */
export const VM_STAT_COLUMN_KEYS: readonly VmStatKey[] = [
  "free",
  "active",
  "speculative",
  "inactive",
  "throttled",
  "wired",
  "purgeable",
  "faults",
  "copyOnWrite",
  "zeroFilled",
  "reactivated",
  "purged",
  "fileBacked",
  "anonymous",
  "compressorStored",
  "compressorOccupied",
  "decompressions",
  "compressions",
  "pageins",
  "pageouts",
  "swapins",
  "swapouts",
];

/** Interval-mode column name → counter key. */
const COLUMN_KEY: ReadonlyMap<string, VmStatKey> = new Map(
  VM_STAT_COLUMNS.map((c, i) => [c, VM_STAT_COLUMN_KEYS[i]]),
);

/** What a K, M or G suffix divides the printed value by. */
const SUFFIX: Readonly<Record<string, number>> = { K: 1e3, M: 1e6, G: 1e9 };
const CELL = /^(\d+)([KMG]?)$/;

/** The columns {@link memoryUsedBytes} reads from an interval row: each must be printed exactly. */
const MEMORY_USED_COLUMNS: readonly string[] = ["wired", "prgable", "anonymous", "cmprssor"];

/** The range of counts a cell printed with a K, M or G suffix stands for (both ends included). */
export interface RoundedCount {
  /** The printed value times 1000, 10⁶ or 10⁹. */
  min: number;
  /** `min` plus the digits the division dropped (999, 999 999 or 999 999 999). */
  max: number;
}

/**
 * Incremental parser for `vm_stat N` (interval mode), fed one line at a time.
 *
 * Gauges (free … purgeable, file-backed, anonymous, cmprssed, cmprssor) are absolute page
 * counts; faults, copy, 0fill, reactive, purged, dcomprs, comprs, pageins, pageout, swapins,
 * swapouts are deltas over the interval. `banner()` zeroes the previous sample, so the first row
 * after every banner (printed at start and then every 21 rows) carries totals since boot for
 * those: see {@link VmStatStream.sinceBoot}.
 *
 * Columns are found by their header name, so columns this module does not know (the tag-storage
 * columns of Macs with memory tagging) are checked as counts and skipped. A header without the
 * columns Memory Used needs (wired, prgable, anonymous, cmprssor), such as the 11-column
 * `spec`/`wire` layout of OS X 10.6–10.8, is refused.
 *
 * A count too wide for its column is printed as the count integer-divided by 1000 with a `K`
 * (by 10⁶ with `M`, by 10⁹ with `G` while still too wide), so `1246K` is any count from
 * 1 246 000 to 1 246 999. Such a cell gives no exact number: it is left out of the counters and
 * reported in {@link VmStatStream.rounded}; in a column Memory Used needs it is a ParseError, so
 * the caller falls back to the exact one-shot report rather than show a rounded memory figure.
 */
export class VmStatStream {
  #lineNo = 0;
  #state: "banner" | "columns" | "rows" = "banner";
  #pageSize: number | null = null;
  #sinceBoot = false;
  #rowsSinceHeader = 0;
  #columns: readonly string[] = [];
  #rounded = new Map<VmStatKey, RoundedCount>();

  /** Creates a parser expecting the banner line first. */
  constructor() {}

  /** Page size from the latest banner, or null before the first banner. */
  get pageSize(): number | null {
    return this.#pageSize;
  }

  /** True when the last row returned is the first after a header (its deltas cover since boot). */
  get sinceBoot(): boolean {
    return this.#sinceBoot;
  }

  /** The last row's cells printed with a K/M/G suffix (absent from its counters), by counter. */
  get rounded(): ReadonlyMap<VmStatKey, RoundedCount> {
    return this.#rounded;
  }

  /**
   * Feeds one line (a trailing `\n`/`\r\n` is allowed). Returns counters for a data row and
   * null for a banner, column header or blank line. Throws {@link ParseError} (numbered by
   * lines fed so far) for an unrecognised banner, column header or row, and for a row whose
   * Memory Used columns are rounded; the caller should then stop the stream and fall back to
   * one-shot `vm_stat`. A refused line leaves the parser's state as it was.
   */
  line(text: string): VmStatCounters | null {
    this.#lineNo++;
    const raw = text.replace(/\r?\n$/, "").replace(/\r$/, "");
    if (raw.includes("\n")) {
      throw new ParseError(SOURCE, this.#lineNo, "more than one line given", raw);
    }
    const line = raw.trim();
    if (line === "") return null;
    if (line.startsWith("Mach Virtual Memory Statistics:")) {
      this.#pageSize = parsePageSize(line, this.#lineNo);
      this.#state = "columns";
      return null;
    }
    if (this.#state === "banner") {
      throw new ParseError(SOURCE, this.#lineNo, "expected the banner first", raw);
    }
    const cells = line.split(/\s+/);
    if (this.#state === "columns") {
      this.#columns = this.#header(cells, raw);
      this.#state = "rows";
      this.#rowsSinceHeader = 0;
      return null;
    }
    if (cells.length !== this.#columns.length) {
      throw new ParseError(
        SOURCE,
        this.#lineNo,
        `expected ${this.#columns.length} columns, got ${cells.length}`,
        raw,
      );
    }
    const counters: VmStatCounters = {};
    const rounded = new Map<VmStatKey, RoundedCount>();
    for (let i = 0; i < cells.length; i++) {
      const column = this.#columns[i];
      const m = CELL.exec(cells[i]);
      if (!m) {
        throw new ParseError(
          SOURCE,
          this.#lineNo,
          `column ${column} is not a count: ${JSON.stringify(cells[i])}`,
          raw,
        );
      }
      const value = Number(m[1]);
      const scale = m[2] === "" ? 1 : SUFFIX[m[2]];
      if (!Number.isSafeInteger(value) || !Number.isSafeInteger(value * scale + scale - 1)) {
        throw new ParseError(SOURCE, this.#lineNo, `column ${column}: value too large`, raw);
      }
      const key = COLUMN_KEY.get(column);
      if (key === undefined) continue;
      if (scale === 1) {
        counters[key] = value;
      } else if (MEMORY_USED_COLUMNS.includes(column)) {
        throw new ParseError(
          SOURCE,
          this.#lineNo,
          `column ${column} is rounded (${cells[i]} is ${value * scale}–${
            value * scale + scale - 1
          } pages): no exact Memory Used`,
          raw,
        );
      } else {
        rounded.set(key, { min: value * scale, max: value * scale + scale - 1 });
      }
    }
    this.#rounded = rounded;
    this.#sinceBoot = this.#rowsSinceHeader === 0;
    this.#rowsSinceHeader++;
    return counters;
  }

  /** The column names of a header line; throws unless it has the Memory Used columns. */
  #header(cells: readonly string[], raw: string): readonly string[] {
    const repeated = cells.find((c, i) => cells.indexOf(c) !== i);
    if (repeated !== undefined) {
      throw new ParseError(
        SOURCE,
        this.#lineNo,
        `unrecognised column header: ${repeated} repeated`,
        raw,
      );
    }
    const missing = MEMORY_USED_COLUMNS.filter((c) => !cells.includes(c));
    if (missing.length > 0) {
      throw new ParseError(
        SOURCE,
        this.#lineNo,
        `unrecognised column header: no ${missing.join(", ")} column`,
        raw,
      );
    }
    return cells;
  }
}

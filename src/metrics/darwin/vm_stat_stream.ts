/**
 * The parser for macOS `/usr/bin/vm_stat N` (interval mode), what the daemon runs
 * for memory: a banner, a header of column names, a row of totals since boot, then
 * one row of deltas per interval, with the banner and header repeated every 20
 * rows. Values are right-aligned under the header, each followed by one space.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import { parsePageSize, SOURCE, type VmStatCounters, type VmStatKey } from "./vm_stat.ts";

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

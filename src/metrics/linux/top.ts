/**
 * Parser for the batch output of procps `top` (`top -b -d SECS -o %CPU -w 512
 * -e k`), read line by line from a long-lived child. `top` gives true interval
 * per-process CPU (like `top` shows it, 100 = one full core), which `ps` on Linux
 * cannot: its %CPU is a lifetime average.
 *
 * Each refresh prints a summary block starting with `top - …`, a blank line, a
 * column header starting with `PID`, then one row per task sorted by %CPU. The
 * parser emits the first `limit` rows of each refresh as soon as it has them.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { ProcessSample } from "../types.ts";

const SOURCE = "top";
const REQUIRED = ["PID", "%CPU", "RES", "COMMAND"] as const;
const SCALE: Record<string, number> = {
  k: 1,
  m: 1024,
  g: 1024 ** 2,
  t: 1024 ** 3,
  p: 1024 ** 4,
  e: 1024 ** 5,
};

/** A RES figure in KiB; `top` switches to a suffix (m, g, …) when the number is too wide. */
export function parseResidentKiB(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([kmgtpe])?$/i.exec(text);
  if (!match) return null;
  const kib = Number(match[1]) * SCALE[(match[2] ?? "k").toLowerCase()];
  return Number.isFinite(kib) ? kib : null;
}

/** Incremental parser of `top -b` output. Feed it lines; it returns each refresh's busiest rows. */
export class TopStream {
  readonly #limit: number;
  #line = 0;
  #columns: { pid: number; cpu: number; res: number; fixed: RegExp; count: number } | null = null;
  #rows: ProcessSample[] = [];
  #emitted = false;
  #refreshes = 0;

  /**
   * A parser keeping the first `limit` rows of each refresh.
   * @param limit rows wanted per refresh (top sorts by %CPU, so these are the busiest).
   */
  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Refreshes started so far. */
  get refreshes(): number {
    return this.#refreshes;
  }

  /**
   * Parse one line. Returns the busiest processes when this line completes a
   * refresh's list (after `limit` rows, or when the next refresh starts with
   * fewer); otherwise null. Throws {@linkcode ParseError} on a line it cannot read.
   */
  line(text: string): ProcessSample[] | null {
    this.#line++;
    const line = text.replace(/\r$/, "");
    if (line.startsWith("top - ")) {
      const pending = this.#flush();
      this.#refreshes++;
      this.#columns = null;
      this.#rows = [];
      this.#emitted = false;
      return pending;
    }
    const trimmed = line.trim();
    if (trimmed === "") return null;
    if (/^PID\s/.test(trimmed)) {
      this.#columns = this.#header(trimmed, line);
      return null;
    }
    if (this.#columns === null) {
      if (this.#refreshes > 0) return null; // summary lines: Tasks, %Cpu(s), MiB Mem, …
      throw new ParseError(SOURCE, this.#line, "expected a 'top - ' summary line first", line);
    }
    if (this.#emitted) return null;
    this.#rows.push(this.#row(line));
    return this.#rows.length >= this.#limit ? this.#flush() : null;
  }

  /** End of output: the last refresh's rows, if not yet emitted. */
  end(): ProcessSample[] | null {
    return this.#flush();
  }

  #flush(): ProcessSample[] | null {
    if (this.#emitted || this.#rows.length === 0) return null;
    this.#emitted = true;
    return this.#rows;
  }

  #header(trimmed: string, line: string) {
    const names = trimmed.split(/\s+/);
    for (const name of REQUIRED) {
      if (!names.includes(name)) {
        throw new ParseError(SOURCE, this.#line, `column header lacks ${name}`, line);
      }
    }
    if (names.at(-1) !== "COMMAND") {
      throw new ParseError(SOURCE, this.#line, "COMMAND must be the last column", line);
    }
    // COMMAND is last and is whatever the process named itself: empty, spaces only, leading
    // spaces, anything. The columns before it never hold a space, so the name is all that
    // follows them and the one space that separates it (top drops trailing spaces itself).
    const count = names.length - 1;
    return {
      pid: names.indexOf("PID"),
      cpu: names.indexOf("%CPU"),
      res: names.indexOf("RES"),
      fixed: new RegExp(`^\\s*((?:\\S+\\s+){${count - 1}}\\S+)(?: |$)`),
      count,
    };
  }

  #row(line: string): ProcessSample {
    const columns = this.#columns!;
    const fixed = columns.fixed.exec(line);
    if (fixed === null) {
      const expected = `expected ${columns.count} columns before COMMAND`;
      throw new ParseError(SOURCE, this.#line, expected, line);
    }
    const parts = fixed[1].split(/\s+/);
    const command = line.slice(fixed[0].length);
    const pid = Number(parts[columns.pid]);
    const cpu = Number(parts[columns.cpu]);
    const resKiB = parseResidentKiB(parts[columns.res]);
    if (!Number.isSafeInteger(pid) || pid < 0) {
      throw new ParseError(SOURCE, this.#line, "PID is not a whole number", line);
    }
    if (!Number.isFinite(cpu) || cpu < 0) {
      throw new ParseError(SOURCE, this.#line, "%CPU is not a number", line);
    }
    if (resKiB === null) throw new ParseError(SOURCE, this.#line, "RES is not a size", line);
    return { pid, name: command, cpuPercent: cpu, memoryMb: resKiB / 1024 };
  }
}

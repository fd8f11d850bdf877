/**
 * Parser for `/usr/sbin/netstat -w N -I <interface>`: one long-lived child printing, every N
 * seconds, what one interface moved since its previous line. No capture of this mode has been
 * published; the format below is the one `sidewaysintpr` in network_cmds' `netstat.tproj/if.c`
 * prints (`%17s %14s %16s` for the title, `%10s %5s %10s ` and `%10s %5s %10s %5s` for the
 * column names, the same widths as `%10llu` / `%5llu` for the counts):
 *
 * ```text
 *             input          (en0)           output
 *    packets  errs      bytes    packets  errs      bytes colls
 *         12     0       2311          9     0       1702     0
 * ```
 *
 * Every line is flushed as it is printed. The first line after the column names comes one
 * interval after the start and counts from the start (in `-I` mode netstat prints no line of
 * totals since boot); the title and column names repeat after every 20 lines of counts. A name
 * `netstat` does not know gives the totals of every interface under `(Total)`: that is refused,
 * never read as the interface's traffic. Columns are split on whitespace: a count wider than
 * its column pushes the rest right but never runs into the next one (each is followed by a
 * space).
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const SOURCE = "netstat";

/** What one line of counts says: bytes moved since the previous line (or the start). */
export interface IntervalBytes {
  /** Bytes received. */
  receivedBytes: number;
  /** Bytes sent. */
  sentBytes: number;
}

/** The title `netstat` prints for `interface`: its name in parentheses, cut as `if.c` cuts it. */
export function intervalTitle(iface: string): string {
  return `(${iface})`.slice(0, 15); // snprintf(ift_name, 16, "(%s)", name)
}

const COLUMNS = ["packets", "errs", "bytes", "packets", "errs", "bytes", "colls"];
const DIGITS = /^\d+$/;

/**
 * A stateful reader of one `netstat -w N -I <iface>` run: {@linkcode line} takes each line in
 * order. Throws {@link ParseError} naming the line for a title that names another interface
 * (or `(Total)`), column names it does not know, counts before the column names, and a line of
 * counts that does not match them.
 */
export class NetstatIntervalStream {
  readonly #title: string;
  #columns: string[] | null = null;
  #titleSeen = false;
  #lineNo = 0;

  /** Reads the output for `iface`. */
  constructor(iface: string) {
    this.#title = intervalTitle(iface);
  }

  /**
   * One line: the bytes of a line of counts, `"banner"` for the title or the column names, or
   * null for a blank line.
   */
  line(raw: string): IntervalBytes | "banner" | null {
    this.#lineNo++;
    const text = raw.replace(/\r$/, "");
    const cells = text.trim().split(/\s+/);
    if (text.trim() === "") return null;
    if (cells[0] === "input") {
      if (cells.length !== 3 || cells[2] !== "output") {
        this.#fail("expected 'input (NAME) output'", text);
      }
      if (cells[1] !== this.#title) {
        this.#fail(
          cells[1] === "(Total)"
            ? `totals of every interface, not ${this.#title}: no such interface`
            : `counts of ${cells[1]}, expected ${this.#title}`,
          text,
        );
      }
      this.#titleSeen = true;
      this.#columns = null;
      return "banner";
    }
    if (cells[0] === "packets") {
      const known = cells.length >= COLUMNS.length && COLUMNS.every((c, i) => cells[i] === c);
      if (!this.#titleSeen || !known) this.#fail("unexpected column names", text);
      this.#columns = cells;
      return "banner";
    }
    if (this.#columns === null) this.#fail("counts before the column names", text);
    if (cells.length !== this.#columns.length || !cells.every((c) => DIGITS.test(c))) {
      this.#fail("counts do not match the column names", text);
    }
    const receivedBytes = Number(cells[2]);
    const sentBytes = Number(cells[5]);
    if (!Number.isSafeInteger(receivedBytes) || !Number.isSafeInteger(sentBytes)) {
      this.#fail("byte count out of range", text);
    }
    return { receivedBytes, sentBytes };
  }

  #fail(message: string, text: string): never {
    throw new ParseError(SOURCE, this.#lineNo, message, text);
  }
}

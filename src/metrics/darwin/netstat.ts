/**
 * Parser for `/usr/sbin/netstat -ibn`: the interface table with byte counters. Each interface
 * has one `<Link#N>` row (the link-layer counters) and one row per address, which repeats
 * them; only the `<Link#N>` rows are read.
 *
 * ```text
 * Name  Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     Obytes  Coll Drop
 * en0   1500  <Link#4>    a8:66:7f:dd:ee:ff  5708989     0 7295722068  3494252     0  379533492     0 230
 * ```
 *
 * Columns are found by splitting on whitespace, never by offset: a value wider than its column
 * pushes the rest of the row right, an 8-byte link address overflows the Address column, and
 * some versions print no `Drop` on any `<Link#N>` row although the header has it. Which of the
 * two a table is follows from all its `<Link#N>` rows together, so one row missing a value
 * (two values run together) is refused, not read shifted. Names are cut to the width of the
 * Name column (`utun81` prints as `utun8`), so a name may be ambiguous.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const SOURCE = "netstat";

/** The byte counters of one interface, from its `<Link#N>` row. */
export interface LinkCounters {
  /** The name as printed (cut to the column's width; a trailing `*`, "down", removed). */
  name: string;
  /** Bytes received (`Ibytes`). */
  receivedBytes: number;
  /** Bytes sent (`Obytes`). */
  sentBytes: number;
  /** 1-based line number of the row. */
  line: number;
}

const LINK = /^<Link#\d+>$/;
const DIGITS = /^\d+$/;

/**
 * Every `<Link#N>` row of `netstat -ibn` output, in order. Throws {@link ParseError} when the
 * header is missing or has no byte columns (`netstat -i` without `-b`), and when a
 * `<Link#N>` row's counters do not line up with the header.
 */
export function parseNetstatLinks(stdout: string): LinkCounters[] {
  const lines = stdout.split("\n").map((l) => l.replace(/\r$/, ""));
  const headerAt = lines.findIndex((l) => l.trim() !== "");
  const header = headerAt < 0 ? [] : lines[headerAt].trim().split(/\s+/);
  if (header[0] !== "Name" || !header.includes("Address")) {
    const at = Math.max(0, headerAt);
    throw new ParseError(SOURCE, at + 1, "expected the interface table header", lines[at]);
  }
  const counters = header.slice(header.indexOf("Address") + 1);
  const ibytes = counters.indexOf("Ibytes");
  const obytes = counters.indexOf("Obytes");
  if (ibytes < 0 || obytes < 0) {
    throw new ParseError(SOURCE, headerAt + 1, "no Ibytes/Obytes columns", lines[headerAt]);
  }
  const rows: { cells: string[]; values: string[]; at: number }[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const cells = lines[i].trim().split(/\s+/);
    if (cells.length < 3 || !LINK.test(cells[2])) continue; // an address row, or blank
    const values = cells.slice(3);
    if (values.length > 0 && !DIGITS.test(values[0])) values.shift(); // the link address
    rows.push({ cells, values, at: i });
  }
  // Either every <Link#> row has all the header's counters, or none has the last (Drop).
  const withoutDrop = counters.at(-1) === "Drop" && rows.length > 0 &&
    rows.every((r) => r.values.length === counters.length - 1);
  const expected = withoutDrop ? counters.length - 1 : counters.length;
  const links: LinkCounters[] = [];
  for (const { cells, values, at } of rows) {
    if (values.length !== expected || !values.every((v) => DIGITS.test(v))) {
      throw new ParseError(SOURCE, at + 1, "counters do not match the header", lines[at]);
    }
    const [received, sent] = [Number(values[ibytes]), Number(values[obytes])];
    if (!Number.isSafeInteger(received) || !Number.isSafeInteger(sent)) {
      throw new ParseError(SOURCE, at + 1, "byte counter out of range", lines[at]);
    }
    links.push({
      name: cells[0].replace(/\*$/, ""),
      receivedBytes: received,
      sentBytes: sent,
      line: at + 1,
    });
  }
  return links;
}

/**
 * The counters of interface `name`: its one `<Link#N>` row. Throws {@link ParseError} (line 0)
 * when there is none, or when several rows carry that name (names cut to the column's width
 * make `utun81` and `utun82` both `utun8`): no counters rather than another interface's.
 */
export function linkCountersOf(links: readonly LinkCounters[], name: string): LinkCounters {
  const rows = links.filter((l) => l.name === name);
  if (rows.length === 1) return rows[0];
  throw new ParseError(
    SOURCE,
    0,
    rows.length === 0
      ? `no <Link#> row for ${name}`
      : `${rows.length} <Link#> rows named ${name} (lines ${rows.map((r) => r.line).join(", ")})`,
  );
}

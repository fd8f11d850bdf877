/**
 * `netstat -w N -I <if>` (no capture exists: the lines are built from network_cmds' printf
 * formats, see tests/support/netstat_interval.ts).
 */
import assert from "node:assert/strict";
import {
  intervalTitle,
  NetstatIntervalStream,
} from "../../../src/metrics/darwin/netstat_interval.ts";
import { intervalArgs } from "../../../src/metrics/darwin/network_source.ts";
import { assertParseError } from "../../support/fixtures.ts";
import { NETSTAT_COLUMNS, netstatRow, netstatTitle } from "../../support/netstat_interval.ts";

/** Feeds `lines` to a fresh stream for `iface`; what each line gave. */
function read(iface: string, lines: string[]) {
  const stream = new NetstatIntervalStream(iface);
  return lines.map((l) => stream.line(l));
}

Deno.test("netstat -w -I: the bytes of each line of counts, across a repeated title", () => {
  const rows = Array.from({ length: 20 }, (_, i) => netstatRow({ inBytes: i, outBytes: 2 * i }));
  const lines = [
    netstatTitle("en0"),
    NETSTAT_COLUMNS,
    ...rows,
    netstatTitle("en0"),
    NETSTAT_COLUMNS,
    netstatRow({ inPackets: 9_000_000, inBytes: 12_345_678_901, outBytes: 7 }),
    "",
  ];
  const out = read("en0", lines);
  assert.deepEqual(out.slice(0, 2), ["banner", "banner"]);
  assert.deepEqual(out[7], { receivedBytes: 5, sentBytes: 10 });
  assert.deepEqual(out.slice(22, 24), ["banner", "banner"]);
  // wider than its column: pushes the rest right, never runs into the next count
  assert.deepEqual(out[24], { receivedBytes: 12_345_678_901, sentBytes: 7 });
  assert.equal(out[25], null);
});

Deno.test("netstat -w -I: the arguments, whole seconds and at least one", () => {
  assert.deepEqual(intervalArgs(1000, "en0"), ["-w", "1", "-I", "en0"]);
  assert.deepEqual(intervalArgs(30_000, "utun3"), ["-w", "30", "-I", "utun3"]);
  assert.deepEqual(intervalArgs(250, "en0"), ["-w", "1", "-I", "en0"], "-w 0 is not interval mode");
});

Deno.test("netstat -w -I: a long name is cut in the title as netstat cuts it", () => {
  assert.equal(intervalTitle("bridge100"), "(bridge100)");
  assert.equal(intervalTitle("anpi0123456789ab"), "(anpi0123456789");
  assert.deepEqual(
    read("anpi0123456789ab", [netstatTitle("anpi0123456789ab"), NETSTAT_COLUMNS]),
    ["banner", "banner"],
  );
});

Deno.test("netstat -w -I: totals of every interface (an unknown name) are refused", () => {
  // if.c prints "(Total)" and every interface's sum when -I names no interface it knows
  assertParseError(
    () => read("en9", [netstatTitle("Total"), NETSTAT_COLUMNS]),
    "netstat",
    1,
    "totals of every interface, not (en9): no such interface",
  );
  assertParseError(
    () => read("en0", [netstatTitle("en1")]),
    "netstat",
    1,
    "counts of (en1), expected (en0)",
  );
});

Deno.test("netstat -w -I: anything else is a ParseError naming the line", () => {
  const row = netstatRow({ inBytes: 1, outBytes: 2 });
  const t = netstatTitle("en0");
  assertParseError(() => read("en0", [row]), "netstat", 1, "counts before the column names");
  assertParseError(() => read("en0", [t, row]), "netstat", 2, "counts before the column names");
  assertParseError(() => read("en0", [NETSTAT_COLUMNS]), "netstat", 1, "unexpected column");
  assertParseError(() => read("en0", ["input en0"]), "netstat", 1, "expected 'input (NAME)");
  const bad = [
    row.replace(/ 1 /, " x "),
    row + " 5",
    row.replace(/\s+0$/, ""),
    row.replace(" 1 ", " -1 "),
    netstatRow({ inBytes: 2 ** 53, outBytes: 0 }),
  ];
  for (const line of bad) {
    assertParseError(() => read("en0", [t, NETSTAT_COLUMNS, line]), "netstat", 3);
  }
  assertParseError(
    () => read("en0", [t, NETSTAT_COLUMNS.replace("colls", "coll")]),
    "netstat",
    2,
    "unexpected column names",
  );
});

Deno.test("netstat -w -I -d: a drops column is carried along", () => {
  const out = read("en0", [
    netstatTitle("en0"),
    NETSTAT_COLUMNS + " drops",
    netstatRow({ inBytes: 10, outBytes: 20 }) + "     3",
  ]);
  assert.deepEqual(out[2], { receivedBytes: 10, sentBytes: 20 });
});

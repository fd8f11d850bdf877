/** TopStream (procps `top -b`) on real output captured here, and on constructed lines. */
import assert from "node:assert/strict";
import { assertParseError } from "../../support/fixtures.ts";
import { stdoutOf } from "../../support/procs.ts";
import { parseResidentKiB, TopStream } from "../../../src/metrics/linux/top.ts";
import { topArgs, topLineParser } from "../../../src/metrics/linux/platform.ts";
import type { ProcessSample } from "../../../src/metrics/types.ts";
import { HOSTILE_NAMES } from "../../support/process_names.ts";

const isLinux = Deno.build.os === "linux";

/** Feeds every line; returns what each call to line()/end() returned that was not null. */
function feed(stream: TopStream, lines: string[]): ProcessSample[][] {
  const out: ProcessSample[][] = [];
  for (const line of lines) {
    const rows = stream.line(line);
    if (rows) out.push(rows);
  }
  const last = stream.end();
  if (last) out.push(last);
  return out;
}

// ---- real output of procps top, captured by the test ----

Deno.test({
  name: "top (real): two refreshes of every task, pid 1 and this process included",
  ignore: !isLinux,
  fn: async () => {
    const args = ["-b", "-n", "2", "-d", "0.2", "-o", "%CPU", "-w", "512", "-e", "k"];
    const text = await stdoutOf("/usr/bin/top", args);
    const lines = text.split("\n");
    // The task count each refresh announces ("Tasks:  67 total, …"): batch mode lists them all.
    const totals = lines.filter((l) => l.startsWith("Tasks:")).map((l) =>
      Number(/^Tasks:\s+(\d+) total/.exec(l)![1])
    );
    assert.equal(totals.length, 2);

    const stream = new TopStream(100_000);
    const refreshes = feed(stream, lines);
    assert.equal(stream.refreshes, 2);
    assert.equal(refreshes.length, 2);
    refreshes.forEach((rows, i) => {
      assert.equal(rows.length, totals[i], `refresh ${i + 1} lists every task`);
      for (let j = 1; j < rows.length; j++) {
        assert.ok(rows[j - 1].cpuPercent >= rows[j].cpuPercent, "sorted by %CPU, descending");
      }
      for (const row of rows) {
        assert.ok(Number.isSafeInteger(row.pid) && row.pid > 0, `pid ${row.pid}`);
        // No check that the name is not empty: any process may name itself "" (the process
        // names tests do, and may run meanwhile); the names of pid 1 and of this process are
        // checked against the kernel's below.
        assert.ok(row.cpuPercent >= 0 && row.cpuPercent <= 100 * navigator.hardwareConcurrency);
        assert.ok(row.memoryMb >= 0);
      }
      const init = rows.find((r) => r.pid === 1);
      assert.ok(init, "pid 1 is listed");
      // top's COMMAND column (default: program name) is the kernel's comm.
      assert.equal(init.name, Deno.readTextFileSync("/proc/1/comm").trim());
      const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/1/status"))![1]);
      assert.ok(Math.abs(init.memoryMb - rssKiB / 1024) < 2, `pid 1 RES ${init.memoryMb} MiB`);
      const self = rows.find((r) => r.pid === Deno.pid);
      assert.ok(self, "this process is listed");
      assert.equal(self.name, Deno.readTextFileSync(`/proc/${Deno.pid}/comm`).trim());
      assert.ok(self.memoryMb > 10, `this process's RES ${self.memoryMb} MiB`);
    });

    // With a limit, each refresh gives exactly its busiest `limit` rows, in top's order.
    const five = feed(new TopStream(5), lines);
    assert.deepEqual(five, refreshes.map((rows) => rows.slice(0, 5)));
    // topLineParser yields every refresh, the first included: procps top takes the first one
    // over a short internal window, so its %CPU is real.
    const parser = topLineParser(5);
    const readings = lines.map((l) => parser.line(l)).filter((r) => r !== null);
    assert.deepEqual(readings, refreshes.map((rows) => ({ topProcesses: rows.slice(0, 5) })));
    // With a limit above the task count a refresh is complete only when the next one starts
    // (a line parser has no end()): the second refresh waits for a third.
    const all = topLineParser(100_000);
    assert.deepEqual(lines.map((l) => all.line(l)).filter((r) => r !== null), [
      { topProcesses: refreshes[0] },
    ]);
  },
});

Deno.test("topArgs: batch mode, %CPU order, wide, KiB, delay in tenths of a second", () => {
  assert.deepEqual(topArgs(2000), ["-b", "-d", "2.0", "-o", "%CPU", "-w", "512", "-e", "k"]);
  assert.equal(topArgs(250)[2], "0.3");
  assert.equal(topArgs(10)[2], "0.1");
  assert.equal(topArgs(10_000)[2], "10.0");
});

// ---- constructed lines, in the layout of procps-ng 4 `top -b -w 512 -e k` ----

const SUMMARY = [
  "top - 20:17:41 up 12 min,  0 user,  load average: 0.26, 0.39, 0.23",
  "Tasks:  67 total,   1 running,  66 sleeping,   0 stopped,   0 zombie",
  "%Cpu(s):  0.0 us, 50.0 sy,  0.0 ni, 50.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st ",
  "MiB Mem :  24105.1 total,  23857.8 free,    282.2 used,    174.3 buff/cache     ",
  "MiB Swap:      0.0 total,      0.0 free,      0.0 used.  23822.9 avail Mem ",
  "",
];
const HEADER = "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND";
const ROWS = [
  " 4242 alice     20   0 4032112   1.2g  80232 R 187.5  12.1  10:02.11 Web Content",
  "  977 alice     20   0 2032112   512m  40232 S  12.0   2.1   0:02.11 firefox",
  "    1 root      20   0  167744  13120   8520 S   0.3   0.1   0:04.07 systemd",
  "    2 root      20   0       0      0      0 S   0.0   0.0   0:00.00 kthreadd",
];
const refresh = (rows = ROWS) => [...SUMMARY, HEADER, ...rows];

Deno.test("top (constructed): RES suffixes, names with spaces, summary lines skipped", () => {
  const s = new TopStream(10);
  const got = feed(s, refresh());
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], [
    { pid: 4242, name: "Web Content", cpuPercent: 187.5, memoryMb: 1.2 * 1024 },
    { pid: 977, name: "firefox", cpuPercent: 12, memoryMb: 512 },
    { pid: 1, name: "systemd", cpuPercent: 0.3, memoryMb: 13120 / 1024 },
    { pid: 2, name: "kthreadd", cpuPercent: 0, memoryMb: 0 },
  ]);
  // every space of a COMMAND is kept, leading, inner and trailing; a CR is not
  const t = new TopStream(1);
  feed(t, SUMMARY.concat(HEADER));
  const [row] = t.line(
    "   12 bob       20   0    1000    100     50 S   1.0   0.0   0:00.01  a  b   c  \r",
  )!;
  assert.equal(row.name, " a  b   c  ");
});

/** A row of `top -b` for `pid` whose COMMAND column holds `name`, as top prints it. */
const rowNamed = (pid: number, name: string) =>
  `${
    String(pid).padStart(5)
  } eve       20   0    2508    580    512 R  99.7   0.0   0:07.42 ${name}`
    .trimEnd(); // top prints no trailing space

Deno.test("top (constructed): any name a process can give itself parses, and hides nothing", () => {
  // prctl(PR_SET_NAME) takes up to 15 bytes of anything but NUL; top prints what cannot be
  // shown as '?', and drops trailing spaces.
  const names = [...HOSTILE_NAMES, "a  b", "? ?A?"];
  const rows = names.map((name, i) => rowNamed(5000 + i, name));
  const [got] = feed(new TopStream(20), refresh([...rows, ...ROWS]));
  assert.deepEqual(
    got.map((p) => [p.pid, p.name]),
    [
      ...names.map((name, i) => [5000 + i, name.trimEnd()]),
      [4242, "Web Content"],
      [977, "firefox"],
      [1, "systemd"],
      [2, "kthreadd"],
    ],
  );
  assert.ok(got.every((p) => p.cpuPercent > 0 || p.pid === 2));
});

Deno.test("top (constructed): parseResidentKiB units", () => {
  assert.equal(parseResidentKiB("13120"), 13120);
  assert.equal(parseResidentKiB("512m"), 512 * 1024);
  assert.equal(parseResidentKiB("1.2g"), 1.2 * 1024 ** 2);
  assert.equal(parseResidentKiB("2.5t"), 2.5 * 1024 ** 3);
  assert.equal(parseResidentKiB("3G"), 3 * 1024 ** 2);
  for (const bad of ["", "-1", "1.2x", "m", "1,2g", "12 m"]) {
    assert.equal(parseResidentKiB(bad), null);
  }
});

Deno.test("top (constructed): emits after `limit` rows, ignores the rest of that refresh", () => {
  const s = new TopStream(2);
  for (const line of [...SUMMARY, HEADER]) assert.equal(s.line(line), null);
  assert.equal(s.line(ROWS[0]), null);
  const two = s.line(ROWS[1]);
  assert.deepEqual(two?.map((r) => r.pid), [4242, 977]);
  assert.equal(s.line(ROWS[2]), null);
  // rows after the limit are not even parsed: garbage there is harmless
  assert.equal(s.line("this is not a row"), null);
  assert.equal(s.line(SUMMARY[0]), null, "nothing pending when the next refresh starts");
  assert.equal(s.end(), null);
});

Deno.test("top (constructed): a short refresh is emitted when the next 'top - ' line arrives", () => {
  const s = new TopStream(10);
  for (const line of refresh(ROWS.slice(0, 3))) assert.equal(s.line(line), null);
  assert.equal(s.refreshes, 1);
  const rows = s.line(SUMMARY[0]);
  assert.deepEqual(rows?.map((r) => r.pid), [4242, 977, 1]);
  assert.equal(s.refreshes, 2);
  // the second refresh starts empty; end() emits what it has, once
  for (const line of [...SUMMARY.slice(1), HEADER, ROWS[3]]) assert.equal(s.line(line), null);
  assert.deepEqual(s.end()?.map((r) => r.pid), [2]);
  assert.equal(s.end(), null);
  // a refresh with no rows at all emits nothing
  const empty = new TopStream(10);
  assert.deepEqual(feed(empty, [...SUMMARY, HEADER, ...SUMMARY, HEADER]), []);
});

Deno.test("top (constructed): topLineParser yields each refresh as a reading", () => {
  const p = topLineParser(3);
  const first = refresh().map((l) => p.line(l)).filter((r) => r !== null);
  const second = refresh().map((l) => p.line(l)).filter((r) => r !== null);
  for (const results of [first, second]) {
    assert.equal(results.length, 1);
    assert.deepEqual(results[0]!.topProcesses!.map((r) => r.pid), [4242, 977, 1]);
  }
  // a short refresh is yielded when the next one starts
  const q = topLineParser(10);
  for (const line of refresh(ROWS.slice(0, 1))) assert.equal(q.line(line), null);
  assert.deepEqual(q.line(SUMMARY[0])?.topProcesses?.map((r) => r.pid), [4242]);
  // the parser throws what TopStream throws (the streamed source reports it)
  assertParseError(() => topLineParser(3).line(ROWS[0]), "top", 1, "summary line first");
});

Deno.test("top (constructed): malformed input throws a ParseError naming the line", () => {
  const top = (fn: () => unknown, line: number, includes: string) =>
    assertParseError(fn, "top", line, includes);
  // a row (or anything) before the first summary line
  top(() => new TopStream(5).line(ROWS[0]), 1, "expected a 'top - ' summary line first");
  top(() => feed(new TopStream(5), ["", HEADER.replace("PID", "XID")]), 2, "summary line first");
  // headers without a required column, or COMMAND not last
  const header = (h: string) => () => feed(new TopStream(5), [...SUMMARY, h]);
  top(header(HEADER.replace("%CPU", "CPU%")), 7, "column header lacks %CPU");
  top(header(HEADER.replace("RES", "RSS")), 7, "column header lacks RES");
  top(header(HEADER.replace("COMMAND", "CMD")), 7, "column header lacks COMMAND");
  top(header(HEADER.replace("COMMAND", "COMMAND  PPID")), 7, "COMMAND must be the last column");
  // bad rows
  const row = (r: string) => () => feed(new TopStream(5), [...SUMMARY, HEADER, ROWS[0], r]);
  top(row(ROWS[1].replace(" 977", "97x7")), 9, "PID is not a whole number");
  top(row(ROWS[1].replace("12.0", "n/a ")), 9, "%CPU is not a number");
  top(row(ROWS[1].replace("512m", "512q")), 9, "RES is not a size");
  const columns = "expected 11 columns before COMMAND";
  top(row("  977 alice     20   0 2032112   512m  40232 S  12.0"), 9, columns);
  top(row("  977 alice     20   0 2032112   512m  40232 S  12.0   2.1"), 9, columns);
  // all eleven and nothing after them: a process whose name is empty or spaces only
  const [, blank] = feed(new TopStream(5), [
    ...SUMMARY,
    HEADER,
    ROWS[0],
    "  977 alice     20   0 2032112   512m  40232 S  12.0   2.1   0:02.11",
  ])[0];
  assert.deepEqual(blank, { pid: 977, name: "", cpuPercent: 12, memoryMb: 512 });
  // the error carries the offending text
  const e = top(row("  977 alice"), 9, '"  977 alice"');
  assert.equal(e.text, "  977 alice");
  // line numbers keep counting across refreshes
  top(
    () => feed(new TopStream(5), [...refresh(), ...SUMMARY, HEADER, "x y"]),
    2 * (SUMMARY.length + 1) + ROWS.length + 1,
    "expected 11 columns before COMMAND",
  );
});

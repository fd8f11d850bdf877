import assert from "node:assert/strict";
import { firstExisting, runTool } from "../../support/procs.ts";
import { assertParseError, fixture, toPidPcpuRssComm } from "../../support/fixtures.ts";

const assertParseErrorOf = (fn: () => unknown, line: number, includes?: string) =>
  assertParseError(fn, "ps", line, includes);
import { parsePs, processName } from "../../../src/metrics/darwin/ps.ts";
import { HOSTILE_NAMES } from "../../support/process_names.ts";
import type { ProcessSample } from "../../../src/metrics/types.ts";

function byPid(list: ProcessSample[], pid: number): ProcessSample {
  const found = list.filter((p) => p.pid === pid);
  assert.equal(found.length, 1, `pid ${pid} present once`);
  return found[0];
}

Deno.test("ps axu macOS 10.14.6: 377 processes, names with spaces, zombie (uname)", () => {
  const list = parsePs(toPidPcpuRssComm(fixture("ps-axu.macos10.14.6-x64.jc.txt")));
  assert.equal(list.length, 377);
  assert.deepEqual(byPid(list, 112), {
    pid: 112,
    name: "hidd",
    cpuPercent: 1.7,
    memoryMb: 9940 / 1024,
  });
  assert.deepEqual(byPid(list, 8297), {
    pid: 8297,
    name: "Microsoft Outlook",
    cpuPercent: 0.4,
    memoryMb: 754604 / 1024,
  });
  assert.equal(byPid(list, 8297).memoryMb.toFixed(2), "736.92");
  assert.deepEqual(byPid(list, 609), {
    pid: 609,
    name: "-bash",
    cpuPercent: 0.3,
    memoryMb: 1556 / 1024,
  });
  assert.deepEqual(byPid(list, 1043), { pid: 1043, name: "uname", cpuPercent: 0, memoryMb: 0 });
  assert.equal(byPid(list, 41).name, "UserEventAgent (System)");
  assert.equal(byPid(list, 41).memoryMb, 19440 / 1024);
  // first row: highest %CPU (axu sorts by CPU)
  assert.equal(list[0].pid, 1046);
  assert.equal(list[0].cpuPercent, 3.7);
  assert.equal(list[0].memoryMb, 498788 / 1024);
  assert.equal(Math.min(...list.map((p) => p.pid)), 1, "no pid 0 (kernel_task) in macOS ps");
});

Deno.test("ps axu OS X 10.11.6: 210 processes, cpu 47.8, app names with spaces", () => {
  const list = parsePs(toPidPcpuRssComm(fixture("ps-axu.osx10.11.6-x64.jc.txt")));
  assert.equal(list.length, 210);
  assert.equal(list[0].pid, 568);
  assert.equal(list[0].cpuPercent, 47.8);
  assert.equal(list[0].memoryMb, 43136 / 1024);
  assert.deepEqual(byPid(list, 419), {
    pid: 419,
    name: "Backup and Sync",
    cpuPercent: 0,
    memoryMb: 170620 / 1024,
  });
  assert.equal(byPid(list, 397).name, "Keychain Circle Notification");
  assert.deepEqual(byPid(list, 206), {
    pid: 206,
    name: "mds_stores",
    cpuPercent: 0.2,
    memoryMb: 119616 / 1024,
  });
  assert.equal(byPid(list, 253).name, "UserEventAgent (Aqua)");
});

Deno.test("ps -ef macOS 10.14.6 (no %CPU/RSS columns → 0): pids and names", () => {
  const list = parsePs(toPidPcpuRssComm(fixture("ps-ef.macos10.14.6-x64.jc.txt")));
  assert.equal(list.length, 377);
  assert.deepEqual(byPid(list, 1), { pid: 1, name: "launchd", cpuPercent: 0, memoryMb: 0 });
  assert.equal(byPid(list, 41).name, "UserEventAgent (System)");
  assert.equal(byPid(list, 499).name, "UserEventAgent (Aqua)");
  assert.equal(byPid(list, 1043).name, "uname");
  assert.equal(byPid(list, 58).name, "JamfDaemon");
});

Deno.test("ps -o … comma-decimal locale: 1,1 → 1.1, overflowing user column", () => {
  const list = parsePs(
    toPidPcpuRssComm(
      fixture("ps-ax-o-user-pid-pcpu-pmem-start-time-command.macos-comma-locale.uptimelogger.txt"),
    ),
  );
  assert.equal(list.length, 12);
  assert.deepEqual(byPid(list, 1), { pid: 1, name: "launchd", cpuPercent: 1.1, memoryMb: 0 });
  assert.equal(byPid(list, 78).cpuPercent, 0.4);
  assert.equal(byPid(list, 78).name, "logd");
  assert.equal(byPid(list, 80).name, "UserEventAgent (System)");
  assert.equal(byPid(list, 145).cpuPercent, 4);
  assert.equal(byPid(list, 46730).cpuPercent, 1.6);
  assert.equal(byPid(list, 46730).name, "-zsh");
  assert.equal(byPid(list, 16197).pid, 16197); // after the `_installcoordinationd` overflow
});

Deno.test("ps -o pid,…,comm,args: COMM cut to 16 chars gives the truncated base name", () => {
  const list = parsePs(
    toPidPcpuRssComm(
      fixture("ps-o-pid-ppid-uid-pcpu-pmem-comm-args.macos-2022.vanodevium-processes-3.txt"),
    ),
  );
  assert.deepEqual(list, [
    { pid: 1, name: "launchd", cpuPercent: 0, memoryMb: 0 },
    { pid: 472, name: "Applicat", cpuPercent: 1.3, memoryMb: 0 },
    { pid: 473, name: "iOSSuppo", cpuPercent: 0, memoryMb: 0 },
  ]);
});

Deno.test("ps constructed lines: spaces, parentheses, CRLF, blank lines, >100 %", () => {
  const text = [
    "  612 143.2 1048576 /Applications/Sublime Text.app/Contents/MacOS/Sublime Text\r",
    "",
    "   99   0,5   2048 /usr/libexec/UserEventAgent (System)",
    " 1043   0.0      0 (uname)",
    "77777   0.0     10 Google Chrome Helper (Renderer)",
    "",
  ].join("\n");
  assert.deepEqual(parsePs(text), [
    { pid: 612, name: "Sublime Text", cpuPercent: 143.2, memoryMb: 1024 },
    { pid: 99, name: "UserEventAgent (System)", cpuPercent: 0.5, memoryMb: 2 },
    { pid: 1043, name: "uname", cpuPercent: 0, memoryMb: 0 },
    { pid: 77777, name: "Google Chrome Helper (Renderer)", cpuPercent: 0, memoryMb: 10 / 1024 },
  ]);
  assert.equal(processName("/usr/bin/"), "/usr/bin/");
  assert.equal(processName("-zsh"), "-zsh");
});

Deno.test("ps malformed input: ParseError names the line", () => {
  assertParseErrorOf(() => parsePs(""), 0, "empty output");
  assertParseErrorOf(() => parsePs("\n \n\r\n"), 0, "empty output");
  assertParseErrorOf(() => parsePs("  PID  %CPU   RSS COMM\n    1   0.0  100 launchd\n"), 1);
  // truncated second line (cut inside the rss column)
  assertParseErrorOf(
    () => parsePs("    1   0.0  100 launchd\n   78   0.4  10"),
    2,
    '"   78   0.4  10"',
  );
  assertParseErrorOf(
    () => parsePs("    1   0.0  100 launchd\n\n  garbage here\n"),
    3,
    "pid pcpu rss comm",
  );
  assertParseErrorOf(() => parsePs("    1   1,2,3  100 launchd\n"), 1, "bad %cpu");
  assertParseErrorOf(() => parsePs("    1   .  100 launchd\n"), 1, "bad %cpu");
  // rss with nothing after it: cut before ps wrote the space that precedes comm
  assertParseErrorOf(() => parsePs("    1   0.0  100\n"), 1, "pid pcpu rss comm");
});

/** The `comm` values a process can have: what it was started as, any bytes but NUL and newline. */
const NAMES = [
  ...HOSTILE_NAMES,
  "/tmp/   ",
  "/tmp/ x /  y ",
  "(  )",
  "\ufffd\ufffdA\ufffd", // bytes that are not UTF-8, as the decoder reads them
];

/** What parsePs gives for each of NAMES: the base name after the last '/', spaces kept. */
const SHOWN = [...HOSTILE_NAMES, "   ", "  y ", "  ", "\ufffd\ufffdA\ufffd"];

Deno.test("ps constructed lines: any comm a process can have parses, spaces and all", () => {
  const text = NAMES.map((name, i) => `${String(300 + i).padStart(5)}  12.5   2048 ${name}`);
  const list = parsePs(text.join("\n") + "\n");
  assert.deepEqual(list.map((p) => p.name), SHOWN);
  assert.deepEqual(list.map((p) => p.pid), NAMES.map((_, i) => 300 + i));
  assert.ok(list.every((p) => p.cpuPercent === 12.5 && p.memoryMb === 2));
});

Deno.test("ps on a real capture with hostile comm values spliced in: every row still parses", () => {
  const lines = toPidPcpuRssComm(fixture("ps-axu.macos10.14.6-x64.jc.txt")).trimEnd().split("\n");
  const before = parsePs(lines.join("\n"));
  // Rows 0, 30, 60, … take the hostile names; every other row reads as before.
  const spliced = lines.map((line, i) => {
    if (i % 30 !== 0 || i / 30 >= NAMES.length) return line;
    return line.replace(/^(\s*\d+\s+\S+\s+\d+) .*$/, `$1 ${NAMES[i / 30]}`);
  });
  const after = parsePs(spliced.join("\n"));
  assert.equal(after.length, before.length);
  after.forEach((p, i) => {
    const hostile = i % 30 === 0 && i / 30 < NAMES.length;
    assert.deepEqual(p, hostile ? { ...before[i], name: SHOWN[i / 30] } : before[i]);
  });
});

const LINUX_PS = firstExisting("/usr/bin/ps", "/bin/ps");

Deno.test({
  name: "ps: real procps `ps -Ao pid=,pcpu=,rss=,comm=` parses and lists this deno" +
    (LINUX_PS ? "" : " [SKIPPED: no /usr/bin/ps or /bin/ps]"),
  ignore: LINUX_PS === undefined,
  async fn() {
    // procps: -r means "running only", not "sort by CPU" as on macOS, so it is left out.
    const stdout = await runTool(LINUX_PS!, ["-Ao", "pid=,pcpu=,rss=,comm="]);
    const list = parsePs(stdout);
    const me = byPid(list, Deno.pid);
    assert.equal(me.name, "deno");
    assert.ok(me.memoryMb > 10, `deno RSS ${me.memoryMb} MiB`);
    assert.ok(me.cpuPercent >= 0);
    assert.ok(list.length >= 2);
  },
});

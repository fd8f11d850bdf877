/**
 * The macOS memory source end to end: a real child (a stand-in `vm_stat` that prints a real
 * interval capture, or a one-shot capture when run without arguments) read through
 * darwinPlatform's streamed source, its parser and its fallback decision.
 */
import assert from "node:assert/strict";
import { darwinPlatform } from "../../../src/metrics/darwin/platform.ts";
import type { MachineFacts } from "../../../src/metrics/platform.ts";
import type { Readings } from "../../../src/metrics/source.ts";
import { fixture, FIXTURES } from "../../support/fixtures.ts";
import { fakeTool, withTempDir } from "../../support/procs.ts";
import { waitFor } from "../../support/wait.ts";
import { timerSchedule } from "../../support/schedule.ts";

const GiB = 1024 ** 3;
const FACTS: MachineFacts = {
  memoryTotal: 8 * GiB,
  logicalCpus: 2,
  model: null,
  os: "macOS",
  coreLevels: [],
};
const ONE_SHOT = "vm_stat.osx-x64.go-osstat.txt";
/** Memory Used of {@link ONE_SHOT}: anonymous − purgeable + wired + compressor, by hand. */
const ONE_SHOT_PERCENT = (100 * (2996150 - 383371 + 446975 + 0) * 4096) / FACTS.memoryTotal;

/**
 * Runs the memory source over a stand-in vm_stat until `done` holds: the stand-in prints
 * `interval` (a capture, changed by `edit`) when given an interval, then stays alive; without
 * arguments it prints the one-shot capture. Returns what the source emitted and the failures it
 * reported.
 */
async function memorySource(
  interval: string,
  done: (emitted: Readings[]) => boolean,
  edit: (text: string) => string = (text) => text,
) {
  return await withTempDir("opta-darwin-mem-", async (dir) => {
    await Deno.writeTextFile(`${dir}/interval.txt`, edit(fixture(interval)));
    const path = (name: string) =>
      name === interval ? `${dir}/interval.txt` : new URL(name, FIXTURES).pathname;
    const vmStat = await fakeTool(
      dir,
      "vm_stat",
      `echo "$*" >> "${dir}/args"
[ $# -eq 0 ] && exec cat "${path(ONE_SHOT)}"
trap 'kill $! 2>/dev/null; exit 0' TERM
cat "${path(interval)}"
while :; do sleep 1 & wait $!; done`,
    );
    const tools = {
      vmStat,
      ps: "/nonexistent/ps",
      df: "/nonexistent/df",
      sysctl: "/no/sysctl",
      route: "/no/route",
      netstat: "/no/netstat",
      ioreg: "/no/ioreg",
      pmset: "/no/pmset",
    };
    const memory = darwinPlatform(tools).sources(FACTS, { top: 5 }).find((s) =>
      s.name === "memory"
    );
    assert.ok(memory);
    const emitted: Readings[] = [];
    const failures: string[] = [];
    memory.start(200, {
      emit: (r) => emitted.push(r),
      fail: (e) => failures.push(e.message),
    }, timerSchedule());
    try {
      await waitFor(() => done(emitted), 10_000, "memory readings");
    } finally {
      await memory.stop();
    }
    const args = Deno.readTextFileSync(`${dir}/args`).split("\n").slice(0, -1);
    return { emitted, failures, args };
  });
}

Deno.test(
  "darwin memory: the real 11-column vm_stat 60 capture gives no reading; one-shot takes over",
  async () => {
    const { emitted, failures, args } = await memorySource(
      "vm_stat-60.osx-x64-8GiB-11col.blazegraph.txt",
      (e) => e.length >= 2,
    );
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.match(
      failures[0],
      /vm_stat: line 2: unrecognised column header: no wired, prgable, anonymous, cmprssor column: .*; falling back to polling$/,
    );
    // every reading is the one-shot capture's: none came from the 11-column rows
    for (const r of emitted) {
      assert.equal(r.memoryTotal, FACTS.memoryTotal);
      assert.equal(r.memoryUsage, ONE_SHOT_PERCENT);
    }
    assert.equal(args[0], "1", "the interval child ran first");
    assert.ok(args.length >= 3 && args.slice(1).every((a) => a === ""), JSON.stringify(args));
  },
);

Deno.test(
  "darwin memory: the real vm_stat 1 capture streams its rows; the shell line makes it fall back",
  async () => {
    const { emitted, failures } = await memorySource(
      "vm_stat-1.macos-x64-8GiB-header-repeat.smore-napi-os-innopolis.txt",
      (e) => e.some((r) => r.memoryUsage === ONE_SHOT_PERCENT),
    );
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.match(failures[0], /vm_stat: line 14: expected 22 columns, got 4: .*falling back/);
    // Lines 3–13 of the capture, Memory Used by hand (anonymous − prgable + wired + cmprssor)
    const rows = [
      1493422, // 940129 − 138361 + 443203 + 248451
      1498479, // 938823 − 137471 + 448676 + 248451
      1494061,
      1495126,
      1499252,
      1501889,
      1502961,
      1507040,
      1511153,
      1512166,
      1516258, // 958454 − 131633 + 440986 + 248451
    ].map((pages) => (100 * pages * 4096) / FACTS.memoryTotal);
    assert.deepEqual(emitted.slice(0, rows.length).map((r) => r.memoryUsage), rows);
    // after the refused line only one-shot readings
    const rest = emitted.slice(rows.length);
    assert.ok(rest.length >= 1 && rest.every((r) => r.memoryUsage === ONE_SHOT_PERCENT));
  },
);

Deno.test(
  "darwin memory: a rounded wired cell (real capture, one cell edited) falls back, no reading",
  async () => {
    // The first row of the real vm_stat 1 capture with `wired` 443203 printed as a too-wide
    // column would print it: "443K" stands for 443000–443999 pages, so no exact Memory Used.
    const { emitted, failures } = await memorySource(
      "vm_stat-1.macos-x64-8GiB-header-repeat.smore-napi-os-innopolis.txt",
      (e) => e.length >= 2,
      (text) => text.replace("        0   443203   138361", "        0     443K   138361"),
    );
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.match(
      failures[0],
      /vm_stat: line 3: column wired is rounded \(443K is 443000–443999 pages\): no exact Memory Used: .*; falling back to polling$/,
    );
    assert.ok(emitted.every((r) => r.memoryUsage === ONE_SHOT_PERCENT), "one-shot readings only");
  },
);

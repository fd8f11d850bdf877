/**
 * Real time, real children: the Sampler over the real platform sources, where what
 * is tested is a real process (a tool that hangs and ignores SIGTERM, df's own
 * output and failures reaching health and the log, the real Linux tools, the macOS
 * platform driven by fakes that print the captures of tests/fixtures/darwin/).
 * Cadences, backoff and restarts are tested on a virtual clock in sampler_test.ts.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { DARWIN_TOOLS, darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { parsePs } from "../../src/metrics/darwin/ps.ts";
import { STATIC_SYSCTL_KEYS } from "../../src/metrics/darwin/sysctl.ts";
import { LINUX_TOOLS, linuxPlatform, type LinuxTools } from "../../src/metrics/linux/platform.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { type Cadences, Sampler } from "../../src/metrics/sampler.ts";
import { fixture, FIXTURES, toPidPcpuRssComm } from "../support/fixtures.ts";
import { collectingLogger } from "../support/log_lines.ts";
import { alive, childrenOf, dfCapacity, fakeTool, withTempDir } from "../support/procs.ts";
import { waitFor } from "../support/wait.ts";
import { BANNER, HEADER, ROW1, ROW2 } from "../support/vm_stat_interval.ts";

const isLinux = Deno.build.os === "linux";
const sanitize = { sanitizeOps: true, sanitizeResources: true };
/** Fast cadences so the tests see several cycles in well under a second. */
const FAST: Partial<Cadences> = { cpu: 100, memory: 100, processes: 300, disk: 100 };

/** Runs `fn` with a started sampler over `platform`; always stops it and checks for leftovers. */
async function withSampler(
  platform: Platform,
  cadences: Partial<Cadences>,
  fn: (sampler: Sampler, log: ReturnType<typeof collectingLogger>) => Promise<void>,
): Promise<void> {
  const log = collectingLogger();
  const facts = await platform.facts();
  const sampler = new Sampler(platform.sources(facts, { top: 5 }), { cadences, log: log.logger });
  sampler.start();
  try {
    await fn(sampler, log);
  } finally {
    await sampler.stop();
  }
  assert.deepEqual(childrenOf(Deno.pid), [], "stop() leaves no child process");
}

const linuxWith = (tools: Partial<LinuxTools>) => linuxPlatform({ ...LINUX_TOOLS, ...tools });

/** cpu and memory keep producing (their sample counts grow) over `ms`, and show in snapshots. */
async function assertHealthyKeepGoing(sampler: Sampler, ms = 300): Promise<void> {
  const before = sampler.health();
  await delay(ms);
  const after = sampler.health();
  for (const name of ["cpu", "memory"] as const) {
    assert.ok(
      after[name].samples > before[name].samples,
      `${name} kept sampling (${before[name].samples} → ${after[name].samples})`,
    );
    assert.equal(after[name].error, null, name);
    assert.ok(after[name].ageMs !== null && after[name].ageMs < 1000, `${name} is fresh`);
  }
  const snap = sampler.snapshot();
  assert.ok(snap.memoryUsage > 0 && snap.memoryUsage < 100);
  assert.ok(snap.memoryTotal > 0);
  assert.ok(snap.cpuUsage >= 0 && snap.cpuUsage <= 100);
  assert.ok(Date.now() - snap.timestamp < 1000, "timestamp is recent");
}

Deno.test({
  name: "real time, real tools: every Linux source produces; stop() leaves no timer, no child",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    const platform = linuxPlatform();
    const names = platform.sources(await platform.facts(), { top: 5 }).map((s) => s.name);
    await withSampler(platform, FAST, async (sampler) => {
      await sampler.settled(3000);
      const health = sampler.health();
      for (const name of names) {
        const s = health[name];
        assert.ok(s.samples >= 1, `${name} produced`);
        assert.equal(s.error, null, name);
      }
      const kids = childrenOf(Deno.pid);
      assert.ok(kids.some((k) => k.comm === "top" && k.state !== "Z"), JSON.stringify(kids));
    });
    // withSampler asserted that no child is left; the sanitizers fail the test if a timer
    // or a process resource is left.
  },
});

/** A df that records its pid, then (same pid, via exec) sleeps while ignoring SIGTERM. */
const HANGING_DF = (dir: string) => `echo $$ >> "${dir}/df.pids"; trap '' TERM; exec sleep 30`;
const pidsIn = (dir: string) => {
  try {
    return Deno.readTextFileSync(`${dir}/df.pids`).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

Deno.test({
  name: "real time: a df that hangs ignoring SIGTERM holds back no one; stop() SIGKILLs it",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(dir, "df", HANGING_DF(dir));
      let stopped = 0;
      await withSampler(linuxWith({ df }), FAST, async (sampler) => {
        await waitFor(() => pidsIn(dir).length === 1, 2000, "the fake df to start");
        await assertHealthyKeepGoing(sampler);
        const health = sampler.health();
        assert.deepEqual([health.disk.samples, health.disk.failures], [0, 0], "still waiting");
        assert.equal(pidsIn(dir).length, 1, "never two runs at once");
        assert.ok(alive(pidsIn(dir)[0]));
        stopped = performance.now();
      });
      const took = performance.now() - stopped;
      // SIGTERM is ignored: SIGKILL after the 500 ms grace
      assert.ok(took < 2000, `stop() took ${took} ms`);
      assert.ok(!alive(pidsIn(dir)[0]), "the hung df was killed");
    }),
});

Deno.test({
  name: "real time: df's garbage and exit codes reach health and the log; recovery too",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      // mode file: absent → real df; "garbage" → unparsable output; "exit" → exit code 3
      const df = await fakeTool(
        dir,
        "df",
        `case "$(cat "${dir}/mode" 2>/dev/null)" in
  garbage) echo "<html>Service Unavailable</html>"; exit 0 ;;
  exit) echo "df: cannot read table of mounted file systems" >&2; exit 3 ;;
esac
exec /bin/df "$@"`,
      );
      const mode = (m: string | null) =>
        m === null ? Deno.removeSync(`${dir}/mode`) : Deno.writeTextFileSync(`${dir}/mode`, m);
      await withSampler(linuxWith({ df }), FAST, async (sampler, log) => {
        const disk = () => sampler.health().disk;
        await waitFor(() => disk().samples >= 1, 2000, "a good df reading");
        const good = sampler.snapshot().diskUsage;
        assert.ok(Math.abs(good - await dfCapacity()) <= 1, `${good} vs df`);

        mode("garbage");
        await waitFor(() => disk().failures >= 1, 2000, "a garbage failure");
        assert.match(disk().error!, /^df: line 1: expected a 'Filesystem …' header: "<html>/);
        assert.equal(sampler.snapshot().diskUsage, good, "the last good value is kept");

        mode(null);
        await waitFor(() => disk().error === null, 3000, "recovery");
        mode("exit");
        await waitFor(() => disk().error !== null, 3000, "an exit failure");
        assert.equal(
          disk().error,
          `${df} -kP /: exited with code 3: df: cannot read table of mounted file systems`,
        );
        assert.deepEqual(log.of("disk").map((l) => [l.event, l.error]), [
          ["source failed", log.of("disk")[0].error],
          ["source recovered", undefined],
          ["source failed", disk().error],
        ]);
        assert.deepEqual(log.lines.filter((l) => l.source !== "disk"), [], "nothing else failed");
      });
    }),
});

// ---- macOS platform with fakes printing the real captures -----------------------------------

const OLD_HEADER =
  "    free   active   spec inactive   wire   faults     copy    0fill reactive  pageins  pageout";

const M1_PRO_MEMSIZE = 34359738368; // hw.memsize of the M1 Pro sysctl capture: 32 GiB
const fixturePath = (name: string) => new URL(name, FIXTURES).pathname;

/** Fakes for the macOS tools; the seed's four record their arguments in `<name>.args`. */
async function darwinFakes(dir: string, vmStatInterval: string[]) {
  const record = (name: string) => `echo "$*" >> "${dir}/${name}.args"`;
  await Deno.writeTextFile(
    `${dir}/ps.txt`,
    toPidPcpuRssComm(fixture("ps-axu.macos10.14.6-x64.jc.txt"), true),
  );
  const q = (line: string) => `'${line}'`;
  return {
    vmStat: await fakeTool(
      dir,
      "vm_stat",
      `${record("vm_stat")}
[ $# -eq 0 ] && exec cat "${fixturePath("vm_stat.macos14.4-arm64-m1pro.ansible.txt")}"
trap 'kill $! 2>/dev/null; exit 0' TERM
${vmStatInterval.map((l) => `echo ${q(l)}`).join("\n")}
while :; do sleep 1 & wait $!; echo ${q(ROW2)}; done`,
    ),
    ps: await fakeTool(dir, "ps", `${record("ps")}\nexec cat "${dir}/ps.txt"`),
    df: await fakeTool(
      dir,
      "df",
      `${record("df")}\nexec cat "${fixturePath("df.macos10.14.6-x64.jc.txt")}"`,
    ),
    sysctl: await fakeTool(
      dir,
      "sysctl",
      `${record("sysctl")}
[ "$1" = kern.memorystatus_vm_pressure_level ] && exec echo "$1: 1"
exec cat "${fixturePath("sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt")}"`,
    ),
    // The sources added after the seed have their own end-to-end test (darwin/sources_test.ts);
    // here they read a Mac with no default route, GPU, disk driver or battery.
    route: await fakeTool(dir, "route", `echo "route: not in table" >&2; exit 1`),
    netstat: await fakeTool(dir, "netstat", "exit 1"),
    ioreg: await fakeTool(dir, "ioreg", "exit 0"),
    pmset: await fakeTool(
      dir,
      "pmset",
      `[ "$2" = therm ] && exec cat "${
        fixturePath("pmset-therm.macos12.1-arm64-m1pro.stats-749.txt")
      }"
echo "Now drawing from 'AC Power'"`,
    ),
  };
}

/** One entry per run of the fake: its arguments joined by spaces ("" for none). */
const argsOf = (dir: string, name: string) =>
  Deno.readTextFileSync(`${dir}/${name}.args`).split("\n").slice(0, -1);

Deno.test(
  "real time: darwin platform (fake tools, real captures): M1 Pro memory 70.72 % of 32 GiB",
  () =>
    withTempDir("opta-darwin-", async (dir) => {
      const tools = await darwinFakes(dir, [BANNER, HEADER, ROW1]);
      assert.deepEqual(Object.keys(tools).sort(), Object.keys(DARWIN_TOOLS).sort());
      const platform = darwinPlatform(tools);
      const facts = await platform.facts();
      const { memoryTotal, logicalCpus, model, os } = facts; // coreLevels: see the sysctl tests
      assert.deepEqual({ memoryTotal, logicalCpus, model, os }, {
        memoryTotal: M1_PRO_MEMSIZE,
        logicalCpus: 10,
        model: "MacBookPro18,1",
        os: "macOS 14.4.1",
      });
      assert.deepEqual(argsOf(dir, "sysctl"), [STATIC_SYSCTL_KEYS.join(" ")]);

      const memory: number[] = [];
      await withSampler(platform, FAST, async (sampler, log) => {
        await sampler.settled(3000);
        const snap = sampler.snapshot();
        memory.push(snap.memoryUsage);
        assert.equal(snap.memoryTotal, M1_PRO_MEMSIZE);
        // the captured machine's Memory Used: 22.632 GiB = 70.72 % of 32 GiB
        assert.equal(snap.memoryUsage.toFixed(2), "70.72");
        assert.equal(snap.memoryUsage, (100 * 1483194 * 16384) / M1_PRO_MEMSIZE);
        // df capture, 512-blocks: (976490576 − 660310352) / 976490576 of the container in use
        assert.equal(snap.diskUsage, (100 * (976490576 - 660310352)) / 976490576);
        assert.equal(snap.temperature, null, "no temperature source on macOS");
        // ps capture, busiest first
        const expected = parsePs(Deno.readTextFileSync(`${dir}/ps.txt`)).slice(0, 5);
        assert.deepEqual(snap.topProcesses, expected);
        assert.deepEqual(snap.topProcesses.slice(0, 3).map((p) => [p.pid, p.cpuPercent]), [
          [1046, 3.7],
          [556, 3.5],
          [112, 1.7],
        ]);
        assert.equal(snap.topProcesses[2].name, "hidd");
        assert.equal(snap.topProcesses[2].memoryMb, 9940 / 1024);

        // the streamed vm_stat keeps delivering: the next (constructed) interval row
        await waitFor(() => sampler.health().memory.samples >= 2, 3000, "a second vm_stat row");
        memory.push(sampler.snapshot().memoryUsage);
        assert.equal(
          memory[1],
          (100 * (912600 - 19224 + 165990 + 424276) * 16384) / M1_PRO_MEMSIZE,
        );

        const health = sampler.health();
        for (const name of ["cpu", "memory", "processes", "disk"] as const) {
          assert.equal(health[name].error, null, name);
        }
        assert.equal(health.temperature.error, "no source on this platform");
        assert.deepEqual(log.lines, []);
      });
      assert.deepEqual(argsOf(dir, "vm_stat"), ["1"], "one long-lived vm_stat 1");
      assert.ok(argsOf(dir, "df").every((a) => a === "-kP /"));
      assert.ok(argsOf(dir, "ps").every((a) => a === "-Axo pid=,pcpu=,rss=,comm= -r"));
    }),
);

Deno.test(
  "real time: darwin platform: unrecognised vm_stat interval columns fall back to one-shot",
  () =>
    withTempDir("opta-darwin-", async (dir) => {
      const tools = await darwinFakes(dir, [BANNER, OLD_HEADER]);
      await withSampler(darwinPlatform(tools), FAST, async (sampler, log) => {
        await waitFor(() => sampler.health().memory.samples >= 2, 4000, "one-shot readings");
        await assertHealthyKeepGoing(sampler, 400);
        const snap = sampler.snapshot();
        assert.equal(snap.memoryTotal, M1_PRO_MEMSIZE);
        assert.equal(snap.memoryUsage.toFixed(2), "70.72", "the one-shot M1 Pro capture");
        const health = sampler.health().memory;
        assert.equal(health.error, null);
        assert.equal(health.failures, 1, "one failure: the fallback itself");
        assert.deepEqual(log.of("memory").map((l) => l.event), [
          "source failed",
          "source recovered",
        ]);
        assert.match(
          log.of("memory")[0].error!,
          /unrecognised column header.*; falling back to polling$/,
        );
      });
      // the interval child ran once, then one-shot polls (no argument)
      const args = argsOf(dir, "vm_stat");
      assert.equal(args[0], "1");
      assert.ok(args.length >= 3 && args.slice(1).every((a) => a === ""), JSON.stringify(args));
    }),
);

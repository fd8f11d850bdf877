/**
 * The real Sampler over the real platform sources, with one tool at a time replaced by a
 * faulty fake executable (`#!/bin/sh` in a temporary directory): hangs, failures, garbage,
 * deaths, recovery, logging, idle cadences, clean stop. Then the macOS platform driven by
 * fakes that print the real captures of ../shared/fixtures/darwin/.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { createLogger } from "../../src/log.ts";
import { ProcessFailure } from "../../src/process/failure.ts";
import { runCommand } from "../../src/process/run.ts";
import { DARWIN_TOOLS, darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { parsePs } from "../../src/metrics/darwin/ps.ts";
import { STATIC_SYSCTL_KEYS } from "../../src/metrics/darwin/sysctl.ts";
import { LINUX_TOOLS, linuxPlatform, type LinuxTools } from "../../src/metrics/linux/platform.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { type Cadences, failureKey, Sampler } from "../../src/metrics/sampler.ts";
import { ParseError } from "../../src/metrics/parse_error.ts";
import type { Source, SourceSink } from "../../src/metrics/source.ts";
import { fixture, FIXTURES, fixtureTest, toPidPcpuRssComm } from "../support/fixtures.ts";
import { alive, childrenOf, dfCapacity, fakeTool, withTempDir } from "../support/procs.ts";
import { waitFor } from "../support/wait.ts";
import { BANNER, HEADER, ROW1, ROW2 } from "../support/vm_stat_interval.ts";

const isLinux = Deno.build.os === "linux";
const sanitize = { sanitizeOps: true, sanitizeResources: true };
/** Fast cadences so the tests see several cycles in a second or two. */
const FAST: Partial<Cadences> = { cpu: 100, memory: 100, processes: 300, disk: 100 };

interface LogLine {
  level: string;
  event: string;
  source?: string;
  error?: string;
}

/** A real text/json Logger whose lines are collected. */
function collectingLogger() {
  const lines: LogLine[] = [];
  const logger = createLogger("debug", "json", (line) => lines.push(JSON.parse(line)));
  const of = (source: string, event?: string) =>
    lines.filter((l) => l.source === source && (event === undefined || l.event === event));
  return { lines, logger, of };
}

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
async function assertHealthyKeepGoing(sampler: Sampler, ms = 400): Promise<void> {
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

// ---- a df that hangs ------------------------------------------------------------------------

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
  name: "hanging df (ignores SIGTERM): runCommand kills it with SIGKILL at its timeout",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(dir, "df", HANGING_DF(dir));
      const started = performance.now();
      let error: unknown;
      try {
        await runCommand(df, ["-kP", "/"], { timeoutMs: 300, graceMs: 200 });
      } catch (e) {
        error = e;
      }
      const took = performance.now() - started;
      assert.ok(error instanceof ProcessFailure, String(error));
      assert.equal(error.kind, "timeout");
      assert.equal(error.signal, "SIGKILL");
      assert.match(error.message, /timed out after 300 ms \(killed with SIGKILL after 200 ms/);
      assert.ok(took >= 450 && took < 2000, `took ${took} ms`);
      const [pid] = pidsIn(dir);
      assert.ok(pid > 0 && !alive(pid), `the fake df ${pid} is gone`);
    }),
});

Deno.test({
  name: "hanging df: the other sources keep producing; stop() kills it promptly",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(dir, "df", HANGING_DF(dir));
      let stopped = 0;
      await withSampler(linuxWith({ df }), FAST, async (sampler) => {
        await waitFor(() => pidsIn(dir).length === 1, 2000, "the fake df to start");
        await assertHealthyKeepGoing(sampler, 700);
        const health = sampler.health();
        assert.equal(health.disk.samples, 0);
        assert.equal(health.disk.failures, 0, "still waiting for df (timeout is 5 s)");
        assert.equal(health.disk.ageMs, null);
        assert.equal(sampler.snapshot().diskUsage, 0);
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

// ---- a df that fails ------------------------------------------------------------------------

Deno.test({
  name: "failing df (exit 1): reported in health, retried with backoff, logged once",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(
        dir,
        "df",
        `echo x >> "${dir}/calls"; echo "df: /: Input/output error" >&2; exit 1`,
      );
      await withSampler(linuxWith({ df }), FAST, async (sampler, log) => {
        await assertHealthyKeepGoing(sampler, 1600);
        const disk = sampler.health().disk;
        assert.equal(disk.samples, 0);
        assert.equal(disk.error, `${df} -kP /: exited with code 1: df: /: Input/output error`);
        // 100 ms cadence, doubling after each failure: attempts at ~0, 200, 600, 1400 ms.
        // A busy loop (or the plain cadence) would have made ~16.
        assert.ok(disk.failures >= 3 && disk.failures <= 5, `${disk.failures} failures`);
        const calls = Deno.readTextFileSync(`${dir}/calls`).trim().split("\n").length;
        assert.ok(calls >= disk.failures && calls <= disk.failures + 1, `${calls} calls`);
        const logged = log.of("disk");
        assert.equal(logged.length, 1, "the repeated failure is logged once");
        assert.equal(logged[0].level, "warn");
        assert.equal(logged[0].event, "source failed");
        assert.equal(logged[0].error, disk.error);
      });
    }),
});

Deno.test({
  name: "garbage df: the ParseError is reported and retried; cpu and memory unaffected",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(dir, "df", `echo "<html>Service Unavailable</html>"`);
      await withSampler(linuxWith({ df }), FAST, async (sampler, log) => {
        await waitFor(() => sampler.health().disk.failures >= 2, 2000, "two df failures");
        await assertHealthyKeepGoing(sampler);
        const disk = sampler.health().disk;
        assert.match(disk.error!, /^df: line 1: expected a 'Filesystem …' header: "<html>/);
        assert.equal(disk.samples, 0);
        assert.equal(log.of("disk", "source failed").length, 1);
      });
    }),
});

Deno.test({
  name:
    "df turning bad keeps the last good value (its age grows); recovery and new failures logged",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      // mode file: absent → real df; "garbage" → unparsable output; "exit" → exit code 3
      const df = await fakeTool(
        dir,
        "df",
        `case "$(cat "${dir}/mode" 2>/dev/null)" in
  garbage) echo "garbage"; exit 0 ;;
  exit) echo "df: cannot read table of mounted file systems" >&2; exit 3 ;;
esac
exec /bin/df "$@"`,
      );
      const mode = (m: string | null) =>
        m === null ? Deno.removeSync(`${dir}/mode`) : Deno.writeTextFileSync(`${dir}/mode`, m);
      await withSampler(linuxWith({ df }), FAST, async (sampler, log) => {
        await waitFor(() => sampler.health().disk.samples >= 2, 2000, "good df readings");
        const first = sampler.snapshot().diskUsage;
        assert.ok(Math.abs(first - await dfCapacity()) <= 1, `${first} vs df`);

        mode("garbage");
        await waitFor(() => sampler.health().disk.failures >= 2, 2000, "failures");
        const good = sampler.snapshot().diskUsage; // a run in flight may have had a newer one
        assert.ok(Math.abs(good - first) < 0.1);
        const age1 = sampler.health().disk.ageMs!;
        await assertHealthyKeepGoing(sampler, 300);
        const disk = sampler.health().disk;
        assert.equal(sampler.snapshot().diskUsage, good, "last good value kept");
        assert.ok(disk.ageMs! >= age1 + 250, `age grows: ${age1} → ${disk.ageMs}`);
        assert.match(disk.error!, /^df: line 1: expected a 'Filesystem …' header: "garbage"/);
        assert.equal(log.of("disk", "source failed").length, 1, "repeated failure logged once");

        mode(null);
        await waitFor(() => sampler.health().disk.error === null, 3000, "recovery");
        assert.ok(sampler.health().disk.ageMs! < 500);
        assert.equal(log.of("disk", "source recovered").length, 1);

        const recovered = sampler.snapshot().diskUsage;
        mode("exit");
        await waitFor(() => sampler.health().disk.failures >= disk.failures + 2, 3000, "exit");
        assert.match(sampler.health().disk.error!, /exited with code 3: df: cannot read table/);
        assert.deepEqual(log.of("disk").map((l) => l.event), [
          "source failed",
          "source recovered",
          "source failed",
        ]);
        assert.equal(log.of("disk", "source failed")[1].error, sampler.health().disk.error);
        assert.equal(sampler.snapshot().diskUsage, recovered, "the newest good value kept");
        // nothing else failed
        assert.deepEqual(log.lines.filter((l) => l.source !== "disk"), []);
      });
    }),
});

// ---- a top that dies or prints garbage ------------------------------------------------------

Deno.test({
  name: "top that dies after one refresh is restarted; processes keep arriving",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const top = await fakeTool(
        dir,
        "top",
        `echo x >> "${dir}/runs"; exec /usr/bin/top "$@" -n 1`,
      );
      await withSampler(linuxWith({ top }), { ...FAST, processes: 200 }, async (sampler, log) => {
        // runs at ~0, 0.45, 1.15, 2.35 s (restart backoff 250, 500, 1000 ms)
        await waitFor(() => sampler.health().processes.samples >= 3, 4000, "3 process lists");
        await assertHealthyKeepGoing(sampler, 200);
        const health = sampler.health().processes;
        const runs = Deno.readTextFileSync(`${dir}/runs`).trim().split("\n").length;
        assert.ok(runs >= 3, `${runs} runs`);
        assert.ok(health.failures >= 2, `${health.failures} failures`);
        assert.ok(health.samples <= runs, "one list per run");
        const list = sampler.snapshot().topProcesses;
        assert.equal(list.length, 5);
        const failed = log.of("processes", "source failed");
        assert.ok(failed.length >= 2);
        for (const line of failed) assert.match(line.error!, /: exited with code 0$/);
        assert.ok(log.of("processes", "source recovered").length >= 1);
      });
    }),
});

Deno.test({
  name: "top printing garbage: reported once, the other sources unaffected",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const top = await fakeTool(
        dir,
        "top",
        `trap 'kill $! 2>/dev/null; exit 0' TERM
while :; do echo "Segmentation fault (core dumped)"; sleep 0.05 & wait $!; done`,
      );
      await withSampler(linuxWith({ top }), FAST, async (sampler, log) => {
        await waitFor(() => sampler.health().processes.failures >= 5, 3000, "5 failures");
        await assertHealthyKeepGoing(sampler);
        const health = sampler.health().processes;
        assert.equal(health.samples, 0);
        assert.match(
          health.error!,
          /onLine threw: top: line \d+: expected a 'top - ' summary line first: "Segmentation/,
        );
        assert.deepEqual(sampler.snapshot().topProcesses, []);
        assert.equal(log.of("processes", "source failed").length, 1, "logged once, not per line");
      });
    }),
});

Deno.test({
  name: "top flooding garbage is killed after 200 bad lines, restarted after 1 s, 2 s, …",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const top = await fakeTool(
        dir,
        "top",
        `echo start >> ${dir}/starts
exec /usr/bin/yes "not top output"`,
      );
      await withSampler(linuxWith({ top }), FAST, async (sampler, log) => {
        const starts = () => {
          try {
            return Deno.readTextFileSync(`${dir}/starts`).trim().split("\n").length;
          } catch {
            return 0;
          }
        };
        await waitFor(() => starts() >= 1, 2000, "first start");
        await new Promise((r) => setTimeout(r, 3600));
        // spawned at 0 s, killed at once, again after 1 s, killed, again after 2 s more
        const n = starts();
        assert.ok(n >= 2 && n <= 4, `${n} starts in ~3.6 s`);
        await assertHealthyKeepGoing(sampler);
        assert.equal(log.of("processes", "source failed").length, 1, "logged once");
      });
    }),
});

Deno.test({
  name: "failures differing only by line number are one failure for the log (stub source)",
  ...sanitize,
  fn: async () => {
    const log = collectingLogger();
    let sink: SourceSink | undefined;
    const stub: Source = {
      name: "processes",
      start: (_interval, s) => void (sink = s),
      stop: () => Promise.resolve(),
    };
    const sampler = new Sampler([stub], { log: log.logger });
    sampler.start();
    const parse = (line: number) =>
      new ProcessFailure("/usr/bin/top -b", "callback", "onLine threw", {
        cause: new ParseError("top", line, "column header lacks RES", "  PID USER"),
      });
    for (const line of [8, 95, 182]) {
      sink!.fail(
        new Error(`/usr/bin/top -b: onLine threw: ${new ParseError("top", line, "x").message}`),
      );
    }
    assert.equal(sampler.health().processes.failures, 3);
    assert.equal(
      sampler.health().processes.error,
      "/usr/bin/top -b: onLine threw: top: line 182: x",
    );
    sink!.fail(parse(7)); // a different reason: logged
    sink!.fail(new Error("/usr/bin/top -b: exited with code 1")); // different: logged
    sink!.fail(new Error("/usr/bin/top -b: exited with code 2")); // different code: logged
    sink!.emit({ topProcesses: [] });
    sink!.fail(new Error(`top: ${new ParseError("top", 3, "x").message}`)); // after recovery: logged
    await sampler.stop();
    assert.deepEqual(log.lines.map((l) => l.event), [
      "source failed",
      "source failed",
      "source failed",
      "source failed",
      "source recovered",
      "source failed",
    ]);
    assert.equal(failureKey("top: line 12: bad"), failureKey("top: line 7: bad"));
    assert.notEqual(failureKey("exited with code 1"), failureKey("exited with code 2"));
    assert.equal(failureKey("no output line for 5000 ms"), "no output line for 5000 ms");
  },
});

// ---- cadences and stop ----------------------------------------------------------------------

Deno.test({
  name: "idle() slows every source to the idle cadence; start() speeds them up again",
  ignore: !isLinux,
  ...sanitize,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const df = await fakeTool(dir, "df", `echo x >> "${dir}/calls"; exec /bin/df "$@"`);
      const calls = () => {
        try {
          return Deno.readTextFileSync(`${dir}/calls`).trim().split("\n").length;
        } catch {
          return 0;
        }
      };
      const cadences = { ...FAST, disk: 50, idle: 500 };
      await withSampler(linuxWith({ df }), cadences, async (sampler) => {
        const window = async () => {
          const [c0, s0] = [calls(), sampler.health()];
          await delay(1000);
          const s1 = sampler.health();
          return {
            df: calls() - c0,
            disk: s1.disk.samples - s0.disk.samples,
            cpu: s1.cpu.samples - s0.cpu.samples,
            memory: s1.memory.samples - s0.memory.samples,
          };
        };
        assert.equal(sampler.mode, "active");
        const active = await window();
        sampler.idle();
        assert.equal(sampler.mode, "idle");
        const idle = await window();
        sampler.start();
        const again = await window();
        const shown = JSON.stringify({ active, idle, again });
        // 50 ms: ~20 a second (minus df's own run time); idle 500 ms: 2–3 (one at the switch)
        assert.ok(active.df >= 10 && again.df >= 10, shown);
        assert.ok(idle.df <= 4 && idle.df >= 1, shown);
        assert.ok(Math.abs(active.disk - active.df) <= 1, `one sample per df run: ${shown}`);
        assert.ok(active.cpu >= 6 && idle.cpu <= 4, shown);
        assert.ok(active.memory >= 6 && idle.memory <= 4, shown);
      });
    }),
});

Deno.test({
  name: "stop() leaves no timer and no child (real tools); settled() resolves for all sources",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    await withSampler(linuxPlatform(), FAST, async (sampler) => {
      await sampler.settled(3000);
      const health = sampler.health();
      for (const [name, s] of Object.entries(health)) {
        assert.ok(s.samples >= 1, `${name} produced`);
        assert.equal(s.error, null, name);
      }
      const kids = childrenOf(Deno.pid);
      assert.ok(kids.some((k) => k.comm === "top" && k.state !== "Z"), JSON.stringify(kids));
    });
    // withSampler asserted that no child is left; nothing is delivered after stop()
    // (the sanitizers fail the test if a timer or a process resource is left).
  },
});

// ---- macOS platform with fakes printing the real captures -----------------------------------

const OLD_HEADER =
  "    free   active   spec inactive   wire   faults     copy    0fill reactive  pageins  pageout";

const M1_PRO_MEMSIZE = 34359738368; // hw.memsize of the M1 Pro sysctl capture: 32 GiB
const fixturePath = (name: string) => new URL(name, FIXTURES).pathname;

/** Fakes for the four macOS tools; each records its arguments in `<name>.args`. */
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
exec cat "${fixturePath("sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt")}"`,
    ),
  };
}

/** One entry per run of the fake: its arguments joined by spaces ("" for none). */
const argsOf = (dir: string, name: string) =>
  Deno.readTextFileSync(`${dir}/${name}.args`).split("\n").slice(0, -1);

fixtureTest(
  "darwin platform (fake tools, real captures): M1 Pro memory 70.72 % of 32 GiB",
  () =>
    withTempDir("opta-darwin-", async (dir) => {
      const tools = await darwinFakes(dir, [BANNER, HEADER, ROW1]);
      assert.deepEqual(Object.keys(tools).sort(), Object.keys(DARWIN_TOOLS).sort());
      const platform = darwinPlatform(tools);
      const facts = await platform.facts();
      assert.deepEqual(facts, {
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

fixtureTest(
  "darwin platform: unrecognised vm_stat interval columns fall back to one-shot",
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

/**
 * The Sampler on a virtual clock: cadences, backoff, idle and active modes, a hung
 * or failing source, health and the failure log, stepped exactly by the test. The
 * sources are polled sources with scripted reads, or the Linux top source over a
 * real child; what must run on real time is in sampler_e2e_test.ts.
 */
import assert from "node:assert/strict";
import { ProcessFailure } from "../../src/process/failure.ts";
import { LINUX_TOOLS, linuxPlatform } from "../../src/metrics/linux/platform.ts";
import { type Cadences, failureKey, Sampler } from "../../src/metrics/sampler.ts";
import { ParseError } from "../../src/metrics/parse_error.ts";
import {
  type Readings,
  type Source,
  type SourceName,
  type SourceSink,
} from "../../src/metrics/source.ts";
import { polledSource } from "../../src/metrics/polled_source.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { sleep } from "../../src/time/clock.ts";
import { collectingLogger } from "../support/log_lines.ts";
import { childrenOf, fakeTool, withTempDir } from "../support/procs.ts";
import { VirtualClock } from "../support/virtual_clock.ts";
import { waitFor } from "../support/wait.ts";

const isLinux = Deno.build.os === "linux";

/** A sampler over `sources` on a virtual clock whose schedule runs on the clock's timer. */
function virtualSampler(sources: (clock: VirtualClock) => Source[], cadences: Partial<Cadences>) {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true); // as the daemon's idle timer does; a tick would call runDue
  const log = collectingLogger();
  const sampler = new Sampler(sources(clock), { cadences, schedule, log: log.logger });
  /** Stops the sampler: no task, no timer and no child may be left. */
  const stop = async () => {
    await sampler.stop();
    assert.equal(clock.pending, 0, "no task and no timer left");
    assert.deepEqual(childrenOf(Deno.pid), [], "no child left");
  };
  return { clock, sampler, log, stop };
}

/** A polled source whose reads are stamped with the clock's time and answered by `answer`. */
function scripted(
  name: SourceName,
  answer: (read: number, signal: AbortSignal) => Readings | Promise<Readings>,
) {
  const reads: number[] = [];
  let clock: VirtualClock | null = null;
  return {
    reads,
    source: (on: VirtualClock) => {
      clock = on;
      return polledSource(name, (signal) => {
        reads.push(clock!.now());
        return answer(reads.length, signal);
      });
    },
  };
}

const cpu = () => scripted("cpu", () => ({ cpuUsage: 12 }));
const memory = () => scripted("memory", () => ({ memoryUsage: 34, memoryTotal: 1 << 30 }));

Deno.test("a hung read holds back only its source, never runs twice; stop() aborts it", async () => {
  const [c, m] = [cpu(), memory()];
  let aborted = false;
  const disk = scripted("disk", (_, signal) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener("abort", () => {
        aborted = true;
        reject(signal.reason);
      });
    }));
  const cadences = { cpu: 100, memory: 100, disk: 100 };
  const { clock, sampler, stop } = virtualSampler(
    (on) => [c.source(on), m.source(on), disk.source(on)],
    cadences,
  );
  sampler.start();
  await clock.advance(1000);
  assert.equal(c.reads.length, 11, "cpu at 0, 100, …, 1000");
  assert.equal(m.reads.length, 11);
  assert.deepEqual(disk.reads, [0], "never two runs at once");
  const health = sampler.health();
  assert.deepEqual([health.cpu.samples, health.cpu.ageMs, health.cpu.error], [11, 0, null]);
  assert.deepEqual([health.disk.samples, health.disk.failures, health.disk.ageMs], [0, 0, null]);
  assert.equal(sampler.snapshot().diskUsage, 0);
  assert.equal(sampler.snapshot().cpuUsage, 12);
  await stop();
  assert.ok(aborted, "stop() aborts the read in flight");
  assert.equal(sampler.health().disk.failures, 0, "an abort by stop() is no failure");
});

Deno.test("a failing read: retried after 2, 4, 8 intervals, in health, logged once", async () => {
  const c = cpu();
  const message = "/bin/df -kP /: exited with code 1: df: /: Input/output error";
  const disk = scripted("disk", () => {
    throw new Error(message);
  });
  const { clock, sampler, log, stop } = virtualSampler(
    (on) => [c.source(on), disk.source(on)],
    { cpu: 100, disk: 100 },
  );
  sampler.start();
  await clock.advance(1600);
  assert.deepEqual(disk.reads, [0, 200, 600, 1400], "not a busy loop, nor the plain cadence");
  const health = sampler.health();
  assert.deepEqual([health.disk.samples, health.disk.failures], [0, 4]);
  assert.equal(health.disk.error, message);
  assert.equal(health.cpu.samples, 17, "cpu unaffected");
  assert.deepEqual(
    log.of("disk").map((l) => [l.level, l.event, l.error]),
    [["warn", "source failed", message]],
    "the repeated failure is logged once",
  );
  await stop();
});

Deno.test("a source turning bad keeps its last good value, its age grows; recovery logged", async () => {
  let mode: "good" | "garbage" | "exit" = "good";
  const disk = scripted("disk", (read) => {
    if (mode === "garbage") throw new ParseError("df", 1, "expected a header", "garbage");
    if (mode === "exit") throw new Error("/bin/df -kP /: exited with code 3");
    return { diskUsage: 40 + read };
  });
  const { clock, sampler, log, stop } = virtualSampler((on) => [disk.source(on)], { disk: 100 });
  sampler.start();
  await clock.advance(100); // good reads at 0 and 100
  assert.equal(sampler.snapshot().diskUsage, 42);
  mode = "garbage";
  await clock.advance(400); // fails at 200 and 400 (retry after 200); next at 800
  let disk1 = sampler.health().disk;
  assert.deepEqual([disk1.samples, disk1.failures, disk1.ageMs], [2, 2, 400]);
  assert.match(disk1.error!, /^df: line 1: expected a header: "garbage"/);
  assert.equal(sampler.snapshot().diskUsage, 42, "the last good value is kept");
  mode = "good";
  await clock.advance(300); // read 5 at 800 succeeds
  disk1 = sampler.health().disk;
  assert.deepEqual([disk1.error, disk1.ageMs, sampler.snapshot().diskUsage], [null, 0, 45]);
  mode = "exit";
  await clock.advance(100);
  assert.equal(sampler.health().disk.error, "/bin/df -kP /: exited with code 3");
  assert.equal(sampler.snapshot().diskUsage, 45, "the newest good value is kept");
  assert.deepEqual(disk.reads, [0, 100, 200, 400, 800, 900]);
  assert.deepEqual(log.lines.map((l) => [l.source, l.event]), [
    ["disk", "source failed"],
    ["disk", "source recovered"],
    ["disk", "source failed"],
  ]);
  await stop();
});

Deno.test("idle() slows every source to the idle cadence; start() speeds them up", async () => {
  const [c, disk] = [cpu(), scripted("disk", () => ({ diskUsage: 50 }))];
  const { clock, sampler, stop } = virtualSampler(
    (on) => [c.source(on), disk.source(on)],
    { cpu: 100, disk: 50, idle: 500 },
  );
  const grid = (from: number, to: number, step: number) =>
    Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  sampler.start();
  assert.equal(sampler.mode, "active");
  await clock.advance(1000);
  sampler.idle();
  assert.equal(sampler.mode, "idle");
  await clock.advance(1000);
  sampler.start();
  await clock.advance(1000);
  // Each switch reads at once (a second read at 1000 and at 2000), then keeps the new cadence.
  assert.deepEqual(disk.reads, [
    ...grid(0, 1000, 50),
    ...grid(1000, 2000, 500),
    ...grid(2000, 3000, 50),
  ]);
  assert.deepEqual(c.reads, [
    ...grid(0, 1000, 100),
    ...grid(1000, 2000, 500),
    ...grid(2000, 3000, 100),
  ]);
  assert.equal(sampler.health().disk.samples, disk.reads.length, "one sample per read");
  await stop();
});

Deno.test("settled() waits for every source's first outcome, or its timeout on the clock", async () => {
  const disk = scripted("disk", (_, signal) =>
    // answers nothing until stop() aborts it
    new Promise<Readings>((_resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason));
    }));
  const c = cpu();
  const { clock, sampler } = virtualSampler((on) => [c.source(on), disk.source(on)], {});
  sampler.start();
  let settled = false;
  const waiting = sampler.settled(3000).then(() => settled = true);
  await clock.advance(2999);
  assert.equal(settled, false, "disk has neither produced nor failed");
  await clock.advance(1);
  await waiting;
  assert.equal(settled, true);
  await sampler.stop();
  assert.equal(clock.pending, 0);
});

Deno.test("settled(ms, { source: n }) waits for that source's n-th reading", async () => {
  const c = cpu();
  const { clock, sampler } = virtualSampler((on) => [c.source(on)], { cpu: 1000 });
  sampler.start();
  let settled = false;
  const waiting = sampler.settled(5000, { cpu: 2 }).then(() => settled = true);
  await clock.advance(0);
  assert.equal(sampler.health().cpu.samples, 1, "the first reading is in");
  assert.equal(settled, false, "one reading of the two asked for");
  await clock.advance(1000);
  await waiting;
  assert.equal(sampler.health().cpu.samples, 2);
  await sampler.stop();
});

Deno.test("freshSince() waits for a new outcome of every fast source, never a slow one", async () => {
  // cpu answers 250 ms after each read (its window), memory fails from the 2nd read on, and
  // disk (30 s cadence: not a fast source) hangs after its first read.
  const cpuSource = scripted("cpu", async (_, signal) => {
    await sleep(clock, 250, signal);
    return { cpuUsage: 12 };
  });
  const memorySource = scripted("memory", (read) => {
    if (read > 1) throw new Error("meminfo unreadable");
    return { memoryUsage: 34, memoryTotal: 1 << 30 };
  });
  const disk = scripted(
    "disk",
    (read, signal) =>
      read === 1 ? { diskUsage: 50 } : new Promise<Readings>((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason));
      }),
  );
  const { clock, sampler, stop } = virtualSampler(
    (on) => [cpuSource.source(on), memorySource.source(on), disk.source(on)],
    { cpu: 250, memory: 1000, disk: 30_000, idle: 10_000 },
  );
  sampler.idle();
  await clock.advance(5000);
  assert.equal(sampler.freshSince(0), true, "each has had an outcome since 0");
  const connect = clock.now();
  assert.equal(sampler.freshSince(connect), false, "the idle readings are older");
  sampler.start(); // reads every source at once
  await clock.advance(0);
  assert.equal(sampler.freshSince(connect), false, "cpu is still measuring its window");
  await clock.advance(249);
  assert.equal(sampler.freshSince(connect), false);
  await clock.advance(1);
  assert.equal(sampler.freshSince(connect), true, "cpu read, memory failed, disk is slow");
  assert.equal(sampler.health().memory.error, "meminfo unreadable");
  await stop();
});

Deno.test("requests every 15 s lead the slow sources: each reads at a request, none between", async () => {
  const c = cpu();
  const disk = scripted("disk", () => ({ diskUsage: 50 }));
  const load = scripted("load", () => ({ loadAverage: { one: 1, five: 1, fifteen: 1 } }));
  const topStarts: number[] = [];
  let clockRef: VirtualClock | null = null;
  const top: Source = {
    name: "processes",
    streamed: true,
    start: () => void topStarts.push(clockRef!.now()),
    stop: () => Promise.resolve(),
  };
  const { clock, sampler, stop } = virtualSampler((on) => {
    clockRef = on;
    return [c.source(on), disk.source(on), load.source(on), top];
  }, { cpu: 250, disk: 30_000, load: 5000, idle: 30_000 });
  sampler.idle(); // every source reads at once, at 0
  // A scraper every 15 s, a few ms early or late: the first request alone reads the fast
  // sources; from the second on, requests lead and the slow ones read at the first request
  // at which they are an idle interval old.
  const asks = [5000, 20_000, 35_000, 49_990, 65_000, 80_010];
  for (const at of asks) {
    await clock.advance(at - clock.now());
    const answered = sampler.refreshOnRequest(1500);
    await clock.advance(0);
    await answered;
  }
  assert.deepEqual(c.reads, [0, ...asks], "the fast source reads at every request, only then");
  assert.deepEqual(disk.reads, [0, 20_000, 49_990, 80_010], "no read of its own between");
  assert.deepEqual(load.reads, [0, 20_000, 49_990, 80_010]);
  // Requests stop: an idle interval after the last one, the sources' own timers take over.
  await clock.advance(110_010 + 30_000 - clock.now());
  assert.deepEqual(disk.reads.slice(4), [110_010, 140_010]);
  assert.deepEqual(c.reads.slice(asks.length + 1), [110_010, 140_010]);
  assert.deepEqual(topStarts, [0], "a streamed source's child is never restarted for a request");
  await stop();
});

Deno.test("a client that streams ends the requests' lead; requests after it lead again", async () => {
  const disk = scripted("disk", () => ({ diskUsage: 50 }));
  const { clock, sampler, stop } = virtualSampler(
    (on) => [cpu().source(on), disk.source(on)],
    { cpu: 250, disk: 30_000, idle: 30_000 },
  );
  sampler.idle();
  const ask = async (at: number) => {
    await clock.advance(at - clock.now());
    const answered = sampler.refreshOnRequest(1500);
    await clock.advance(0);
    await answered;
  };
  await ask(10_000);
  await ask(20_000); // leads: disk reads
  sampler.start(); // a streaming client: full cadence, disk every 30 s from now
  await clock.advance(1000);
  sampler.idle(); // it left: idle cadence, a read at once
  await ask(40_000); // the first request after: the fast sources only
  await ask(55_000); // leads again: disk reads at once
  // Before the lead starts again, its own idle timer reads it (at 51 000).
  assert.deepEqual(disk.reads, [0, 20_000, 20_000, 21_000, 51_000, 55_000]);
  await stop();
});

Deno.test("a paused polled source reads neither on requests nor on its timer, and holds nothing", async () => {
  // As macOS's `ps` processes source: polled, so a paused one must simply not read.
  const ps = scripted("processes", () => ({
    topProcesses: [{ pid: 1, name: "launchd", cpuPercent: 1, memoryMb: 2 }],
  }));
  const { clock, sampler, stop } = virtualSampler(
    (on) => [cpu().source(on), ps.source(on)],
    { cpu: 250, processes: 3000, idle: 30_000 },
  );
  sampler.idle(); // every source reads at once, at 0
  await clock.advance(0);
  assert.equal(sampler.snapshot().topProcesses.length, 1);
  sampler.pause("processes", "paused: only light requests");
  assert.deepEqual(sampler.snapshot().topProcesses, [], "its held list is dropped at once");
  assert.equal(sampler.health().processes.unseen, "paused: only light requests");
  assert.equal(sampler.health().processes.ageMs, null);
  for (const at of [15_000, 30_000, 45_000, 60_000]) { // requests that lead the slow sources
    await clock.advance(at - clock.now());
    const answered = sampler.refreshOnRequest(1500);
    await clock.advance(0);
    await answered;
  }
  sampler.start(); // a mode switch does not start it either
  await clock.advance(10_000);
  sampler.idle();
  await clock.advance(200_000);
  assert.deepEqual(ps.reads, [0], "no read while paused");
  assert.deepEqual(sampler.snapshot().topProcesses, []);
  sampler.resume("processes");
  await clock.advance(0);
  assert.deepEqual(ps.reads, [0, clock.now()], "it reads at once when resumed");
  assert.equal(sampler.snapshot().topProcesses.length, 1);
  assert.equal(sampler.health().processes.unseen, null);
  await stop();
});

// ---- the Linux top source over a real child, on the virtual clock --------------------------

/** The Linux platform's processes source with `top` replaced, in a virtual sampler. */
async function topSampler(top: string) {
  const platform = linuxPlatform({ ...LINUX_TOOLS, top });
  const sources = platform.sources(await platform.facts(), { top: 5 });
  return virtualSampler(() => sources.filter((s) => s.name === "processes"), { processes: 200 });
}

Deno.test({
  name: "top that dies after one refresh: restarted after 250, then 500 ms; lists keep coming",
  ignore: !isLinux,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const top = await fakeTool(dir, "top", `exec /usr/bin/top "$@" -n 1`);
      const { clock, sampler, log, stop } = await topSampler(top);
      sampler.start();
      const health = () => sampler.health().processes;
      for (const [run, restartAt] of [[1, 250], [2, 750], [3, 1750]]) {
        await waitFor(
          () => health().samples === run && health().failures === run,
          4000,
          `run ${run}: one list, then the exit`,
        );
        assert.equal(clock.nextDueMs, restartAt, `run ${run + 1} is due at ${restartAt}`);
        if (run < 3) await clock.advance(restartAt - clock.now());
      }
      assert.equal(sampler.snapshot().topProcesses.length, 5);
      // Each run recovers from the previous exit, so each exit is logged anew.
      const failed = log.of("processes", "source failed");
      assert.equal(failed.length, 3);
      for (const line of failed) assert.match(line.error!, /: exited with code 0$/);
      assert.equal(log.of("processes", "source recovered").length, 2);
      await stop();
    }),
});

Deno.test({
  name: "top printing garbage: reported in health, logged once, not once per line",
  ignore: !isLinux,
  fn: () =>
    withTempDir("opta-sampler-", async (dir) => {
      const top = await fakeTool(
        dir,
        "top",
        `trap 'kill $! 2>/dev/null; exit 0' TERM
while :; do echo "Segmentation fault (core dumped)"; sleep 0.02 & wait $!; done`,
      );
      const { sampler, log, stop } = await topSampler(top);
      sampler.start();
      await waitFor(() => sampler.health().processes.failures >= 5, 3000, "5 failures");
      const health = sampler.health().processes;
      assert.equal(health.samples, 0);
      assert.match(
        health.error!,
        /onLine threw: top: line \d+: expected a 'top - ' summary line first: "Segmentation/,
      );
      assert.deepEqual(sampler.snapshot().topProcesses, []);
      assert.equal(log.of("processes", "source failed").length, 1, "logged once, not per line");
      await stop();
    }),
});

Deno.test("failures differing only by line number are one failure for the log", async () => {
  const log = collectingLogger();
  let sink: SourceSink | undefined;
  const stub: Source = {
    name: "processes",
    streamed: true,
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
  assert.equal(sampler.health().processes.error, "/usr/bin/top -b: onLine threw: top: line 182: x");
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
});

Deno.test("sampler: a source left out of `enabled` never reads; health says it is switched off", async () => {
  const [c, m, g] = [cpu(), memory(), scripted("gpu", () => ({ gpuUsage: 40 }))];
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const sampler = new Sampler([c.source(clock), m.source(clock), g.source(clock)], {
    schedule,
    enabled: ["cpu", "memory", "battery"], // battery enabled, but this platform has none
  });
  sampler.start();
  await clock.advance(3000);
  assert.ok(c.reads.length > 0 && m.reads.length > 0);
  assert.deepEqual(g.reads, [], "the switched-off source never read");
  assert.equal(sampler.snapshot().gpuUsage, null);
  assert.equal(sampler.health().gpu.error, "switched off");
  assert.equal(sampler.health().battery.error, "no source on this platform");
  await sampler.stop();
  assert.equal(clock.pending, 0, "no task and no timer left");
});

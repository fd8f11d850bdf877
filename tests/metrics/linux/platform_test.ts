/**
 * The Linux collectors, run as the daemon runs them (linuxPlatform() + Sampler), against
 * independent readings taken in the same test: /proc directly, `free -b`, `df -kP /`.
 * Also `opta-metrics sample` as a real subprocess under the daemon's permission set.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { linuxPlatform } from "../../../src/metrics/linux/platform.ts";
import { Sampler } from "../../../src/metrics/sampler.ts";
import type { Readings, Source } from "../../../src/metrics/source.ts";
import {
  assertShareNear,
  type BusyChild,
  busyChild,
  busyPercentBetween,
  CpuShare,
  type CpuTicks,
  cpuTicks,
  dfCapacity,
  freeUsedPercent,
  meminfo,
} from "../../support/procs.ts";
import { waitFor } from "../../support/wait.ts";
import { runSample, runSampleOnTerminal } from "../../support/sample.ts";

const isLinux = Deno.build.os === "linux";
const sanitize = { sanitizeOps: true, sanitizeResources: true };
const CORES = navigator.hardwareConcurrency;
/** top shows the kernel's comm: the executable name cut to 15 bytes. */
const DENO_COMM = basename(Deno.execPath()).slice(0, 15);

/** Wraps `source` so that `tap` sees each reading, synchronously, as the sampler gets it. */
function tapped(source: Source, tap: (readings: Readings) => void): Source {
  return {
    name: source.name,
    streamed: source.streamed,
    start: (interval, sink, schedule) =>
      source.start(interval, {
        emit(readings) {
          tap(readings);
          sink.emit(readings);
        },
        fail: (error) => sink.fail(error),
      }, schedule),
    stop: () => source.stop(),
  };
}

/** A sampler over the real Linux sources, started; `taps` observe chosen sources. */
async function linuxSampler(
  cadences: Record<string, number> = {},
  taps: Partial<Record<string, (r: Readings) => void>> = {},
) {
  const platform = linuxPlatform();
  const facts = await platform.facts();
  const sources = platform.sources(facts, { top: 10 }).map((s) => {
    const tap = taps[s.name];
    return tap ? tapped(s, tap) : s;
  });
  const sampler = new Sampler(sources, { cadences });
  sampler.start();
  return { sampler, facts };
}

Deno.test({
  name: "linux memory: matches free -b used/total; memoryTotal is MemTotal × 1024 exactly",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    const { sampler, facts } = await linuxSampler({ processes: 300 });
    try {
      await sampler.settled(3000);
      assert.equal(sampler.health().memory.error, null);
      const snap = sampler.snapshot();
      const memTotal = meminfo().get("MemTotal")! * 1024;
      assert.equal(snap.memoryTotal, memTotal);
      assert.equal(facts.memoryTotal, memTotal);
      const free = await freeUsedPercent();
      assert.ok(
        Math.abs(snap.memoryUsage - free) <= 2,
        `memory ${snap.memoryUsage.toFixed(2)} % vs free ${free.toFixed(2)} %`,
      );
      // and against /proc/meminfo's MemAvailable directly
      const info = meminfo();
      const direct = (100 * (info.get("MemTotal")! - info.get("MemAvailable")!)) /
        info.get("MemTotal")!;
      assert.ok(Math.abs(snap.memoryUsage - direct) <= 2, `${snap.memoryUsage} vs ${direct}`);
    } finally {
      await sampler.stop();
    }
  },
});

Deno.test({
  name: "linux disk: matches df -kP / Capacity within 1 point",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    const { sampler } = await linuxSampler({ processes: 300 });
    try {
      await sampler.settled(5000);
      const health = sampler.health();
      assert.equal(health.disk.error, null);
      assert.equal(health.disk.samples, 1);
      const disk = sampler.snapshot().diskUsage;
      const capacity = await dfCapacity();
      assert.ok(disk > 0 && disk <= 100);
      // df rounds Capacity up; the daemon keeps the exact figure
      assert.ok(Math.abs(disk - capacity) <= 1, `disk ${disk.toFixed(2)} % vs df ${capacity} %`);
      // temperature: a reading or null (this VM has no sensor), never a failure
      assert.equal(health.temperature.error, null);
      assert.equal(health.temperature.samples, 1);
    } finally {
      await sampler.stop();
    }
  },
});

Deno.test({
  name: "linux cpu and processes under load: /proc/stat agrees, the busy child tops the list",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    // Each cpu reading covers the window since the previous one; /proc/stat is read at the
    // same instant (in the tap, synchronously after the source's own read).
    const cpu: { usage: number; ticks: CpuTicks }[] = [];
    // The busy child's share of a core is measured at each refresh too: on a loaded machine it
    // gets well under a whole one, and top's figure must match what it got.
    const processes: { at: number; readings: Readings }[] = [];
    let share: CpuShare | undefined;
    const { sampler } = await linuxSampler({ processes: 500 }, {
      cpu: (r) => cpu.push({ usage: r.cpuUsage!, ticks: cpuTicks() }),
      processes: (r) => {
        share?.sample();
        processes.push({ at: performance.now(), readings: r });
      },
    });
    let child: BusyChild | undefined;
    try {
      await waitFor(() => cpu.length > 0, 2000, "a first cpu reading");
      const busy = child = await busyChild(60_000); // spinning until killed
      share = new CpuShare(busy.pid);
      const from = cpu.length; // first reading whose window starts after the child spins
      await waitFor(() => cpu.length >= from + 9, 4000, "cpu readings");
      // processes: wait for a refresh whose whole 500 ms window had the child spinning
      await waitFor(
        () => processes.some((p) => p.at > busy.spinning + 700),
        4000,
        "a processes reading",
      );
      const to = cpu.length - 1;
      assert.ok(from > 0, "a reading before the window");

      // The source's readings, weighted by their windows, against /proc/stat over the same span.
      let weighted = 0;
      for (let i = from; i <= to; i++) {
        weighted += cpu[i].usage * (cpu[i].ticks.at - cpu[i - 1].ticks.at);
      }
      const source = weighted / (cpu[to].ticks.at - cpu[from - 1].ticks.at);
      const reference = busyPercentBetween(cpu[from - 1].ticks, cpu[to].ticks, CORES);
      const shown = `source ${source.toFixed(1)} % vs /proc/stat ${reference.toFixed(1)} %`;
      console.log(`  cpu over ${to - from + 1} readings: ${shown}`);
      assert.ok(Math.abs(source - reference) <= 15, shown);
      assert.ok(source > 25, `one of ${CORES} cores is busy: ${shown}`);
      assert.ok(sampler.snapshot().cpuUsage > 0);

      const late = processes.filter((p) => p.at > busy.spinning + 700);
      for (const { at, readings } of late) {
        const list = readings.topProcesses!;
        assert.ok(list.length === 10, `10 processes, got ${list.length}`);
        const row = list.find((p) => p.pid === busy.pid);
        assert.ok(row, `busy child ${busy.pid} in ${JSON.stringify(list)}`);
        assert.equal(row.name, DENO_COMM);
        const before = processes[processes.findIndex((p) => p.at === at) - 1].at;
        assertShareNear(row.cpuPercent, share.percent(before, at), "the busy child");
        assert.ok(row.cpuPercent <= 105, `cpu ${row.cpuPercent}`);
        assert.ok(row.memoryMb > 5, `RES ${row.memoryMb} MiB`);
        for (let i = 1; i < list.length; i++) {
          assert.ok(list[i - 1].cpuPercent >= list[i].cpuPercent, "descending by cpu");
        }
      }
      assert.deepEqual(sampler.snapshot().topProcesses, processes.at(-1)!.readings.topProcesses);
      const health = sampler.health();
      for (const name of ["cpu", "memory", "processes", "disk", "temperature"] as const) {
        assert.equal(health[name].error, null, name);
        assert.equal(health[name].failures, 0, name);
      }
    } finally {
      await child?.done();
      await sampler.stop();
    }
  },
});

Deno.test({
  name: "sample --json (real subprocess, -P=serve-linux): memory, disk and the busy child",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    // spinning until killed: a loaded machine may take seconds to start and run the sample
    const child = await busyChild(60_000);
    // the child's share of a core, sampled while the sample runs: its processes list is top's
    // second refresh, over the last second before it printed
    const share = new CpuShare(child.pid);
    const sampling = setInterval(() => share.sample(), 50);
    try {
      const output = await runSample(["--json"]).finally(() => clearInterval(sampling));
      const printed = performance.now();
      share.sample();
      const json = JSON.parse(output);
      const free = await freeUsedPercent();
      const capacity = await dfCapacity();
      const memTotal = meminfo().get("MemTotal")! * 1024;
      assert.equal(json.memory_total, memTotal);
      assert.equal(json.machine.memory_total, memTotal);
      assert.equal(json.machine.logical_cpus, CORES);
      assert.match(json.machine.os, /^Linux /);
      assert.ok(
        Math.abs(json.memory_usage - free) <= 2,
        `${json.memory_usage} vs free ${free}`,
      );
      assert.ok(
        Math.abs(json.disk_usage - capacity) <= 1,
        `${json.disk_usage} vs df ${capacity}`,
      );
      assert.ok(json.cpu_usage >= 0 && json.cpu_usage <= 100);
      assert.ok(json.temperature === null || json.temperature > 0);
      for (const [name, s] of Object.entries(json.sources)) {
        assert.equal((s as { error: unknown }).error, null, name);
      }
      const busy = json.top_processes.find((p: { pid: number }) => p.pid === child.pid);
      assert.ok(busy, `busy child ${child.pid} in ${JSON.stringify(json.top_processes)}`);
      assert.equal(busy.name, DENO_COMM);
      assertShareNear(busy.cpu_percent, share.percent(printed - 1000, printed), "the busy child");
      assert.ok(busy.cpu_percent <= 105, `cpu ${busy.cpu_percent}`);
      assert.equal(json.top_processes.length, 10);
    } finally {
      await child.done();
    }
  },
});

Deno.test({
  name: "sample (real subprocess, -P=serve-linux): the human table on a terminal",
  ignore: !isLinux,
  ...sanitize,
  fn: async () => {
    const table = await runSampleOnTerminal([]);
    for (const word of ["CPU", "Memory", "Disk", "Temperature", "PID"]) {
      assert.match(table, new RegExp(`^\\s*${word}\\b`, "m"), `${word} row in:\n${table}`);
    }
    assert.match(table, /^Linux /);
    assert.doesNotMatch(table, /n\/a %/, "every percentage was measured");
    assert.equal(table.trim().split("\n").filter((l) => /^\s+\d+\s/.test(l)).length, 10);
  },
});

/**
 * Truth on Linux for the values read without a spawn: load averages and swap through
 * `opta-metrics sample --json` under the shipped `serve-linux` set, against
 * `/proc/loadavg` and `free -b` read just before and just after; and each core's busy
 * percent from the real CPU source against `/proc/stat` deltas over the same windows.
 */
import assert from "node:assert/strict";
import { cpuSource } from "../../../src/metrics/cpu_source.ts";
import type { Readings as SourceReadings } from "../../../src/metrics/source.ts";
import { systemClock } from "../../../src/time/clock.ts";
import { Schedule } from "../../../src/time/schedule.ts";
import { type BusyChild, busyChild, stdoutOf } from "../../support/procs.ts";
import { waitFor } from "../../support/wait.ts";
import { run } from "./truth_support.ts";
import { runSample } from "../../support/sample.ts";

const isLinux = Deno.build.os === "linux";

function loadavg(): number[] {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);
}

/** `free -b`'s Swap row: total and used, bytes. */
async function freeSwap(): Promise<{ total: number; used: number }> {
  const row = (await stdoutOf("/usr/bin/free", ["-b"])).split("\n").find((l) =>
    l.startsWith("Swap:")
  );
  assert.ok(row);
  const [total, used] = row.split(/\s+/).slice(1).map(Number);
  return { total, used };
}

/**
 * Turns on a 32 MiB swap file for `fn` when the machine has no swap and the test may
 * (root), so "total" is a real number rather than 0 = 0; turns it off afterwards.
 */
async function withSwap<T>(fn: () => Promise<T>): Promise<T> {
  if ((await freeSwap()).total > 0 || Deno.uid() !== 0) return fn();
  const file = await Deno.makeTempFile({ dir: "/var/tmp", prefix: "omd-swap" });
  let on = false;
  try {
    await run("/usr/bin/fallocate", ["-l", "32M", file]);
    await Deno.chmod(file, 0o600);
    await run("/usr/sbin/mkswap", [file]);
    on = (await new Deno.Command("/usr/sbin/swapon", { args: [file], stderr: "null" }).output())
      .success;
    if (!on) console.log("  swapon refused: comparing a machine without swap");
    return await fn();
  } finally {
    if (on) await run("/usr/sbin/swapoff", [file]);
    await Deno.remove(file).catch(() => {});
  }
}

Deno.test({
  name: "load and swap truth: sample --json against /proc/loadavg and free -b",
  ignore: !isLinux,
  fn: () =>
    withSwap(async () => {
      const [loadBefore, swapBefore] = [loadavg(), await freeSwap()];
      const json = JSON.parse(await runSample(["--json"]));
      const [loadAfter, swapAfter] = [loadavg(), await freeSwap()];
      // /proc/loadavg prints two decimals of the kernel's value; sample sends it as a float32.
      const load = json.load_average;
      [load.one, load.five, load.fifteen].forEach((value: number, i: number) => {
        const low = Math.min(loadBefore[i], loadAfter[i]) - 0.006;
        const high = Math.max(loadBefore[i], loadAfter[i]) + 0.006;
        assert.ok(value >= low && value <= high, `load[${i}] ${value} vs ${low}..${high}`);
      });
      console.log(`  load ${JSON.stringify(load)}; /proc/loadavg ${loadBefore} → ${loadAfter}`);
      assert.equal(json.swap.total, swapBefore.total);
      assert.equal(swapBefore.total, swapAfter.total);
      const [low, high] = [swapBefore.used, swapAfter.used].sort((a, b) => a - b);
      // free -b counts used as SwapTotal − SwapFree, in bytes: exact, moving only meanwhile.
      assert.ok(json.swap.used >= low && json.swap.used <= high, JSON.stringify(json.swap));
      console.log(`  swap ${JSON.stringify(json.swap)}; free -b total ${swapBefore.total}`);
      assert.equal(json.sources.load.error, null);
      assert.equal(json.sources.swap.error, null);
    }),
});

/** Per-core busy and total ticks of /proc/stat's `cpuN` lines (busy includes softirq, steal). */
function coreTicks(): { busy: number; total: number }[] {
  return Deno.readTextFileSync("/proc/stat").split("\n").filter((l) => /^cpu\d+ /.test(l))
    .map((line) => {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1)
        .map(Number);
      const busy = user + nice + system + irq + softirq + steal;
      return { busy, total: busy + idle + iowait };
    });
}

Deno.test({
  name: "per-core truth: each core's reading against /proc/stat deltas over the same window",
  ignore: !isLinux,
  fn: async () => {
    const schedule = new Schedule(systemClock);
    schedule.driveWithTimer(true);
    // 1.2 s apart, each reading's window is exactly the time since the previous one.
    const cadence = 1200;
    const seen: { cores: readonly number[]; ticks: ReturnType<typeof coreTicks>; at: number }[] =
      [];
    const source = cpuSource();
    let child: BusyChild | undefined;
    try {
      child = await busyChild(6000); // one core busy, the others mostly idle
      source.start(cadence, {
        emit: (r: SourceReadings) =>
          seen.push({ cores: r.cpuCores!, ticks: coreTicks(), at: performance.now() }),
        fail: (error) => assert.fail(error),
      }, schedule);
      await waitFor(() => seen.length >= 5, 8000, "five cpu readings");
    } finally {
      await source.stop();
      schedule.driveWithTimer(false);
      await child?.done();
    }
    let worst = 0;
    // The first two readings cover 250 ms and then the time since start-up: skipped.
    for (let i = 2; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      const wallTicks = ((b.at - a.at) / 1000) * 100; // USER_HZ
      b.cores.forEach((value, core) => {
        const busy = b.ticks[core].busy - a.ticks[core].busy;
        const total = Math.max(b.ticks[core].total - a.ticks[core].total, wallTicks);
        const reference = (100 * busy) / total;
        worst = Math.max(worst, Math.abs(value - reference));
        // Both read 10 ms ticks a moment apart: a tick may fall on either side of each end
        // (2 ticks of ~120 = 1.7 points); cpus() leaves softirq, steal and iowait out (a
        // point or two under I/O): 5 points.
        assert.ok(Math.abs(value - reference) <= 5, `core ${core}: ${value} vs ${reference}`);
      });
    }
    console.log(
      `  ${seen.length - 2} windows, worst per-core difference ${worst.toFixed(2)} points`,
    );
    assert.ok(seen.slice(2).some((s) => Math.max(...s.cores) > 80), "the busy child shows");
  },
});

/**
 * The spawn budget: with every source on at the platform's default cadences, a minute of
 * sampling (start-up included: the facts, the first reading of every source, each long-lived
 * child's start) starts at most 60 processes on macOS and 72 on Linux (1 and 1.2 a second).
 *
 * The minute runs on a clock faster than real time (the children are real processes): on
 * macOS against the stand-in tools (tests/support/darwin_stand_ins.ts), whose every run is
 * logged, so the platform's own counter is checked against what really ran; on Linux against
 * the real tools, three times faster (the real `top` prints on real seconds and must not look
 * stalled).
 */
import assert from "node:assert/strict";
import { darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { LINUX_TOOLS, linuxPlatform } from "../../src/metrics/linux/platform.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { Sampler } from "../../src/metrics/sampler.ts";
import { SOURCE_NAMES, type SourceName } from "../../src/metrics/source.ts";
import { type Clock, sleep } from "../../src/time/clock.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { darwinStandIns, spawnedIn } from "../support/darwin_stand_ins.ts";
import { noteWhen } from "../support/note.ts";
import { childrenOf, withTempDir } from "../support/procs.ts";
import { scaledClock } from "../support/scaled_clock.ts";
import { waitFor } from "../support/wait.ts";

const MINUTE_MS = 60_000;
const note = noteWhen("BUDGET_TEST_VERBOSE");

/**
 * Samples every source of `platform` at its default cadences for a minute of `clock`, inside a
 * 25 Hz tick as the daemon does while a client is connected. `inMinute` is what the platform
 * counted (facts included) in [0, 60 s): a task of the schedule due just before the reads due at
 * 60 s reads it, so no timer's lateness moves the boundary. Then the tick stops (nothing new
 * starts), `settled` waits for the runs in flight, and `spawns` is the final count.
 */
async function aMinuteOf(platform: Platform, clock: Clock, settled = async () => {}) {
  const facts = await platform.facts();
  const schedule = new Schedule(clock);
  const sampler = new Sampler(platform.sources(facts, { top: 10 }), {
    cadences: platform.cadences,
    schedule,
  });
  // While a client is connected the daemon's 25 Hz tick runs what is due, as here.
  const tick = clock.setInterval(() => schedule.runDue(), 40);
  let inMinute = -1;
  schedule.at(clock.now() + MINUTE_MS - 1, () => inMinute = platform.spawns.count);
  sampler.start(); // every source's grid starts now, after the task above
  try {
    await sleep(clock, MINUTE_MS + 200);
    clock.clear(tick);
    await settled();
    assert.ok(inMinute >= 0, "the minute's count was taken");
    return { inMinute, spawns: platform.spawns.count, health: sampler.health() };
  } finally {
    await sampler.stop();
    assert.deepEqual(childrenOf(Deno.pid), [], "no child left");
  }
}

/** Every source read and none failed. */
function assertAllRead(health: ReturnType<Sampler["health"]>, without: SourceName[]): void {
  for (const name of SOURCE_NAMES.filter((n) => !without.includes(n))) {
    assert.ok(health[name].samples > 0, `${name} read`);
    assert.equal(health[name].failures, 0, `${name}: ${health[name].error}`);
  }
}

Deno.test(
  "spawn budget: macOS sources, a minute at default cadences: ≤ 60 spawns",
  () =>
    withTempDir("opta-budget-", async (dir) => {
      const factor = 10;
      const clock = scaledClock(factor);
      const tools = await darwinStandIns(dir, { secondsPerInterval: 1 / factor });
      const platform = darwinPlatform(tools, clock);
      const { inMinute, spawns, health } = await aMinuteOf(platform, clock, () =>
        waitFor(
          () => spawnedIn(dir).length === platform.spawns.count,
          5000,
          "runs in flight",
        ));
      const runs = spawnedIn(dir);
      const byTool = Object.groupBy(runs.slice(0, inMinute), (line) => line.split(" ")[0]);
      note("macOS spawns in a minute", {
        inMinute,
        ...Object.fromEntries(Object.entries(byTool).map(([tool, list]) => [tool, list!.length])),
      });
      assertAllRead(health, ["temperature"]);
      assert.equal(runs.length, spawns, "the platform's counter counts every run");
      assert.ok(inMinute <= 60, `${inMinute} spawns in a minute, budget 60`);
      // the long-lived children started once each
      assert.equal(runs.filter((l) => l === "vm_stat 1").length, 1);
      assert.equal(runs.filter((l) => l.startsWith("netstat -w")).length, 1);
    }),
);

Deno.test({
  name: "spawn budget: Linux sources with the real tools, a minute at default cadences: ≤ 72",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const clock = scaledClock(3);
    const platform = linuxPlatform(LINUX_TOOLS, clock);
    const { inMinute, health } = await aMinuteOf(platform, clock);
    note("Linux spawns in a minute", { inMinute });
    assertAllRead(health, []);
    assert.ok(inMinute <= 72, `${inMinute} spawns in a minute, budget 72`);
  },
});

/**
 * Every macOS source end to end on this machine: darwinPlatform with each tool replaced by a
 * stand-in script that prints a real capture (or, for the two commands no capture exists of,
 * output in their documented format), run as real children through the sources' own code.
 * It proves which tools the sources spawn (exactly the granted ones), what each new source
 * reads from the captures, and that absent things read as null.
 */
import assert from "node:assert/strict";
import { darwinPlatform } from "../../../src/metrics/darwin/platform.ts";
import type { Readings, SourceName } from "../../../src/metrics/source.ts";
import {
  darwinStandIns,
  EN1_BYTES,
  NETSTAT_ROW_BYTES,
  spawnedIn,
} from "../../support/darwin_stand_ins.ts";
import { withTempDir } from "../../support/procs.ts";
import { timerSchedule } from "../../support/schedule.ts";
import { waitFor } from "../../support/wait.ts";

// Pinned on purpose: the sources this test feeds captures to and checks value by value
// below (the seed's have tests of their own); a new source brings its own assertions.
const NEW: SourceName[] = [
  "load",
  "swap",
  "pressure",
  "network",
  "diskio",
  "battery",
  "gpu",
  "thermal",
];

/** Runs every source until each new one has read twice; the readings and the spawn log. */
async function runAll(absent: boolean) {
  return await withTempDir("opta-darwin-sources-", async (dir) => {
    const platform = darwinPlatform(await darwinStandIns(dir, { absent }));
    const facts = await platform.facts();
    const sources = platform.sources(facts, { top: 5 });
    const readings = new Map<SourceName, Readings[]>();
    const failures: string[] = [];
    const schedule = timerSchedule();
    for (const source of sources) {
      source.start(source.name === "diskio" ? 300 : source.name === "network" ? 1000 : 200, {
        emit: (r) => readings.set(source.name, [...(readings.get(source.name) ?? []), r]),
        fail: (e) => failures.push(`${source.name}: ${e.message}`),
      }, schedule);
    }
    // without a route the network reads null once per route check (every 30 s)
    const wanted = (name: SourceName) => absent && name === "network" ? 1 : 2;
    let counted = -1;
    try {
      await waitFor(
        () => NEW.every((n) => (readings.get(n)?.length ?? 0) >= wanted(n)),
        15_000,
        "readings",
      );
      // Nothing new starts once the schedule stops; the runs in flight log themselves.
      schedule.driveWithTimer(false);
      await waitFor(() => spawnedIn(dir).length === platform.spawns.count, 5000, "the log");
      counted = platform.spawns.count;
    } finally {
      await Promise.all(sources.map((s) => s.stop()));
    }
    const spawned = spawnedIn(dir).slice(0, counted);
    // the seed's sources have their own tests; here only the new ones must not fail
    const newFailures = failures.filter((f) => NEW.some((n) => f.startsWith(`${n}: `)));
    return {
      facts,
      readings,
      failures: newFailures,
      spawned,
      tools: platform.tools,
      counted,
    };
  });
}

Deno.test(
  "darwin sources: every new value read from the captures, exactly the granted tools spawned",
  async () => {
    const { facts, readings, failures, spawned, tools, counted } = await runAll(false);
    assert.deepEqual(failures, []);
    assert.deepEqual(facts.coreLevels, [
      { name: "Performance", firstCore: 2, cores: 8 },
      { name: "Efficiency", firstCore: 0, cores: 2 },
    ]);
    const last = (name: SourceName) => readings.get(name)!.at(-1)!;
    assert.deepEqual(last("pressure"), { memoryPressure: "warning" });
    assert.equal(last("gpu").gpuUsage, 30);
    assert.deepEqual(last("battery").battery, {
      percent: 100,
      state: "discharging",
      onAc: false,
      minutesRemaining: 169,
    });
    const load = last("load").loadAverage!;
    assert.ok([load.one, load.five, load.fifteen].every((v) => Number.isFinite(v) && v >= 0));
    const swap = last("swap").swap!;
    assert.ok(swap.used >= 0 && swap.used <= swap.total);
    // the totals: en1's <Link#> counters in netstat -ibn, plus each interval line's bytes
    readings.get("network")!.forEach((r, i) => {
      assert.deepEqual(r.network, {
        interface: "en1",
        receiveBytesPerSecond: r.network!.receiveBytesPerSecond,
        sendBytesPerSecond: 0,
        receivedBytes: EN1_BYTES.received + (i + 1) * NETSTAT_ROW_BYTES,
        sentBytes: EN1_BYTES.sent,
      });
      // a million bytes over a window of at least the 1 s interval, and not much longer
      const rate = r.network!.receiveBytesPerSecond;
      assert.ok(rate <= NETSTAT_ROW_BYTES && rate > NETSTAT_ROW_BYTES / 3, `rate ${rate}`);
    });
    for (const r of readings.get("diskio")!) {
      assert.deepEqual(r.diskIo, {
        readBytesPerSecond: 0,
        writeBytesPerSecond: 0,
        readBytes: 30727450624 + 3394316288,
        writtenBytes: 46436442112 + 4335616,
      });
    }
    // Every granted tool ran, and nothing else: the stand-ins are all the directory holds.
    const ran = new Set(spawned.map((line) => line.split(" ")[0]));
    assert.deepEqual([...ran].sort(), tools.map((t) => t.slice(t.lastIndexOf("/") + 1)).sort());
    // route, the totals and the interval child once each: the interface is trusted for 30 s
    assert.deepEqual(spawned.filter((l) => /^(route|netstat) /.test(l)), [
      "route -n get default",
      "netstat -ibn",
      "netstat -w 1 -I en1",
    ]);
    assert.equal(counted, spawned.length, "the platform counted every run");
    assert.ok(spawned.includes("ioreg -r -d 1 -w 0 -c IOAccelerator"));
    assert.ok(spawned.includes("pmset -g batt"));
    assert.ok(spawned.includes("pmset -g therm"));
    // the Intel capture: 12 CPUs available, nothing limited (this machine has fewer CPUs)
    assert.deepEqual(last("thermal").thermal, {
      speedLimit: 1,
      schedulerLimit: 1,
      availableCpus: 12,
      state: "nominal",
      warningLevel: null,
    });
  },
);

Deno.test(
  "darwin sources: no default route, no GPU and no battery read as null, not 0",
  async () => {
    const { readings, failures } = await runAll(true);
    assert.deepEqual(failures, []);
    for (const r of readings.get("network")!) assert.equal(r.network, null);
    for (const r of readings.get("gpu")!) assert.equal(r.gpuUsage, null);
    for (const r of readings.get("battery")!) assert.equal(r.battery, null);
    // Apple silicon's pmset recorded nothing: the value is there, every field absent
    for (const r of readings.get("thermal")!) {
      assert.deepEqual(r.thermal, {
        speedLimit: null,
        schedulerLimit: null,
        availableCpus: null,
        state: null,
        warningLevel: null,
      });
    }
  },
);

/**
 * What each source costs: every source of this platform runs alone, at its default
 * cadence, inside a 25 Hz tick like the daemon's (the tick runs the schedule's due
 * reads, so a read adds no wake-up of its own), for a window of N seconds; the CPU
 * this process and its children (spawned tools, live or reaped) used in that
 * window, minus a window of the bare tick measured in the same run, is that
 * source's cost. A last row runs every source together, as the sampler does (on
 * Linux the `/proc` reads due in the same tick then share one `grep`). Printed as a
 * table: reads, tools spawned a second, CPU per read, the spawned tools' CPU per spawn,
 * % of one core at the default cadence and, per read, at the idle cadence (every source at
 * most once per 30 s while no client is connected). Cadences are the platform's defaults.
 *
 * `--platform darwin-stand-ins` runs the macOS sources here against stand-in tools that
 * print real captures (tests/support/darwin_stand_ins.ts): their spawns per second are the
 * macOS daemon's; their CPU per spawn is `/bin/sh` printing a file, not the macOS tool's.
 *
 * The whole daemon is measured by `bench/stream_bench.ts`.
 *
 *   deno run -A bench/sources_bench.ts                # 30 s per source
 *   deno run -A bench/sources_bench.ts --seconds 60   # steadier figures
 *   deno run -A bench/sources_bench.ts --only network,diskio
 *   deno run -A bench/sources_bench.ts --platform darwin-stand-ins
 *
 * `-A` is needed to read /proc for the children's CPU (Linux only). The kernel counts a
 * child's CPU in 10 ms ticks, so a source that spawns a short-lived tool needs a window
 * with many reads (the default 30 s gives a 1 s source 30) for its figure to mean much.
 *
 * @module
 */

import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { currentPlatform } from "../src/metrics/current.ts";
import { darwinPlatform } from "../src/metrics/darwin/platform.ts";
import { DEFAULT_CADENCES } from "../src/metrics/sampler.ts";
import { type Source, SOURCE_NAMES } from "../src/metrics/source.ts";
import { systemClock } from "../src/time/clock.ts";
import { Schedule } from "../src/time/schedule.ts";
import { benchFlags } from "./support/args.ts";
import { CLOCK_TICKS, descendants, ownAndReapedTicks } from "./support/proc.ts";
import { darwinStandIns } from "../tests/support/darwin_stand_ins.ts";

const values = benchFlags({ seconds: "30", only: SOURCE_NAMES.join(","), platform: "current" });
const seconds = Number(values.seconds);
const only = values.only.split(",").map((s) => s.trim());
const unknown = only.find((name) => !(SOURCE_NAMES as readonly string[]).includes(name));
if (
  !(seconds >= 2) || unknown !== undefined ||
  !["current", "darwin-stand-ins"].includes(values.platform)
) {
  console.error(
    `usage: sources_bench.ts [--seconds N (≥ 2)] [--only ${SOURCE_NAMES.join(",")}]` +
      ` [--platform current|darwin-stand-ins]` +
      (unknown ? ` (unknown source '${unknown}')` : ""),
  );
  Deno.exit(2);
}
if (Deno.build.os !== "linux") {
  console.error("sources_bench.ts measures children through /proc: Linux only");
  Deno.exit(2);
}

/** CPU ms used by this process and by its children (live and reaped) during `work`. */
async function cpuMsDuring(
  work: () => Promise<void>,
): Promise<{ totalMs: number; childrenMs: number }> {
  const kidsBefore = new Map(descendants(Deno.pid).map((k) => [k, ownAndReapedTicks(k).own]));
  const reaped0 = ownAndReapedTicks(Deno.pid).reaped;
  const self0 = process.cpuUsage();
  await work();
  const self = process.cpuUsage(self0);
  let childTicks = ownAndReapedTicks(Deno.pid).reaped - reaped0;
  for (const k of descendants(Deno.pid)) {
    childTicks += ownAndReapedTicks(k).own - (kidsBefore.get(k) ?? 0);
  }
  const childrenMs = (childTicks * 1000) / CLOCK_TICKS;
  return { totalMs: (self.user + self.system) / 1000 + childrenMs, childrenMs };
}

/** A 25 Hz tick running the schedule's due work, as the daemon's does; returns its stop. */
function tick(schedule: Schedule): () => void {
  const timer = setInterval(() => schedule.runDue(), 40);
  return () => clearInterval(timer);
}

const standInDir = values.platform === "darwin-stand-ins" ? Deno.makeTempDirSync() : null;
const platform = standInDir
  ? darwinPlatform(await darwinStandIns(standInDir))
  : await currentPlatform();
const cadences = { ...DEFAULT_CADENCES, ...platform.cadences };
const facts = await platform.facts();
const windowMs = seconds * 1000;

const { totalMs: emptyMs } = await cpuMsDuring(async () => {
  const stop = tick(new Schedule(systemClock));
  await sleep(windowMs);
  stop();
});
console.log(
  `# each source alone for ${seconds} s inside a 25 Hz tick on ${platform.name}; the bare tick: ${
    emptyMs.toFixed(1)
  } ms of CPU (subtracted)`,
);
console.log(
  "| source | cadence | reads | failures | spawns/s | CPU per read | CPU per spawn (tool) | at cadence | at idle (30 s) |",
);
console.log("|---|---|---|---|---|---|---|---|---|");

/** Run `sources` together for the window; one table row named `label`. */
async function row(label: string, sources: Source[]): Promise<void> {
  let reads = 0;
  let failures = 0;
  let lastError = "";
  const schedule = new Schedule(systemClock);
  const spawnsBefore = platform.spawns.count;
  const { totalMs: usedMs, childrenMs } = await cpuMsDuring(async () => {
    const stop = tick(schedule);
    for (const source of sources) {
      source.start(cadences[source.name], {
        emit: () => reads++,
        fail: (error) => {
          failures++;
          lastError = error.message;
        },
      }, schedule);
    }
    await sleep(windowMs);
    await Promise.all(sources.map((source) => source.stop()));
    stop();
  });
  const costMs = Math.max(0, usedMs - emptyMs);
  const spawns = platform.spawns.count - spawnsBefore;
  const spawnRate = `${(spawns / seconds).toFixed(2)}`;
  const perSpawn = spawns > 0 ? `${(childrenMs / spawns).toFixed(2)} ms` : "—";
  const pct = (ms: number) => `${((100 * ms) / windowMs).toFixed(3)} %`;
  if (sources.length === 1) {
    const cadence = cadences[sources[0].name];
    const perRead = reads > 0 ? costMs / reads : NaN;
    const idleMs = Math.max(cadence, cadences.idle);
    console.log(
      `| ${label} | ${cadence} ms | ${reads} | ${failures}${
        failures ? ` (${lastError})` : ""
      } | ${spawnRate} | ${perRead.toFixed(2)} ms | ${perSpawn} | ${pct(costMs)} | ${
        ((100 * perRead) / idleMs).toFixed(3)
      } % |`,
    );
  } else {
    console.log(
      `| ${label} | default | ${reads} | ${failures} | ${spawnRate} | — | ${perSpawn} | ${
        pct(costMs)
      } | — |`,
    );
  }
}

for (const source of platform.sources(facts, { top: 10 })) {
  if (only.includes(source.name)) await row(source.name, [source]);
}
const chosen = platform.sources(facts, { top: 10 }).filter((s) => only.includes(s.name));
if (chosen.length > 1) await row(`**${chosen.length} sources together**`, chosen);
if (standInDir) Deno.removeSync(standInDir, { recursive: true });

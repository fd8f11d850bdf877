/**
 * What each source costs: every source of this platform runs alone, at its default
 * cadence, on a schedule of its own, for a window of N seconds; the CPU this process
 * and its children (spawned tools, live or reaped) used in that window, minus an
 * empty window measured in the same run, is that source's cost. Printed as a table:
 * reads, CPU per read, % of one core at the default cadence and at the idle cadence
 * (every source at most once per 10 s while no client is connected).
 *
 * The daemon adds nothing per source beyond this: the tick only copies the latest
 * readings into the frame. The whole daemon is measured by `bench/stream_bench.ts`.
 *
 *   deno run -A bench/sources_bench.ts                # 30 s per source
 *   deno run -A bench/sources_bench.ts --seconds 60   # steadier figures
 *   deno run -A bench/sources_bench.ts --only network,diskio
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
import { DEFAULT_CADENCES } from "../src/metrics/sampler.ts";
import { SOURCE_NAMES, type SourceName } from "../src/metrics/source.ts";
import { systemClock } from "../src/time/clock.ts";
import { Schedule } from "../src/time/schedule.ts";
import { benchFlags } from "./support/args.ts";
import { CLOCK_TICKS, descendants, ownAndReapedTicks } from "./support/proc.ts";

const values = benchFlags({ seconds: "30", only: SOURCE_NAMES.join(",") });
const seconds = Number(values.seconds);
const only = values.only.split(",").map((s) => s.trim());
const unknown = only.find((name) => !(SOURCE_NAMES as readonly string[]).includes(name));
if (!(seconds >= 2) || unknown !== undefined) {
  console.error(
    `usage: sources_bench.ts [--seconds N (≥ 2)] [--only ${SOURCE_NAMES.join(",")}]` +
      (unknown ? ` (unknown source '${unknown}')` : ""),
  );
  Deno.exit(2);
}
if (Deno.build.os !== "linux") {
  console.error("sources_bench.ts measures children through /proc: Linux only");
  Deno.exit(2);
}

/** CPU ms used by this process and its children (live and reaped) during `work`. */
async function cpuMsDuring(work: () => Promise<void>): Promise<number> {
  const kidsBefore = new Map(descendants(Deno.pid).map((k) => [k, ownAndReapedTicks(k).own]));
  const reaped0 = ownAndReapedTicks(Deno.pid).reaped;
  const self0 = process.cpuUsage();
  await work();
  const self = process.cpuUsage(self0);
  let childTicks = ownAndReapedTicks(Deno.pid).reaped - reaped0;
  for (const k of descendants(Deno.pid)) {
    childTicks += ownAndReapedTicks(k).own - (kidsBefore.get(k) ?? 0);
  }
  return (self.user + self.system) / 1000 + (childTicks * 1000) / CLOCK_TICKS;
}

const platform = await currentPlatform();
const facts = await platform.facts();
const sources = platform.sources(facts, { top: 10 });
const windowMs = seconds * 1000;

const emptyMs = await cpuMsDuring(() => sleep(windowMs));
console.log(
  `# each source alone for ${seconds} s on ${platform.name}; empty window: ${
    emptyMs.toFixed(1)
  } ms of CPU (subtracted)`,
);
console.log("| source | cadence | reads | failures | CPU per read | at cadence | at idle (10 s) |");
console.log("|---|---|---|---|---|---|---|");
for (const source of sources) {
  if (!only.includes(source.name)) continue;
  const name: SourceName = source.name;
  const cadence = DEFAULT_CADENCES[name];
  let reads = 0;
  let failures = 0;
  let lastError = "";
  const schedule = new Schedule(systemClock);
  const usedMs = await cpuMsDuring(async () => {
    schedule.driveWithTimer(true);
    source.start(cadence, {
      emit: () => reads++,
      fail: (error) => {
        failures++;
        lastError = error.message;
      },
    }, schedule);
    await sleep(windowMs);
    await source.stop();
    schedule.driveWithTimer(false);
  });
  const costMs = Math.max(0, usedMs - emptyMs);
  const perRead = reads > 0 ? costMs / reads : NaN;
  const pct = (intervalMs: number) => (100 * perRead) / intervalMs;
  const idleMs = Math.max(cadence, DEFAULT_CADENCES.idle);
  console.log(
    `| ${name} | ${cadence} ms | ${reads} | ${failures}${failures ? ` (${lastError})` : ""} | ${
      perRead.toFixed(2)
    } ms | ${pct(cadence).toFixed(3)} % | ${pct(idleMs).toFixed(3)} % |`,
  );
}

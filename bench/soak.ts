/**
 * Soak test: the real daemon (a subprocess under its `serve` permission set,
 * default flags plus `--stats-interval 10s`) streaming at 25 Hz for N minutes to
 * 10 subscribers in a separate process (bench/support/soak_clients.ts): 8 that
 * keep up, 1 that stops reading for 10 s every 30 s (dropped by the 2 s stall
 * timeout, then reconnects: expected) and 1 that reconnects every 5 s
 * (`--churn-every`).
 *
 * Every 10 s one table row: the daemon's RSS (VmRSS), open fds (lowest of 3
 * readings 50 ms apart, so a df/grep child's short-lived pipes are not counted),
 * CPU % of one core over the last 10 s (own, children = its `top`, df and grep),
 * the daemon's own stats line (clients, frames dropped for slow clients) and the
 * steady subscribers' delivered rate. At the end, a verdict against the targets:
 *
 * - anonymous memory flat: its least-squares slope over the last half of the run
 *   ≤ 0.01 MiB/min (< 15 MiB a day), judged on runs of at least 30 minutes, the length
 *   over which a slow creep shows; on runs of 90 minutes or more, over the last hour
 *   ≤ 0.005 MiB/min (7 MiB a day). Printed with the JS heap's slope beside it so growth
 *   inside V8's heap can be told from native growth (buffers, resources, allocator);
 * - RSS growth after the first minute (`--settle`) < 2 MiB (mean of the last 3 samples
 *   − mean of the first 3 samples from then on);
 * - open fds flat after the first minute (max − min ≤ 2);
 * - zero missed frames (sequence gaps) and no disconnect for the 8 steady subscribers;
 * - CPU flat after the first minute (mean of the last third ≤ mean of the first third + 0.5).
 *
 * Exit code 0 when every target is met, 1 otherwise (or on a setup failure), 130
 * on Ctrl-C. Children are stopped and the temporary directory removed in every case.
 *
 *   deno run -A bench/soak.ts                 # 30 minutes
 *   deno run -A bench/soak.ts --minutes 10    # quicker check (the slope is not judged)
 *   deno run -A bench/soak.ts --minutes 10 --stall-pause 3   # a staller that is never dropped
 *   deno run -A bench/soak.ts --minutes 10 --settle 4        # judge from 4:00 on
 *   deno run -A bench/soak.ts --minutes 90 --churn-every 1   # a reconnect every second
 *
 * The daemon runs a full garbage collection every minute (`--gc-interval`, src/daemon/v8.ts); without
 * it (`--gc-interval 0`) V8's old generation fills with promoted short-lived
 * objects for ~13 minutes and RSS climbs ~8 MiB before levelling off. The "JS heap" column is the
 * daemon's own `heap_mib`.
 *
 * @module
 */

import { benchFlags } from "./support/args.ts";
import type { SoakClientsReport } from "./support/soak_clients.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { type Daemon, startDaemon } from "../tests/support/daemon.ts";
import {
  type AnonRegions,
  anonRegionsKiB,
  fdCount,
  quietCheck,
  rssAnonKiB,
  rssKiB,
  treeCpuWindows,
} from "./support/proc.ts";

const root = new URL("../", import.meta.url).pathname;
const SAMPLE_S = 10;

const values = benchFlags({
  minutes: "30",
  "stall-pause": "10",
  settle: "1",
  "churn-every": "5",
});
const minutes = Number(values.minutes);
const stallPause = Number(values["stall-pause"]);
const churnEvery = Number(values["churn-every"]);
/** Samples before this are start-up: the RSS, fd and CPU targets are judged from here on. */
const SETTLED_S = Math.round(Number(values.settle) * 60);
if (
  !(minutes >= 1.5 && minutes <= 24 * 60) || !(stallPause >= 0 && stallPause < 30) ||
  !(SETTLED_S >= 0 && SETTLED_S <= minutes * 60 - 30) || !(churnEvery >= 0.1 && churnEvery <= 600)
) {
  console.error(
    "usage: soak.ts [--minutes N (≥ 1.5, default 30)] [--stall-pause S (default 10)] " +
      "[--settle M (minutes of start-up not judged, default 1)] " +
      "[--churn-every S (the churner's reconnect period, 0.1–600, default 5)]",
  );
  Deno.exit(2);
}
const SECONDS = Math.round(minutes * 60);
/**
 * How the anonymous-memory slope is judged: over the last half of a run of 30 minutes or
 * more, ≤ 0.01 MiB/min (15 MiB a day); over the last hour of a run of 90 minutes or more,
 * ≤ 0.005 MiB/min (7 MiB a day). Shorter runs print the slope without judging it.
 */
const SLOPE_RULE = minutes >= 90
  ? { judged: true, fromS: SECONDS - 3600, what: "the last hour", target: 0.005 }
  : { judged: minutes >= 30, fromS: SECONDS / 2, what: "the last half", target: 0.01 };

interface Sample {
  t: number;
  rssKiB: number;
  anonKiB: number;
  /** Anonymous memory by region, KiB. */
  regions: AnonRegions;
  /** The daemon's JS heap from its last stats line, MiB (NaN before the first). */
  heapMiB: number;
  fds: number;
  selfPct: number;
  childrenPct: number;
}

const interrupted = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => interrupted.abort(signal));
}

async function lowestFdCount(pid: number): Promise<number> {
  let lowest = fdCount(pid);
  for (let i = 0; i < 2; i++) {
    await sleep(50);
    lowest = Math.min(lowest, fdCount(pid));
  }
  return lowest;
}

/** The numeric fields of the daemon's last `stats` line: clients, dropped, heap_mib, … */
function lastStats(daemon: Daemon): Record<string, number> {
  const line = daemon.matching(/ stats /).at(-1) ?? "";
  return Object.fromEntries(
    [...line.matchAll(/(\w+)=(\d+(?:\.\d+)?)(?=\s|$)/g)].map((m) => [m[1], Number(m[2])]),
  );
}

/** Least-squares slope of `y` against time, per minute. */
function slopePerMinute(samples: Sample[], y: (s: Sample) => number): number {
  const xs = samples.map((s) => s.t / 60);
  const ys = samples.map(y);
  const mx = mean(xs);
  const my = mean(ys);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const f = (x: number, d = 2) => x.toFixed(d);
const mm = (t: number) => `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, "0")}`;

async function stopChild(child: Deno.ChildProcess, graceMs = 3000): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    return; // gone already
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone meanwhile
    }
  }, graceMs);
  await child.status;
  clearTimeout(timer);
}

async function main(): Promise<number> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "omsoak" });
  const socket = `${dir}/d.sock`;
  let daemon: Daemon | null = null;
  let clients: Deno.ChildProcess | null = null;
  try {
    await quietCheck();
    daemon = await startDaemon(socket, { flags: ["--stats-interval", `${SAMPLE_S}s`] });
    const cpu = treeCpuWindows(daemon.pid);
    clients = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${root}bench/support/soak_clients.ts`,
        socket,
        String(SECONDS + 3), // outlive the last sample
        String(stallPause),
        "30",
        String(churnEvery),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reportText = new Response(clients.stdout).text();
    let progress: Record<string, number> = {};
    const progressDone = (async () => {
      let rest = "";
      for await (const chunk of clients!.stderr.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const line of lines) {
          try {
            progress = JSON.parse(line);
          } catch {
            console.error(`[clients] ${line}`);
          }
        }
      }
    })();
    const start = performance.now();

    console.log(
      `soak: ${minutes} min, daemon pid ${daemon.pid} (deno ${Deno.version.deno}), ` +
        `8 steady + 1 staller (${stallPause} s pause every 30 s) + 1 churner (every ${churnEvery} s), 25 Hz`,
    );
    console.log(
      "|  time | RSS MiB | anon MiB | JS heap MiB | fds | CPU own % | CPU children % | CPU total % | clients | dropped | steady Hz | steady missed | staller drops | brk / code / arenas / other MiB |",
    );
    console.log(
      "|------:|--------:|---------:|------------:|----:|----------:|---------------:|------------:|--------:|--------:|----------:|--------------:|--------------:|:--------------------------------|",
    );
    const samples: Sample[] = [];
    for (let k = 1; k * SAMPLE_S <= SECONDS; k++) {
      const wait = start + k * SAMPLE_S * 1000 - performance.now();
      await sleep(Math.max(0, wait), undefined, { signal: interrupted.signal }).catch(() => {});
      if (interrupted.signal.aborted) break;
      if (daemon.exited) {
        throw new Error(`daemon exited (code ${daemon.exited.code}):\n${daemon.stderr}`);
      }
      const usage = cpu();
      const stats = lastStats(daemon);
      const sample: Sample = {
        t: k * SAMPLE_S,
        rssKiB: rssKiB(daemon.pid),
        anonKiB: rssAnonKiB(daemon.pid),
        regions: anonRegionsKiB(daemon.pid),
        heapMiB: stats.heap_mib ?? NaN,
        fds: await lowestFdCount(daemon.pid),
        selfPct: usage.selfPct,
        childrenPct: usage.childrenPct,
      };
      samples.push(sample);
      console.log(
        `| ${mm(sample.t).padStart(5)} | ${f(sample.rssKiB / 1024).padStart(7)} | ${
          f(sample.anonKiB / 1024).padStart(8)
        } | ${String(stats.heap_mib ?? "-").padStart(11)} | ${String(sample.fds).padStart(3)} | ${
          f(sample.selfPct).padStart(9)
        } | ${f(sample.childrenPct).padStart(14)} | ${
          f(sample.selfPct + sample.childrenPct).padStart(11)
        } | ${String(stats.clients ?? "-").padStart(7)} | ${
          String(stats.dropped ?? "-").padStart(7)
        } | ${String(progress.steady_hz ?? "-").padStart(9)} | ${
          String(progress.steady_missed ?? "-").padStart(13)
        } | ${String(progress.staller_drops ?? "-").padStart(13)} | ${
          [sample.regions.brk, sample.regions.code, sample.regions.arenas, sample.regions.other]
            .map((kib) => f(kib / 1024, 2)).join(" / ")
        } |`,
      );
    }
    if (interrupted.signal.aborted) {
      console.log(`\ninterrupted (${interrupted.signal.reason}): no verdict`);
      return 130;
    }

    const status = await clients.status;
    await progressDone;
    const text = await reportText;
    if (!status.success || text.trim() === "") {
      throw new Error(`clients process failed (code ${status.code}): ${text}`);
    }
    const report: SoakClientsReport = JSON.parse(text);
    clients = null;
    const daemonStalled = daemon.matching(/client stalled, closed/).length;
    return verdict(samples, report, daemonStalled);
  } finally {
    if (clients) await stopChild(clients);
    if (daemon) await daemon.stop(3000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function verdict(samples: Sample[], report: SoakClientsReport, daemonStalled: number): number {
  console.log("\nper client (clients process report):");
  console.log(
    "| client | frames | Hz | missed | connects | disconnects | pauses / planned reconnects |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const c of report.clients) {
    console.log(
      `| ${c.name} | ${c.frames} | ${
        f(c.frames / report.seconds, 1)
      } | ${c.missed} | ${c.connects} | ${c.disconnects} | ${c.pauses} |`,
    );
  }
  const lat = report.steady_latency_us;
  console.log(
    `steady latency: p50 ${f(lat.p50 / 1000, 3)} ms, p99 ${f(lat.p99 / 1000, 3)} ms, max ${
      f(lat.max / 1000, 1)
    } ms; daemon logged ${daemonStalled} "client stalled, closed"`,
  );
  if (report.errors.length) console.log(`client errors: ${report.errors.join("; ")}`);

  const settled = samples.filter((s) => s.t >= SETTLED_S);
  const rss = settled.map((s) => s.rssKiB / 1024);
  const fds = settled.map((s) => s.fds);
  const cpu = settled.map((s) => s.selfPct + s.childrenPct);
  const third = Math.max(1, Math.floor(cpu.length / 3));
  const rssGrowth = mean(rss.slice(-3)) - mean(rss.slice(0, 3));
  // Of which anonymous memory (heap, stacks); the rest is mostly the binary's clean pages, paged
  // in the first time a code path runs (V8's optimizing compiler, for one) and reclaimable.
  const anon = settled.map((s) => s.anonKiB / 1024);
  const anonGrowth = mean(anon.slice(-3)) - mean(anon.slice(0, 3));
  const rssPeak = Math.max(...rss) - rss[0];
  const fdSpread = Math.max(...fds) - Math.min(...fds);
  const cpuFirst = mean(cpu.slice(0, third));
  const cpuLast = mean(cpu.slice(-third));
  const steady = report.clients.filter((c) => c.kind === "steady");
  const steadyMissed = steady.reduce((s, c) => s + c.missed, 0);
  const steadyDrops = steady.reduce((s, c) => s + c.disconnects, 0);
  const staller = report.clients.find((c) => c.kind === "staller")!;
  const churner = report.clients.find((c) => c.kind === "churner")!;

  // The slope over the end of the run tells a leak from warm-up: RSS climbs for the first few
  // minutes (JIT code, the binary's pages, allocator pools) and then stays flat.
  const { judged, fromS, what, target } = SLOPE_RULE;
  const tail = samples.filter((s) => s.t >= fromS);
  const anonSlope = slopePerMinute(tail, (s) => s.anonKiB / 1024);
  const withHeap = tail.filter((s) => Number.isFinite(s.heapMiB));
  const heapSlope = slopePerMinute(withHeap, (s) => s.heapMiB);
  const checks: [string, boolean, string][] = [
    [
      `anonymous memory slope over ${what} ≤ ${target} MiB/min` +
      (judged ? "" : " (not judged: runs under 30 min)"),
      !judged || anonSlope <= target,
      `${f(anonSlope, 3)} MiB/min (${f(anonSlope * 1440, 1)} MiB a day); JS heap ${
        f(heapSlope, 3)
      } MiB/min, ${f(withHeap[0]?.heapMiB ?? NaN, 1)}–${
        f(withHeap.at(-1)?.heapMiB ?? NaN, 1)
      } MiB; ` +
      `anon ${f(tail[0].anonKiB / 1024)} → ${f(tail.at(-1)!.anonKiB / 1024)} MiB from ${
        mm(tail[0].t)
      }`,
    ],
    [
      `RSS growth after ${mm(SETTLED_S)} < 2 MiB`,
      rssGrowth < 2,
      `${f(rssGrowth)} MiB (last 3 − first 3 samples from ${mm(SETTLED_S)}; anon ${
        f(anonGrowth)
      }, file-backed ${f(rssGrowth - anonGrowth)}; ${f(Math.min(...rss))}–${
        f(Math.max(...rss))
      } MiB, peak − first = ${f(rssPeak)})`,
    ],
    [
      `fds flat after ${mm(SETTLED_S)} (max − min ≤ 2)`,
      fdSpread <= 2,
      `${Math.min(...fds)}–${Math.max(...fds)} (spread ${fdSpread})`,
    ],
    [
      "0 missed frames, 0 disconnects (8 steady)",
      steadyMissed === 0 && steadyDrops === 0 && report.errors.length === 0,
      `missed ${steadyMissed}, disconnects ${steadyDrops}, ${
        f(mean(steady.map((c) => c.frames / report.seconds)), 2)
      } Hz each`,
    ],
    [
      `CPU flat after ${mm(SETTLED_S)} (last third ≤ first third + 0.5)`,
      cpuLast <= cpuFirst + 0.5,
      `first third ${f(cpuFirst)} %, last third ${f(cpuLast)} % (${third} windows each)`,
    ],
  ];
  console.log("\nverdict:");
  for (const [name, ok, detail] of checks) {
    console.log(`  ${ok ? "PASS" : "FAIL"}  ${name}: ${detail}`);
  }
  console.log(
    `  (not judged) RSS slope over ${what}: ${
      f(slopePerMinute(tail, (s) => s.rssKiB / 1024), 3)
    } MiB/min; anonymous by region (MiB/min): ${
      (Object.keys(tail[0].regions) as (keyof AnonRegions)[])
        .map((k) => `${k} ${f(slopePerMinute(tail, (s) => s.regions[k] / 1024), 4)}`)
        .join(", ")
    }`,
  );
  console.log(
    `  (expected, not judged) staller: ${staller.pauses} pauses, dropped ${staller.disconnects}×, ` +
      `${staller.missed} frames missed; churner: ${churner.connects} connects, ${churner.missed} missed`,
  );
  const ok = checks.every(([, pass]) => pass);
  console.log(ok ? "\nall targets met" : "\ntargets NOT met");
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`soak failed: ${(error as Error).message}`);
  code = 1;
}
Deno.exit(code);

/**
 * Scale test of the real daemon (a subprocess under this platform's `serve-*` permission set,
 * `--max-clients 2000`, default cadences, 25 Hz):
 *
 * (a) 1000 subscribers, spread over 4 client processes of 250 (bench/support/subscribers.ts)
 *     so the client side keeps up: delivered rate per subscriber (mean, lowest), missed
 *     frames (sequence gaps), latency p50/p99/max over all 1000, daemon CPU.
 * (b) 1 subscriber on a machine with 5000 extra processes (`/bin/sleep`, spawned by this
 *     benchmark in batches and all killed at the end), next to the same figures with no
 *     extra processes: delivered rate, latency, the daemon's CPU, its `top` child's CPU and
 *     what one process sample costs (top's CPU seconds over the window ÷ its refreshes).
 * (c) Memory after bursts (bench/support/burst_memory.ts): 8 bursts of 1000 clients that
 *     stream for 5 s and leave, against a daemon side by side that takes none. Target: 60 s
 *     after the last burst has gone, the JS heap is back within 2 MiB of its level before
 *     the bursts, and RSS is at most half the systemd unit's `MemoryMax=256M`.
 *
 * Every window starts after a warm-up (connects, the sampler's switch from idle to full
 * cadence). CPU is % of one core from /proc/<pid>/stat (10 ms ticks). The sleepers are
 * killed in every case (Ctrl-C too) and outlive an abrupt kill of this process by at most
 * a few minutes (their own timeout).
 *
 *   deno run -A bench/scale.ts                 # 30 s windows
 *   deno run -A bench/scale.ts --seconds 15    # quicker, coarser
 *   deno run -A bench/scale.ts --bursts 0      # without (c)
 *
 * @module
 */

import type { LoadSummary } from "./support/subscribers.ts";
import { benchFlags } from "./support/args.ts";
import { spawnSubscribers, spread, summaryOf } from "./support/subscriber_processes.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { type Daemon, startDaemon } from "../tests/support/daemon.ts";
import { AFTER_S, burstMemory, type BurstMemoryRow } from "./support/burst_memory.ts";
import {
  CLOCK_TICKS,
  cmdlineOf,
  descendantsNamed,
  fdCount,
  machineBusy,
  memAvailableKiB,
  openFileLimit,
  ownAndReapedTicks,
  pidMax,
  processCount,
  quietCheck,
  treeCpu,
} from "./support/proc.ts";

const values = benchFlags({
  seconds: "30",
  subscribers: "1000",
  processes: "4",
  extra: "5000",
  bursts: "8",
  "burst-size": "1000",
});
const SECONDS = Number(values.seconds);
const SUBSCRIBERS = Number(values.subscribers);
const CLIENT_PROCS = Number(values.processes);
const EXTRA = Number(values.extra);
const BURSTS = Number(values.bursts);
const BURST_SIZE = Number(values["burst-size"]);
if (
  !(SECONDS >= 5 && SECONDS <= 600) || !(SUBSCRIBERS >= 1 && SUBSCRIBERS <= 1900) ||
  !(CLIENT_PROCS >= 1 && CLIENT_PROCS <= 16) || !(EXTRA >= 0 && EXTRA <= 20_000) ||
  !(Number.isInteger(BURSTS) && BURSTS >= 0 && BURSTS <= 100) ||
  !(Number.isInteger(BURST_SIZE) && BURST_SIZE >= 1 && BURST_SIZE <= 1900)
) {
  console.error(
    "usage: scale.ts [--seconds S (5-600, default 30)] [--subscribers N (default 1000)] " +
      "[--processes P (default 4)] [--extra N (default 5000)] [--bursts N (0-100, default 8)] " +
      "[--burst-size N (1-1900, default 1000)]",
  );
  Deno.exit(2);
}
const WARMUP_S = 6;
const TAIL_S = 3;
const SPAWN_BATCH = 250;
const SPAWN_SHELLS = 4; // batches spawned at once
/** The sleepers' own timeout: longer than the whole run, bounded if this process is killed -9. */
const SLEEP_S = Math.max(600, Math.ceil(4 * (SECONDS + WARMUP_S) + 300));

const interrupted = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => interrupted.abort(signal));
}
function checkInterrupted(): void {
  if (interrupted.signal.aborted) throw new Error(`interrupted (${interrupted.signal.reason})`);
}

interface Row {
  label: string;
  subscribers: number;
  rateMean: number;
  rateMin: number;
  missed: number;
  p50: number;
  p99: number;
  max: number;
  selfPct: number;
  childrenPct: number;
  topPct: number | null;
  topMsPerRefresh: number | null;
  refreshS: number | null;
  processes: number;
  daemonFds: number;
  retries: number;
  clientsPct: number;
  machinePct: number;
}

const f = (x: number, d = 2) => x.toFixed(d);

/** The daemon's live `top` child and its refresh interval in seconds (from `-d`). */
function topChild(daemon: Daemon): { pid: number; refreshS: number } | null {
  const pid = descendantsNamed(daemon.pid, "top")[0];
  if (pid === undefined) return null;
  const args = cmdlineOf(pid);
  const d = args.indexOf("-d");
  return { pid, refreshS: d >= 0 ? Number(args[d + 1]) : NaN };
}

/**
 * `n` subscribers over `procs` processes for WARMUP_S + SECONDS + TAIL_S; the CPU window
 * (daemon and its children, its `top` alone, the client processes, the machine) covers the
 * SECONDS after the warm-up; rates and latencies cover everything after the warm-up.
 */
async function load(daemon: Daemon, socket: string, n: number, procs: number, label: string) {
  const children = spread(n, procs).map((count) =>
    spawnSubscribers({
      socket,
      count,
      seconds: WARMUP_S + SECONDS + TAIL_S, // still running when the CPU window ends
      kind: "opta",
      warmupS: WARMUP_S,
      raw: true,
    })
  );
  const outputs = Promise.all(children.map((c) => c.output()));
  try {
    await sleep(WARMUP_S * 1000, undefined, { signal: interrupted.signal });
    // Cheap reads first and last, so the window is the same for each figure; the slow one
    // (treeCpu scans /proc, ~0.1 s with 5000 processes) is taken inside them.
    const top = topChild(daemon);
    const clientTicks = () => children.reduce((s, c) => s + ownAndReapedTicks(c.pid).own, 0);
    const windowStart = performance.now();
    const topStart = top ? ownAndReapedTicks(top.pid).own : 0;
    const clientsStart = clientTicks();
    const machine = machineBusy();
    const cpu = treeCpu(daemon.pid);
    await sleep(SECONDS * 1000, undefined, { signal: interrupted.signal });
    const usage = cpu();
    const machinePct = machine();
    const clientsEnd = clientTicks();
    const topEnd = top ? ownAndReapedTicks(top.pid).own : 0;
    const windowS = (performance.now() - windowStart) / 1000;
    const clientsPct = (100 * (clientsEnd - clientsStart)) / CLOCK_TICKS / windowS;
    const topAlive = top !== null && topChild(daemon)?.pid === top.pid;
    const processes = processCount();
    const daemonFds = fdCount(daemon.pid);
    const results: LoadSummary[] = (await outputs).map(summaryOf);
    const latencies = results.flatMap((r) => r.latencies_us ?? []).sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    const topSeconds = (topEnd - topStart) / CLOCK_TICKS;
    const row: Row = {
      label,
      subscribers: n,
      rateMean: results.reduce((s, r) => s + r.rate_mean_hz * r.subscribers, 0) / n,
      rateMin: Math.min(...results.map((r) => r.rate_min_hz)),
      missed: results.reduce((s, r) => s + r.missed, 0),
      p50: pct(0.5),
      p99: pct(0.99),
      max: latencies.at(-1) ?? NaN,
      selfPct: usage.selfPct,
      childrenPct: usage.childrenPct,
      topPct: topAlive ? (100 * topSeconds) / windowS : null,
      topMsPerRefresh: topAlive ? (1000 * topSeconds) / (windowS / top.refreshS) : null,
      refreshS: top?.refreshS ?? null,
      processes,
      daemonFds,
      retries: results.reduce((s, r) => s + r.connect_retries, 0),
      clientsPct,
      machinePct,
    };
    return row;
  } finally {
    for (const c of children) {
      try {
        c.kill("SIGKILL"); // only if still running (interrupted)
      } catch {
        // finished
      }
    }
    await outputs.catch(() => {});
  }
}

/** The sleepers: pids to kill, and the shells that started them (each waits for its batch). */
interface Sleepers {
  pids: number[];
  shells: Deno.ChildProcess[];
}

/**
 * Spawns `n` sleepers in batches of SPAWN_BATCH, each batch by one `/bin/sh` that prints
 * their pids and waits for them, SPAWN_SHELLS batches at once.
 * Every pid lands in `into` as soon as it is known, so the caller can always kill them.
 */
async function spawnSleepers(n: number, into: Sleepers): Promise<void> {
  const batch = async (count: number) => {
    const shell = new Deno.Command("/bin/sh", {
      args: [
        "-c",
        `i=0; while [ $i -lt ${count} ]; do /bin/sleep ${SLEEP_S} </dev/null >/dev/null 2>&1 & ` +
        `echo $!; i=$((i+1)); done; exec >&-; wait`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    into.shells.push(shell);
    let rest = "";
    for await (const chunk of shell.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      into.pids.push(...lines.filter((l) => /^\d+$/.test(l)).map(Number));
    }
  };
  let planned = 0;
  while (planned < n) {
    checkInterrupted();
    const round: Promise<void>[] = [];
    for (let k = 0; k < SPAWN_SHELLS && planned < n; k++) {
      const count = Math.min(SPAWN_BATCH, n - planned);
      planned += count;
      round.push(batch(count));
    }
    await Promise.all(round);
  }
}

async function killSleepers(sleepers: Sleepers): Promise<void> {
  for (const pid of sleepers.pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  sleepers.pids.length = 0;
  // Each shell ends once its batch is gone; bounded all the same.
  const timer = setTimeout(() => {
    for (const shell of sleepers.shells) {
      try {
        shell.kill("SIGKILL");
      } catch {
        // ended
      }
    }
  }, 10_000);
  await Promise.all(sleepers.shells.map((c) => c.status));
  clearTimeout(timer);
  sleepers.shells.length = 0;
}

async function preflight(): Promise<void> {
  const files = openFileLimit();
  const procs = processCount();
  const max = pidMax();
  const memMiB = memAvailableKiB() / 1024;
  const tasks = Deno.readTextFileSync("/proc/sys/kernel/threads-max").trim();
  const userProcs = /^Max processes\s+(\S+)/m.exec(Deno.readTextFileSync("/proc/self/limits"))
    ?.[1];
  console.log(
    `machine: ${navigator.hardwareConcurrency} CPUs, ${f(memMiB / 1024, 1)} GiB available, ` +
      `${procs} processes, pid_max ${max}, threads-max ${tasks}, max user processes ${userProcs}, ` +
      `open files (ulimit -n) soft ${files.soft} hard ${files.hard}`,
  );
  // The daemon and each client process inherit this limit; Deno cannot raise it.
  const perProc = Math.ceil(SUBSCRIBERS / CLIENT_PROCS);
  if (files.soft < SUBSCRIBERS + 200 || files.soft < perProc + 200) {
    throw new Error(`ulimit -n is ${files.soft}: too low for ${SUBSCRIBERS} subscribers`);
  }
  if (max - procs < EXTRA + 1000) throw new Error(`pid_max ${max} leaves no room for ${EXTRA}`);
  if (memMiB < 1024 + EXTRA * 0.5) throw new Error(`only ${f(memMiB)} MiB available`);
  await quietCheck();
}

/** The systemd unit's `MemoryMax`, MiB: the daemon's RSS must stay well under it. */
const UNIT_MEMORY_MAX_MIB = 256;
/** How far above its level before the bursts the JS heap may be afterwards (MiB). */
const HEAP_TARGET_MIB = 2;

/** Prints (c) and its verdicts; true when its targets are met. */
function printBurstMemory(rows: BurstMemoryRow[]): boolean {
  console.log(`\n(c) memory after ${BURSTS} bursts of ${BURST_SIZE} clients, MiB`);
  console.log(
    "| daemon | heap before | heap peak | heap after | RSS before | RSS peak | RSS after | " +
      "anon before | anon peak | anon after | memory-returning collections |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const cells = [r.before, r.peak, r.after].map((p) => p.heap.toFixed(1))
      .concat([r.before, r.peak, r.after].map((p) => p.rss.toFixed(1)))
      .concat([r.before, r.peak, r.after].map((p) => p.anon.toFixed(1)));
    console.log(`| ${r.label} | ${cells.join(" | ")} | ${r.reduced} |`);
  }
  const [bursted, baseline] = rows;
  const heapGrowth = bursted.after.heap - bursted.before.heap;
  const heapOk = heapGrowth <= HEAP_TARGET_MIB;
  const rssOk = bursted.after.rss <= UNIT_MEMORY_MAX_MIB / 2;
  console.log(
    `JS heap ${AFTER_S} s after the last burst: ${f(bursted.after.heap, 1)} MiB against ${
      f(bursted.before.heap, 1)
    } before (${heapGrowth >= 0 ? "+" : ""}${f(heapGrowth, 1)}; the baseline daemon ${
      f(baseline.before.heap, 1)
    } → ${f(baseline.after.heap, 1)}), target ≤ +${HEAP_TARGET_MIB} MiB → ${
      heapOk ? "met" : "NOT met"
    }`,
  );
  console.log(
    `RSS ${AFTER_S} s after the last burst: ${f(bursted.after.rss, 1)} MiB (before ${
      f(bursted.before.rss, 1)
    }, peak ${f(bursted.peak.rss, 1)}; the baseline daemon ${f(baseline.after.rss, 1)}), target ≤ ${
      UNIT_MEMORY_MAX_MIB / 2
    } MiB, half the unit's MemoryMax → ${rssOk ? "met" : "NOT met"}`,
  );
  return heapOk && rssOk;
}

function printRows(title: string, rows: Row[], withTop: boolean): void {
  console.log(`\n${title}`);
  const head = [
    "configuration",
    "processes",
    "subs",
    "Hz / sub mean",
    "Hz / sub min",
    "missed",
    "p50 ms",
    "p99 ms",
    "max ms",
    "daemon own CPU %",
    "children CPU %",
    "clients CPU %",
    "machine busy % (2 cores)",
    ...(withTop ? ["top CPU %", "top ms / refresh"] : ["daemon fds", "connect retries"]),
  ];
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map((_, i) => i === 0 ? "---" : "---:").join("|")}|`);
  for (const r of rows) {
    const cells = [
      r.label,
      String(r.processes),
      String(r.subscribers),
      f(r.rateMean),
      f(r.rateMin),
      String(r.missed),
      f(r.p50 / 1000, 3),
      f(r.p99 / 1000, 3),
      f(r.max / 1000, 1),
      f(r.selfPct),
      f(r.childrenPct),
      f(r.clientsPct),
      f(r.machinePct, 1),
      ...(withTop
        ? [
          r.topPct === null ? "n/a" : f(r.topPct),
          r.topMsPerRefresh === null ? "n/a" : `${f(r.topMsPerRefresh, 1)} (every ${r.refreshS} s)`,
        ]
        : [String(r.daemonFds), String(r.retries)]),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

async function main(): Promise<number> {
  await preflight();
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "omscale" });
  const socket = `${dir}/d.sock`;
  const sleepers: Sleepers = { pids: [], shells: [] };
  let daemon: Daemon | null = null;
  try {
    daemon = await startDaemon(socket, { flags: ["--max-clients", "2000"] });
    const limit = openFileLimit(daemon.pid);
    console.log(
      `daemon pid ${daemon.pid}: open files soft ${limit.soft} hard ${limit.hard}; ` +
        `${SECONDS} s windows after a ${WARMUP_S} s warm-up`,
    );

    checkInterrupted();
    const a = await load(
      daemon,
      socket,
      SUBSCRIBERS,
      CLIENT_PROCS,
      `${SUBSCRIBERS} subs / ${CLIENT_PROCS} procs`,
    );
    printRows(`(a) ${SUBSCRIBERS} subscribers at 25 Hz`, [a], false);

    checkInterrupted();
    const base = await load(daemon, socket, 1, 1, "no extra processes");
    const before = processCount();
    const t0 = performance.now();
    await spawnSleepers(EXTRA, sleepers);
    console.log(
      `\nspawned ${sleepers.pids.length} × /bin/sleep ${SLEEP_S} in ${
        f((performance.now() - t0) / 1000, 1)
      } s (processes ${before} → ${processCount()})`,
    );
    await sleep(2000, undefined, { signal: interrupted.signal });
    const loaded = await load(daemon, socket, 1, 1, `+${EXTRA} processes`);
    printRows(`(b) 1 subscriber, with and without ${EXTRA} extra processes`, [base, loaded], true);

    // Responsive: frames keep flowing at ~25 Hz to every subscriber (missed frames, the
    // latest-wins drops of a saturated machine, are reported above, not judged here).
    const ok = [a, base, loaded].every((r) => r.rateMean >= 24 && r.rateMin >= 22.5);
    const topCost = loaded.topMsPerRefresh !== null && base.topMsPerRefresh !== null
      ? `; one process sample (top refresh) ${f(base.topMsPerRefresh, 1)} → ${
        f(loaded.topMsPerRefresh, 1)
      } ms of CPU`
      : "";
    console.log(
      `\nresponsive (mean ≥ 24 Hz and every subscriber ≥ 22.5 Hz, in every row): ${
        ok ? "yes" : "NO"
      }${topCost}`,
    );
    await killSleepers(sleepers);
    await daemon.stop(3000);
    daemon = null;
    let memoryOk = true;
    if (BURSTS > 0) {
      checkInterrupted();
      const rows = await burstMemory({
        dir,
        bursts: BURSTS,
        size: BURST_SIZE,
        processes: CLIENT_PROCS,
        holdS: 5,
        signal: interrupted.signal,
      });
      memoryOk = printBurstMemory(rows);
    }
    return ok && memoryOk ? 0 : 1;
  } finally {
    if (sleepers.pids.length > 0 || sleepers.shells.length > 0) {
      const n = sleepers.pids.length;
      await killSleepers(sleepers);
      console.log(`killed ${n} sleepers (processes now ${processCount()})`);
    }
    if (daemon) await daemon.stop(3000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`scale failed: ${(error as Error).message}`);
  code = interrupted.signal.aborted ? 130 : 1;
}
Deno.exit(code);

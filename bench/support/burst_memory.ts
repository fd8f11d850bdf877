/**
 * Memory after bursts of clients, for the scale benchmark: two daemons started side by side,
 * one that takes the bursts and one that takes no client (the baseline, measured at the same
 * moments). After both daemons' first periodic collection (the first minute), their settled
 * level is taken; then bursts of clients connect to the first one together, stream for a few
 * seconds and leave, and both are measured again 60 s after the last burst has gone. The JS
 * heap is V8's committed heap (`heap_mib` of the daemon's own `stats` line, every second),
 * RSS and anonymous memory come from /proc.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { type Daemon, startDaemon } from "../../tests/support/daemon.ts";
import { rssAnonKiB, rssKiB } from "./proc.ts";
import { spawnSubscribers, spread, summaryOf } from "./subscriber_processes.ts";

/** One daemon's memory at one moment, MiB. */
export interface MemoryPoint {
  /** V8's committed JS heap (`heap_mib`). */
  heap: number;
  /** Resident memory. */
  rss: number;
  /** Anonymous resident memory. */
  anon: number;
}

/** One daemon's figures over the run. */
export interface BurstMemoryRow {
  /** What the daemon took. */
  label: string;
  /** Settled, before the first burst. */
  before: MemoryPoint;
  /** The highest of each figure while the bursts ran. */
  peak: MemoryPoint;
  /** 60 s after the last burst had gone. */
  after: MemoryPoint;
  /** Collections that returned freed heap pages to the OS (`gc_reduced`). */
  reduced: number;
}

/** What {@linkcode burstMemory} does. */
export interface BurstMemoryOptions {
  /** A fresh directory for the sockets. */
  dir: string;
  /** How many bursts. */
  bursts: number;
  /** Clients per burst. */
  size: number;
  /** Client processes per burst. */
  processes: number;
  /** How long each burst's clients stream (s). */
  holdS: number;
  /** Stops the run early. */
  signal: AbortSignal;
}

/** How long after the last burst the "after" figures are taken (s). */
export const AFTER_S = 60;
/** Settling before the "before" figures: past each daemon's first periodic collection (s). */
const SETTLE_S = 65;
/** Between two bursts (s). */
const GAP_S = 3;

/** The numeric fields of a daemon's last `stats` line. */
function lastStats(daemon: Daemon): Record<string, number> {
  const line = daemon.matching(/ stats /).at(-1) ?? "";
  return Object.fromEntries(
    [...line.matchAll(/(\w+)=(\d+(?:\.\d+)?)(?=\s|$)/g)].map((m) => [m[1], Number(m[2])]),
  );
}

function point(daemon: Daemon): MemoryPoint {
  return {
    heap: lastStats(daemon).heap_mib ?? NaN,
    rss: rssKiB(daemon.pid) / 1024,
    anon: rssAnonKiB(daemon.pid) / 1024,
  };
}

const higher = (a: MemoryPoint, b: MemoryPoint): MemoryPoint => ({
  heap: Math.max(a.heap, b.heap),
  rss: Math.max(a.rss, b.rss),
  anon: Math.max(a.anon, b.anon),
});

/** `size` clients over `processes` processes, streaming for `holdS` seconds, then gone. */
async function burst(socket: string, options: BurstMemoryOptions): Promise<void> {
  const { size, processes, holdS } = options;
  const children = spread(size, processes).map((count) =>
    spawnSubscribers({ socket, count, seconds: holdS, kind: "opta" })
  );
  // Each must have run to its end: a failed one throws here.
  for (const output of await Promise.all(children.map((c) => c.output()))) summaryOf(output);
}

/** Runs the bursts against one daemon while a second one takes none; both rows. */
export async function burstMemory(options: BurstMemoryOptions): Promise<BurstMemoryRow[]> {
  const flags = ["--max-clients", String(options.size + 1000), "--stats-interval", "1s"];
  const [bursted, idle] = await Promise.all(
    ["b", "i"].map((name) => startDaemon(`${options.dir}/${name}.sock`, { flags })),
  );
  const daemons = [bursted, idle];
  const { signal } = options;
  try {
    await sleep(SETTLE_S * 1000, undefined, { signal });
    const before = daemons.map(point);
    let peak = before;
    for (let i = 0; i < options.bursts; i++) {
      const running = burst(bursted.socket, options);
      let done = false;
      void running.finally(() => done = true);
      while (!done) {
        await sleep(500, undefined, { signal });
        peak = peak.map((p, k) => higher(p, point(daemons[k])));
      }
      await running;
      if (i < options.bursts - 1) await sleep(GAP_S * 1000, undefined, { signal });
    }
    await sleep(AFTER_S * 1000, undefined, { signal });
    const after = daemons.map(point);
    return daemons.map((daemon, k) => ({
      label: k === 0
        ? `${options.bursts} bursts of ${options.size} clients`
        : "no client (the baseline, side by side)",
      before: before[k],
      peak: peak[k],
      after: after[k],
      reduced: lastStats(daemon).gc_reduced ?? NaN,
    }));
  } finally {
    await Promise.all(daemons.map((d) => d.stop(3000)));
  }
}

/**
 * The daemon's `stats` log line: what it reports ({@linkcode statsFields}, pure)
 * and the periodic task that measures and logs it ({@linkcode reportStats}).
 *
 * @module
 */

import { cpuUsage } from "node:process";
import type { LogFields, Logger } from "../log.ts";
import type { SourceName } from "../metrics/source.ts";
import type { SourceStatus } from "../metrics/sampler.ts";
import type { Schedule } from "../time/schedule.ts";
import type { BroadcasterStats } from "../ipc/broadcaster.ts";

/** What one `stats` line reports. */
export interface StatsInput {
  /** Broadcaster counters. */
  stats: BroadcasterStats;
  /** Frames published so far. */
  frames: number;
  /** Tools the platform's sources started so far (a long-lived child counts at each start). */
  spawns: number;
  /** Per-source health. */
  health: Partial<Record<SourceName, SourceStatus>>;
  /** The daemon's own CPU over the last interval, % of one core. */
  cpuPercent: number;
  /** The daemon's resident memory, bytes. */
  rssBytes: number;
  /** The JavaScript heap's size (what V8 holds, used or not), bytes. */
  heapBytes: number;
  /** How long the last periodic full collection took (ms); null before the first or when off. */
  gcMs: number | null;
  /** How many collections also returned freed heap pages to the OS. */
  gcReduced: number;
  /** How many due collections were skipped: nobody streamed and the old generation had not grown. */
  gcSkipped: number;
}

/** What the daemon knows and the stats task cannot measure itself. */
export type DaemonCounters = Pick<
  StatsInput,
  "stats" | "frames" | "spawns" | "health" | "gcMs" | "gcReduced" | "gcSkipped"
>;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * The fields of a `stats` log line: clients, frames published, sent and dropped
 * for slow clients, clients closed for stalling, connections refused, tools spawned since
 * start, own CPU %, RSS, JavaScript heap, the last full collection's pause, how many
 * collections returned memory and how many were skipped so far, and per source the cost of its
 * last reading, its age and its error.
 */
export function statsFields(input: StatsInput): LogFields {
  const { stats, health } = input;
  const fields: LogFields = {
    clients: stats.clients,
    frames: input.frames,
    sent: stats.framesSent,
    dropped: stats.framesDropped,
    stalled: stats.stalled,
    refused: stats.refused,
    spawns: input.spawns,
    cpu_pct: round(input.cpuPercent, 2),
    rss_mib: round(input.rssBytes / 1048576, 1),
    heap_mib: round(input.heapBytes / 1048576, 1),
    gc_ms: input.gcMs === null ? null : round(input.gcMs, 1),
    gc_reduced: input.gcReduced,
    gc_skipped: input.gcSkipped,
  };
  for (const [name, h] of Object.entries(health) as [SourceName, SourceStatus][]) {
    fields[`${name}_cost_ms`] = h.costMs === null ? null : round(h.costMs, 2);
    fields[`${name}_age_ms`] = h.ageMs;
    if (h.error !== null) fields[`${name}_error`] = h.error;
    if (h.unseen) fields[`${name}_unseen`] = h.unseen;
  }
  return fields;
}

/**
 * Logs a `stats` line every `intervalMs` (0: never) as a task of `schedule`, with the
 * process's own CPU over the interval, its RSS and heap, and `counters()`. Returns a
 * function that stops it.
 */
export function reportStats(
  schedule: Schedule,
  intervalMs: number,
  log: Logger,
  counters: () => DaemonCounters,
): () => void {
  if (intervalMs <= 0) return () => {};
  let lastCpu = cpuUsage();
  let lastMs = schedule.clock.now();
  return schedule.every(intervalMs, () => {
    const now = schedule.clock.now();
    const cpu = cpuUsage(lastCpu);
    const cpuPercent = (cpu.user + cpu.system) / 10 / (now - lastMs); // µs / ms → %
    lastCpu = cpuUsage();
    lastMs = now;
    const memory = Deno.memoryUsage();
    log.log(
      "info",
      "stats",
      statsFields({ ...counters(), cpuPercent, rssBytes: memory.rss, heapBytes: memory.heapTotal }),
    );
  });
}

/**
 * `opta-metrics sample [--json]`: take one snapshot through the same sources and
 * sampler the daemon uses (with a short CPU window), print it and exit.
 *
 * @module
 */

import { snapshotToJson } from "../ipc/json.ts";
import { currentPlatform } from "../metrics/current.ts";
import type { MachineFacts } from "../metrics/platform.ts";
import { Sampler, type SourceStatus } from "../metrics/sampler.ts";
import type { SourceName } from "../metrics/source.ts";
import type { Snapshot } from "../metrics/types.ts";
import { printable } from "../printable.ts";
import {
  ABSENT,
  formatBattery,
  formatBytes,
  formatCores,
  formatDiskIo,
  formatLevels,
  formatLoad,
  formatNetwork,
  formatPercent,
  formatSwap,
} from "./readings.ts";

/** Help text of the sample command. */
export const SAMPLE_HELP = `Usage: opta-metrics sample [--json] [--top N]

Take one snapshot of the machine, print it and exit.

  --json      print one JSON object (the default when stdout is not a terminal;
              on a terminal: a readable table)
  --top N     how many of the busiest processes to show (default 10, 1-100)
  -h, --help  show this help`;

/**
 * Cadences for a one-off sample: every source fires at once; the processes source refreshes
 * after one second, and the sample waits for that second reading: Linux's `top` takes its first
 * list over a short internal window (some 160 ms: per-process CPU in steps of about 6 points),
 * the second over the whole second (steps of 1 point).
 */
const SAMPLE_CADENCES = {
  cpu: 250,
  memory: 1000,
  processes: 1000,
  disk: 30_000,
  temperature: 5000,
};

/** How many readings of each source a sample waits for (others: the first). */
const SAMPLE_READINGS = { processes: 2 };

/** What `sample` prints: the snapshot plus the machine and per-source health. */
export interface SampleResult {
  /** The snapshot. */
  snapshot: Snapshot;
  /** Machine facts. */
  machine: MachineFacts;
  /** Health of each source. */
  sources: Record<SourceName, SourceStatus>;
}

/** Take one sample (at most `timeoutMs` waiting for slow sources). */
export async function takeSample(top: number, timeoutMs = 4000): Promise<SampleResult> {
  const platform = await currentPlatform();
  const machine = await platform.facts();
  const sampler = new Sampler(platform.sources(machine, { top }), {
    cadences: { ...platform.cadences, ...SAMPLE_CADENCES },
  });
  sampler.start();
  try {
    await sampler.settled(timeoutMs, SAMPLE_READINGS);
    return { snapshot: sampler.snapshot(), machine, sources: sampler.health() };
  } finally {
    await sampler.stop();
  }
}

/**
 * One word for a source's state: `ok`, `switched off`, `no source on this platform`,
 * `failing` (see its error), or `no reading` (it gave none within the wait).
 */
export function sourceState(s: SourceStatus | undefined): string {
  if (s === undefined) return "no reading";
  if (s.samples === 0 && (s.error === "switched off" || s.error === "no source on this platform")) {
    return s.error;
  }
  if (s.error !== null) return "failing";
  return s.samples === 0 ? "no reading" : "ok";
}

/** The JSON object `sample --json` prints; a reading whose source never produced is null. */
export function sampleToJson(result: SampleResult): Record<string, unknown> {
  const json = snapshotToJson(result.snapshot);
  const missing = (name: SourceName) => result.sources[name].samples === 0;
  if (missing("cpu")) json.cpu_usage = null;
  if (missing("memory")) json.memory_usage = null;
  if (missing("disk")) json.disk_usage = null;
  return {
    ...json,
    machine: {
      os: result.machine.os,
      model: result.machine.model,
      logical_cpus: result.machine.logicalCpus,
      memory_total: result.machine.memoryTotal,
    },
    sources: Object.fromEntries(
      Object.entries(result.sources).map(([name, s]) => [name, {
        state: sourceState(s),
        age_ms: s.ageMs,
        error: s.error,
        cost_ms: s.costMs ?? null,
      }]),
    ),
  };
}

const pct = (v: unknown) => typeof v === "number" ? `${v.toFixed(1)} %` : ABSENT;

/** A readable table of a sample. */
export function formatSample(result: SampleResult): string {
  const j = sampleToJson(result);
  const s = result.snapshot;
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  /** A row: its label, its text, and why it is absent when it is. */
  const row = (label: string, text: string, source: SourceName) => {
    const state = sourceState(result.sources[source]);
    const why = text !== ABSENT ? "" : state === "ok" ? "  (not on this machine)" : `  (${state})`;
    return `${label.padEnd(12)} ${text}${why}`;
  };
  const levels = formatLevels(s.cpuCoreLevels);
  const lines = [
    `${printable(result.machine.os)}${
      result.machine.model ? ` · ${printable(result.machine.model)}` : ""
    } · ` +
    `${result.machine.logicalCpus} CPUs · ${gib(result.machine.memoryTotal)}`,
    "",
    `CPU          ${pct(j.cpu_usage)}`,
    row("  per core", formatCores(s.cpuCores, s.cpuCoreLevels), "cpu") +
    (levels ? `  (${levels})` : ""),
    row("Load", formatLoad(s.loadAverage), "load"),
    `Memory       ${pct(j.memory_usage)} of ${gib(s.memoryTotal)}`,
    row("Swap", formatSwap(s.swap), "swap"),
    row("Pressure", s.memoryPressure ?? ABSENT, "pressure"),
    `Disk (/)     ${pct(j.disk_usage)}`,
    row("Disk I/O", formatDiskIo(s.diskIo), "diskio") +
    (s.diskIo
      ? `  (${formatBytes(s.diskIo.readBytes)} read, ` +
        `${formatBytes(s.diskIo.writtenBytes)} written)`
      : ""),
    row("Network", formatNetwork(s.network), "network") +
    (s.network
      ? `  (${formatBytes(s.network.receivedBytes)} in, ` +
        `${formatBytes(s.network.sentBytes)} out)`
      : ""),
    row("Battery", formatBattery(s.battery), "battery"),
    row("GPU", formatPercent(s.gpuUsage), "gpu"),
    row(
      "Temperature",
      s.temperature === null ? ABSENT : `${s.temperature.toFixed(1)} °C`,
      "temperature",
    ),
    "",
    "    PID   CPU %   MEM MiB  NAME",
    ...s.topProcesses.map((p) =>
      `${String(p.pid).padStart(7)} ${p.cpuPercent.toFixed(1).padStart(7)} ${
        p.memoryMb.toFixed(1).padStart(9)
      }  ${printable(p.name)}`
    ),
  ];
  const failing = Object.entries(result.sources).filter(([, st]) => sourceState(st) === "failing");
  if (failing.length > 0) {
    lines.push("", ...failing.map(([name, st]) => `${name}: ${printable(String(st.error))}`));
  }
  return lines.join("\n");
}

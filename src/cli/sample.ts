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
import { printable } from "./flags.ts";

/** Help text of the sample command. */
export const SAMPLE_HELP = `Usage: opta-metrics sample [--json] [--top N]

Take one snapshot of the machine, print it and exit.

  --json      print one JSON object (default on a terminal: a readable table)
  --top N     how many of the busiest processes to show (default 10, 1-100)
  -h, --help  show this help`;

/** Cadences for a one-off sample: every source fires at once, processes after a short window. */
const SAMPLE_CADENCES = { cpu: 250, memory: 1000, processes: 300, disk: 30_000, temperature: 5000 };

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
  const sampler = new Sampler(platform.sources(machine, { top }), { cadences: SAMPLE_CADENCES });
  sampler.start();
  try {
    await sampler.settled(timeoutMs);
    return { snapshot: sampler.snapshot(), machine, sources: sampler.health() };
  } finally {
    await sampler.stop();
  }
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
        age_ms: s.ageMs,
        error: s.error,
      }]),
    ),
  };
}

const pct = (v: unknown) => typeof v === "number" ? `${v.toFixed(1)} %` : "n/a";

/** A readable table of a sample. */
export function formatSample(result: SampleResult): string {
  const j = sampleToJson(result);
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  const lines = [
    `${printable(result.machine.os)}${
      result.machine.model ? ` · ${printable(result.machine.model)}` : ""
    } · ` +
    `${result.machine.logicalCpus} CPUs · ${gib(result.machine.memoryTotal)}`,
    "",
    `CPU          ${pct(j.cpu_usage)}`,
    `Memory       ${pct(j.memory_usage)} of ${gib(result.snapshot.memoryTotal)}`,
    `Disk (/)     ${pct(j.disk_usage)}`,
    `Temperature  ${
      result.snapshot.temperature === null ? "n/a" : `${result.snapshot.temperature.toFixed(1)} °C`
    }`,
    "",
    "    PID   CPU %   MEM MiB  NAME",
    ...result.snapshot.topProcesses.map((p) =>
      `${String(p.pid).padStart(7)} ${p.cpuPercent.toFixed(1).padStart(7)} ${
        p.memoryMb.toFixed(1).padStart(9)
      }  ${printable(p.name)}`
    ),
  ];
  const failing = Object.entries(result.sources).filter(([, s]) => s.error !== null);
  if (failing.length > 0) {
    lines.push("", ...failing.map(([name, s]) => `${name}: ${printable(String(s.error))}`));
  }
  return lines.join("\n");
}

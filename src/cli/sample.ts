/**
 * `opta-metrics sample [--json]`: take one snapshot through the same sources and
 * sampler the daemon uses (with a short CPU window), print it and exit.
 *
 * @module
 */

import { snapshotToJson } from "../ipc/json.ts";
import { READING_LIST } from "../metrics/catalog.ts";
import { currentPlatform } from "../metrics/current.ts";
import { formatGib } from "../metrics/format.ts";
import type { MachineFacts } from "../metrics/platform.ts";
import { Sampler, type SourceStatus } from "../metrics/sampler.ts";
import type { SourceName } from "../metrics/source.ts";
import { isAbsent } from "../metrics/shape.ts";
import type { Snapshot } from "../metrics/types.ts";
import { printable } from "../printable.ts";
import { ABSENT, readingRows } from "./rows.ts";

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
  for (const reading of READING_LIST) {
    const never = result.sources[reading.source as SourceName].samples === 0;
    if (never && !isAbsent(json[reading.wire])) json[reading.wire] = null;
  }
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
        unseen: s.unseen ?? null,
      }]),
    ),
  };
}

/** A readable table of a sample: a row per reading, saying why an absent one is absent. */
export function formatSample(result: SampleResult): string {
  const s = result.snapshot;
  const { os, model, logicalCpus, memoryTotal } = result.machine;
  const rows = readingRows(s).map((row) => {
    const status = result.sources[row.source];
    const state = sourceState(status);
    const never = status?.samples === 0;
    const text = never ? null : row.text;
    const why = text !== null
      ? ""
      : state === "ok"
      ? `  (${printable(status?.unseen ?? "not on this machine")})`
      : `  (${state})`;
    const detail = text !== null && row.detail ? `  (${row.detail})` : "";
    return `${row.label.padEnd(12)} ${text ?? ABSENT}${detail}${why}`;
  });
  const lines = [
    `${printable(os)}${model ? ` · ${printable(model)}` : ""} · ` +
    `${logicalCpus} CPUs · ${formatGib(memoryTotal)}`,
    "",
    ...rows,
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

/**
 * macOS sources: CPU from `cpus()` tick deltas (no spawn), memory from one
 * long-lived `vm_stat N` child (Activity Monitor's "Memory Used"), processes
 * from `ps` every few seconds, disk from `df -kP /`, static facts from one
 * `sysctl` at start, the network from one long-lived `netstat -w` child. Temperature
 * has no source: nothing shipped with macOS prints °C without root, so frames carry no
 * temperature rather than a fake one. The polled sources added after the seed read
 * through `readers.ts`.
 *
 * A spawn costs far more on macOS than on Linux (dyld, each tool's own start-up, `ioreg`
 * walking the registry), so the platform keeps to a budget of one spawn a second at its
 * default cadences ({@linkcode DARWIN_CADENCES}).
 *
 * @module
 */

import { cpus } from "node:os";
import { ProcessFailure } from "../../process/failure.ts";
import { runCommand } from "../../process/run.ts";
import { SpawnCounter } from "../../process/spawn.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import { cpuSource } from "../cpu_source.ts";
import { diskUsagePercent, findDfMount, parseDf } from "../df.ts";
import { ParseError } from "../parse_error.ts";
import type { MachineFacts, Platform, SourceOptions } from "../platform.ts";
import { type Readings, type Source } from "../source.ts";
import { polledSource, polledSources } from "../polled_source.ts";
import { runtimeReads } from "../runtime_sources.ts";
import { fallbackSource, type LineParser, streamedSource } from "../streamed_source.ts";
import { coreLevelsFromSysctl } from "./perflevels.ts";
import { parsePs } from "./ps.ts";
import { DARWIN_CADENCES } from "./cadences.ts";
import { networkSource } from "./network_source.ts";
import { darwinReads } from "./readers.ts";
import { interpretSysctlRun, STATIC_SYSCTL_KEYS, staticFactsFromSysctl } from "./sysctl.ts";
import { memoryUsedBytes, parseVmStat } from "./vm_stat.ts";
import { VmStatStream } from "./vm_stat_stream.ts";

/** The tools the macOS sources spawn. */
export interface DarwinTools {
  /** `/usr/bin/vm_stat`, long-lived in interval mode, one-shot as fallback. */
  vmStat: string;
  /** `/bin/ps`, every few seconds. */
  ps: string;
  /** `/bin/df`, as `df -kP /`. */
  df: string;
  /** `/usr/sbin/sysctl`, once at start, then for memory pressure. */
  sysctl: string;
  /** `/sbin/route`, for the default route's interface, rarely. */
  route: string;
  /** `/usr/sbin/netstat`, long-lived as `netstat -w N -I <if>` for network traffic. */
  netstat: string;
  /** `/usr/sbin/ioreg`, for disk throughput and the GPU. */
  ioreg: string;
  /** `/usr/bin/pmset`, as `pmset -g batt`, for the battery. */
  pmset: string;
}

/** The real tools, by absolute path. */
export const DARWIN_TOOLS: Readonly<DarwinTools> = Object.freeze({
  vmStat: "/usr/bin/vm_stat",
  ps: "/bin/ps",
  df: "/bin/df",
  sysctl: "/usr/sbin/sysctl",
  route: "/sbin/route",
  netstat: "/usr/sbin/netstat",
  ioreg: "/usr/sbin/ioreg",
  pmset: "/usr/bin/pmset",
});

/** Memory percent of `facts.memoryTotal` used by the given counters. */
function memoryReading(used: number, facts: MachineFacts): Readings {
  return { memoryTotal: facts.memoryTotal, memoryUsage: (100 * used) / facts.memoryTotal };
}

/** The core levels, or none when a count is malformed: the other facts stand without them. */
function coreLevelsOrNone(values: ReadonlyMap<string, string>, logicalCpus: number) {
  try {
    return coreLevelsFromSysctl(values, logicalCpus);
  } catch {
    return [];
  }
}

/** The vm_stat interval-mode parser turned into memory readings. */
function vmStatLineParser(facts: MachineFacts): LineParser {
  const stream = new VmStatStream();
  return {
    line(text) {
      const counters = stream.line(text);
      if (counters === null || stream.pageSize === null) return null;
      return memoryReading(memoryUsedBytes(counters, stream.pageSize), facts);
    },
  };
}

/** True for a failure caused by interval-mode output the parser does not recognise. */
function unrecognisedIntervalOutput(error: Error): boolean {
  return error instanceof ProcessFailure && error.kind === "callback" &&
    error.cause instanceof ParseError;
}

/**
 * The macOS platform; `tools` lets tests substitute executables, `clock` is what rate windows
 * are measured on (the daemon's schedule's).
 */
export function darwinPlatform(
  tools: DarwinTools = DARWIN_TOOLS,
  clock: Clock = systemClock,
): Platform {
  const spawns = new SpawnCounter();
  return {
    name: "darwin",
    tools: Object.values(tools),
    spawns,
    cadences: DARWIN_CADENCES,
    async facts(): Promise<MachineFacts> {
      const fallback: MachineFacts = {
        memoryTotal: Deno.systemMemoryInfo().total, // hw.memsize on macOS
        logicalCpus: cpus().length,
        model: null,
        os: "macOS",
        coreLevels: [],
      };
      try {
        const run = await runCommand(tools.sysctl, [...STATIC_SYSCTL_KEYS], {
          // unknown keys: old sysctl exits 1, new one exits with their count
          allowExitCodes: STATIC_SYSCTL_KEYS.map((_, i) => i + 1),
          spawns,
        });
        const values = interpretSysctlRun(run, STATIC_SYSCTL_KEYS).values;
        const facts = staticFactsFromSysctl(values);
        const logicalCpus = facts.logicalCpus ?? fallback.logicalCpus;
        return {
          memoryTotal: facts.memoryTotal,
          logicalCpus,
          model: facts.model,
          os: facts.osVersion ? `macOS ${facts.osVersion}` : "macOS",
          coreLevels: coreLevelsOrNone(values, logicalCpus),
        };
      } catch {
        return fallback; // the sources work without the extras; memsize comes from Deno
      }
    },
    sources(facts: MachineFacts, options: SourceOptions): Source[] {
      const oneShotVmStat = polledSource("memory", async (signal) => {
        const { stdout } = await runCommand(tools.vmStat, [], { signal, spawns });
        const report = parseVmStat(stdout);
        return memoryReading(memoryUsedBytes(report.counters, report.pageSize), facts);
      });
      return [
        cpuSource({ levels: facts.coreLevels }),
        fallbackSource(
          streamedSource("memory", {
            path: tools.vmStat,
            args: (ms) => [String(Math.max(1, Math.round(ms / 1000)))],
            parser: () => vmStatLineParser(facts),
            spawns,
          }),
          oneShotVmStat,
          unrecognisedIntervalOutput,
        ),
        polledSource("processes", async (signal) => {
          const { stdout } = await runCommand(tools.ps, ["-Axo", "pid=,pcpu=,rss=,comm=", "-r"], {
            signal,
            spawns,
          });
          return { topProcesses: parsePs(stdout).slice(0, options.top) };
        }),
        polledSource("disk", async (signal) => {
          const { stdout } = await runCommand(tools.df, ["-kP", "/"], { signal, spawns });
          const row = findDfMount(parseDf(stdout), "/");
          const usage = row && diskUsagePercent(row);
          if (usage == null) throw new ParseError("df", 0, "no usable row for /");
          return { diskUsage: usage };
        }),
        networkSource(tools, spawns),
        // The sources read by one tool run each come from the reader modules: a new one
        // is declared in sources.ts and readings/ and read in readers.ts, with no edit here.
        ...polledSources(runtimeReads()),
        ...polledSources(darwinReads(tools, clock, spawns)),
      ];
    },
  };
}

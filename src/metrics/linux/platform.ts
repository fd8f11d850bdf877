/**
 * Linux sources. Deno grants `/proc` and `/sys` reads only with `--allow-all`, so
 * the daemon stays in its sandbox by asking Deno's own APIs (cpus, memory, load,
 * swap) and three tools by absolute path: `top` for per-process interval CPU, `df`
 * for the root volume, `grep` to read sysfs temperatures and the `/proc` and `/sys`
 * files of the network, disk throughput, pressure, battery and GPU sources (one
 * grep for the reads due in the same tick).
 *
 * @module
 */

import { cpus } from "node:os";
import { runCommand } from "../../process/run.ts";
import { SpawnCounter } from "../../process/spawn.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import { cpuSource } from "../cpu_source.ts";
import { dfCapacityPercent, findDfMount, parseDf } from "../df.ts";
import { ParseError } from "../parse_error.ts";
import type { MachineFacts, Platform, SourceOptions } from "../platform.ts";
import type { Source } from "../source.ts";
import { polledSource, polledSources } from "../polled_source.ts";
import { runtimeReads } from "../runtime_sources.ts";
import { type LineParser, streamedSource } from "../streamed_source.ts";
import { GrepBatch } from "./proc_files.ts";
import { linuxReads } from "./readers.ts";
import { TopStream } from "./top.ts";

/** The tools the Linux sources spawn. */
export interface LinuxTools {
  /** procps `top`, run long-lived in batch mode. */
  top: string;
  /** `df`, run as `df -kP /`. */
  df: string;
  /** `grep`, run as `grep -s -H . <procfs and sysfs files>`. */
  grep: string;
}

/** The real tools, by absolute path (`/bin` paths work on merged and split-/usr systems). */
export const LINUX_TOOLS: Readonly<LinuxTools> = Object.freeze({
  top: "/usr/bin/top",
  df: "/bin/df",
  grep: "/bin/grep",
});

/** `top` arguments for a refresh every `intervalMs`: batch, sorted by %CPU, KiB, wide. */
export function topArgs(intervalMs: number): string[] {
  const seconds = Math.max(0.1, Math.round(intervalMs / 100) / 10);
  return ["-b", "-d", seconds.toFixed(1), "-o", "%CPU", "-w", "512", "-e", "k"];
}

/**
 * A top parser yielding each refresh's busiest rows. procps top takes its first
 * refresh over a short internal window, so even a new child's first list is real
 * (and the first frame after a connect is not empty).
 */
export function topLineParser(limit: number): LineParser {
  const stream = new TopStream(limit);
  return {
    line(text) {
      const rows = stream.line(text);
      return rows ? { topProcesses: rows } : null;
    },
  };
}

/**
 * The Linux platform; `tools` lets tests substitute faulty executables, `clock` is what rate
 * windows and re-probes are measured on (the daemon's schedule's). Its default cadences
 * are the generic ones: one `grep` a second (the reads due in the same tick share it), `df`
 * every 30 s and `top` once keep it within 1.2 spawns a second.
 */
export function linuxPlatform(
  tools: LinuxTools = LINUX_TOOLS,
  clock: Clock = systemClock,
): Platform {
  const spawns = new SpawnCounter();
  return {
    name: "linux",
    tools: Object.values(tools),
    spawns,
    cadences: {},
    facts(): Promise<MachineFacts> {
      const list = cpus();
      return Promise.resolve({
        memoryTotal: Deno.systemMemoryInfo().total,
        logicalCpus: list.length,
        model: list[0]?.model?.trim() || null,
        os: `Linux ${Deno.osRelease()}`,
        coreLevels: [],
      });
    },
    sources(facts: MachineFacts, options: SourceOptions): Source[] {
      const files = new GrepBatch(tools.grep, spawns).read;
      // The sources read by a function alone come from the reader modules: a new one is
      // declared in sources.ts and readings/ and read in readers.ts, with no edit here.
      return [
        cpuSource({ levels: facts.coreLevels }),
        polledSource("memory", () => {
          // MemTotal and MemAvailable of /proc/meminfo; "used" as free(1) shows it.
          const { total, available } = Deno.systemMemoryInfo();
          return { memoryTotal: total, memoryUsage: (100 * (total - available)) / total };
        }),
        streamedSource("processes", {
          path: tools.top,
          args: topArgs,
          parser: () => topLineParser(options.top),
          spawns,
        }),
        polledSource("disk", async (signal) => {
          const { stdout } = await runCommand(tools.df, ["-kP", "/"], { signal, spawns });
          const row = findDfMount(parseDf(stdout), "/");
          const usage = row && dfCapacityPercent(row);
          if (usage == null) throw new ParseError("df", 0, "no usable row for /");
          return { diskUsage: usage };
        }),
        ...polledSources(runtimeReads()),
        ...polledSources(linuxReads({ files, clock })),
      ];
    },
  };
}

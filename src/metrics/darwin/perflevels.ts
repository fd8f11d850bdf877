/**
 * The kinds of core of an Apple silicon Mac, from `hw.nperflevels` and `hw.perflevelN.*` read
 * in the one start-up `sysctl`, as {@link CoreLevel}s over `os.cpus()` indices.
 *
 * Which `os.cpus()` indices belong to which level: Deno's `cpus()` lists the CPUs in
 * `host_processor_info` order, the kernel's CPU numbers. Level 0 is the fastest kind, and
 * the kernel numbers the CPUs slowest kind first: `powermetrics` output published from an
 * M1 Max (MacBookPro18,2: E-Cluster CPU 0–1, P0-Cluster CPU 2–5, P1-Cluster CPU 6–9) and
 * from a 4 E + 10 P Mac (E-Cluster CPU 0–3, P clusters CPU 4–13) shows it. So the last
 * level takes the first indices, level 0 the last. Menu-bar monitors split the cores either
 * from IOKit (Stats labels each index by the `cluster-type` of its IORegistry `cpuN` node,
 * which a tool without FFI cannot read) or by assuming this same E-first order. Not verified
 * on a Mac here: that `host_processor_info` numbers the CPUs as `powermetrics` does (both
 * are the kernel's CPU numbers, by reading, not by test), and the order on M5 (`Super` +
 * `Efficiency`), which no published output shows.
 *
 * When that layout cannot hold, the list is empty rather than wrong: one kind of core
 * (Intel reports a single `Standard` level), more than the two levels the start-up call
 * reads, counts that do not add up to the logical CPUs, or a slowest kind spread over
 * several L2 clusters (`cpusperl2` below its `logicalcpu`), which is what a two-die Ultra
 * looks like, where each die's clusters come one after the other and the kinds interleave.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { CoreLevel } from "../types.ts";

/**
 * The keys the start-up `sysctl` asks for, after the others. The names come last: macOS 12
 * has no `hw.perflevelN.name`, and the `sysctl` of macOS before 14.4 stops at the first
 * unknown key, so the counts are printed before it gives up.
 */
export const PERFLEVEL_SYSCTL_KEYS: readonly string[] = [
  "hw.nperflevels",
  "hw.perflevel0.logicalcpu",
  "hw.perflevel1.logicalcpu",
  "hw.perflevel1.cpusperl2",
  "hw.perflevel0.name",
  "hw.perflevel1.name",
];

/**
 * The names of the two levels where the kernel has no name keys (macOS 12): every Mac that
 * ran it with two levels has performance and efficiency cores.
 */
const UNNAMED_LEVELS = ["Performance", "Efficiency"];

function count(map: ReadonlyMap<string, string>, key: string): number | null {
  const text = map.get(key);
  if (text === undefined) return null;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n > 0)) throw new ParseError("sysctl", 0, `${key} is not a positive count: "${text}"`);
  return n;
}

/**
 * The core levels, fastest first, of a machine with `logicalCpus` CPUs, from a parsed
 * `sysctl` Map (see the module doc for the layout and when it is empty). Throws
 * {@link ParseError} (line 0) when a count it needs is present but not a positive integer.
 */
export function coreLevelsFromSysctl(
  map: ReadonlyMap<string, string>,
  logicalCpus: number,
): CoreLevel[] {
  const levels = count(map, "hw.nperflevels");
  if (levels === null || levels !== 2) return [];
  const cores = [count(map, "hw.perflevel0.logicalcpu"), count(map, "hw.perflevel1.logicalcpu")];
  if (cores[0] === null || cores[1] === null || cores[0] + cores[1] !== logicalCpus) return [];
  const slowestPerL2 = count(map, "hw.perflevel1.cpusperl2");
  if (slowestPerL2 === null || slowestPerL2 < cores[1]) return [];
  const name = (i: number) => map.get(`hw.perflevel${i}.name`) || UNNAMED_LEVELS[i];
  return [
    { name: name(0), firstCore: cores[1], cores: cores[0] },
    { name: name(1), firstCore: 0, cores: cores[1] },
  ];
}

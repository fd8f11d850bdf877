/**
 * CPU and memory of a process tree from /proc (Linux; benchmarks run with -A).
 *
 * @module
 */

import { procStatFields } from "../../tests/support/procs.ts";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/** utime+stime of `pid` and cutime+cstime (reaped children), in ticks. */
export function ownAndReapedTicks(pid: number): { own: number; reaped: number } {
  const f = procStatFields(pid); // field n at index n-1: utime 14, stime 15, cutime 16, cstime 17
  if (!f) return { own: 0, reaped: 0 };
  return { own: Number(f[13]) + Number(f[14]), reaped: Number(f[15]) + Number(f[16]) };
}

/** Live descendants of `pid` (children, grandchildren, …). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const f = procStatFields(Number(entry.name));
    if (f) parents.set(Number(entry.name), Number(f[3])); // field 4: ppid
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** A CPU counter for a process and everything it spawns (live or already reaped). */
export function treeCpu(pid: number): () => { selfPct: number; childrenPct: number } {
  const start = performance.now();
  const first = ownAndReapedTicks(pid);
  const kids = new Map(descendants(pid).map((k) => [k, ownAndReapedTicks(k).own]));
  return () => {
    const seconds = (performance.now() - start) / 1000;
    const now = ownAndReapedTicks(pid);
    let childTicks = now.reaped - first.reaped;
    for (const k of descendants(pid)) childTicks += ownAndReapedTicks(k).own - (kids.get(k) ?? 0);
    const pct = (ticks: number) => (100 * ticks) / CLOCK_TICKS / seconds;
    return { selfPct: pct(now.own - first.own), childrenPct: pct(childTicks) };
  };
}

/** Resident set size of `pid` in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

/** Open file descriptors of `pid`. */
export function fdCount(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

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

export { fdCount, rssKiB } from "../../tests/support/procs.ts";

/** Live descendants and their own ticks, with the parent's own and reaped ticks. */
interface TreeTicks {
  at: number;
  own: number;
  reaped: number;
  kids: Map<number, number>;
}

function treeTicks(pid: number): TreeTicks {
  const at = performance.now();
  const { own, reaped } = ownAndReapedTicks(pid);
  return {
    at,
    own,
    reaped,
    kids: new Map(descendants(pid).map((k) => [k, ownAndReapedTicks(k).own])),
  };
}

/**
 * Back-to-back CPU windows of a process tree: each call returns the CPU % of one
 * core used since the previous call (the first call: since creation), for the
 * process itself and for everything it spawned. A child that was alive at the
 * previous call and has been reaped since is counted once (its ticks up to the
 * previous call are taken back out of the parent's reaped total).
 */
export function treeCpuWindows(
  pid: number,
): () => { seconds: number; selfPct: number; childrenPct: number } {
  let previous = treeTicks(pid);
  return () => {
    const now = treeTicks(pid);
    const seconds = (now.at - previous.at) / 1000;
    let childTicks = now.reaped - previous.reaped;
    for (const [k, ticks] of now.kids) childTicks += ticks - (previous.kids.get(k) ?? 0);
    for (const [k, ticks] of previous.kids) if (!now.kids.has(k)) childTicks -= ticks;
    const pct = (ticks: number) => (100 * ticks) / CLOCK_TICKS / seconds;
    const result = {
      seconds,
      selfPct: pct(now.own - previous.own),
      childrenPct: pct(Math.max(0, childTicks)),
    };
    previous = now;
    return result;
  };
}

/** The command name of `pid` (/proc/<pid>/comm), or null once it is gone. */
export function commOf(pid: number): string | null {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return null;
  }
}

/** The arguments of `pid` (/proc/<pid>/cmdline), or [] once it is gone. */
export function cmdlineOf(pid: number): string[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a !== "");
  } catch {
    return [];
  }
}

/** The live descendants of `pid` whose command name is `comm`. */
export function descendantsNamed(pid: number, comm: string): number[] {
  return descendants(pid).filter((k) => commOf(k) === comm);
}

/** Soft and hard limits on open files of `pid` (/proc/<pid>/limits). */
export function openFileLimit(pid: number | "self" = "self"): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(
    Deno.readTextFileSync(`/proc/${pid}/limits`),
  );
  const value = (s: string | undefined) =>
    (s === undefined || s === "unlimited") ? Infinity : Number(s);
  return { soft: value(m?.[1]), hard: value(m?.[2]) };
}

/** Processes on the machine now (numeric entries of /proc). */
export function processCount(): number {
  let n = 0;
  for (const entry of Deno.readDirSync("/proc")) if (/^\d+$/.test(entry.name)) n++;
  return n;
}

/** /proc/sys/kernel/pid_max. */
export function pidMax(): number {
  return Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
}

/** MemAvailable in KiB (/proc/meminfo). */
export function memAvailableKiB(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(Deno.readTextFileSync("/proc/meminfo"));
  return m ? Number(m[1]) : 0;
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineJiffies(): { busy: number; total: number } {
  const fields = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0].trim().split(/\s+/)
    .slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = fields.reduce((s, x) => s + x, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** A counter of the whole machine's busy CPU %, all cores (100 = every core busy). */
export function machineBusy(): () => number {
  const first = machineJiffies();
  return () => {
    const now = machineJiffies();
    return (100 * (now.busy - first.busy)) / Math.max(1, now.total - first.total);
  };
}

/** The busiest processes now other than `except` (by CPU over `ms`), for a "machine is quiet" check. */
export async function busyProcesses(
  ms: number,
  except: Set<number> = new Set(),
): Promise<{ pid: number; pct: number; cmd: string }[]> {
  const pids = () =>
    [...Deno.readDirSync("/proc")].filter((e) => /^\d+$/.test(e.name)).map((e) => Number(e.name));
  const before = new Map(pids().map((p) => [p, ownAndReapedTicks(p).own]));
  await new Promise((resolve) => setTimeout(resolve, ms));
  const out: { pid: number; pct: number; cmd: string }[] = [];
  for (const [pid, ticks] of before) {
    if (except.has(pid)) continue;
    const pct = (100 * (ownAndReapedTicks(pid).own - ticks)) / CLOCK_TICKS / (ms / 1000);
    if (pct >= 5) out.push({ pid, pct, cmd: cmdlineOf(pid).join(" ").slice(0, 80) });
  }
  return out.sort((a, b) => b.pct - a.pct);
}

/** Warns when something else is using the CPU: every figure here assumes a quiet machine. */
export async function quietCheck(): Promise<void> {
  const machine = machineBusy();
  const busy = await busyProcesses(2000, new Set([Deno.pid]));
  const pct = machine();
  console.log(`machine busy over 2 s before start: ${pct.toFixed(1)} % of all cores`);
  if (pct > 10 || busy.length > 0) {
    console.log(
      `WARNING: the machine is not quiet, figures will be skewed: ${
        busy.length === 0
          ? "no single process ≥ 5 %"
          : busy.map((b) => `pid ${b.pid} ${b.pct.toFixed(0)} % (${b.cmd})`).join("; ")
      }`,
    );
  }
}

/** Anonymous resident memory of `pid` in KiB (RssAnon: heap, stacks; not the mapped binary). */
export function rssAnonKiB(pid: number): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

/** Anonymous memory of a process split by where it lives, KiB (from `/proc/<pid>/smaps`). */
export interface AnonRegions {
  /** The main malloc heap (`[heap]`, grown with brk). */
  brk: number;
  /** Unnamed executable mappings: V8's compiled code. */
  code: number;
  /** Unnamed writable mappings at 0x7f…: glibc's thread arenas and thread stacks. */
  arenas: number;
  /** Other unnamed mappings: V8's heap pages and large allocations. */
  other: number;
  /** Everything else anonymous (the main stack, private copies of file pages). */
  rest: number;
}

/** {@linkcode AnonRegions} of `pid`. */
export function anonRegionsKiB(pid: number): AnonRegions {
  const regions: AnonRegions = { brk: 0, code: 0, arenas: 0, other: 0, rest: 0 };
  let kind: keyof AnonRegions = "rest";
  for (const line of Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n")) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const [, start, perms, name] = head;
      kind = name === "[heap]"
        ? "brk"
        : name !== ""
        ? "rest"
        : perms[2] === "x"
        ? "code"
        : start.length >= 12 && start.startsWith("7f")
        ? "arenas"
        : "other";
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon) regions[kind] += Number(anon[1]);
  }
  return regions;
}

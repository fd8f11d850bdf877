/**
 * Helpers for tests that run real processes: fake executables in a temporary
 * directory, a CPU-burning child, and independent readings of `/proc`
 * (tests run with `-A`, so unlike the daemon they may read `/proc` directly).
 *
 * @module
 */

import assert from "node:assert/strict";
import { waitFor } from "./wait.ts";

/**
 * Runs `fn` with a fresh temporary directory (under `dir`, default the system's), removed
 * afterwards whatever happens; a removal that fails (a daemon's leftovers owned by another
 * user) does not hide the test's own result.
 */
export async function withTempDir<T>(
  prefix: string,
  fn: (dir: string) => Promise<T>,
  dir?: string,
): Promise<T> {
  const path = await Deno.makeTempDir({ prefix, dir });
  try {
    return await fn(path);
  } finally {
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/** Writes an executable `#!/bin/sh` script `dir/name` (mode 0755) and returns its path. */
export async function fakeTool(dir: string, name: string, body: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

/** A child process burning one core for `ms`, and the way to be done with it. */
export interface BusyChild {
  /** Its pid. */
  pid: number;
  /** When it started spinning (performance.now()). */
  spinning: number;
  /** Kills it if still running and waits for it; safe to call twice. */
  done(): Promise<void>;
}

/** Starts `deno eval` spinning for `ms` and resolves once it is using the CPU. */
export async function busyChild(ms: number): Promise<BusyChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", `const e=Date.now()+${ms};while(Date.now()<e){}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const status = child.status;
  const done = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await status;
  };
  try {
    // Deno's start-up takes ~100 ms; wait until the child has run ≥ 100 ms of user time
    const start = processTicks(child.pid) ?? 0;
    await waitFor(() => (processTicks(child.pid) ?? 0) - start >= 10, 5000, "the busy child");
  } catch (error) {
    await done();
    throw error;
  }
  return { pid: child.pid, spinning: performance.now(), done };
}

/**
 * The share of a core a process gets, from its /proc ticks sampled as the test goes: what a
 * tool that reports per-process CPU should show for it over the same window. On a loaded
 * machine a busy child gets well under a whole core; this is how much.
 */
export class CpuShare {
  readonly #samples: { at: number; ticks: number }[] = [];

  /** Measures `pid` (clock ticks of 10 ms, as Linux reports them to user space). */
  constructor(readonly pid: number) {
    this.sample();
  }

  /** Takes a sample now (performance.now()); none once the process is gone. */
  sample(): void {
    const ticks = processTicks(this.pid);
    if (ticks !== null) this.#samples.push({ at: performance.now(), ticks });
  }

  /** Percent of one core used between the samples nearest to `from` and `to` (performance.now()). */
  percent(from: number, to: number): number {
    const nearest = (t: number) =>
      this.#samples.reduce((a, b) => Math.abs(b.at - t) < Math.abs(a.at - t) ? b : a);
    const [a, b] = [nearest(from), nearest(to)];
    assert.ok(b.at - a.at >= 200, `samples ${a.at}..${b.at} too close for a share`);
    return (100 * (b.ticks - a.ticks) * 10) / (b.at - a.at);
  }
}

/**
 * Asserts that `shownPercent`, a tool's figure for a busy process, matches `measuredPercent`,
 * its share of a core measured from /proc over about the same window: within 2 points (ticks
 * of 10 ms, windows not quite the same) plus 15 %. Showing half or double the share (per
 * machine instead of per core, say) fails on an idle machine and on a loaded one alike, as
 * long as the child gets a tenth of a core or more.
 */
export function assertShareNear(shownPercent: number, measuredPercent: number, what: string): void {
  const shown = `${what}: shown ${shownPercent.toFixed(1)} %, measured ${
    measuredPercent.toFixed(1)
  } %`;
  assert.ok(Math.abs(shownPercent - measuredPercent) <= 2 + 0.15 * measuredPercent, shown);
}

/** utime + stime of `pid` in clock ticks (fields 14 and 15 of /proc/pid/stat), or null. */
export function processTicks(pid: number): number | null {
  const fields = procStatFields(pid);
  return fields ? Number(fields[13]) + Number(fields[14]) : null;
}

/** The fields of `/proc/<pid>/stat` (1-based field n is index n-1), or null if it is gone. */
export function procStatFields(pid: number | "self"): string[] | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // comm (field 2) is in parentheses and may contain spaces: split after the last ')'
  const close = text.lastIndexOf(")");
  const head = text.slice(0, close + 1);
  const open = head.indexOf("(");
  return [
    head.slice(0, open).trim(),
    head.slice(open + 1, close),
    ...text.slice(close + 2).trim().split(/\s+/),
  ];
}

/** Pids whose parent is `pid` (zombies included), from a scan of /proc. */
export function childrenOf(pid: number): { pid: number; comm: string; state: string }[] {
  const out = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const fields = procStatFields(Number(entry.name));
    if (fields && Number(fields[3]) === pid) {
      out.push({ pid: Number(entry.name), comm: fields[1], state: fields[2] });
    }
  }
  return out;
}

/** Pids of `pid`'s children named `comm` that are running (not zombies). */
export function runningChildren(pid: number, comm: string): number[] {
  return childrenOf(pid).filter((c) => c.comm === comm && c.state !== "Z").map((c) => c.pid);
}

/** True while `/proc/<pid>` exists and is not a zombie. */
export function alive(pid: number): boolean {
  const fields = procStatFields(pid);
  return fields !== null && fields[2] !== "Z";
}

/** True while `/proc/<pid>` exists, zombies included: false once the pid has also been reaped. */
export function pidExists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** The aggregate `cpu` line of /proc/stat, in clock ticks. */
export interface CpuTicks {
  /** user + nice + system + irq + softirq + steal. */
  busy: number;
  /** busy + idle + iowait. */
  total: number;
  /** performance.now() when read. */
  at: number;
}

/** Reads the aggregate `cpu` line of /proc/stat. */
export function cpuTicks(): CpuTicks {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/)
    .slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait, at: performance.now() };
}

/**
 * Machine busy percent between two readings. Idle ticks of a tickless idle core
 * may lag, so the denominator is at least the wall-clock window × cores (as the
 * daemon's cpuBusyPercent does per core).
 */
export function busyPercentBetween(a: CpuTicks, b: CpuTicks, cores: number, hz = 100): number {
  const wall = ((b.at - a.at) / 1000) * hz * cores;
  return (100 * (b.busy - a.busy)) / Math.max(b.total - a.total, wall);
}

/** `/proc/meminfo` as a map of field → kB. */
export function meminfo(): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of Deno.readTextFileSync("/proc/meminfo").split("\n")) {
    const m = /^(\S+):\s+(\d+)/.exec(line);
    if (m) map.set(m[1], Number(m[2]));
  }
  return map;
}

/** Runs a command (cleared env, LC_ALL=C) and returns its stdout; fails the test on error. */
export async function stdoutOf(path: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(path, {
    args,
    clearEnv: true,
    env: { LC_ALL: "C", PATH: "/usr/bin:/bin" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, `${path} ${args.join(" ")}: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

/** `free -b`: used / total in percent of the Mem: row. */
export async function freeUsedPercent(): Promise<number> {
  const text = await stdoutOf("/usr/bin/free", ["-b"]);
  const mem = text.split("\n").find((l) => l.startsWith("Mem:"));
  assert.ok(mem, text);
  const [total, used] = mem.split(/\s+/).slice(1).map(Number);
  return (100 * used) / total;
}

/** `df -kP /`: the Capacity column of the `/` row, percent. */
export async function dfCapacity(): Promise<number> {
  const text = await stdoutOf("/bin/df", ["-kP", "/"]);
  const row = text.trim().split("\n").at(-1)!;
  const m = /\s(\d+)%\s+\/$/.exec(row);
  assert.ok(m, text);
  return Number(m[1]);
}

/** The first of `paths` that is a file on this machine, or undefined. */
export function firstExisting(...paths: string[]): string | undefined {
  return paths.find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
}

/** Run a real tool as the collectors do (LC_ALL=C, no stdin); asserts exit 0, returns stdout. */
export async function runTool(path: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(path, {
    args,
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/** VmRSS of `pid` in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Open file descriptors of `pid`. */
export function fdCount(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

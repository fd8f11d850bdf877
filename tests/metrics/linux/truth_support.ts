/**
 * Helpers of the Linux truth tests: a subscriber that keeps every distinct reading of a
 * daemon's frames, the daemon's command line under its shipped permission set (for a
 * run inside a network namespace), and independent readings of the kernel's counters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { subscribe } from "../../../src/ipc/client.ts";
import type { MetricsFrame } from "../../../src/ipc/decoder.ts";
import { daemonCommand } from "../../support/daemon.ts";
import { waitFor } from "../../support/wait.ts";

/** `deno run … serve --socket SOCKET FLAGS` exactly as the test daemon runs, without the executable. */
export function daemonArgs(socket: string, flags: string[] = []): string[] {
  return daemonCommand(socket, { flags }).slice(1);
}

/** Distinct values of one field of the frames, in arrival order, each with when it arrived. */
export class Readings<T> {
  readonly values: { value: T; at: number }[] = [];
  readonly #pick: (frame: MetricsFrame) => T;
  readonly #key: (value: T) => string;
  readonly #stop = new AbortController();
  #frames = 0;
  readonly done: Promise<void>;

  /** Subscribes to `socket`, keeping `pick(frame)` whenever its `key` changes. */
  constructor(socket: string, pick: (frame: MetricsFrame) => T, key: (value: T) => string) {
    this.#pick = pick;
    this.#key = key;
    this.done = this.#run(socket);
  }

  async #run(socket: string): Promise<void> {
    let last: string | null = null;
    for await (const { frame } of subscribe(socket, { signal: this.#stop.signal })) {
      this.#frames++;
      const value = this.#pick(frame);
      const key = this.#key(value);
      if (key !== last) this.values.push({ value, at: performance.now() });
      last = key;
    }
  }

  /** The newest value. */
  get latest(): T | undefined {
    return this.values.at(-1)?.value;
  }

  /**
   * Waits for `count` more frames, whatever they hold: time measured by the daemon's own tick
   * (25 frames a second by default), for instance for its sources to reach their steady
   * cadence after the first client connected.
   */
  async frames(count: number, ms: number, what: string): Promise<void> {
    const until = this.#frames + count;
    await waitFor(() => this.#frames >= until, ms, what);
  }

  /**
   * Waits until the newest value is one `ok` accepts (by default: not null) and returns it: a
   * reading the daemon took before this returns, whether or not it ever changes. A test brackets
   * it with counters read before the daemon started and after this returns, so it waits on
   * nothing the machine does on its own (an idle disk or link never changes a reading).
   */
  async current(
    ms: number,
    what: string,
    ok: (value: T) => boolean = (v) => v !== null,
  ): Promise<T> {
    await waitFor(() => this.values.length > 0 && ok(this.values.at(-1)!.value), ms, what);
    return this.values.at(-1)!.value;
  }

  /**
   * Waits for `count` new values after now (the second is certainly read after this call). Only
   * for after the test's own I/O: that changes the totals, and then the rates, so new values come.
   */
  async next(count: number, ms: number, what: string): Promise<T> {
    const from = this.values.length;
    await waitFor(() => this.values.length >= from + count, ms, what);
    return this.values.at(-1)!.value;
  }

  /** Stops subscribing. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.done.catch(() => {});
  }
}

/** Runs a command (test grants), failing the test on a non-zero exit; returns stdout. */
export async function run(path: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(path, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, `${path} ${args.join(" ")}: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

/** Whole physical disks by sysfs: /sys/block entries with a `device` link (not sr/fd). */
export function sysfsDisks(): string[] {
  const disks: string[] = [];
  for (const entry of Deno.readDirSync("/sys/block")) {
    if (/^(sr|fd)\d/.test(entry.name)) continue;
    try {
      Deno.statSync(`/sys/block/${entry.name}/device`);
      disks.push(entry.name);
    } catch {
      // no device behind it: loop, zram, dm-, md, ram
    }
  }
  return disks;
}

/** Bytes read and written by `disks` since boot, summed from /proc/diskstats (fields 6 and 10). */
export function diskBytes(disks: readonly string[]): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const line of Deno.readTextFileSync("/proc/diskstats").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (!disks.includes(f[2])) continue;
    read += Number(f[5]) * 512;
    written += Number(f[9]) * 512;
  }
  return { read, written };
}

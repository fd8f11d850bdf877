/**
 * The CPU source, the same on every platform: `node:os` `cpus()` tick counters over a
 * sliding window of about a second ({@linkcode CpuWindow}), no spawn. One window gives
 * the machine's figure and each core's. Needs `--allow-sys=cpus`.
 *
 * @module
 */

import { cpus } from "node:os";
import { CPU_MIN_WINDOW_MS, type CpuTimes, CpuWindow } from "./cpu.ts";
import { type Clock, sleep, systemClock } from "../time/clock.ts";
import { type Source } from "./source.ts";
import { polledSource } from "./polled_source.ts";
import type { CoreLevel } from "./types.ts";

/** Where the CPU source reads its counters and its clock; tests substitute both. */
export interface CpuSourceOptions {
  /** Per-core cumulative times (default: `node:os` `cpus()`). */
  read?: () => CpuTimes[];
  /** The clock samples are stamped with and the first read waits on (default: system). */
  clock?: Clock;
  /** The sliding window to report over. */
  window?: CpuWindow;
  /** The kinds of core, fastest first, as the platform's facts tell them (default: none). */
  levels?: readonly CoreLevel[];
}

/**
 * A polled source of whole-machine and per-core CPU busy percent, each reading over the
 * last second or so, whatever the cadence, with the machine's core kinds (`levels`). When the window since the previous sample is too short
 * (the first read, or a read right after another when the cadence changes), it waits
 * until the window is long enough: a reading never covers a few milliseconds.
 */
export function cpuSource(options: CpuSourceOptions = {}): Source {
  const read = options.read ?? (() => cpus().map((c) => c.times));
  const clock = options.clock ?? systemClock;
  const window = options.window ?? new CpuWindow();
  const levels = Object.freeze([...(options.levels ?? [])]);
  const take = (intervalMs?: number) => {
    const times = read();
    // cpus() answers an empty list when it cannot read the counters (on Linux, out of file
    // descriptors): a failed read, not a change of core count that would restart the window.
    if (times.length === 0) throw new Error("cpu: the per-core counters could not be read");
    return window.push({ times, at: clock.now() }, intervalMs);
  };
  return polledSource("cpu", async (signal, intervalMs) => {
    let reading = take(intervalMs);
    for (let attempt = 0; reading === null && attempt < 3; attempt++) {
      await sleep(clock, CPU_MIN_WINDOW_MS, signal);
      reading = take(intervalMs);
    }
    if (reading === null) throw new Error("cpu: tick counters unusable (core count changed?)");
    return { cpuUsage: reading.busy, cpuCores: reading.cores, cpuCoreLevels: levels };
  });
}

/**
 * The CPU source, the same on every platform: `node:os` `cpus()` tick deltas,
 * no spawn. Needs `--allow-sys=cpus`.
 *
 * @module
 */

import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { cpuBusyPercent, type CpuTimes } from "./cpu.ts";
import { polledSource, type Source } from "./source.ts";

/** Window of the very first reading, taken when there is no earlier one to diff against. */
const FIRST_WINDOW_MS = 250;

/** A polled source of whole-machine CPU busy percent. */
export function cpuSource(read: () => CpuTimes[] = () => cpus().map((c) => c.times)): Source {
  let previous: { times: CpuTimes[]; at: number } | null = null;
  const take = () => ({ times: read(), at: performance.now() });
  return polledSource("cpu", async (signal) => {
    if (previous === null) {
      previous = take();
      await sleep(FIRST_WINDOW_MS, undefined, { signal });
    }
    const next = take();
    const busy = cpuBusyPercent(previous.times, next.times, next.at - previous.at);
    previous = next;
    if (busy === null) throw new Error("cpu: tick counters unusable (core count changed?)");
    return { cpuUsage: busy };
  });
}

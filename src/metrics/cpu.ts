/**
 * Machine-wide CPU busy percent from two samples of per-core tick times, as `node:os`
 * `cpus()[i].times` returns them (milliseconds). Shared by the Linux and macOS collectors.
 *
 * @module
 */

/** Cumulative per-core times in milliseconds (the shape of `node:os` `cpus()[i].times`). */
export interface CpuTimes {
  /** Time in user mode. */
  user: number;
  /** Time in user mode at lowered priority. */
  nice: number;
  /** Time in kernel mode. */
  sys: number;
  /** Idle time. */
  idle: number;
  /** Time servicing interrupts. */
  irq: number;
}

const FIELDS = ["user", "nice", "sys", "idle", "irq"] as const;

/**
 * Busy percent of the whole machine (0–100) between two samples taken `elapsedMs` apart:
 * Σ busy deltas / Σ per-core denominators, where busy = user + nice + sys + irq and each
 * core's denominator is max(its busy + idle delta, elapsedMs). The floor at the wall-clock
 * window keeps parked Apple-Silicon cores, which stop accumulating idle ticks
 * (tw93/Mole#1237), from inflating the figure; an idle core that reports nothing counts as
 * idle for the whole window.
 *
 * Returns null when the figure cannot be trusted: different or zero core counts, elapsedMs
 * not a positive finite number, or any time that is NaN/infinite. A counter that went
 * backwards (wrap, core reset) contributes a 0 delta for that field. Clamped to 0–100.
 */
export function cpuBusyPercent(
  previous: readonly CpuTimes[],
  next: readonly CpuTimes[],
  elapsedMs: number,
): number | null {
  if (!(elapsedMs > 0) || !Number.isFinite(elapsedMs)) return null;
  if (previous.length !== next.length || next.length === 0) return null;
  let busy = 0;
  let total = 0;
  for (let i = 0; i < next.length; i++) {
    const d: Record<(typeof FIELDS)[number], number> = {
      user: 0,
      nice: 0,
      sys: 0,
      idle: 0,
      irq: 0,
    };
    for (const f of FIELDS) {
      const a = previous[i][f];
      const b = next[i][f];
      if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
      d[f] = Math.max(0, b - a);
    }
    const coreBusy = d.user + d.nice + d.sys + d.irq;
    busy += coreBusy;
    total += Math.max(coreBusy + d.idle, elapsedMs);
  }
  return Math.min(100, Math.max(0, (100 * busy) / total));
}

/**
 * Machine-wide and per-core CPU busy percent from two samples of per-core tick times, as
 * `node:os` `cpus()[i].times` returns them (milliseconds). Shared by the Linux and macOS
 * collectors.
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

/** Busy percent of the whole machine and of each core over one window. */
export interface CpuBusy {
  /** The whole machine, 0–100. */
  busy: number;
  /** Each logical CPU in the counters' order, 0–100, over the same window. */
  cores: number[];
}

/**
 * Busy percent of the whole machine and of each core (0–100) between two samples taken
 * `elapsedMs` apart. A core's figure is its busy delta / max(its busy + idle delta,
 * elapsedMs), where busy = user + nice + sys + irq; the machine's is Σ busy deltas / Σ those
 * denominators. The floor at the wall-clock window keeps parked Apple-Silicon cores, which
 * stop accumulating idle ticks, from inflating either figure; an idle core that reports
 * nothing counts as idle for the whole window.
 *
 * Returns null when the figures cannot be trusted: different or zero core counts, elapsedMs
 * not a positive finite number, or any time that is NaN/infinite. A counter that went
 * backwards (wrap, core reset) contributes a 0 delta for that field. Clamped to 0–100.
 */
export function cpuBusy(
  previous: readonly CpuTimes[],
  next: readonly CpuTimes[],
  elapsedMs: number,
): CpuBusy | null {
  if (!(elapsedMs > 0) || !Number.isFinite(elapsedMs)) return null;
  if (previous.length !== next.length || next.length === 0) return null;
  let busy = 0;
  let total = 0;
  const cores: number[] = new Array(next.length);
  for (let i = 0; i < next.length; i++) {
    let coreBusy = 0;
    let coreIdle = 0;
    for (const f of FIELDS) {
      const a = previous[i][f];
      const b = next[i][f];
      if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
      const delta = Math.max(0, b - a);
      if (f === "idle") coreIdle = delta;
      else coreBusy += delta;
    }
    const coreTotal = Math.max(coreBusy + coreIdle, elapsedMs);
    busy += coreBusy;
    total += coreTotal;
    cores[i] = clampPercent((100 * coreBusy) / coreTotal);
  }
  return { busy: clampPercent((100 * busy) / total), cores };
}

/**
 * Busy percent of the whole machine (0–100) between two samples taken `elapsedMs` apart:
 * the `busy` of {@linkcode cpuBusy}, or null when it returns null.
 */
export function cpuBusyPercent(
  previous: readonly CpuTimes[],
  next: readonly CpuTimes[],
  elapsedMs: number,
): number | null {
  return cpuBusy(previous, next, elapsedMs)?.busy ?? null;
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}

/** How far back a CPU reading looks: long enough to smooth the kernel's 10 ms ticks. */
export const CPU_WINDOW_MS = 1000;

/** The shortest window a reading may cover (the first reading, right after start-up). */
export const CPU_MIN_WINDOW_MS = 250;

/** One sample of the per-core counters and when it was taken (`performance.now()` ms). */
export interface CpuSample {
  /** Per-core cumulative times. */
  times: readonly CpuTimes[];
  /** When they were read, ms on a monotonic clock. */
  at: number;
}

/**
 * A sliding window over CPU samples. The kernel counts CPU time in 10 ms ticks, so a
 * reading over a short window moves in coarse steps (on 2 cores, 2 points per tick over
 * 250 ms) and an idle machine often reads exactly 0. Each {@linkcode CpuWindow.push}
 * reports busy percent since the newest earlier sample that is at least `windowMs` old
 * (so readings refreshed every 250 ms each cover about the last second), or since the
 * oldest sample when none is that old yet. A window shorter than `minWindowMs` gives
 * null rather than a figure built from a handful of ticks: a reading taken right after
 * another (a cadence change) still covers a real window. A reading never reaches back
 * more than twice the longer of the window and the cadence it is read at: an older
 * sample (the previous reading came at the idle cadence, or the process was frozen) is
 * dropped, and the window starts afresh, so the first reading after a switch to a fast
 * cadence covers the last moments, not the idle interval.
 */
export class CpuWindow {
  readonly #windowMs: number;
  readonly #minWindowMs: number;
  /** Oldest first; only the newest sample older than the window is kept of the old ones. */
  readonly #samples: CpuSample[] = [];

  /** A window over the last `windowMs`, refusing readings over less than `minWindowMs`. */
  constructor(windowMs: number = CPU_WINDOW_MS, minWindowMs: number = CPU_MIN_WINDOW_MS) {
    this.#windowMs = windowMs;
    this.#minWindowMs = Math.min(minWindowMs, windowMs);
  }

  /**
   * Add a sample read at a cadence of `intervalMs`; returns busy percent of the machine and
   * of each core over the window it closes and that window's length in ms, or null when the
   * window would be shorter than the minimum or the counters are unusable (see
   * {@linkcode cpuBusy}). A sample older than the newest is ignored.
   */
  push(sample: CpuSample, intervalMs: number = Infinity): (CpuBusy & { windowMs: number }) | null {
    const samples = this.#samples;
    const newest = samples[samples.length - 1];
    if (newest !== undefined && sample.at < newest.at) return null;
    samples.push(sample);
    const maxSpanMs = 2 * Math.max(this.#windowMs, intervalMs);
    let stale = 0;
    while (stale < samples.length - 1 && sample.at - samples[stale].at > maxSpanMs) stale++;
    if (stale > 0) samples.splice(0, stale);
    // Drop samples that are older than the newest one outside the window: never used again.
    let reference = 0;
    for (let i = samples.length - 2; i >= 0; i--) {
      if (sample.at - samples[i].at >= this.#windowMs) {
        reference = i;
        break;
      }
    }
    if (reference > 0) samples.splice(0, reference);
    const from = samples[0];
    const windowMs = sample.at - from.at;
    if (from === sample || windowMs < this.#minWindowMs) return null;
    const figures = cpuBusy(from.times, sample.times, windowMs);
    if (figures === null) {
      samples.splice(0, samples.length - 1); // a core count change: start afresh from here
      return null;
    }
    return { ...figures, windowMs };
  }
}

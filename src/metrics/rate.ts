/**
 * Rates from cumulative counters (bytes received, sectors written): per-second figures
 * over the window between two readings, with counter resets and a changed subject (the
 * default route moved to another interface) starting the window afresh rather than
 * reporting a negative or made-up rate. Shared by every platform's throughput sources.
 *
 * @module
 */

import type { DiskIoSample, NetworkSample } from "./types.ts";
import { type Clock, sleep } from "../time/clock.ts";

/** One reading of a set of cumulative counters. */
export interface CounterSample {
  /** What was counted (e.g. an interface name): rates compare only samples of one key. */
  key: string;
  /** The counters, in a fixed order. */
  counters: readonly number[];
  /** When they were read, ms on a monotonic clock. */
  at: number;
}

/** The shortest window a rate may cover: the first reading after start-up waits this long. */
export const RATE_MIN_WINDOW_MS = 250;

/**
 * Per-second rate of each counter between two samples, or null when no honest rate
 * exists: another key, a window that is not positive, a counter count that differs, a
 * value that is not a finite number ≥ 0, or a counter that went backwards (a reset: a
 * driver reload, an interface recreated under the same name).
 */
export function counterRates(previous: CounterSample, next: CounterSample): number[] | null {
  const windowMs = next.at - previous.at;
  if (previous.key !== next.key || !(windowMs > 0) || !Number.isFinite(windowMs)) return null;
  if (previous.counters.length !== next.counters.length) return null;
  const rates: number[] = [];
  for (let i = 0; i < next.counters.length; i++) {
    const a = previous.counters[i];
    const b = next.counters[i];
    if (!(Number.isFinite(a) && Number.isFinite(b) && a >= 0 && b >= a)) return null;
    rates.push(((b - a) * 1000) / windowMs);
  }
  return rates;
}

/**
 * The window of a rate source: each pushed sample is compared with the one before.
 * A sample closer than the minimum window to the previous one gives null and is not
 * kept (the window stays open from the previous sample); a sample that gives no honest
 * rate (see {@linkcode counterRates}), or that comes more than two cadences after the
 * previous one (that one was read at the idle cadence, or the process was frozen),
 * becomes the new start.
 */
export class RateWindow {
  readonly #minWindowMs: number;
  #previous: CounterSample | null = null;

  /** A window refusing readings over less than `minWindowMs`. */
  constructor(minWindowMs: number = RATE_MIN_WINDOW_MS) {
    this.#minWindowMs = minWindowMs;
  }

  /**
   * Add a sample read at a cadence of `intervalMs`; returns the rates since the previous
   * one and that window, or null.
   */
  push(
    sample: CounterSample,
    intervalMs: number = Infinity,
  ): { rates: number[]; windowMs: number } | null {
    const previous = this.#previous;
    if (previous !== null && previous.key === sample.key) {
      const windowMs = sample.at - previous.at;
      if (windowMs >= 0 && windowMs < this.#minWindowMs) return null;
      if (windowMs > 2 * intervalMs) {
        this.#previous = sample;
        return null;
      }
      const rates = counterRates(previous, sample);
      this.#previous = sample;
      return rates === null ? null : { rates, windowMs };
    }
    this.#previous = sample;
    return null;
  }

  /** Forget the previous sample (the subject went away: no default route). */
  reset(): void {
    this.#previous = null;
  }
}

/**
 * Reads counters through `take` at a cadence of `intervalMs` and pushes them into `window`
 * until a reading covers a real window: when the first sample (or one after a reset, or
 * after a long gap) gives no rate, it waits the minimum window on `clock` and reads again,
 * at most three times. `take` answering null (nothing to count) resets the window and
 * returns null.
 */
export async function readRates(
  take: () => Promise<CounterSample | null>,
  window: RateWindow,
  clock: Clock,
  signal: AbortSignal,
  intervalMs: number = Infinity,
  minWindowMs: number = RATE_MIN_WINDOW_MS,
): Promise<RateReading | null> {
  for (let attempt = 0;; attempt++) {
    const sample = await take();
    if (sample === null) {
      window.reset();
      return null;
    }
    const reading = window.push(sample, intervalMs);
    if (reading !== null) return { sample, rates: reading.rates };
    if (attempt === 3) throw new Error("no counter reading over a real window");
    await sleep(clock, minWindowMs, signal);
  }
}

/** Counters and their rates over a real window, as {@linkcode readRates} gives them. */
export interface RateReading {
  /** The newest sample. */
  sample: CounterSample;
  /** Per counter, units per second. */
  rates: number[];
}

/** An interface's `[received, sent]` byte counters (keyed by its name) as the network value. */
export function networkFrom(reading: RateReading | null): NetworkSample | null {
  if (reading === null) return null;
  const [receivedBytes, sentBytes] = reading.sample.counters;
  const [receiveBytesPerSecond, sendBytesPerSecond] = reading.rates;
  return {
    interface: reading.sample.key,
    receiveBytesPerSecond,
    sendBytesPerSecond,
    receivedBytes,
    sentBytes,
  };
}

/** The disks' `[read, written]` byte counters as the disk throughput value. */
export function diskIoFrom(reading: RateReading | null): DiskIoSample | null {
  if (reading === null) return null;
  const [readBytes, writtenBytes] = reading.sample.counters;
  const [readBytesPerSecond, writeBytesPerSecond] = reading.rates;
  return { readBytesPerSecond, writeBytesPerSecond, readBytes, writtenBytes };
}

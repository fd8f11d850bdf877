/**
 * How often each source reads: its own cadence while a client is connected, and the one
 * slow cadence of an idle daemon.
 *
 * @module
 */

/** How often each source refreshes, in ms. */
export interface Cadences {
  /** CPU busy percent (default 250). */
  cpu: number;
  /** Memory (default 1000). */
  memory: number;
  /** Busiest processes (default 2000). */
  processes: number;
  /** Disk usage (default 30000). */
  disk: number;
  /** Temperature (default 5000). */
  temperature: number;
  /** Load averages (default 5000). */
  load: number;
  /** Swap (default 10000). */
  swap: number;
  /** Memory pressure (default 5000). */
  pressure: number;
  /** Network throughput (default 1000). */
  network: number;
  /** Disk throughput (default 1000). */
  diskio: number;
  /** Battery (default 30000). */
  battery: number;
  /** GPU busy percent (default 2000). */
  gpu: number;
  /**
   * Every source's interval while idle, unless its own is longer (default 30000): nobody
   * sees the values then, and the first frame after an idle period waits for fresh ones.
   */
  idle: number;
}

/** The default cadences. */
export const DEFAULT_CADENCES: Readonly<Cadences> = Object.freeze({
  cpu: 250,
  memory: 1000,
  processes: 2000,
  disk: 30_000,
  temperature: 5000,
  load: 5000,
  swap: 10_000,
  pressure: 5000,
  network: 1000,
  diskio: 1000,
  battery: 30_000,
  gpu: 2000,
  idle: 30_000,
});

/**
 * Sources read at this cadence or faster while streaming are the fast ones: after an idle
 * period the first frame waits for a new reading of each (ms).
 */
export const FAST_CADENCE_MS = 1000;

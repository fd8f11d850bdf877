/**
 * The sampler keeps the latest good value of every source, each refreshed on its
 * own cadence, and assembles a {@linkcode Snapshot} on demand without any I/O
 * (the 25 Hz publisher calls {@linkcode Sampler.snapshot} every tick). With no
 * subscriber the daemon calls {@linkcode Sampler.idle}: every source slows to the
 * idle cadence; when a client comes back, {@linkcode Sampler.start} reads every source
 * at once and {@linkcode Sampler.freshSince} tells when the fast ones have new values.
 *
 * Reads run only as tasks of the sampler's {@linkcode Schedule}: the daemon
 * passes the schedule its tick runs, so while frames flow every read happens
 * inside a tick; without one, the sampler's own schedule runs them on one timer.
 *
 * A failing source keeps its last good value (its age grows), logs each distinct
 * failure once, retries with backoff and never stops the others.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log.ts";
import { systemClock } from "../time/clock.ts";
import { Schedule } from "../time/schedule.ts";
import { READING_LIST } from "./catalog.ts";
import type { Reading } from "./reading.ts";
import { absentValue } from "./shape.ts";
import { type Readings, type Source, SOURCE_NAMES, type SourceName } from "./source.ts";
import type { Snapshot, SourceStatus } from "./types.ts";
import { type Cadences, DEFAULT_CADENCES, FAST_CADENCE_MS } from "./cadences.ts";

export type { SourceStatus } from "./types.ts";
export { type Cadences, DEFAULT_CADENCES } from "./cadences.ts";

/** Options of {@linkcode Sampler}. */
export interface SamplerOptions {
  /** Sampling cadences (defaults: {@linkcode DEFAULT_CADENCES}). */
  cadences?: Partial<Cadences>;
  /**
   * The schedule the reads run on. Default: a schedule of the sampler's own on the
   * system clock, driven by its one timer.
   */
  schedule?: Schedule;
  /** Where failures and recoveries are logged. */
  log?: Logger;
  /** The sources to run (default: every one given); the others are switched off. */
  enabled?: readonly SourceName[];
}

/** Sampling modes. */
export type SamplerMode = "stopped" | "active" | "idle";

interface SourceState {
  source: Source;
  readings: Readings;
  lastGoodMono: number | null;
  lastGoodWall: number;
  /** When it last delivered a reading or a failure (monotonic ms). */
  lastAttemptMono: number;
  error: string | null;
  /** {@linkcode failureKey} of the failure last logged, while failing. */
  errorKey: string | null;
  samples: number;
  failures: number;
  costMs: number | null;
  waiters: (() => void)[];
}

/** Holds the latest readings of every source and switches their cadence. */
export class Sampler {
  readonly #states = new Map<SourceName, SourceState>();
  readonly #cadences: Cadences;
  readonly #enabled: readonly SourceName[];
  readonly #log: Logger;
  readonly #schedule: Schedule;
  /** The schedule is the sampler's own: it drives it, and stops it on stop. */
  readonly #ownsSchedule: boolean;
  #mode: SamplerMode = "stopped";
  #cached: Snapshot | null = null;

  /** A sampler of `sources` (one per kind; a kind with none stays empty), stopped until started. */
  constructor(sources: Source[], options: SamplerOptions = {}) {
    this.#cadences = { ...DEFAULT_CADENCES, ...options.cadences };
    this.#log = options.log ?? silentLogger;
    this.#ownsSchedule = options.schedule === undefined;
    this.#schedule = options.schedule ?? new Schedule(systemClock);
    this.#enabled = options.enabled ?? SOURCE_NAMES;
    for (const source of sources) {
      if (!this.#enabled.includes(source.name)) continue;
      this.#states.set(source.name, {
        source,
        readings: {},
        lastGoodMono: null,
        lastGoodWall: 0,
        lastAttemptMono: -Infinity,
        error: null,
        errorKey: null,
        samples: 0,
        failures: 0,
        costMs: null,
        waiters: [],
      });
    }
  }

  /** Current mode. */
  get mode(): SamplerMode {
    return this.#mode;
  }

  /** Sample at full cadence (a client is subscribed). */
  start(): void {
    this.#switch("active");
  }

  /** Sample at the slow idle cadence (nobody is subscribed). */
  idle(): void {
    this.#switch("idle");
  }

  /** Stop every source; resolves when no timer or child is left. */
  async stop(): Promise<void> {
    this.#mode = "stopped";
    if (this.#ownsSchedule) this.#schedule.driveWithTimer(false);
    await Promise.all([...this.#states.values()].map((s) => s.source.stop()));
    for (const state of this.#states.values()) this.#wake(state);
  }

  /**
   * Resolves once every source has produced a value (or `values[name]` of them) or failed once,
   * or after `timeoutMs`.
   */
  settled(timeoutMs: number, values: Partial<Record<SourceName, number>> = {}): Promise<void> {
    const done = (s: SourceState) => s.failures > 0 || s.samples >= (values[s.source.name] ?? 1);
    return this.#until([...this.#states.values()], done, timeoutMs);
  }

  /**
   * Read every fast source (see {@linkcode Sampler.freshSince}) once more now, at the current
   * mode's interval (the next read follows one interval later), and resolve once each has a
   * new reading or a failure, or after `timeoutMs`: a fresh snapshot on request while idle.
   */
  refreshFast(timeoutMs: number): Promise<void> {
    if (this.#mode === "stopped") return Promise.resolve();
    const since = this.#schedule.clock.now();
    const fast = [...this.#states.values()].filter((s) => this.#isFast(s));
    for (const state of fast) this.#startSource(state, this.#mode);
    return this.#until(fast, (s) => s.lastAttemptMono >= since, timeoutMs);
  }

  /** Resolves once `done` holds for each of `states` (checked as they report), or after `timeoutMs`. */
  async #until(
    states: SourceState[],
    done: (s: SourceState) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const until = (s: SourceState) =>
      new Promise<void>((resolve) => {
        const check = () => done(s) ? resolve() : s.waiters.push(check);
        check();
      });
    const clock = this.#schedule.clock;
    let timer: unknown;
    await Promise.race([
      Promise.all(states.map(until)),
      new Promise<void>((resolve) => timer = clock.setTimeout(resolve, timeoutMs)),
    ]);
    clock.clear(timer);
  }

  /**
   * The latest values of every source, assembled without I/O. The same read-only object
   * is returned until a source delivers a new value, so the tick can tell an unchanged
   * snapshot by identity (and skip the momentum step).
   */
  snapshot(): Snapshot {
    if (this.#cached === null) this.#cached = this.#assemble();
    return this.#cached;
  }

  #assemble(): Snapshot {
    // The wall time of the newest sample, picked by the monotonic clock: after the wall clock
    // stepped back, the largest wall time belongs to an older sample.
    let timestamp = 0;
    let newest = -Infinity;
    for (const state of this.#states.values()) {
      if (state.lastGoodMono !== null && state.lastGoodMono > newest) {
        newest = state.lastGoodMono;
        timestamp = state.lastGoodWall;
      }
    }
    const snapshot: Record<string, unknown> = { timestamp };
    for (const reading of READING_LIST) {
      const value = this.#states.get(reading.source as SourceName)?.readings[reading.key];
      snapshot[reading.key] = value ?? absentReading(reading);
    }
    return snapshot as unknown as Snapshot;
  }

  /**
   * Every source refreshed at least once a second at full cadence (by default cpu, memory,
   * network, diskio) has delivered a reading, or failed, at or after `mono` (a time on the
   * schedule's clock): after a switch from idle, the snapshot is as fresh as while streaming.
   */
  freshSince(mono: number): boolean {
    for (const state of this.#states.values()) {
      if (this.#isFast(state) && state.lastAttemptMono < mono) return false;
    }
    return true;
  }

  #isFast(state: SourceState): boolean {
    return this.#cadences[state.source.name] <= FAST_CADENCE_MS;
  }

  /** Age and error state of every source. */
  health(): Record<SourceName, SourceStatus> {
    const now = this.#schedule.clock.now();
    const out = {} as Record<SourceName, SourceStatus>;
    for (const name of SOURCE_NAMES) {
      const s = this.#states.get(name);
      out[name] = {
        ageMs: s?.lastGoodMono == null ? null : Math.round(now - s.lastGoodMono),
        error: s
          ? s.error
          : this.#enabled.includes(name)
          ? "no source on this platform"
          : "switched off",
        samples: s?.samples ?? 0,
        failures: s?.failures ?? 0,
        costMs: s?.costMs ?? null,
        unseen: s?.readings.unseen ?? null,
      };
    }
    return out;
  }

  #switch(mode: "active" | "idle"): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    if (this.#ownsSchedule) this.#schedule.driveWithTimer(true);
    for (const state of this.#states.values()) this.#startSource(state, mode);
  }

  /** (Re)start a source at `mode`'s interval: a polled one reads at once. */
  #startSource(state: SourceState, mode: "active" | "idle"): void {
    const own = this.#cadences[state.source.name];
    const interval = mode === "idle" ? Math.max(own, this.#cadences.idle) : own;
    state.source.start(interval, {
      emit: (readings, costMs) => this.#emit(state, readings, costMs),
      fail: (error) => this.#fail(state, error),
    }, this.#schedule);
  }

  #emit(state: SourceState, readings: Readings, costMs?: number): void {
    if (this.#mode === "stopped") return;
    state.readings = readings;
    state.costMs = costMs ?? null;
    this.#cached = null;
    state.lastGoodMono = state.lastAttemptMono = this.#schedule.clock.now();
    state.lastGoodWall = Date.now();
    state.samples++;
    if (state.error !== null) {
      this.#log.log("info", "source recovered", { source: state.source.name });
      state.error = null;
      state.errorKey = null;
    }
    this.#wake(state);
  }

  #fail(state: SourceState, error: Error): void {
    if (this.#mode === "stopped") return;
    state.failures++;
    state.lastAttemptMono = this.#schedule.clock.now();
    const key = failureKey(error.message);
    if (key !== state.errorKey) {
      this.#log.log("warn", "source failed", { source: state.source.name, error: error.message });
      state.errorKey = key;
    }
    state.error = error.message;
    this.#wake(state);
  }

  #wake(state: SourceState): void {
    for (const resolve of state.waiters.splice(0)) resolve();
  }
}

/**
 * What a snapshot holds for a reading its source has not produced: absent (null, or an
 * empty list), or 0 for a reading the seed's frame cannot leave out.
 */
function absentReading(reading: Reading): unknown {
  return reading.shape.kind === "vector" || reading.shape.optional ? absentValue(reading.shape) : 0;
}

/**
 * What makes two failures the same one for logging: the message without its line numbers.
 * A streamed child's parse errors differ only by them (`top: line 812: …`, `line 1624: …`),
 * and would otherwise log one line per refresh, or per output line, for as long as it lasts.
 */
export function failureKey(message: string): string {
  return message.replace(/\bline \d+\b/g, "line #");
}

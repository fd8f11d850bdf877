/**
 * The sampler keeps the latest good value of every source, each refreshed on its
 * own cadence, and assembles a {@linkcode Snapshot} on demand without any I/O
 * (the 25 Hz publisher calls {@linkcode Sampler.snapshot} every tick). With no
 * subscriber the daemon calls {@linkcode Sampler.idle}: every source slows to the
 * idle cadence; when a client comes back, {@linkcode Sampler.start} reads every source
 * at once and {@linkcode Sampler.freshSince} tells when the fast ones have new values.
 * A client that asks for one frame at a time gets {@linkcode Sampler.refreshOnRequest}.
 * A source nobody needs for a while is {@linkcode Sampler.pause}d: stopped, its readings
 * dropped, until {@linkcode Sampler.resume}.
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
import { assembleSnapshot } from "./assemble.ts";
import { type Readings, type Source, SOURCE_NAMES, type SourceName } from "./source.ts";
import type { Snapshot, SourceStatus } from "./types.ts";
import { type HeldStatus, sourceHealth } from "./source_health.ts";
import { type Cadences, DEFAULT_CADENCES, FAST_CADENCE_MS } from "./cadences.ts";
import { RequestPace } from "./request_pace.ts";
import { failureKey } from "./failure_key.ts";
import { untilEach, type Waitable } from "./waiters.ts";

export type { SourceStatus } from "./types.ts";
export { type Cadences, DEFAULT_CADENCES } from "./cadences.ts";
export { failureKey } from "./failure_key.ts";

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

interface SourceState extends HeldStatus, Waitable {
  source: Source;
  /** When it last delivered a reading or a failure (monotonic ms). */
  lastAttemptMono: number;
  /** {@linkcode failureKey} of the failure last logged, while failing. */
  errorKey: string | null;
  /** Why it is paused (see {@linkcode Sampler.pause}) and when it has stopped; null if running. */
  paused: { reason: string; stopped: Promise<void> } | null;
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
  readonly #pace: RequestPace;

  /** A sampler of `sources` (one per kind; a kind with none stays empty), stopped until started. */
  constructor(sources: Source[], options: SamplerOptions = {}) {
    this.#cadences = { ...DEFAULT_CADENCES, ...options.cadences };
    this.#log = options.log ?? silentLogger;
    this.#ownsSchedule = options.schedule === undefined;
    this.#schedule = options.schedule ?? new Schedule(systemClock);
    this.#enabled = options.enabled ?? SOURCE_NAMES;
    // Requests have stopped: the polled sources read on their own idle timers again.
    this.#pace = new RequestPace(this.#schedule, this.#cadences.idle, () => {
      for (const state of this.#states.values()) {
        if (this.#followsRequests(state)) this.#startSource(state, "idle");
      }
    });
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
        paused: null,
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
    this.#pace.end();
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
    return untilEach([...this.#states.values()], done, timeoutMs, this.#schedule.clock);
  }

  /**
   * Read for a client's request for a frame, and resolve once each source read has a new
   * reading or a failure, or after `timeoutMs`: a fresh snapshot on request while idle. Every
   * fast source (see {@linkcode Sampler.freshSince}) reads now. While idle and requests come
   * at least once per idle interval (`request_pace.ts`), every polled slow source reads on
   * them too, at the first one at which its reading is an idle interval old, in the same
   * batch as the fast ones, and its own timer waits behind; a streamed one keeps its child's
   * cadence (a restart would cost a new child).
   */
  refreshOnRequest(timeoutMs: number): Promise<void> {
    if (this.#mode === "stopped") return Promise.resolve();
    const since = this.#schedule.clock.now();
    const pace = this.#mode === "idle" ? this.#pace.request() : null;
    const read = [...this.#states.values()].filter((s) =>
      this.#isFast(s) ||
      (pace !== null && this.#followsRequests(s) &&
        (pace === "start" || this.#pace.due(s.lastAttemptMono)))
    );
    for (const state of read) this.#startSource(state, this.#mode);
    return untilEach(read, (s) => s.lastAttemptMono >= since, timeoutMs, this.#schedule.clock);
  }

  /**
   * The latest values of every source, assembled without I/O. The same read-only object
   * is returned until a source delivers a new value, so the tick can tell an unchanged
   * snapshot by identity (and skip the momentum step).
   */
  snapshot(): Snapshot {
    if (this.#cached === null) this.#cached = assembleSnapshot(this.#states);
    return this.#cached;
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

  /** A running source read at least once a second at full cadence. */
  #isFast(state: SourceState): boolean {
    return state.paused === null && this.#cadences[state.source.name] <= FAST_CADENCE_MS;
  }

  /** A source that reads on requests while they lead: a running polled one. */
  #followsRequests(state: SourceState): boolean {
    return state.paused === null && !state.source.streamed;
  }

  /** Age and error state of every source. */
  health(): Record<SourceName, SourceStatus> {
    return sourceHealth(this.#states, this.#enabled, this.#schedule.clock.now());
  }

  /**
   * Stop source `name` and drop what it holds, until {@linkcode Sampler.resume}: snapshots
   * carry its readings as absent, never stale ones, and its health says `reason` (as `unseen`).
   * Nothing starts it meanwhile, neither a mode switch nor a request.
   */
  pause(name: SourceName, reason: string): void {
    const state = this.#states.get(name);
    if (state === undefined || state.paused !== null) return;
    state.paused = { reason, stopped: state.source.stop() };
    state.readings = { unseen: reason };
    state.lastGoodMono = null;
    state.error = state.errorKey = null;
    this.#cached = null;
    this.#wake(state);
  }

  /**
   * Start paused source `name` again at the mode's cadence, once its stop has completed (a read
   * still being cancelled is no failure); its readings come as it reads.
   */
  resume(name: SourceName): void {
    const state = this.#states.get(name);
    if (state === undefined || state.paused === null) return;
    const { stopped } = state.paused;
    state.paused = null;
    state.readings = {};
    this.#cached = null;
    void stopped.then(() => {
      if (state.paused === null && this.#mode !== "stopped") this.#startSource(state, this.#mode);
    });
  }

  #switch(mode: "active" | "idle"): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    this.#pace.end();
    if (this.#ownsSchedule) this.#schedule.driveWithTimer(true);
    for (const state of this.#states.values()) this.#startSource(state, mode);
  }

  /**
   * (Re)start a source at `mode`'s interval: a polled one reads at once. While requests lead,
   * a polled source's own timer is only a fallback: twice the idle interval, so it never runs
   * before the next request, which reads it when due (or ends the lead, restarting it).
   */
  #startSource(state: SourceState, mode: "active" | "idle"): void {
    if (state.paused !== null) return;
    const own = this.#cadences[state.source.name];
    const idle = Math.max(own, this.#cadences.idle);
    const led = mode === "idle" && this.#pace.leading && this.#followsRequests(state);
    const interval = mode === "active" ? own : led ? 2 * idle : idle;
    state.source.start(interval, {
      emit: (readings, costMs) => this.#emit(state, readings, costMs),
      fail: (error) => this.#fail(state, error),
    }, this.#schedule);
  }

  #emit(state: SourceState, readings: Readings, costMs?: number): void {
    if (this.#mode === "stopped" || state.paused !== null) return;
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
    if (this.#mode === "stopped" || state.paused !== null) return;
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

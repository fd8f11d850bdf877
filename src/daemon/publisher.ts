/**
 * The daemon's tick and who it is for. While anyone is connected, 25 times a
 * second: run the schedule's due work (the sampler's reads, the socket check,
 * collections, stats), close clients whose writes are stuck, then publish one
 * frame — the sampler's snapshot, a momentum step, encoded once, handed to every
 * client. The first client starts the tick and the sampler's full cadence; the
 * last one stops the tick, the schedule's own timer takes over, and after a grace
 * period the sampler slows to idle (a client that reconnects at once, or in a
 * loop, must not restart the sampler's children every time). The sampler starts
 * at full cadence too, and slows after the same grace period if nobody connects.
 *
 * After an idle period the readings are as old as the idle cadence. The first
 * frame then waits, ticking but publishing nothing, until every fast source (see
 * {@linkcode Sampler.freshSince}) has read again, at most
 * {@linkcode FIRST_FRAME_WAIT_MS}: a one-shot client such as `watch --count 1`
 * gets current values, not the ones of the last idle read.
 *
 * A client may instead ask for one frame at a time (`OPTQ`, PROTOCOL.md "Asking for frames"):
 * it then starts neither the tick nor the full cadence. While others stream it gets the
 * latest frame at once; otherwise the sampler reads its fast sources once more (and, while
 * requests keep coming, the slow ones that are due: {@linkcode Sampler.refreshOnRequest}) and
 * one frame is made for every request waiting, so a scraper every 15 s costs one read every
 * 15 s and nothing between. A client that asks with `OPTL` needs no process list: while
 * every client connected does, the process source is paused (its `top` child exits; its list
 * is empty in every answer), and anyone else restarts it.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { Sampler } from "../metrics/sampler.ts";
import type { Snapshot } from "../metrics/types.ts";
import {
  initialMomentum,
  isSettled,
  type MomentumConfig,
  type MomentumState,
  stepMomentum,
} from "../momentum/momentum.ts";
import { Broadcaster, type BroadcasterStats } from "../ipc/broadcaster.ts";
import type { Subscriber } from "../ipc/subscriber.ts";
import { FrameEncoder } from "../ipc/codec.ts";
import { wasFrozen } from "../time/freeze.ts";
import type { Schedule } from "../time/schedule.ts";
import { Ticker } from "../time/ticker.ts";
import { WallClock } from "../time/wall_clock.ts";

/**
 * The longest the first frame after an idle period waits for fresh readings (ms): longer than
 * the CPU source's shortest window and than a restarted once-a-second child takes to print
 * its first line (`netstat -w 1` on macOS), short enough for a one-shot client.
 */
export const FIRST_FRAME_WAIT_MS = 1500;

/** The process source's health while only light requests come (`unseen` of `stats`). */
export const LIGHT_PAUSE = "paused: only light requests";

/** Options of {@linkcode Publisher}. */
export interface PublisherOptions {
  /** Where snapshots come from. */
  sampler: Sampler;
  /** The daemon's schedule: the tick runs it while clients are connected. */
  schedule: Schedule;
  /** Frames per second. */
  rateHz: number;
  /** Processes per frame. */
  top: number;
  /** Momentum thresholds, targets and easing. */
  momentum: MomentumConfig;
  /** Close a client whose write is stuck this long (ms). */
  stallTimeoutMs: number;
  /** Refuse clients beyond this many. */
  maxClients: number;
  /** How long after the last client leaves the sampler slows to idle (ms). */
  idleGraceMs: number;
  /** Lifecycle log. */
  log: Logger;
}

/** Publishes one frame per tick to every connected client, ticking only while there are any. */
export class Publisher {
  readonly #sampler: Sampler;
  readonly #schedule: Schedule;
  readonly #momentumConfig: MomentumConfig;
  readonly #idleGraceMs: number;
  readonly #rateHz: number;
  readonly #log: Logger;
  readonly #wallClock = new WallClock();
  readonly #encoder: FrameEncoder;
  readonly #broadcaster: Broadcaster;
  readonly #ticker: Ticker;
  #momentum: MomentumState;
  #sequence = 0;
  #latest: Uint8Array | null = null;
  #lastFrameMs: number;
  /** The snapshot of the last momentum step, and whether that step changed nothing. */
  #steppedFor: Snapshot | null = null;
  #settled = false;
  #cancelIdle: (() => void) | undefined;
  /** When the last streaming client left (-∞: none has yet). */
  #streamedUntil = -Infinity;
  /** When the sampler left idle for a client: no frame goes out until it is fresh again. */
  #waitingSince: number | null = null;
  /** Clients waiting for the frame they asked for. */
  readonly #requested = new Set<Subscriber>();
  /** The sampler is reading the fast sources for the requests waiting. */
  #refreshing = false;
  #stopped = false;

  /** A publisher with no client: not ticking. */
  constructor(options: PublisherOptions) {
    this.#sampler = options.sampler;
    this.#schedule = options.schedule;
    this.#momentumConfig = options.momentum;
    this.#idleGraceMs = options.idleGraceMs;
    this.#rateHz = options.rateHz;
    this.#log = options.log;
    this.#momentum = initialMomentum(options.momentum);
    this.#lastFrameMs = options.schedule.clock.now();
    this.#encoder = new FrameEncoder({ top: options.top, startedAtUs: this.#wallClock.micros() });
    this.#broadcaster = new Broadcaster({
      stallTimeoutMs: options.stallTimeoutMs,
      maxClients: options.maxClients,
      log: options.log,
      onFirstClient: () => this.#firstClient(),
      onLastClient: () => this.#lastClient(),
      onRequest: (client) => this.#request(client),
      onLightOnly: (lightOnly) => this.#lightOnly(lightOnly),
    });
    this.#ticker = new Ticker(1000 / options.rateHz, this.#tick, options.schedule.clock);
  }

  /** Frames published so far (the last `sequence`). */
  get sequence(): number {
    return this.#sequence;
  }

  /** When a client last streamed, on the schedule's clock: now while one does. */
  lastStreamedMs(): number {
    return this.#broadcaster.streaming > 0 ? this.#schedule.clock.now() : this.#streamedUntil;
  }

  /** Broadcaster counters. */
  stats(): BroadcasterStats {
    return this.#broadcaster.stats();
  }

  /**
   * Serve a new connection: a client that joins others gets the last frame at once; the
   * first, or one that comes while the first frame waits for fresh readings, the next.
   */
  accept(conn: Deno.UnixConn): void {
    if (this.#stopped) {
      conn.close();
      return;
    }
    const first = this.#broadcaster.streaming === 0;
    const current = first || this.#waitingSince !== null ? null : this.#latest;
    if (!this.#broadcaster.add(conn, current)) return;
    if (first) this.#startTicking();
  }

  /** Slow the sampler to idle after the grace period, unless a client connects meanwhile. */
  idleAfterGrace(): void {
    this.#cancelIdle?.();
    const at = this.#schedule.clock.now() + this.#idleGraceMs;
    this.#cancelIdle = this.#schedule.at(at, () => {
      if (this.#stopped || this.#broadcaster.streaming > 0) return;
      this.#sampler.idle();
      this.#log.log("debug", "idle: no clients");
    });
  }

  /** Stop ticking and close every client, waiting for their writes to settle. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ticker.stop();
    this.#cancelIdle?.();
    await this.#broadcaster.closeAll();
  }

  /** A client asked for a frame: the latest while streaming fresh ones, else the next made. */
  #request(client: Subscriber): void {
    if (this.#stopped) return;
    if (this.#broadcaster.streaming > 0 && this.#waitingSince === null && this.#latest !== null) {
      this.#broadcaster.sendTo(client, this.#latest);
      return;
    }
    this.#requested.add(client);
    if (this.#broadcaster.streaming === 0) void this.#answerRequests();
  }

  /** Every client asks light requests (pause the process list), or someone needs it again. */
  #lightOnly(lightOnly: boolean): void {
    if (this.#stopped) return;
    if (lightOnly) this.#sampler.pause("processes", LIGHT_PAUSE);
    else this.#sampler.resume("processes");
    this.#log.log("debug", lightOnly ? "processes paused" : "processes resumed");
  }

  /** With nobody streaming: read for the request, then make one frame for all waiting. */
  async #answerRequests(): Promise<void> {
    if (this.#refreshing) return; // the refresh in flight answers this request too
    this.#refreshing = true;
    try {
      await this.#sampler.refreshOnRequest(FIRST_FRAME_WAIT_MS);
    } finally {
      this.#refreshing = false;
    }
    // A client that began streaming meanwhile started the tick, which answers them.
    if (this.#stopped || this.#requested.size === 0 || this.#broadcaster.streaming > 0) return;
    this.#publish(this.#schedule.clock.now());
  }

  #startTicking(): void {
    this.#schedule.driveWithTimer(false);
    this.#ticker.start();
  }

  #firstClient(): void {
    this.#cancelIdle?.();
    if (this.#sampler.mode !== "active") this.#waitingSince = this.#schedule.clock.now();
    this.#sampler.start();
    this.#log.log("debug", "streaming", { rate_hz: this.#rateHz });
  }

  #lastClient(): void {
    this.#streamedUntil = this.#schedule.clock.now();
    this.#ticker.stop();
    if (this.#stopped) return;
    this.#schedule.driveWithTimer(true);
    this.idleAfterGrace();
  }

  /**
   * One tick. It reads the clock once: what its own work takes (a sampler read, at most a
   * few ms) is nothing against stall timeouts of seconds.
   */
  readonly #tick = (lateMs: number, now: number): void => {
    // The clients' pending writes did not stall while this process was frozen: it was.
    if (wasFrozen(lateMs)) this.#broadcaster.forgiveStalls(now);
    this.#schedule.runDue(now);
    this.#broadcaster.closeStalled(now);
    if (this.#waitingSince !== null) {
      const waited = now - this.#waitingSince;
      if (!this.#sampler.freshSince(this.#waitingSince) && waited < FIRST_FRAME_WAIT_MS) return;
      this.#waitingSince = null;
    }
    // The frame goes out last: work done after the write would hold up a client the
    // kernel woke on this CPU until this process sleeps again.
    this.#publish(now);
  };

  #publish(now: number): void {
    const snapshot = this.#sampler.snapshot();
    // Momentum at its targets stays there while the inputs do (most ticks): skip the step.
    if (snapshot !== this.#steppedFor || !this.#settled) {
      const next = stepMomentum(
        this.#momentum,
        { cpu: snapshot.cpuUsage, memory: snapshot.memoryUsage },
        now - this.#lastFrameMs,
        this.#momentumConfig,
      );
      this.#settled = isSettled(this.#momentum, next);
      this.#momentum = next;
      this.#steppedFor = snapshot;
    }
    this.#lastFrameMs = now;
    this.#latest = this.#encoder.encode(snapshot, this.#momentum, {
      sequence: ++this.#sequence,
      sentAtUs: this.#wallClock.micros(),
    });
    this.#broadcaster.publish(this.#latest, now);
    if (this.#requested.size > 0) {
      for (const client of this.#requested) this.#broadcaster.sendTo(client, this.#latest, now);
      this.#requested.clear();
    }
  }
}

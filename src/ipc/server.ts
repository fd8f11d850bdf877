/**
 * The daemon: binds the socket, samples, and publishes one frame per tick to
 * every subscriber. Each tick reads the sampler's latest values, advances
 * momentum, encodes once and hands the same bytes to every client. With no
 * client the tick stops and the sampler idles; the first connect restarts both.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { type LogFields, type Logger, silentLogger } from "../log.ts";
import { systemClock } from "../time/clock.ts";
import { wasFrozen } from "../time/freeze.ts";
import { Schedule } from "../time/schedule.ts";
import { DEFAULT_GC_INTERVAL_MS, fullCollection } from "../heap.ts";
import type { SourceName } from "../metrics/source.ts";
import { type MachineFacts, type Platform } from "../metrics/platform.ts";
import { type Cadences, Sampler, type SourceStatus } from "../metrics/sampler.ts";
import type { Snapshot } from "../metrics/types.ts";
import {
  DEFAULT_MOMENTUM_CONFIG,
  initialMomentum,
  isSettled,
  type MomentumConfig,
  stepMomentum,
} from "../momentum/momentum.ts";
import { Broadcaster, type BroadcasterStats } from "./broadcaster.ts";
import { wallClockMicros } from "./clock.ts";
import { FrameEncoder } from "./codec.ts";
import { Ticker } from "../time/ticker.ts";
import {
  assertSocketGranted,
  claimAndBind,
  ensureSafeParent,
  foreignOwnerMessage,
  inspectSocketPath,
  resolveSocketPath,
} from "./socket_path.ts";

/** Everything `serve` can be told. */
export interface ServeOptions {
  /** Socket path (made absolute; on macOS `/tmp` becomes `/private/tmp`). */
  socketPath: string;
  /** File mode of the socket (default 0o600). */
  socketMode?: number;
  /** Frames per second (default 25). */
  rateHz?: number;
  /** Close a client whose write is stuck this long (ms, default 2000). */
  stallTimeoutMs?: number;
  /** Refuse clients beyond this many (default 256). */
  maxClients?: number;
  /** Processes per frame (default 10). */
  top?: number;
  /** Sampling cadences. */
  cadences?: Partial<Cadences>;
  /** Momentum thresholds, targets and easing. */
  momentum?: MomentumConfig;
  /** How often to check that the socket file is still ours (ms, default 2000). */
  socketCheckMs?: number;
  /** Longest wait at start-up for every source's first reading before binding (ms, default 2000). */
  startupSettleMs?: number;
  /** How long after the last client leaves the sampler slows to idle (ms, default 5000). */
  idleGraceMs?: number;
  /** Log a stats line this often (ms); 0 or absent for never. */
  statsIntervalMs?: number;
  /**
   * Run V8's full collection this often (ms, default 60 000; 0 for never). Needs the
   * runtime's `gc` hook (`--v8-flags=--expose-gc`); without it this is ignored.
   */
  gcIntervalMs?: number;
  /** Lifecycle log. */
  log?: Logger;
  /** Stop serving when aborted. */
  signal?: AbortSignal;
}

/** A running daemon. */
export interface Server {
  /** The path actually bound. */
  readonly socketPath: string;
  /** Frames published so far (the last `sequence`). */
  readonly sequence: number;
  /** Broadcaster counters. */
  stats(): BroadcasterStats;
  /** Resolves when the server has stopped (after `signal` aborted, or a fatal socket loss). */
  readonly finished: Promise<void>;
}

/** What one `stats` line reports. */
export interface StatsInput {
  /** Broadcaster counters. */
  stats: BroadcasterStats;
  /** Frames published so far. */
  frames: number;
  /** Per-source health. */
  health: Record<SourceName, SourceStatus>;
  /** The daemon's own CPU over the last interval, % of one core. */
  cpuPercent: number;
  /** The daemon's resident memory, bytes. */
  rssBytes: number;
  /** The JavaScript heap's size (what V8 holds, used or not), bytes. */
  heapBytes: number;
  /** How long the last periodic full collection took (ms); null before the first or when off. */
  gcMs: number | null;
}

/** The first retry after a failed accept (ms); each further one waits twice as long. */
const ACCEPT_BACKOFF_MIN_MS = 10;
/** The longest wait between accept retries (ms). */
const ACCEPT_BACKOFF_MAX_MS = 1000;
/** At most one "accept failed" line this often (ms). */
const ACCEPT_LOG_INTERVAL_MS = 60_000;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * The fields of a `stats` log line: clients, frames published, sent and dropped
 * for slow clients, clients closed for stalling, connections refused, own CPU %,
 * RSS, JavaScript heap and last full-collection pause, and per source the cost of its last
 * reading, its age and its error.
 */
export function statsFields(input: StatsInput): LogFields {
  const { stats, health } = input;
  const fields: LogFields = {
    clients: stats.clients,
    frames: input.frames,
    sent: stats.framesSent,
    dropped: stats.framesDropped,
    stalled: stats.stalled,
    refused: stats.refused,
    cpu_pct: round(input.cpuPercent, 2),
    rss_mib: round(input.rssBytes / 1048576, 1),
    heap_mib: round(input.heapBytes / 1048576, 1),
    gc_ms: input.gcMs === null ? null : round(input.gcMs, 1),
  };
  for (const [name, h] of Object.entries(health)) {
    fields[`${name}_cost_ms`] = h.costMs === null ? null : round(h.costMs, 2);
    fields[`${name}_age_ms`] = h.ageMs;
    if (h.error !== null) fields[`${name}_error`] = h.error;
  }
  return fields;
}

/** Start the daemon on a platform; resolves once the socket is bound and accepting. */
export async function serve(platform: Platform, options: ServeOptions): Promise<Server> {
  const log = options.log ?? silentLogger;
  const rateHz = options.rateHz ?? 25;
  const periodMs = 1000 / rateHz;
  const path = resolveSocketPath(options.socketPath);
  assertSocketGranted(path);
  const mode = options.socketMode ?? 0o600;
  const parentChecked = ensureSafeParent(path);
  // Bind at once, so of two daemons starting together the loser is told at once. Clients
  // that connect while the sampler settles wait in the kernel's backlog.
  let listener = await claimAndBind(path, mode);
  let boundIno = Deno.lstatSync(path).ino;
  let facts: MachineFacts;
  try {
    facts = await platform.facts();
  } catch (error) {
    listener.close(); // unlinks the socket: a failed start leaves nothing behind
    throw error;
  }
  // The daemon's one clock: while clients are connected the tick runs the schedule's due
  // tasks (the sampler's reads, the socket check, collections, stats); otherwise the
  // schedule's one timer does.
  const schedule = new Schedule(systemClock);
  schedule.driveWithTimer(true);
  const sampler = new Sampler(platform.sources(facts, { top: options.top ?? 10 }), {
    cadences: options.cadences,
    schedule,
    log,
  });
  const encoder = new FrameEncoder({ top: options.top ?? 10, startedAtUs: wallClockMicros() });
  const momentumConfig = options.momentum ?? DEFAULT_MOMENTUM_CONFIG;
  let momentum = initialMomentum(momentumConfig);
  let sequence = 0;
  let lastFrameMs = performance.now();
  let latest: Uint8Array | null = null;

  // The snapshot of the last momentum step, and whether that step changed nothing.
  let steppedFor: Snapshot | null = null;
  let settled = false;

  /** One tick's work: snapshot, momentum, encode once, fan out. `now`: the tick's time. */
  const publish = (now: number) => {
    const snapshot = sampler.snapshot();
    // Momentum at its targets stays there while the inputs do (most ticks): skip the step.
    if (snapshot !== steppedFor || !settled) {
      const next = stepMomentum(
        momentum,
        { cpu: snapshot.cpuUsage, memory: snapshot.memoryUsage },
        now - lastFrameMs,
        momentumConfig,
      );
      settled = isSettled(momentum, next);
      momentum = next;
      steppedFor = snapshot;
    }
    lastFrameMs = now;
    latest = encoder.encode(snapshot, momentum, {
      sequence: ++sequence,
      sentAtUs: wallClockMicros(),
    });
    broadcaster.publish(latest, now);
  };

  let cancelIdle: (() => void) | undefined;
  // Fell behind (suspend, SIGSTOP, overload): the ticker skips the missed ticks, never bursts.
  // One clock reading a tick: what the tick's own work takes (a sampler read, at most a few
  // ms) is nothing against stall timeouts of seconds, and the frame's send time is its own.
  const ticker = new Ticker(periodMs, (lateMs, now) => {
    // The clients' pending writes did not stall while this process was frozen: it was.
    if (wasFrozen(lateMs)) broadcaster.forgiveStalls(now);
    schedule.runDue(now);
    broadcaster.closeStalled(now);
    // The frame goes out last: work done after the write would hold up a client the
    // kernel woke on this CPU until this process sleeps again.
    publish(now);
  });
  const startTicking = () => {
    schedule.driveWithTimer(false);
    ticker.start();
  };
  const stopTicking = () => {
    ticker.stop();
    if (!stopping) schedule.driveWithTimer(true);
  };

  const broadcaster = new Broadcaster({
    stallTimeoutMs: options.stallTimeoutMs ?? 2000,
    maxClients: options.maxClients ?? 256,
    log,
    onFirstClient() {
      cancelIdle?.();
      sampler.start();
      log.log("debug", "streaming", { rate_hz: rateHz });
    },
    onLastClient() {
      stopTicking();
      // Idle only after a grace period: a client that reconnects at once (or in a loop)
      // must not restart the sampler's children every time.
      cancelIdle = schedule.at(systemClock.now() + (options.idleGraceMs ?? 5000), () => {
        if (stopping || broadcaster.size > 0) return;
        sampler.idle();
        log.log("debug", "idle: no clients");
      });
    },
  });

  // Sample before accepting anyone, so even the first frame after start-up is complete.
  sampler.idle();
  await sampler.settled(options.startupSettleMs ?? 2000);
  let stopping = false;
  let fatal: string | null = null;

  // Listeners this process closed itself: their accept errors end the loop quietly.
  const closedListeners = new WeakSet<Deno.UnixListener>();
  let wakeAcceptLoop: (() => void) | null = null;
  const closeListener = (which: Deno.UnixListener) => {
    closedListeners.add(which);
    wakeAcceptLoop?.();
    try {
      which.close(); // Deno unlinks the socket file on close
    } catch {
      // already closed
    }
  };

  // When an accept failure was last logged: at the fd limit, accepts fail and succeed in
  // turn as clients come and go, and each of those must not be a log line.
  let acceptErrorLoggedMs = -Infinity;

  /**
   * Accept until the listener is closed. A failed accept (out of file descriptors,
   * a connection reset before it was taken) is logged at most once a minute and
   * retried with a backoff of 10 ms doubling to 1 s: the pending clients wait in the
   * backlog and are taken as soon as descriptors are free.
   */
  const accept = async (from: Deno.UnixListener) => {
    let failures = 0;
    let logged = false; // this run of failures was logged
    let backoffMs = ACCEPT_BACKOFF_MIN_MS;
    while (!closedListeners.has(from)) {
      let conn: Deno.UnixConn;
      try {
        conn = await from.accept();
      } catch (error) {
        if (closedListeners.has(from) || stopping) return;
        if (error instanceof Deno.errors.BadResource) {
          // The listener is gone and cannot be retried: exit non-zero so a supervisor restarts us.
          fatal = `the listener on ${path} is gone (${(error as Error).message}); stopping`;
          void stop(false);
          return;
        }
        if (failures++ === 0 && performance.now() - acceptErrorLoggedMs >= ACCEPT_LOG_INTERVAL_MS) {
          acceptErrorLoggedMs = performance.now();
          logged = true;
          log.log("error", "accept failed, retrying", {
            error: (error as Error).message,
            clients: broadcaster.size,
          });
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          wakeAcceptLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeAcceptLoop = null;
        backoffMs = Math.min(backoffMs * 2, ACCEPT_BACKOFF_MAX_MS);
        continue;
      }
      if (failures > 0) {
        if (logged) log.log("info", "accepting again", { failed_accepts: failures });
        failures = 0;
        logged = false;
        backoffMs = ACCEPT_BACKOFF_MIN_MS;
      }
      if (stopping) {
        conn.close();
        continue;
      }
      const first = broadcaster.size === 0;
      if (!broadcaster.add(conn, first ? null : latest)) continue;
      // The first client gets a fresh frame at once, then one per tick.
      if (first) startTicking();
    }
  };
  let accepting = accept(listener);

  /** Notice a deleted or replaced socket file and bind again (macOS cleans /tmp). */
  const checkSocket = async () => {
    let ino: number | null = null;
    try {
      ino = Deno.lstatSync(path).ino;
    } catch (error) {
      const gone = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory; // the directory itself was replaced
      if (!gone) throw error;
    }
    if (ino !== null && ino === boundIno) return;
    if (ino !== null) {
      const probe = await inspectSocketPath(path);
      if (probe.state !== "free" && probe.state !== "stale-socket") {
        // Closing our listener would unlink *their* file: leave it, stop without touching it.
        fatal = probe.state === "live-server"
          ? `another server took over ${path}; stopping`
          : probe.state === "foreign"
          ? `${foreignOwnerMessage(path, probe.uid)}; stopping`
          : `${path} was replaced by a file that is not a socket; stopping`;
        return stop(true);
      }
    }
    log.log("warn", "socket file missing or replaced, binding again", { socket: path });
    closeListener(listener); // unlinks the path if a stale socket sits there
    await accepting;
    ensureSafeParent(path); // recreates a removed directory (0700), as at start-up
    listener = await claimAndBind(path, mode);
    boundIno = Deno.lstatSync(path).ino;
    accepting = accept(listener);
  };
  const socketCheckMs = options.socketCheckMs ?? 2000;
  const stopSocketChecks = schedule.every(socketCheckMs, () => {
    checkSocket().catch((error) => {
      fatal = `cannot re-bind ${path}: ${(error as Error).message}`;
      void stop(false);
    });
  });

  // Full collections keep the heap at its live size (see src/heap.ts). They run inside the tick's
  // wake-up while frames flow (that frame leaves a few ms late; its sent_at_us is stamped after).
  const gcIntervalMs = options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS;
  const collect = gcIntervalMs > 0 ? fullCollection() : null;
  let gcMs: number | null = null;
  const stopCollections = collect
    ? schedule.every(gcIntervalMs, () => {
      const start = performance.now();
      collect();
      gcMs = performance.now() - start;
    })
    : undefined;

  let lastCpu = cpuUsage();
  let lastStatsMs = performance.now();
  const stopStats = options.statsIntervalMs
    ? schedule.every(options.statsIntervalMs, () => {
      const now = performance.now();
      const cpu = cpuUsage(lastCpu);
      const cpuPercent = (cpu.user + cpu.system) / 10 / (now - lastStatsMs); // µs / ms → %
      lastCpu = cpuUsage();
      lastStatsMs = now;
      const memory = Deno.memoryUsage();
      log.log(
        "info",
        "stats",
        statsFields({
          stats: broadcaster.stats(),
          frames: sequence,
          health: sampler.health(),
          cpuPercent,
          rssBytes: memory.rss,
          heapBytes: memory.heapTotal,
          gcMs,
        }),
      );
    })
    : undefined;

  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => resolveFinished = resolve);

  /** Stop accepting, close clients, remove the socket (unless it is not ours any more). */
  async function stop(leaveSocketFile: boolean): Promise<void> {
    if (stopping) return;
    stopping = true;
    stopSocketChecks();
    stopStats?.();
    stopCollections?.();
    stopTicking();
    cancelIdle?.();
    schedule.driveWithTimer(false);
    if (!leaveSocketFile) {
      closeListener(listener);
      await accepting;
    }
    await broadcaster.closeAll();
    await sampler.stop();
    log.log("info", "stopped", { frames: sequence });
    resolveFinished();
  }

  log.log("info", "listening", {
    socket: path,
    mode: mode.toString(8).padStart(4, "0"),
    rate_hz: rateHz,
    platform: platform.name,
    parent_checked: parentChecked,
    full_gc: gcIntervalMs === 0
      ? "off"
      : collect
      ? `every ${gcIntervalMs / 1000}s`
      : "unavailable (run with --v8-flags=--expose-gc)",
  });
  // An abort that came while starting up (SIGTERM during facts() or the probe) fires no event.
  if (options.signal?.aborted) void stop(false);
  else options.signal?.addEventListener("abort", () => void stop(false), { once: true });

  return {
    socketPath: path,
    get sequence() {
      return sequence;
    },
    stats: () => broadcaster.stats(),
    finished: finished.then(() => {
      if (fatal) throw new Error(fatal);
    }),
  };
}

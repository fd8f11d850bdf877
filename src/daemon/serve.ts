/**
 * The daemon, composed: bind the socket, sample, and publish one frame per tick to
 * every subscriber until the signal aborts or the socket is lost. One schedule is
 * the daemon's clock: the tick runs it while clients are connected, its own timer
 * otherwise (see `publisher.ts`).
 *
 * @module
 */

import { silentLogger } from "../log.ts";
import type { Platform } from "../metrics/platform.ts";
import { Sampler } from "../metrics/sampler.ts";
import { DEFAULT_MOMENTUM_CONFIG } from "../momentum/momentum.ts";
import { ensureSafeParent, resolveSocketPath } from "../ipc/socket_path.ts";
import { assertPermissionSet, assertSocketGranted } from "../ipc/socket_grants.ts";
import { defaultServeSocket } from "../ipc/socket_place.ts";
import { systemClock } from "../time/clock.ts";
import { Schedule } from "../time/schedule.ts";
import { SERVE_DEFAULTS, type ServeOptions, type Server } from "./options.ts";
import { Publisher } from "./publisher.ts";
import { DaemonSocket } from "./socket.ts";
import { reportStats } from "./stats.ts";
import { DEFAULT_GC_INTERVAL_MS, scheduleCollections } from "./v8.ts";

export type { ServeOptions, Server } from "./options.ts";

/** Start the daemon on a platform; resolves once the socket is bound and accepting. */
export async function serve(platform: Platform, options: ServeOptions): Promise<Server> {
  const o = { ...SERVE_DEFAULTS, log: silentLogger, ...options };
  assertPermissionSet("serve", o.socketPath);
  const path = resolveSocketPath(o.socketPath ?? defaultServeSocket());
  assertSocketGranted(path, "serve", o.socketPath === undefined);
  const parentChecked = ensureSafeParent(path);
  const schedule = new Schedule(systemClock);
  const done = Promise.withResolvers<string | null>(); // why the daemon stopped, if not asked to
  // Bound before sampling settles, so of two daemons starting together the loser is told at
  // once; clients that connect meanwhile wait in the kernel's backlog.
  const socket = await DaemonSocket.bind({
    ...o,
    path,
    mode: o.socketMode,
    schedule,
    checkMs: o.socketCheckMs,
    onConnection: (conn) => publisher.accept(conn),
    onLost: (reason, ours) => void stop(ours).then(() => done.resolve(reason)),
  });
  const facts = await platform.facts().catch(async (error) => {
    await socket.close(true); // a failed start leaves nothing behind
    throw error;
  });
  const sampler = new Sampler(platform.sources(facts, o), {
    ...o,
    cadences: { ...platform.cadences, ...o.cadences },
    schedule,
    enabled: o.sources,
  });
  const momentum = o.momentum ?? DEFAULT_MOMENTUM_CONFIG;
  const publisher = new Publisher({ ...o, sampler, schedule, momentum });
  const collections = scheduleCollections(
    schedule,
    o.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS,
    undefined,
    () => publisher.lastStreamedMs(),
  );
  const stopStats = reportStats(schedule, o.statsIntervalMs ?? 0, o.log, () => ({
    stats: publisher.stats(),
    frames: publisher.sequence,
    spawns: platform.spawns.count,
    health: sampler.health(),
    gcMs: collections.lastPauseMs,
    gcReduced: collections.reduced,
    gcSkipped: collections.skipped,
  }));
  schedule.driveWithTimer(true);
  // Sample before accepting anyone, at full cadence: even the first frame is complete, and a
  // client that comes within the idle grace gets it at once.
  sampler.start();
  await sampler.settled(o.startupSettleMs);
  publisher.idleAfterGrace();
  socket.listen();

  let stopping: Promise<void> | null = null;
  /** Stop accepting, close clients, remove the socket file if it is still ours. */
  const stop = (removeFile: boolean) =>
    stopping ??= (async () => {
      stopStats();
      collections.stop();
      await socket.close(removeFile);
      await publisher.stop();
      schedule.driveWithTimer(false);
      await sampler.stop();
      o.log.log("info", "stopped", { frames: publisher.sequence });
    })();

  const mode = o.socketMode.toString(8).padStart(4, "0");
  // Stopped while starting: "listening" would follow "shutting down" in the log.
  if (!o.signal?.aborted) {
    o.log.log("info", "listening", {
      socket: path,
      mode,
      rate_hz: o.rateHz,
      platform: platform.name,
      parent_checked: parentChecked,
      full_gc: collections.state,
    });
  }
  const onAbort = () => void stop(true).then(() => done.resolve(null));
  // An abort that came while starting up (SIGTERM during facts() or the probe) fires no event.
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    socketPath: path,
    get sequence() {
      return publisher.sequence;
    },
    stats: () => publisher.stats(),
    finished: done.promise.then((lost) => {
      if (lost !== null) throw new Error(lost);
    }),
  };
}

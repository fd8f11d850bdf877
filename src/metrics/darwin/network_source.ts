/**
 * The macOS network source: the default route's interface from `route -n get default`, and its
 * traffic from one long-lived `netstat -w N -I <interface>` (see `netstat_interval.ts`), so a
 * reading a second costs no spawn. `netstat` prints only what moved in each interval, so the
 * totals start from the interface's `<Link#>` counters in one `netstat -ibn` run just before
 * the child starts, and add each line's bytes: traffic in the few milliseconds between that run
 * and the child's own first count is missed, once per start.
 *
 * `route` is asked at the start, every {@linkcode ROUTE_RECHECK_MS}, and after any failure;
 * when the interface changed (or went away), the child is replaced. A child that exits,
 * stalls or prints anything unexpected is stopped, reported, and started afresh (route, totals,
 * child) after a doubling delay, never restarted behind the totals' back.
 *
 * @module
 */

import { LineChild } from "../../process/line_child.ts";
import { runCommand } from "../../process/run.ts";
import type { SpawnCounter } from "../../process/spawn.ts";
import { Backoff } from "../../time/backoff.ts";
import type { Schedule } from "../../time/schedule.ts";
import { MAX_RETRY_MS } from "../polled_source.ts";
import type { Source, SourceSink } from "../source.ts";
import { linkCountersOf, parseNetstatLinks } from "./netstat.ts";
import { NetstatIntervalStream } from "./netstat_interval.ts";
import { noDefaultRoute, parseRouteInterface } from "./route.ts";

/** The tools the network source spawns. */
export interface NetworkTools {
  /** `/sbin/route`, as `route -n get default`. */
  route: string;
  /** `/usr/sbin/netstat`, as `netstat -ibn` once per start, then `netstat -w N -I <if>`. */
  netstat: string;
}

/** How long the default route's interface is trusted before `route` is asked again. */
export const ROUTE_RECHECK_MS = 30_000;

/** `netstat` arguments printing `iface`'s traffic every `intervalMs` (whole seconds, ≥ 1). */
export function intervalArgs(intervalMs: number, iface: string): string[] {
  return ["-w", String(Math.max(1, Math.round(intervalMs / 1000))), "-I", iface];
}

/**
 * The default route's interface from `route -n get default`, or null when there is none
 * (`not in table` on stderr, exit 1). Any other failure throws.
 */
export async function defaultInterface(
  route: string,
  spawns: SpawnCounter,
  signal: AbortSignal,
): Promise<string | null> {
  const run = await runCommand(route, ["-n", "get", "default"], {
    signal,
    allowExitCodes: [1],
    spawns,
  });
  if (run.code === 0) return parseRouteInterface(run.stdout);
  if (noDefaultRoute(run.stderr)) return null;
  throw new Error(`route: ${run.stderr.trim() || "exit status 1"}`);
}

const asError = (error: unknown) => error instanceof Error ? error : new Error(String(error));

/** The network source over `tools`, counting its spawns in `spawns`. */
export function networkSource(tools: NetworkTools, spawns: SpawnCounter): Source {
  let generation = 0; // every start and stop begins a new one; older work is ignored
  let sink: SourceSink | null = null;
  let schedule: Schedule | null = null;
  let intervalMs = 1000;
  let backoff = new Backoff({ initialMs: 2000, maxMs: MAX_RETRY_MS });
  let iface: string | null | undefined; // what the child follows; undefined: start afresh
  let child: LineChild | null = null;
  let stopping: Promise<void> = Promise.resolve();
  let checking = false; // a check of this generation is in flight
  const inFlight = new Set<Promise<void>>(); // checks of any generation, for stop() to await
  let abort: AbortController | null = null;
  let cancelCheck: (() => void) | undefined;

  const stopChild = () => {
    const current = child;
    child = null;
    if (current) stopping = Promise.all([stopping, current.stop()]).then(() => {});
  };

  const checkIn = (delayMs: number) => {
    cancelCheck?.();
    cancelCheck = schedule!.at(schedule!.clock.now() + delayMs, () => {
      cancelCheck = undefined;
      if (!checking) runCheck();
    });
  };

  const failed = (error: unknown) => {
    sink!.fail(asError(error));
    stopChild();
    iface = undefined;
    checkIn(Math.max(intervalMs, backoff.next()));
  };

  /** Starts the child for `name`, its totals from `base`. */
  const follow = (name: string, base: { receivedBytes: number; sentBytes: number }) => {
    const gen = generation;
    const clock = schedule!.clock;
    const parser = new NetstatIntervalStream(name);
    let received = base.receivedBytes;
    let sent = base.sentBytes;
    let lastAt: number | null = null; // the title's arrival: the child's own start of counting
    const current: LineChild = new LineChild({
      path: tools.netstat,
      args: intervalArgs(intervalMs, name),
      stallMs: intervalMs * 3 + 5000,
      schedule: schedule!,
      spawns,
      onLine(text) {
        const started = performance.now();
        const now = clock.now();
        const bytes = parser.line(text); // a throw is reported through onError
        if (bytes === "banner") lastAt ??= now;
        if (bytes === null || bytes === "banner") return;
        // A line late in arriving (the process was frozen) covers more than one interval.
        const windowMs = Math.max(now - (lastAt ?? now), intervalMs);
        lastAt = now;
        received += bytes.receivedBytes;
        sent += bytes.sentBytes;
        backoff.reset();
        sink!.emit({
          network: {
            interface: name,
            receiveBytesPerSecond: (bytes.receivedBytes * 1000) / windowMs,
            sendBytesPerSecond: (bytes.sentBytes * 1000) / windowMs,
            receivedBytes: received,
            sentBytes: sent,
          },
        }, performance.now() - started);
      },
      onError(failure) {
        if (gen === generation && child === current) failed(failure);
      },
    });
    child = current;
    iface = name;
    current.start();
  };

  const runCheck = () => {
    checking = true;
    const running = check(generation);
    inFlight.add(running);
    running.finally(() => inFlight.delete(running));
  };

  /** Asks `route`; starts, replaces or stops the child when the interface changed. */
  const check = async (gen: number): Promise<void> => {
    abort = new AbortController();
    const signal = abort.signal;
    try {
      const name = await defaultInterface(tools.route, spawns, signal);
      if (gen !== generation) return;
      if (name === null) {
        stopChild();
        await stopping; // no child is left once "no default route" is told
        if (gen !== generation) return;
        iface = null;
        sink!.emit({ network: null, unseen: "no default route" });
      } else if (name !== iface || child === null) {
        stopChild();
        iface = undefined;
        await stopping; // never two children at once
        const { stdout } = await runCommand(tools.netstat, ["-ibn"], { signal, spawns });
        const base = linkCountersOf(parseNetstatLinks(stdout), name);
        if (gen !== generation) return;
        follow(name, base);
      }
      checkIn(ROUTE_RECHECK_MS);
    } catch (error) {
      if (gen === generation) failed(error);
    } finally {
      if (gen === generation) checking = false;
    }
  };

  return {
    name: "network",
    streamed: true,
    start(newIntervalMs, newSink, newSchedule) {
      generation++;
      cancelCheck?.();
      abort?.abort();
      stopChild();
      iface = undefined;
      intervalMs = newIntervalMs;
      sink = newSink;
      schedule = newSchedule;
      // A failing start retries after twice the interval, then four times, … up to a minute.
      backoff = new Backoff({ initialMs: 2 * intervalMs, maxMs: MAX_RETRY_MS });
      runCheck();
    },
    async stop() {
      generation++;
      cancelCheck?.();
      cancelCheck = undefined;
      abort?.abort();
      stopChild();
      checking = false;
      await Promise.all([...inFlight, stopping]);
    },
  };
}

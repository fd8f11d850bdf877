/**
 * The reads of the macOS sources added after the seed (load and swap, from Deno's own
 * APIs, are in `runtime_sources.ts`): memory pressure from one `sysctl`, network from
 * `netstat -ibn` (the default route's interface from `route`, rarely), disk throughput and
 * GPU from `ioreg`, the battery from `pmset`. Each read spawns at most one tool, except when
 * the route is due.
 *
 * @module
 */

import { runCommand } from "../../process/run.ts";
import type { Clock } from "../../time/clock.ts";
import { diskIoFrom, networkFrom, RateWindow, readRates } from "../rate.ts";
import type { PolledRead as Read } from "../polled_source.ts";
import { blockStorageBytes, gpuUtilization } from "./ioreg.ts";
import { linkCountersOf, parseNetstatLinks } from "./netstat.ts";
import { parsePmsetBatt } from "./pmset.ts";
import { memoryPressureFromSysctl, PRESSURE_SYSCTL_KEY } from "./pressure.ts";
import { noDefaultRoute, parseRouteInterface } from "./route.ts";
import { interpretSysctlRun } from "./sysctl.ts";

/**
 * Memory pressure from `sysctl kern.memorystatus_vm_pressure_level`; null on a macOS that
 * does not know the key (a successful reading of "not reported"), an error for any value
 * but 1, 2 or 4.
 */
export function pressureReader(sysctl: string): Read {
  return async (signal) => {
    const run = await runCommand(sysctl, [PRESSURE_SYSCTL_KEY], { signal, allowExitCodes: [1] });
    const result = interpretSysctlRun(run, [PRESSURE_SYSCTL_KEY]);
    if (result.unknownKeys.includes(PRESSURE_SYSCTL_KEY)) return { memoryPressure: null };
    return { memoryPressure: memoryPressureFromSysctl(result.values) };
  };
}

/** Tools the network read spawns. */
export interface NetworkTools {
  /** `/sbin/route`, as `route -n get default`. */
  route: string;
  /** `/usr/sbin/netstat`, as `netstat -ibn`. */
  netstat: string;
}

/** How long the default route's interface is trusted before `route` is asked again. */
export const ROUTE_RECHECK_MS = 30_000;

/**
 * Traffic of the default route's interface: its `<Link#>` counters from `netstat -ibn` and
 * rates over the window since the previous reading (the first waits for a real window). The
 * interface comes from `route -n get default` at the first read, every
 * {@linkcode ROUTE_RECHECK_MS} and after any failure. Null without a default route; a route
 * that moved to another interface starts the window afresh, as does a counter that went
 * backwards.
 */
export function networkReader(tools: NetworkTools, clock: Clock): Read {
  const window = new RateWindow();
  let iface: string | null | undefined; // undefined: ask route
  let routeAt = 0;
  const defaultInterface = async (signal: AbortSignal) => {
    if (iface !== undefined && clock.now() - routeAt < ROUTE_RECHECK_MS) return iface;
    iface = undefined;
    const run = await runCommand(tools.route, ["-n", "get", "default"], {
      signal,
      allowExitCodes: [1],
    });
    if (run.code === 1 && !noDefaultRoute(run.stderr)) {
      throw new Error(`route: ${run.stderr.trim() || "exit status 1"}`);
    }
    routeAt = clock.now();
    iface = run.code === 1 ? null : parseRouteInterface(run.stdout);
    return iface;
  };
  return async (signal) => {
    const take = async () => {
      const name = await defaultInterface(signal);
      if (name === null) return null;
      try {
        const { stdout } = await runCommand(tools.netstat, ["-ibn"], { signal });
        const link = linkCountersOf(parseNetstatLinks(stdout), name);
        return { key: name, counters: [link.receivedBytes, link.sentBytes], at: clock.now() };
      } catch (error) {
        iface = undefined; // the interface may be gone: ask route again next time
        throw error;
      }
    };
    return { network: networkFrom(await readRates(take, window, clock, signal)) };
  };
}

/** `ioreg` arguments listing every node of `className` with its properties, unwrapped. */
export function ioregArgs(className: string): string[] {
  return ["-r", "-d", "1", "-w", "0", "-c", className];
}

/**
 * Throughput of the disks from the `IOBlockStorageDriver` byte counters (every block device
 * the kernel drives: internal, external and mounted disk images): totals since boot and
 * rates over the window since the previous reading. Null when no driver is listed; a changed
 * number of drivers starts the window afresh.
 */
export function diskIoReader(ioreg: string, clock: Clock): Read {
  const window = new RateWindow();
  return async (signal) => {
    const take = async () => {
      const { stdout } = await runCommand(ioreg, ioregArgs("IOBlockStorageDriver"), { signal });
      const bytes = blockStorageBytes(stdout);
      if (bytes === null) return null;
      const key = `${bytes.drivers} drivers`;
      return { key, counters: [bytes.readBytes, bytes.writtenBytes], at: clock.now() };
    };
    return { diskIo: diskIoFrom(await readRates(take, window, clock, signal)) };
  };
}

/** GPU busy percent from `ioreg -c IOAccelerator`; null where no accelerator reports it. */
export function gpuReader(ioreg: string): Read {
  return async (signal) => {
    const { stdout } = await runCommand(ioreg, ioregArgs("IOAccelerator"), { signal });
    return { gpuUsage: gpuUtilization(stdout) };
  };
}

/** The internal battery from `pmset -g batt`; null on a Mac without one. */
export function batteryReader(pmset: string): Read {
  return async (signal) => {
    const { stdout } = await runCommand(pmset, ["-g", "batt"], { signal });
    return { battery: parsePmsetBatt(stdout) };
  };
}

/**
 * The polled reads of the macOS sources added after the seed (load and swap, from Deno's own
 * APIs, are in `runtime_sources.ts`; the network is a long-lived child, `network_source.ts`):
 * memory pressure from one `sysctl`, disk throughput and GPU from `ioreg`, the battery and
 * thermal throttling from `pmset`. Each read spawns one tool, counted in the platform's `spawns`.
 *
 * @module
 */

import { cpus } from "node:os";
import { runCommand } from "../../process/run.ts";
import type { SpawnCounter } from "../../process/spawn.ts";
import type { Clock } from "../../time/clock.ts";
import { diskIoFrom, RateWindow, readRates } from "../rate.ts";
import type { PolledRead as Read, PolledReads } from "../polled_source.ts";
import { blockStorageBytes, gpuUtilization } from "./ioreg.ts";
import { parsePmsetBatt } from "./pmset.ts";
import { parsePmsetTherm, thermalFromPmset } from "./pmset_therm.ts";
import { memoryPressureFromSysctl, PRESSURE_SYSCTL_KEY } from "./pressure.ts";
import { interpretSysctlRun } from "./sysctl.ts";

/** The macOS tools the polled reads spawn. */
export interface DarwinReadTools {
  /** `/usr/sbin/sysctl`, for memory pressure. */
  readonly sysctl: string;
  /** `/usr/sbin/ioreg`, for disk throughput and the GPU. */
  readonly ioreg: string;
  /** `/usr/bin/pmset`, as `pmset -g batt` for the battery and `pmset -g therm` for throttling. */
  readonly pmset: string;
}

/**
 * The macOS sources read by one tool run each, by source name: the platform runs each as a
 * polled source, so a new one is added here (and declared in `sources.ts` and `readings/`)
 * alone.
 */
export function darwinReads(
  tools: DarwinReadTools,
  clock: Clock,
  spawns: SpawnCounter,
): PolledReads {
  return {
    pressure: pressureReader(tools.sysctl, spawns),
    diskio: diskIoReader(tools.ioreg, clock, spawns),
    battery: batteryReader(tools.pmset, spawns),
    gpu: gpuReader(tools.ioreg, spawns),
    thermal: thermalReader(tools.pmset, spawns),
  };
}

/**
 * Memory pressure from `sysctl kern.memorystatus_vm_pressure_level`; null on a macOS that
 * does not know the key (a successful reading of "not reported"), an error for any value
 * but 1, 2 or 4.
 */
export function pressureReader(sysctl: string, spawns: SpawnCounter): Read {
  return async (signal) => {
    const run = await runCommand(sysctl, [PRESSURE_SYSCTL_KEY], {
      signal,
      allowExitCodes: [1],
      spawns,
    });
    const result = interpretSysctlRun(run, [PRESSURE_SYSCTL_KEY]);
    if (result.unknownKeys.includes(PRESSURE_SYSCTL_KEY)) return { memoryPressure: null };
    return { memoryPressure: memoryPressureFromSysctl(result.values) };
  };
}

/**
 * `ioreg` arguments listing every node of `className` with its properties, unwrapped. `ioreg`
 * keeps only the last `-c` it is given (and `-k`, `-n` narrow the same search further), so
 * disk throughput and the GPU cannot share a run: each costs its own spawn.
 */
export function ioregArgs(className: string): string[] {
  return ["-r", "-d", "1", "-w", "0", "-c", className];
}

/**
 * Throughput of the disks from the `IOBlockStorageDriver` byte counters (every block device
 * the kernel drives: internal, external and mounted disk images): totals since boot and
 * rates over the window since the previous reading. Null when no driver is listed; a changed
 * number of drivers starts the window afresh.
 */
export function diskIoReader(ioreg: string, clock: Clock, spawns: SpawnCounter): Read {
  const window = new RateWindow();
  return async (signal, intervalMs) => {
    const take = async () => {
      const { stdout } = await runCommand(ioreg, ioregArgs("IOBlockStorageDriver"), {
        signal,
        spawns,
      });
      const bytes = blockStorageBytes(stdout);
      if (bytes === null) return null;
      const key = `${bytes.drivers} drivers`;
      return { key, counters: [bytes.readBytes, bytes.writtenBytes], at: clock.now() };
    };
    return { diskIo: diskIoFrom(await readRates(take, window, clock, signal, intervalMs)) };
  };
}

/** GPU busy percent from `ioreg -c IOAccelerator`; null where no accelerator reports it. */
export function gpuReader(ioreg: string, spawns: SpawnCounter): Read {
  return async (signal) => {
    const { stdout } = await runCommand(ioreg, ioregArgs("IOAccelerator"), { signal, spawns });
    return { gpuUsage: gpuUtilization(stdout) };
  };
}

/** The internal battery from `pmset -g batt`; null on a Mac without one. */
export function batteryReader(pmset: string, spawns: SpawnCounter): Read {
  return async (signal) => {
    const { stdout } = await runCommand(pmset, ["-g", "batt"], { signal, spawns });
    return { battery: parsePmsetBatt(stdout) };
  };
}

/**
 * Thermal throttling from `pmset -g therm` (not shareable with the battery's run: `pmset -g`
 * prints one report a run); fewer CPUs available than `cpus()` counts is throttling too.
 */
export function thermalReader(pmset: string, spawns: SpawnCounter): Read {
  const logicalCpus = cpus().length;
  return async (signal) => {
    const { stdout } = await runCommand(pmset, ["-g", "therm"], { signal, spawns });
    return { thermal: thermalFromPmset(parsePmsetTherm(stdout), logicalCpus) };
  };
}

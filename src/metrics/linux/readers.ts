/**
 * The reads of the Linux sources added after the seed (load and swap, from Deno's own
 * APIs, are in `runtime_sources.ts`), from `/proc` and `/sys` through a
 * {@linkcode FileReader} (one grep, shared by the reads due in the same tick), the
 * temperature's sysfs files among them.
 *
 * @module
 */

import { cpus } from "node:os";
import type { Clock } from "../../time/clock.ts";
import { ParseError } from "../parse_error.ts";
import { diskIoFrom, networkFrom, RateWindow, readRates } from "../rate.ts";
import type { PolledRead as Read, PolledReads } from "../polled_source.ts";
import { DISKSTATS_FILE, parseDiskstats } from "./diskstats.ts";
import { gpuFiles, parseGpuBusy } from "./gpu.ts";
import { parseBattery, powerSupplyFiles } from "./power_supply.ts";
import { type FileReader, joinGrepOutput, ProbedFiles } from "./proc_files.ts";
import { parseThermal, thermalFiles } from "./thermal.ts";
import { defaultInterfaceBytes, NET_FILES, noRouteReason } from "./proc_net.ts";
import { parsePressure, PRESSURE_FILE, pressureLevel } from "./pressure.ts";
import {
  parseThrottle,
  thermalFromThrottle,
  throttleFiles,
  type ThrottleReading,
} from "./throttle.ts";

/** What the Linux reads share: one grep for the files due in a tick, and the clock. */
export interface LinuxReadContext {
  /** Reads procfs and sysfs files (one grep for the reads due in the same tick). */
  readonly files: FileReader;
  /** The clock rates and reprobes are timed by. */
  readonly clock: Clock;
}

/** The Linux sources that read `/proc` and `/sys` files, by source name. */
export function linuxReads({ files, clock }: LinuxReadContext): PolledReads {
  return {
    temperature: temperatureReader(files, clock),
    pressure: pressureReader(files),
    network: networkReader(files, clock),
    diskio: diskIoReader(files, clock),
    battery: batteryReader(files, clock),
    gpu: gpuReader(files, clock),
    thermal: throttleReader(files, clock),
  };
}

/** Memory pressure from PSI; null on a kernel without it (the file is absent or unreadable). */
export function pressureReader(reader: FileReader): Read {
  return async (signal) => {
    const text = (await reader([PRESSURE_FILE], signal)).get(PRESSURE_FILE);
    return { memoryPressure: text === undefined ? null : pressureLevel(parsePressure(text)) };
  };
}

/**
 * Traffic of the default route's interface: totals from `/proc/net/dev` and rates over
 * the window since the previous reading (the first waits for a real window). Null
 * without a default route; a route that moved to another interface starts the window
 * afresh, as does a counter that went backwards.
 */
export function networkReader(reader: FileReader, clock: Clock): Read {
  const window = new RateWindow();
  return async (signal, intervalMs) => {
    let unseen: string | null = null;
    const take = async () => {
      const texts = await reader(NET_FILES, signal);
      const found = defaultInterfaceBytes(texts);
      if (found === null) {
        unseen = noRouteReason(texts);
        return null;
      }
      return {
        key: found.name,
        counters: [found.bytes.received, found.bytes.sent],
        at: clock.now(),
      };
    };
    const network = networkFrom(await readRates(take, window, clock, signal, intervalMs));
    return unseen === null ? { network } : { network, unseen };
  };
}

/**
 * Throughput of the whole physical disks (see diskstats.ts for the rule): totals since
 * boot and rates over the window since the previous reading. Null when the file lists no
 * whole disk; a changed set of disks starts the window afresh.
 */
export function diskIoReader(reader: FileReader, clock: Clock): Read {
  const window = new RateWindow();
  return async (signal, intervalMs) => {
    const take = async () => {
      const text = (await reader([DISKSTATS_FILE], signal)).get(DISKSTATS_FILE);
      if (text === undefined) throw new ParseError(DISKSTATS_FILE, 0, "missing");
      const disks = parseDiskstats(text);
      if (disks.disks.length === 0) return null;
      return { key: disks.disks.join(","), counters: [disks.read, disks.written], at: clock.now() };
    };
    return { diskIo: diskIoFrom(await readRates(take, window, clock, signal, intervalMs)) };
  };
}

/** The battery; null on a machine without one, whose candidates are probed again rarely. */
export function batteryReader(reader: FileReader, clock: Clock, reprobeMs?: number): Read {
  const files = new ProbedFiles(powerSupplyFiles(), reprobeMs);
  return async (signal) => ({
    battery: parseBattery(await files.read(reader, clock.now(), signal)),
  });
}

/** GPU busy percent; null where no GPU reports it, probed again rarely. */
export function gpuReader(reader: FileReader, clock: Clock, reprobeMs?: number): Read {
  const files = new ProbedFiles(gpuFiles(), reprobeMs);
  return async (signal) => ({
    gpuUsage: parseGpuBusy(await files.read(reader, clock.now(), signal)),
  });
}

/** How long a machine with no sensor file goes before the candidates are probed again. */
export const THERMAL_REPROBE_MS = 60_000;

/**
 * The CPU temperature: the first read probes every candidate sysfs file, later reads ask
 * for just those that exist. A machine with none (most VMs) reports no temperature without
 * spawning anything, and is probed again every `reprobeMs` (default
 * {@linkcode THERMAL_REPROBE_MS}) in case a sensor driver loads late.
 */
export function temperatureReader(
  reader: FileReader,
  clock: Clock,
  reprobeMs: number = THERMAL_REPROBE_MS,
): Read {
  const files = new ProbedFiles(thermalFiles(), reprobeMs);
  return async (signal) => ({
    temperature: parseThermal(joinGrepOutput(await files.read(reader, clock.now(), signal))),
  });
}

/**
 * Thermal throttling from the CPUs' throttle counters and cpufreq (see throttle.ts): the first
 * read probes every candidate file, later ones just those found; a machine with none (most
 * VMs) has no value and spawns nothing for it until the candidates are probed again.
 */
export function throttleReader(
  reader: FileReader,
  clock: Clock,
  reprobeMs: number = THERMAL_REPROBE_MS,
): Read {
  const files = new ProbedFiles(throttleFiles(cpus().length), reprobeMs);
  let previous: ThrottleReading | null = null;
  return async (signal) => {
    const reading = parseThrottle(await files.read(reader, clock.now(), signal));
    const thermal = thermalFromThrottle(previous, reading);
    previous = reading;
    return { thermal };
  };
}

/**
 * CPU throttling on Linux, from two kernel signals read through the shared `grep`:
 *
 * - `/sys/devices/system/cpu/cpuN/thermal_throttle/{core,package}_throttle_count`: how many
 *   times the CPU's own thermal monitor clamped it since boot (x86 `therm_throt`; Intel CPUs
 *   on bare metal). A count that grew between two readings means the machine was throttled
 *   within that window: the kernel's direct signal, whatever its cause.
 * - `/sys/devices/system/cpu/cpufreq/policyN/{scaling_max_freq,cpuinfo_max_freq}`: the highest
 *   frequency the policy allows now against the hardware's highest, kHz. Their lowest ratio is
 *   the speed limit in force: thermal cooling through cpufreq lowers it, and so can a user's or
 *   a power profile's cap, so on its own it does not count as throttling.
 *
 * A machine with neither (most VMs, this one included) has no throttle value.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { ThermalSample } from "../types.ts";

const CPU = "/sys/devices/system/cpu";

/** The candidate files for a machine with `cpus` logical CPUs (missing ones are skipped). */
export function throttleFiles(cpus: number): string[] {
  const files: string[] = [];
  for (let i = 0; i < cpus; i++) {
    files.push(
      `${CPU}/cpu${i}/thermal_throttle/core_throttle_count`,
      `${CPU}/cpu${i}/thermal_throttle/package_throttle_count`,
      `${CPU}/cpufreq/policy${i}/scaling_max_freq`,
      `${CPU}/cpufreq/policy${i}/cpuinfo_max_freq`,
    );
  }
  return files;
}

/** What the throttle files say at one reading. */
export interface ThrottleReading {
  /** Throttle events since boot, summed over every counter present; null without counters. */
  events: number | null;
  /** Which counters were summed (a changed set makes two sums incomparable). */
  counters: string;
  /** The lowest `scaling_max_freq / cpuinfo_max_freq` of the policies, 0–1; null without cpufreq. */
  speedLimit: number | null;
}

const COUNT = /\/(core|package)_throttle_count$/;
const POLICY = /^(.*\/policy\d+)\/(scaling_max_freq|cpuinfo_max_freq)$/;

/**
 * The throttle counters' sum and the speed limit from the files' texts (path → text). Throws
 * {@link ParseError} naming the file for a value that is not a whole number, and for a policy
 * whose maximum is 0.
 */
export function parseThrottle(texts: ReadonlyMap<string, string>): ThrottleReading {
  let events: number | null = null;
  const counters: string[] = [];
  const policies = new Map<string, { scaling?: number; max?: number }>();
  for (const [file, text] of texts) {
    const raw = text.trim();
    if (!/^\d{1,15}$/.test(raw)) throw new ParseError(file, 1, "expected a whole number", text);
    const value = Number(raw);
    if (COUNT.test(file)) {
      events = (events ?? 0) + value;
      counters.push(file);
      continue;
    }
    const policy = POLICY.exec(file);
    if (!policy) continue;
    const entry = policies.get(policy[1]) ?? {};
    if (policy[2] === "scaling_max_freq") entry.scaling = value;
    else entry.max = value;
    policies.set(policy[1], entry);
  }
  let speedLimit: number | null = null;
  for (const [policy, { scaling, max }] of policies) {
    if (scaling === undefined || max === undefined) continue;
    if (max === 0) throw new ParseError(`${policy}/cpuinfo_max_freq`, 1, "a maximum of 0 kHz");
    // a policy never allows more than the maximum; a boost frequency above it is no limit
    speedLimit = Math.min(speedLimit ?? 1, scaling / max, 1);
  }
  return { events, counters: counters.sort().join(","), speedLimit };
}

/**
 * The thermal value of a reading, given the one before (null at the first): `throttled` when
 * the same counters grew since, `nominal` when they stayed, and null when there is nothing to compare
 * (the first reading, no counters, a changed set of counters, a count that went back). Null
 * as a whole when the machine has neither counters nor cpufreq.
 */
export function thermalFromThrottle(
  previous: ThrottleReading | null,
  reading: ThrottleReading,
): ThermalSample | null {
  const { events, speedLimit } = reading;
  if (events === null && speedLimit === null) return null;
  const comparable = previous !== null && previous.events !== null && events !== null &&
    previous.counters === reading.counters && events >= previous.events;
  return {
    speedLimit,
    schedulerLimit: null,
    availableCpus: null,
    state: comparable ? (events > previous.events! ? "throttled" : "nominal") : null,
    warningLevel: null,
  };
}

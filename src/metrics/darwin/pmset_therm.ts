/**
 * Parser for `/usr/bin/pmset -g therm`: the limits the power manager last put on the CPU and
 * the warning levels it last recorded, e.g. on an Intel Mac (the same block `pmset -g
 * thermlog` prints at each change):
 *
 * ```text
 * Note: No thermal warning level has been recorded
 * Note: No performance warning level has been recorded
 * 2021-05-02 11:51:57 +0800 CPU Power notify
 * 	CPU_Scheduler_Limit 	= 100
 * 	CPU_Available_CPUs 	= 12
 * 	CPU_Speed_Limit 	= 100
 * ```
 *
 * Apple silicon Macs print the three `Note: No … has been recorded` lines and nothing else.
 * The power manager's source (`pmset.m`) prints a recorded level as `Thermal Warning Level =
 * N` after a timestamp, and `CPU Power notify` on stderr, so through a pipe the timestamp may
 * run into the first limit's line; both are accepted. Limits are percentages; any line that is
 * none of these (an `Error: …` from pmset included) is refused.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { ThermalSample } from "../types.ts";

const SOURCE = "pmset";

/** What `pmset -g therm` reports; each value is null when nothing was recorded. */
export interface PmsetTherm {
  /** `CPU_Speed_Limit`: percent of full speed the CPU may run at, 0–100. */
  speedLimit: number | null;
  /** `CPU_Scheduler_Limit`: percent of CPU time the scheduler may hand out, 0–100. */
  schedulerLimit: number | null;
  /** `CPU_Available_CPUs`: how many CPUs the scheduler may use. */
  availableCpus: number | null;
  /** The thermal warning level last recorded (0 normal, 5 danger, 10 critical, ≥ 100 platform). */
  thermalWarningLevel: number | null;
  /** The performance warning level last recorded. */
  performanceWarningLevel: number | null;
}

const STAMP = String.raw`(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\s+)?`;
const NOTE =
  /^Note: No (thermal warning level|performance warning level|CPU power status) has been recorded$/;
const LEVEL = new RegExp(`^${STAMP}(Thermal|Performance) Warning Level = (\\d{1,10})$`);
const NOTIFY = new RegExp(`^${STAMP}CPU Power notify$`);
const LIMIT = new RegExp(`^${STAMP}(CPU_[A-Za-z_]+)\\s*=\\s*(\\d{1,10})$`);

const LIMITS: Record<string, { key: keyof PmsetTherm; max: number }> = {
  CPU_Speed_Limit: { key: "speedLimit", max: 100 },
  CPU_Scheduler_Limit: { key: "schedulerLimit", max: 100 },
  CPU_Available_CPUs: { key: "availableCpus", max: 65_535 },
};

/**
 * The limits and levels of `pmset -g therm` (or one `thermlog` block). Throws
 * {@link ParseError} naming the line for a line it does not know, a limit out of its range,
 * a value given twice, and (line 0) for output that says nothing at all.
 */
export function parsePmsetTherm(stdout: string): PmsetTherm {
  const result: PmsetTherm = {
    speedLimit: null,
    schedulerLimit: null,
    availableCpus: null,
    thermalWarningLevel: null,
    performanceWarningLevel: null,
  };
  const seen = new Set<string>();
  let said = false;
  const lines = stdout.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "").trim();
    const fail = (reason: string): never => {
      throw new ParseError(SOURCE, index + 1, reason, raw);
    };
    const once = (what: string) => {
      if (seen.has(what)) fail(`${what} given twice`);
      seen.add(what);
      said = true;
    };
    if (line === "") return;
    const note = NOTE.exec(line);
    if (note) return once(note[1]);
    if (NOTIFY.test(line)) return;
    const level = LEVEL.exec(line);
    if (level) {
      once(`${level[1].toLowerCase()} warning level`);
      const key = level[1] === "Thermal" ? "thermalWarningLevel" : "performanceWarningLevel";
      result[key] = Number(level[2]);
      return;
    }
    const limit = LIMIT.exec(line);
    if (!limit) return fail("expected a note, a warning level or a CPU limit");
    const known = LIMITS[limit[1]];
    if (known === undefined) return; // another CPU_ value of a newer macOS: not ours to read
    once(limit[1]);
    const value = Number(limit[2]);
    if (value > known.max) fail(`${limit[1]} out of range (0-${known.max})`);
    result[known.key] = value;
  });
  if (!said) throw new ParseError(SOURCE, 0, "no limit, level or note in the output");
  return result;
}

/**
 * The thermal value of a `pmset -g therm` report on a Mac with `logicalCpus` CPUs: limits as
 * fractions, and `throttled` while a limit is below 100 %, fewer CPUs than the Mac has are
 * available, or a thermal warning level above normal is recorded. With neither limits nor a
 * level recorded (every Apple silicon Mac so far) the state is null: pmset says nothing
 * either way.
 */
export function thermalFromPmset(therm: PmsetTherm, logicalCpus: number): ThermalSample {
  const { speedLimit, schedulerLimit, availableCpus, thermalWarningLevel: level } = therm;
  const known = speedLimit !== null || schedulerLimit !== null || availableCpus !== null ||
    level !== null;
  const throttled = (speedLimit ?? 100) < 100 || (schedulerLimit ?? 100) < 100 ||
    (availableCpus ?? logicalCpus) < logicalCpus || (level ?? 0) > 0;
  return {
    speedLimit: speedLimit === null ? null : speedLimit / 100,
    schedulerLimit: schedulerLimit === null ? null : schedulerLimit / 100,
    availableCpus,
    state: known ? (throttled ? "throttled" : "nominal") : null,
    warningLevel: level,
  };
}

/**
 * Memory pressure from the kernel's pressure-stall information, `/proc/pressure/memory`:
 *
 * ```text
 * some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * ```
 *
 * `some` is the share of the last 10 s in which at least one task waited for memory
 * (reclaim, swap-in, refaults), `full` the share in which every non-idle task did at
 * once. The levels, on the 10-second averages so a change shows within seconds:
 * - **critical** when `full avg10` ≥ {@linkcode PRESSURE_CRITICAL_FULL} %: for a tenth
 *   of the time nothing useful ran because everything waited for memory (thrashing; the
 *   machine feels stuck);
 * - **warning** when `some avg10` ≥ {@linkcode PRESSURE_WARNING_SOME} %: tasks lose a
 *   tenth of their time to memory stalls (the lag a user starts to notice);
 * - **normal** otherwise.
 *
 * A kernel without PSI (no file, or `psi=0` and the file refuses reads) has no reading.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { MemoryPressure } from "../types.ts";

/** The file the pressure source reads. */
export const PRESSURE_FILE = "/proc/pressure/memory";

/** `full avg10` (percent) at or above which pressure is critical. */
export const PRESSURE_CRITICAL_FULL = 10;
/** `some avg10` (percent) at or above which pressure is a warning. */
export const PRESSURE_WARNING_SOME = 10;

/** The 10-second averages of a PSI file, percent. */
export interface PressureAverages {
  /** Share of time at least one task stalled. */
  some: number;
  /** Share of time every non-idle task stalled at once. */
  full: number;
}

/** The `avg10` of the `some` and `full` lines of `/proc/pressure/memory` text. */
export function parsePressure(text: string): PressureAverages {
  const found: Partial<PressureAverages> = {};
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m =
      /^(some|full) avg10=(\d{1,3}\.\d{2}) avg60=\d{1,3}\.\d{2} avg300=\d{1,3}\.\d{2} total=\d+\s*$/
        .exec(line);
    if (!m) throw new ParseError(PRESSURE_FILE, i + 1, "not a PSI line", line);
    found[m[1] as "some" | "full"] = Number(m[2]);
  });
  if (found.some === undefined) throw new ParseError(PRESSURE_FILE, 0, "no `some` line");
  // Kernels before 5.13 have no `full` line for the CPU file only; memory always has one,
  // but a missing one reads as no full stall rather than as an error.
  return { some: found.some, full: found.full ?? 0 };
}

/** The level the averages mean, by the thresholds above. */
export function pressureLevel(averages: PressureAverages): MemoryPressure {
  if (averages.full >= PRESSURE_CRITICAL_FULL) return "critical";
  if (averages.some >= PRESSURE_WARNING_SOME) return "warning";
  return "normal";
}

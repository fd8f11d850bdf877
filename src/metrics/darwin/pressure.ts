/**
 * Memory pressure from `/usr/sbin/sysctl kern.memorystatus_vm_pressure_level`: the level the
 * kernel signals to apps, 1 normal, 2 warning, 4 critical (`NOTE_MEMORYSTATUS_PRESSURE_*`).
 * The key is masked (absent from `sysctl -a`, readable by name), so no published `sysctl`
 * capture holds it: the value is taken only when it is one of those three.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { MemoryPressure } from "../types.ts";

/** The key the pressure source asks for. */
export const PRESSURE_SYSCTL_KEY = "kern.memorystatus_vm_pressure_level";

const LEVELS: Record<string, MemoryPressure> = { "1": "normal", "2": "warning", "4": "critical" };

/**
 * The level in a parsed `sysctl` Map. Throws {@link ParseError} (line 0) naming the value
 * when the key is missing or its value is not 1, 2 or 4: never a guessed level.
 */
export function memoryPressureFromSysctl(map: ReadonlyMap<string, string>): MemoryPressure {
  const value = map.get(PRESSURE_SYSCTL_KEY);
  if (value === undefined) throw new ParseError("sysctl", 0, `${PRESSURE_SYSCTL_KEY} missing`);
  const level = Object.hasOwn(LEVELS, value) ? LEVELS[value] : undefined;
  if (level === undefined) {
    throw new ParseError("sysctl", 0, `${PRESSURE_SYSCTL_KEY} is ${JSON.stringify(value)}`);
  }
  return level;
}

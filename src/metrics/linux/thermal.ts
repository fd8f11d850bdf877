/**
 * CPU temperature on Linux from sysfs, read through one `/bin/grep -s -H .` run
 * over a fixed list of candidate files (Deno grants `/sys` reads only with
 * `--allow-all`, so the daemon asks grep instead of widening its sandbox).
 * Only CPU/package sensors count; a machine without one reports no temperature.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const ZONES = 16;
const HWMONS = 16;
const INPUTS = 8;

/** The sysfs files grep is asked to print (missing ones are skipped silently by `-s`). */
export function thermalFiles(): string[] {
  const files: string[] = [];
  for (let i = 0; i < ZONES; i++) {
    files.push(
      `/sys/class/thermal/thermal_zone${i}/type`,
      `/sys/class/thermal/thermal_zone${i}/temp`,
    );
  }
  for (let i = 0; i < HWMONS; i++) {
    files.push(`/sys/class/hwmon/hwmon${i}/name`);
    for (let j = 1; j <= INPUTS; j++) {
      files.push(
        `/sys/class/hwmon/hwmon${i}/temp${j}_input`,
        `/sys/class/hwmon/hwmon${i}/temp${j}_label`,
      );
    }
  }
  return files;
}

/** hwmon drivers that measure the CPU package or die. */
const CPU_HWMON = /^(coretemp|k10temp|zenpower|cpu_thermal|cpu-thermal|soc_thermal|apple_smc)$/;
/** Preferred hwmon labels: package/die figure rather than a single core. */
const PACKAGE_LABEL = /^(Package id \d+|Tdie|Tctl|CPU|Physical id \d+)/i;
/** thermal_zone types that are the CPU or SoC. */
const CPU_ZONE = /^(x86_pkg_temp|cpu[-_]?thermal|cpu\d*[-_]thermal|soc[-_]thermal|cpu)$/i;

/** A reading in °C if plausible for a CPU (sysfs gives millidegrees; ≤ 0 means "not populated"). */
function celsius(raw: string | undefined): number | null {
  if (raw === undefined || !/^-?\d+$/.test(raw)) return null;
  const value = Number(raw) / 1000;
  return value > 0 && value <= 150 ? value : null;
}

/**
 * Pick the CPU temperature from `grep -s -H . FILES…` output (`path:value` lines).
 * Preference: a CPU hwmon's package/die input, then its hottest input, then a
 * CPU/SoC thermal zone, then ACPI's `acpitz`. Returns null when none is present.
 */
export function parseThermal(output: string): number | null {
  const zones = new Map<number, { type?: string; temp?: string }>();
  type Hwmon = { name?: string; inputs: Map<number, { value?: string; label?: string }> };
  const hwmons = new Map<number, Hwmon>();
  const lines = output.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (line === "") return;
    const zone = /^\/sys\/class\/thermal\/thermal_zone(\d+)\/(type|temp):(.*)$/.exec(line);
    if (zone) {
      const entry = zones.get(Number(zone[1])) ?? {};
      entry[zone[2] as "type" | "temp"] = zone[3].trim();
      zones.set(Number(zone[1]), entry);
      return;
    }
    const hw = /^\/sys\/class\/hwmon\/hwmon(\d+)\/(?:(name)|temp(\d+)_(input|label)):(.*)$/.exec(
      line,
    );
    if (hw) {
      const entry: Hwmon = hwmons.get(Number(hw[1])) ?? { inputs: new Map() };
      if (hw[2]) entry.name = hw[5].trim();
      else {
        const input = entry.inputs.get(Number(hw[3])) ?? {};
        if (hw[4] === "input") input.value = hw[5].trim();
        else input.label = hw[5].trim();
        entry.inputs.set(Number(hw[3]), input);
      }
      hwmons.set(Number(hw[1]), entry);
      return;
    }
    throw new ParseError("thermal", index + 1, "not a sysfs temperature line", line);
  });

  for (const [, hwmon] of [...hwmons].sort(([a], [b]) => a - b)) {
    if (!CPU_HWMON.test(hwmon.name ?? "")) continue;
    const inputs = [...hwmon.inputs.values()];
    const pkg = inputs.find((i) => PACKAGE_LABEL.test(i.label ?? "") && celsius(i.value) !== null);
    if (pkg) return celsius(pkg.value);
    const readings = inputs.map((i) => celsius(i.value)).filter((v): v is number => v !== null);
    if (readings.length > 0) return Math.max(...readings);
  }
  const ordered = [...zones].sort(([a], [b]) => a - b).map(([, z]) => z);
  for (const pattern of [CPU_ZONE, /^acpitz$/]) {
    const zone = ordered.find((z) => pattern.test(z.type ?? "") && celsius(z.temp) !== null);
    if (zone) return celsius(zone.temp);
  }
  return null;
}

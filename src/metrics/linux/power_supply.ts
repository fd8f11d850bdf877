/**
 * The battery from `/sys/class/power_supply`: the batteries' `capacity`, `status` and
 * energy or charge figures, and the mains adapters' `online`. Deno cannot list the
 * directory inside the sandbox, so the candidates are the names ACPI and the common
 * embedded drivers give (`BAT0`…, `CMB0`…, `battery`; `AC`, `ACAD`, `ADP1`, …).
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { BatterySample, BatteryState } from "../types.ts";

const ROOT = "/sys/class/power_supply";
const BATTERIES = ["BAT0", "BAT1", "BAT2", "BAT3", "BAT", "CMB0", "CMB1", "battery"];
const ADAPTERS = ["AC", "AC0", "AC1", "ACAD", "ACA", "ADP0", "ADP1", "ADP2", "ac", "axp20x-ac"];
const BATTERY_FIELDS = [
  "type",
  "present",
  "status",
  "capacity",
  "energy_now",
  "energy_full",
  "power_now",
  "charge_now",
  "charge_full",
  "current_now",
];

/** The sysfs files the battery source probes (missing ones are skipped by grep). */
export function powerSupplyFiles(): string[] {
  return [
    ...BATTERIES.flatMap((b) => BATTERY_FIELDS.map((f) => `${ROOT}/${b}/${f}`)),
    ...ADAPTERS.map((a) => `${ROOT}/${a}/online`),
  ];
}

const STATES: Record<string, BatteryState> = {
  "Charging": "charging",
  "Discharging": "discharging",
  "Full": "charged",
  "Not charging": "not-charging",
  "Unknown": "unknown",
};

/**
 * An integer of at most 64 bits, or undefined when absent; anything else is a ParseError. Some drivers sign
 * `current_now`/`power_now` (negative while discharging): callers take the magnitude.
 */
function integer(texts: Map<string, string>, file: string): number | undefined {
  const text = texts.get(file);
  if (text === undefined) return undefined;
  if (!/^-?\d{1,20}$/.test(text.trim())) throw new ParseError(file, 1, "not a whole number", text);
  return Number(text.trim());
}

function magnitude(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.abs(value);
}

/**
 * The battery from the probed files' texts (path → contents): null when no battery
 * directory reports a present battery. Several batteries (a laptop with two) count as
 * one: charge is Σ energy now / Σ energy full when every one reports energy (else the mean
 * `capacity`), the state is the first battery's, on AC when an adapter is online (without
 * one to ask: unless the state is discharging), and minutes remaining come from Σ energy
 * (µWh) over Σ power (µW), or charge (µAh) over current (µA), to empty or to full; null
 * when the draw is 0 or not reported.
 */
export function parseBattery(texts: Map<string, string>): BatterySample | null {
  type Battery = {
    state: BatteryState;
    percent: number;
    now?: number;
    full?: number;
    draw?: number;
  };
  const batteries: Battery[] = [];
  for (const name of BATTERIES) {
    const dir = `${ROOT}/${name}`;
    const type = texts.get(`${dir}/type`)?.trim();
    if (type !== undefined && type !== "Battery") continue;
    if (integer(texts, `${dir}/present`) === 0) continue;
    const capacity = magnitude(integer(texts, `${dir}/capacity`));
    const status = texts.get(`${dir}/status`)?.trim();
    if (capacity === undefined || status === undefined) continue;
    const state = STATES[status];
    if (state === undefined) throw new ParseError(`${dir}/status`, 1, "unknown status", status);
    const energy = integer(texts, `${dir}/energy_now`);
    const useEnergy = energy !== undefined;
    batteries.push({
      state,
      percent: Math.min(100, capacity),
      now: useEnergy ? energy : integer(texts, `${dir}/charge_now`),
      full: integer(texts, `${dir}/${useEnergy ? "energy_full" : "charge_full"}`),
      draw: magnitude(integer(texts, `${dir}/${useEnergy ? "power_now" : "current_now"}`)),
    });
  }
  if (batteries.length === 0) return null;
  const state = batteries[0].state;
  const sum = (f: (b: Battery) => number | undefined) => {
    const values = batteries.map(f);
    return values.every((v) => v !== undefined) ? values.reduce((a, b) => a! + b!, 0)! : null;
  };
  const now = sum((b) => b.now);
  const full = sum((b) => b.full);
  const draw = sum((b) => b.draw);
  const percent = now !== null && full !== null && full > 0
    ? Math.min(100, (100 * now) / full)
    : batteries.reduce((a, b) => a + b.percent, 0) / batteries.length;
  const adapters = ADAPTERS.map((a) => integer(texts, `${ROOT}/${a}/online`))
    .filter((v) => v !== undefined);
  const onAc = adapters.length > 0 ? adapters.some((v) => v === 1) : state !== "discharging";
  let minutesRemaining: number | null = null;
  if (now !== null && draw !== null && draw > 0) {
    if (state === "discharging") minutesRemaining = Math.round((60 * now) / draw);
    else if (state === "charging" && full !== null && full >= now) {
      minutesRemaining = Math.round((60 * (full - now)) / draw);
    }
  }
  return { percent, state, onAc, minutesRemaining };
}

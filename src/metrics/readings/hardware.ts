/**
 * The readings of the machine's other hardware: the battery, the GPU, the thermal
 * limits the OS puts on the CPUs, and the CPU or SoC temperature.
 *
 * @module
 */

import * as fmt from "../format.ts";
import { type Declarations, gauge, percentRatio } from "../reading.ts";
import {
  bool,
  CELSIUS,
  enumeration,
  float,
  int32,
  optional,
  PERCENT,
  table,
  uint,
  ushort,
} from "../shape.ts";
import type * as t from "../types.ts";

const BATTERY_STATES = ["unknown", "charging", "discharging", "charged", "not-charging"] as const;

const THERMAL_STATES = ["nominal", "throttled"] as const;

/** A fraction from 0 to 1. */
const FRACTION = { min: 0, max: 1 };

/** A thermal field's one sample, or none while the OS gives no value. */
const given = (value: number | null) => value === null ? [] : value;

/** The battery, GPU and thermal readings, in the order `sample` and `watch` show them. */
export const HARDWARE_READINGS: Declarations<"battery" | "gpuUsage" | "thermal" | "temperature"> = {
  battery: {
    source: "battery",
    shape: optional(table<t.BatterySample>("Battery", {
      percent: float(PERCENT),
      state: enumeration("BatteryState", BATTERY_STATES),
      onAc: bool(),
      minutesRemaining: optional(int32({ min: 0, max: 0x7fff_ffff })),
    })),
    row: { label: "Battery", text: fmt.formatBattery, rank: 6 },
    metrics: [
      gauge("opta_battery_charge_ratio", "ratio", "Battery charge (0-1).", (v) => v.percent, 0.01),
      gauge("opta_battery_on_ac", "", "1 on external power, else 0.", (v) => v.onAc ? 1 : 0),
    ],
  },
  gpuUsage: {
    source: "gpu",
    shape: optional(float(PERCENT)),
    row: { label: "GPU", text: fmt.formatPercent, gauge: (v) => v, rank: 8 },
    metrics: [percentRatio("opta_gpu_usage_ratio", "Busy share of the GPU (0-1).")],
  },
  thermal: {
    source: "thermal",
    shape: optional(table<t.ThermalSample>("Thermal", {
      speedLimit: optional(float(FRACTION)),
      schedulerLimit: optional(float(FRACTION)),
      availableCpus: optional(ushort()),
      state: optional(enumeration("ThermalState", THERMAL_STATES)),
      warningLevel: optional(uint()),
    })),
    row: {
      label: "Thermal",
      text: fmt.formatThermal,
      detail: fmt.thermalDetail,
      level: (v) => v.state === "throttled" ? 2 : 0,
      rank: 9,
    },
    metrics: [
      gauge(
        "opta_thermal_throttled",
        "",
        "1 while the CPUs are held back for heat, 0 when not.",
        (v) => v.state === null ? [] : v.state === "throttled" ? 1 : 0,
      ),
      gauge(
        "opta_thermal_speed_limit_ratio",
        "ratio",
        "Share of full CPU speed allowed (0-1).",
        (v) => given(v.speedLimit),
      ),
      gauge(
        "opta_thermal_scheduler_limit_ratio",
        "ratio",
        "Share of CPU time the scheduler may hand out (0-1).",
        (v) => given(v.schedulerLimit),
      ),
      gauge(
        "opta_thermal_available_cpus",
        "",
        "CPUs the scheduler may use.",
        (v) => given(v.availableCpus),
      ),
      gauge(
        "opta_thermal_warning_level",
        "",
        "The OS's thermal warning level: 0 normal, 5 danger, 10 critical.",
        (v) => given(v.warningLevel),
      ),
    ],
  },
  temperature: {
    source: "temperature",
    shape: optional(float(CELSIUS)),
    row: { label: "Temperature", text: (v) => `${v.toFixed(1)} °C`, rank: 0 },
    metrics: [gauge("opta_temperature_celsius", "celsius", "CPU or SoC temperature.", (v) => v)],
  },
};

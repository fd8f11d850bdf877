/**
 * The battery and GPU parsers on the files of a battery directory as sysfs shows them
 * (the contents of a ThinkPad's BAT0/AC and of an amdgpu card), and their edge cases.
 */
import assert from "node:assert/strict";
import { ParseError } from "../../../src/metrics/parse_error.ts";
import { parseBattery, powerSupplyFiles } from "../../../src/metrics/linux/power_supply.ts";
import { gpuFiles, parseGpuBusy } from "../../../src/metrics/linux/gpu.ts";

const PS = "/sys/class/power_supply";

/** A battery directory's files (and the adapter's `online`), as grep reads them. */
function supply(battery: Record<string, string>, name = "BAT0", ac?: string) {
  const texts = new Map(Object.entries(battery).map(([f, v]) => [`${PS}/${name}/${f}`, v]));
  if (ac !== undefined) texts.set(`${PS}/AC/online`, ac);
  return texts;
}

const DISCHARGING = {
  type: "Battery",
  present: "1",
  status: "Discharging",
  capacity: "77",
  energy_now: "38500000", // µWh
  energy_full: "50000000",
  power_now: "11000000", // µW
};

Deno.test("battery: energy figures give charge and minutes to empty; AC from the adapter", () => {
  assert.deepEqual(parseBattery(supply(DISCHARGING, "BAT0", "0")), {
    percent: 77,
    state: "discharging",
    onAc: false,
    minutesRemaining: 210, // 38.5 Wh / 11 W = 3.5 h
  });
  const charging = { ...DISCHARGING, status: "Charging", power_now: "25000000" };
  assert.deepEqual(parseBattery(supply(charging, "BAT0", "1")), {
    percent: 77,
    state: "charging",
    onAc: true,
    minutesRemaining: 28, // 11.5 Wh to go at 25 W
  });
});

Deno.test("battery: charge/current figures (µAh, µA), a signed current, no adapter file", () => {
  const battery = {
    type: "Battery",
    status: "Discharging",
    capacity: "40",
    charge_now: "2000000",
    charge_full: "5000000",
    current_now: "-1000000",
  };
  assert.deepEqual(parseBattery(supply(battery, "battery")), {
    percent: 40,
    state: "discharging",
    onAc: false, // no adapter to ask: discharging means on battery
    minutesRemaining: 120,
  });
});

Deno.test("battery: full, not charging, no draw → no estimate", () => {
  const full = { type: "Battery", status: "Full", capacity: "100", power_now: "0" };
  assert.deepEqual(parseBattery(supply(full)), {
    percent: 100,
    state: "charged",
    onAc: true,
    minutesRemaining: null,
  });
  const held = { ...DISCHARGING, status: "Not charging", power_now: "0" };
  assert.deepEqual(parseBattery(supply(held, "BAT1", "1")), {
    percent: 77,
    state: "not-charging",
    onAc: true,
    minutesRemaining: null,
  });
});

Deno.test("battery: two batteries count as one; an empty slot and a non-battery are skipped", () => {
  const texts = supply(DISCHARGING, "BAT0", "0");
  const second = { ...DISCHARGING, capacity: "20", energy_now: "4000000", power_now: "1000000" };
  for (const [f, v] of supply(second, "BAT1")) texts.set(f, v);
  for (const [f, v] of supply({ type: "Battery", present: "0" }, "BAT2")) texts.set(f, v);
  for (const [f, v] of supply({ type: "USB", status: "Charging", capacity: "5" }, "BAT3")) {
    texts.set(f, v);
  }
  const battery = parseBattery(texts)!;
  assert.equal(battery.percent, (100 * 42.5) / 100);
  assert.equal(battery.minutesRemaining, Math.round((60 * 42.5) / 12));
});

Deno.test("battery: none → null; an unknown status or a bad number is a ParseError", () => {
  assert.equal(parseBattery(new Map()), null);
  assert.equal(parseBattery(supply({}, "BAT0", "1")), null, "an adapter alone is no battery");
  assert.throws(
    () => parseBattery(supply({ ...DISCHARGING, status: "Exploding" })),
    (e: Error) => e instanceof ParseError && /unknown status/.test(e.message),
  );
  assert.throws(() => parseBattery(supply({ ...DISCHARGING, capacity: "7x" })), /whole number/);
  // Every probed path lies under the power_supply class, batteries and adapters alike.
  const files = powerSupplyFiles();
  assert.ok(files.includes(`${PS}/BAT0/capacity`) && files.includes(`${PS}/ACAD/online`));
  assert.ok(files.every((f) => f.startsWith(`${PS}/`)));
});

Deno.test("gpu: the busiest card's percent; none → null; garbage is a ParseError", () => {
  const [card0, card1] = gpuFiles();
  assert.equal(card0, "/sys/class/drm/card0/device/gpu_busy_percent");
  assert.equal(parseGpuBusy(new Map([[card0, "3"], [card1, "87"]])), 87);
  assert.equal(parseGpuBusy(new Map()), null);
  assert.throws(() => parseGpuBusy(new Map([[card0, "n/a"]])), /not a percentage/);
});

/**
 * Property-based tests of the /proc and /sys parsers: the captures of this machine and a
 * battery directory, mutated at random. A parser may only throw ParseError, and what it
 * returns holds finite, non-negative numbers (percentages within 0–100). Fixed seeds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  defaultInterfaceBytes,
  defaultRoute6Interface,
  defaultRouteInterface,
  NET_FILES,
  parseNetDev,
} from "../../../src/metrics/linux/proc_net.ts";
import { parseDiskstats } from "../../../src/metrics/linux/diskstats.ts";
import { parsePressure, pressureLevel } from "../../../src/metrics/linux/pressure.ts";
import { parseBattery } from "../../../src/metrics/linux/power_supply.ts";
import { parseGpuBusy } from "../../../src/metrics/linux/gpu.ts";
import {
  parseThrottle,
  thermalFromThrottle,
  throttleFiles,
} from "../../../src/metrics/linux/throttle.ts";
import { assertFinite, mutate, mutationsArb, parsed } from "../../support/mutate.ts";

const capture = (name: string) =>
  Deno.readTextFileSync(new URL(`./captures/${name}`, import.meta.url));
const ROUTE = capture("proc_net_route.txt");
const ROUTE6 = capture("proc_net_ipv6_route.txt");
const DEV = capture("proc_net_dev.txt");
const DISKSTATS = capture("proc_diskstats.txt");
const PRESSURE = capture("proc_pressure_memory.txt");
const RUNS = { numRuns: 400, seed: 1717 };

const nonNegative = (value: number, what: string) => {
  assertFinite(value, what);
  assert.ok(value >= 0, `${what} is ${value}`);
};

Deno.test("fuzz proc_net: mutated route tables and /proc/net/dev", () => {
  fc.assert(
    fc.property(mutationsArb, mutationsArb, mutationsArb, (r, r6, d) => {
      const route = mutate(ROUTE, r);
      const route6 = mutate(ROUTE6, r6);
      const dev = mutate(DEV, d);
      for (const name of [parsed(() => defaultRouteInterface(route))]) {
        assert.ok(name == null || (typeof name === "string" && name !== ""));
      }
      const name6 = parsed(() => defaultRoute6Interface(route6));
      assert.ok(name6 == null || (typeof name6 === "string" && name6 !== ""));
      for (const [, bytes] of parsed(() => parseNetDev(dev)) ?? []) {
        nonNegative(bytes.received, "received");
        nonNegative(bytes.sent, "sent");
      }
      const texts = new Map([[NET_FILES[0], route], [NET_FILES[1], route6], [NET_FILES[2], dev]]);
      const found = parsed(() => defaultInterfaceBytes(texts));
      if (found) nonNegative(found.bytes.received + found.bytes.sent, "bytes");
    }),
    RUNS,
  );
});

Deno.test("fuzz diskstats and pressure: mutated captures", () => {
  fc.assert(
    fc.property(mutationsArb, mutationsArb, (m, p) => {
      const disks = parsed(() => parseDiskstats(mutate(DISKSTATS, m)));
      if (disks) {
        nonNegative(disks.read, "read");
        nonNegative(disks.written, "written");
      }
      const psi = parsed(() => parsePressure(mutate(PRESSURE, p)));
      if (psi) {
        nonNegative(psi.some, "some");
        nonNegative(psi.full, "full");
        assert.ok(["normal", "warning", "critical"].includes(pressureLevel(psi)));
      }
    }),
    RUNS,
  );
});

const BATTERY: [string, string][] = [
  ["type", "Battery"],
  ["status", "Discharging"],
  ["capacity", "77"],
  ["energy_now", "38500000"],
  ["energy_full", "50000000"],
  ["power_now", "11000000"],
];

Deno.test("fuzz power_supply and gpu: mutated values give a sane reading or ParseError", () => {
  fc.assert(
    fc.property(mutationsArb, fc.nat(BATTERY.length - 1), mutationsArb, (m, which, g) => {
      const texts = new Map(BATTERY.map(([f, v], i) => [
        `/sys/class/power_supply/BAT0/${f}`,
        i === which ? mutate(v, m) : v,
      ]));
      const battery = parsed(() => parseBattery(texts));
      if (battery) {
        nonNegative(battery.percent, "percent");
        assert.ok(battery.percent <= 100, `percent ${battery.percent}`);
        if (battery.minutesRemaining !== null) nonNegative(battery.minutesRemaining, "minutes");
      }
      const gpu = parsed(() =>
        parseGpuBusy(new Map([["/sys/class/drm/card0/device/gpu_busy_percent", mutate("42", g)]]))
      );
      if (gpu != null) assert.ok(gpu >= 0 && gpu <= 100, `gpu ${gpu}`);
    }),
    RUNS,
  );
});

Deno.test("fuzz throttle: mutated counters and cpufreq files", () => {
  const files = throttleFiles(2);
  const values = ["3", "7", "4", "7", "4500000", "4500000", "2700000", "4500000"];
  fc.assert(
    fc.property(fc.array(mutationsArb, { minLength: 8, maxLength: 8 }), (edits) => {
      const texts = new Map(files.map((f, i) => [f, mutate(values[i], edits[i])]));
      const reading = parsed(() => parseThrottle(texts));
      if (!reading) return;
      if (reading.events !== null) nonNegative(reading.events, "events");
      const thermal = thermalFromThrottle(reading, reading);
      if (reading.speedLimit !== null) {
        assert.ok(reading.speedLimit >= 0 && reading.speedLimit <= 1, `${reading.speedLimit}`);
      }
      assert.equal(thermal?.state ?? null, reading.events === null ? null : "nominal");
    }),
    RUNS,
  );
});

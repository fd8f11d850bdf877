/** `pmset -g therm` (and `thermlog` blocks): every real capture, and what the parser refuses. */
import assert from "node:assert/strict";
import {
  parsePmsetTherm,
  type PmsetTherm,
  thermalFromPmset,
} from "../../../src/metrics/darwin/pmset_therm.ts";
import { formatThermal, thermalDetail } from "../../../src/metrics/format.ts";
import type { ThermalSample } from "../../../src/metrics/types.ts";
import { assertParseError, capturesOf, fixture } from "../../support/fixtures.ts";

const NOTHING: PmsetTherm = {
  speedLimit: null,
  schedulerLimit: null,
  availableCpus: null,
  thermalWarningLevel: null,
  performanceWarningLevel: null,
};

/** What each capture holds, read by hand, and its thermal value; a new capture must be added. */
const EXPECTED: Record<string, { therm: PmsetTherm; cpus: number; thermal: ThermalSample }> = {
  // an Intel MacBook, 12 CPUs, nothing limited
  "pmset-therm.macos-x64-12cpu.node_exporter-2031.txt": {
    therm: { ...NOTHING, speedLimit: 100, schedulerLimit: 100, availableCpus: 12 },
    cpus: 12,
    thermal: {
      speedLimit: 1,
      schedulerLimit: 1,
      availableCpus: 12,
      state: "nominal",
      warningLevel: null,
    },
  },
  // Apple silicon: three notes, nothing recorded, so nothing to tell either way
  "pmset-therm.macos12.1-arm64-m1pro.stats-749.txt": {
    therm: NOTHING,
    cpus: 10,
    thermal: {
      speedLimit: null,
      schedulerLimit: null,
      availableCpus: null,
      state: null,
      warningLevel: null,
    },
  },
  // an Intel Mac, 8 CPUs, while throttled: 28 % speed, 40 % of CPU time
  "pmset-thermlog.x64-8cpu-throttled.menumeters-158.txt": {
    therm: { ...NOTHING, speedLimit: 28, schedulerLimit: 40, availableCpus: 8 },
    cpus: 8,
    thermal: {
      speedLimit: 0.28,
      schedulerLimit: 0.4,
      availableCpus: 8,
      state: "throttled",
      warningLevel: null,
    },
  },
  "pmset-thermlog.x64-8cpu-unthrottled.menumeters-158.txt": {
    therm: { ...NOTHING, speedLimit: 100, schedulerLimit: 100, availableCpus: 8 },
    cpus: 8,
    thermal: {
      speedLimit: 1,
      schedulerLimit: 1,
      availableCpus: 8,
      state: "nominal",
      warningLevel: null,
    },
  },
};

Deno.test("pmset -g therm: every capture, therm and thermlog", () => {
  const names = [...capturesOf("pmset -g therm"), ...capturesOf("pmset -g thermlog")].sort();
  assert.deepEqual(names, Object.keys(EXPECTED).sort(), "a capture without an expectation");
  for (const name of names) {
    const { therm, cpus, thermal } = EXPECTED[name];
    assert.deepEqual(parsePmsetTherm(fixture(name)), therm, name);
    assert.deepEqual(thermalFromPmset(therm, cpus), thermal, name);
  }
});

const INTEL = "pmset-therm.macos-x64-12cpu.node_exporter-2031.txt";
const edit = (from: string | RegExp, to: string) =>
  parsePmsetTherm(fixture(INTEL).replace(from, to));

Deno.test("pmset -g therm: through a pipe, the timestamp runs into the first limit", () => {
  // "CPU Power notify" goes to stderr: stdout holds the timestamp, then the first limit's line
  const piped = fixture(INTEL).replace("CPU Power notify\n", "");
  assert.deepEqual(parsePmsetTherm(piped), parsePmsetTherm(fixture(INTEL)));
});

Deno.test("pmset -g therm: a recorded warning level (pmset.m's format) is read and throttles", () => {
  const danger = edit(
    "Note: No thermal warning level has been recorded",
    "2021-05-02 11:50:01 +0800 Thermal Warning Level = 5",
  );
  assert.equal(danger.thermalWarningLevel, 5);
  assert.equal(thermalFromPmset(danger, 12).state, "throttled");
  assert.equal(thermalFromPmset(danger, 12).warningLevel, 5);
  const normal = edit(
    "Note: No performance warning level has been recorded",
    "Performance Warning Level = 0",
  );
  assert.equal(normal.performanceWarningLevel, 0);
  assert.equal(thermalFromPmset(normal, 12).state, "nominal");
  // a level alone (no limits recorded) still tells
  assert.equal(thermalFromPmset({ ...NOTHING, thermalWarningLevel: 0 }, 10).state, "nominal");
});

Deno.test("pmset -g therm: fewer CPUs available than the Mac has is throttling", () => {
  const fewer = edit("CPU_Available_CPUs \t= 12", "CPU_Available_CPUs \t= 6");
  assert.equal(thermalFromPmset(fewer, 12).state, "throttled");
  assert.equal(thermalFromPmset(fewer, 6).state, "nominal");
});

Deno.test("pmset -g therm: another CPU_ value of a newer macOS is passed over", () => {
  assert.deepEqual(edit("\tCPU_Speed_Limit", "\tCPU_Power_Limit \t= 80\n\tCPU_Speed_Limit"), {
    ...NOTHING,
    speedLimit: 100,
    schedulerLimit: 100,
    availableCpus: 12,
  });
});

Deno.test("pmset -g therm: anything else is a ParseError naming the line", () => {
  assertParseError(
    () => edit("CPU_Speed_Limit \t= 100", "CPU_Speed_Limit \t= 101"),
    "pmset",
    6,
    "out of range",
  );
  assertParseError(() => edit("CPU_Speed_Limit \t= 100", "CPU_Speed_Limit \t= -5"), "pmset", 6);
  assertParseError(() => edit("CPU_Speed_Limit \t= 100", "CPU_Speed_Limit \t= 1e2"), "pmset", 6);
  assertParseError(
    () => edit("\tCPU_Speed_Limit", "\tCPU_Scheduler_Limit \t= 90\n\tCPU_Speed_Limit"),
    "pmset",
    6,
    "CPU_Scheduler_Limit given twice",
  );
  assertParseError(
    () =>
      edit(
        "Note: No thermal warning level has been recorded",
        "Error: No thermal warning level with error code 0xe00002c2",
      ),
    "pmset",
    1,
    "expected a note",
  );
  assertParseError(() => edit("CPU Power notify", "CPU power notified"), "pmset", 3);
  assertParseError(() => parsePmsetTherm(""), "pmset", 0, "no limit, level or note");
  assertParseError(() => parsePmsetTherm("\tCPU_Power_Limit \t= 80\n"), "pmset", 0);
  // the battery report is not this one
  assertParseError(
    () => parsePmsetTherm(fixture("pmset-g-batt.macos11.1-x64-discharging.liquidprompt.txt")),
    "pmset",
    1,
  );
});

Deno.test("thermal row: the state and what holds the CPUs back; every field in the detail", () => {
  const throttled = EXPECTED["pmset-thermlog.x64-8cpu-throttled.menumeters-158.txt"].thermal;
  assert.equal(formatThermal(throttled), "throttled  speed 28.0 %  time 40.0 %");
  assert.equal(
    formatThermal({ ...throttled, warningLevel: 5 }),
    "throttled  speed 28.0 %  time 40.0 %  level 5",
  );
  assert.equal(
    thermalDetail(throttled),
    "speed limit 28.0 %, scheduler limit 40.0 %, 8 CPUs available",
  );
  const intel = EXPECTED["pmset-therm.macos-x64-12cpu.node_exporter-2031.txt"].thermal;
  assert.equal(formatThermal(intel), "nominal");
  const apple = EXPECTED["pmset-therm.macos12.1-arm64-m1pro.stats-749.txt"].thermal;
  assert.equal(formatThermal(apple), "not reported");
  assert.equal(thermalDetail(apple), "");
});

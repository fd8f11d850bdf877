/**
 * CPU throttling on Linux: the parser on hand-made sysfs files (one whole number each, as the
 * kernel prints them), the files read through the real grep, and this machine's own answer
 * checked against what exists under /sys.
 */
import assert from "node:assert/strict";
import { cpus } from "node:os";
import { LINUX_TOOLS } from "../../../src/metrics/linux/platform.ts";
import { GrepBatch } from "../../../src/metrics/linux/proc_files.ts";
import {
  parseThrottle,
  thermalFromThrottle,
  throttleFiles,
} from "../../../src/metrics/linux/throttle.ts";
import { throttleReader } from "../../../src/metrics/linux/readers.ts";
import type { ThermalSample } from "../../../src/metrics/types.ts";
import type { Clock } from "../../../src/time/clock.ts";
import { assertParseError } from "../../support/fixtures.ts";
import { withTempDir } from "../../support/procs.ts";

const CPU = "/sys/devices/system/cpu";
const count = (cpu: number, kind: "core" | "package") =>
  `${CPU}/cpu${cpu}/thermal_throttle/${kind}_throttle_count`;
const freq = (policy: number, file: "scaling_max_freq" | "cpuinfo_max_freq") =>
  `${CPU}/cpufreq/policy${policy}/${file}`;

/** Two CPUs with counters and two cpufreq policies, the second capped at 60 %. */
function machine(core0: number, core1: number): Map<string, string> {
  return new Map([
    [count(0, "core"), `${core0}`],
    [count(0, "package"), "7"],
    [count(1, "core"), `${core1}`],
    [count(1, "package"), "7"],
    [freq(0, "scaling_max_freq"), "4500000"],
    [freq(0, "cpuinfo_max_freq"), "4500000"],
    [freq(1, "scaling_max_freq"), "2700000"],
    [freq(1, "cpuinfo_max_freq"), "4500000"],
  ]);
}

Deno.test("throttle: the candidates are each CPU's counters and each policy's frequencies", () => {
  const files = throttleFiles(2);
  assert.equal(files.length, 8);
  assert.ok(files.includes(count(1, "package")) && files.includes(freq(1, "cpuinfo_max_freq")));
});

Deno.test("throttle: counters summed, the lowest policy's ratio is the speed limit", () => {
  assert.deepEqual(parseThrottle(machine(3, 4)), {
    events: 3 + 7 + 4 + 7,
    counters: [count(0, "core"), count(0, "package"), count(1, "core"), count(1, "package")]
      .sort().join(","),
    speedLimit: 0.6,
  });
});

Deno.test("throttle: throttled when the counters grew since the last reading", () => {
  const first = parseThrottle(machine(3, 4));
  assert.deepEqual(thermalFromThrottle(null, first), {
    speedLimit: 0.6,
    schedulerLimit: null,
    availableCpus: null,
    state: null, // nothing to compare with yet
    warningLevel: null,
  });
  const same = parseThrottle(machine(3, 4));
  assert.equal(thermalFromThrottle(first, same)!.state, "nominal");
  const grew = parseThrottle(machine(3, 9));
  assert.equal(thermalFromThrottle(same, grew)!.state, "throttled");
  // a CPU went offline: another set of counters, no comparison
  const fewer = new Map([...machine(3, 9)].filter(([f]) => !f.includes("/cpu1/")));
  assert.equal(thermalFromThrottle(grew, parseThrottle(fewer))!.state, null);
  // a count that went back (the counters were reset): no comparison either
  assert.equal(thermalFromThrottle(grew, parseThrottle(machine(0, 0)))!.state, null);
});

Deno.test("throttle: cpufreq alone gives a speed limit and no verdict; nothing gives no value", () => {
  const freqOnly = new Map([...machine(0, 0)].filter(([f]) => f.includes("cpufreq")));
  const reading = parseThrottle(freqOnly);
  assert.deepEqual(reading, { events: null, counters: "", speedLimit: 0.6 });
  assert.equal(thermalFromThrottle(reading, reading)!.state, null);
  assert.equal(thermalFromThrottle(null, parseThrottle(new Map())), null);
  // a boost frequency above the maximum is no limit
  const boost = new Map([[freq(0, "scaling_max_freq"), "4700000"], [
    freq(0, "cpuinfo_max_freq"),
    "4500000",
  ]]);
  assert.equal(parseThrottle(boost).speedLimit, 1);
});

Deno.test("throttle: a value that is not a whole number is a ParseError naming its file", () => {
  for (const bad of ["", "-1", "3.5", "12 kHz", "1e3"]) {
    const texts = new Map([[count(0, "core"), bad]]);
    assertParseError(() => parseThrottle(texts), count(0, "core"), 1);
  }
  const zero = new Map([[freq(0, "scaling_max_freq"), "0"], [freq(0, "cpuinfo_max_freq"), "0"]]);
  assertParseError(
    () => parseThrottle(zero),
    `${CPU}/cpufreq/policy0/cpuinfo_max_freq`,
    1,
    "0 kHz",
  );
});

Deno.test({
  name: "throttle: the files read through the real grep",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withTempDir("opta-throttle-", async (dir) => {
      // the same layout under a temporary root: the grep reads and the parser take the paths
      const texts = machine(3, 4);
      const files = [...texts.keys()].map((f) => dir + f);
      for (const [file, text] of texts) {
        await Deno.mkdir(dir + file.slice(0, file.lastIndexOf("/")), { recursive: true });
        await Deno.writeTextFile(dir + file, `${text}\n`);
      }
      const read = await new GrepBatch(LINUX_TOOLS.grep).read([...files, `${dir}/missing`]);
      assert.deepEqual(parseThrottle(read).speedLimit, 0.6);
      assert.equal(parseThrottle(read).events, 21);
    }),
});

Deno.test({
  name: "throttle: this machine's value, against what exists under /sys",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const files = throttleFiles(cpus().length);
    const present = files.filter((f) => {
      try {
        return Deno.statSync(f).isFile;
      } catch {
        return false;
      }
    });
    const reading = parseThrottle(await new GrepBatch(LINUX_TOOLS.grep).read(files));
    // a VM (this one, most CI runners) has neither counters nor cpufreq: no value at all
    assert.equal(thermalFromThrottle(null, reading) === null, present.length === 0);
    assert.equal(
      reading.counters.split(",").filter(Boolean).length,
      present.filter((f) => f.endsWith("_count")).length,
    );
  },
});

Deno.test("throttle reader: nothing to compare, then nominal, then throttled as the counters grow", async () => {
  let core1 = 4;
  // the files as grep would give them (the grep itself is tested above)
  const reader = (files: readonly string[]) =>
    Promise.resolve(new Map([...machine(3, core1)].filter(([f]) => files.includes(f))));
  const read = throttleReader(reader, { now: () => 0 } as unknown as Clock, 60_000);
  const states = [];
  for (const step of [0, 0, 5]) {
    core1 += step;
    const { thermal } = await read(new AbortController().signal) as { thermal: ThermalSample };
    states.push(thermal.state);
  }
  assert.deepEqual(states, [null, "nominal", "throttled"]);
});

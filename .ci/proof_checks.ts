/**
 * What `.ci/proof.ts` asserts, as pure functions of what it read: the `sample --json` object
 * against the machine as read independently, the sequence numbers of a `watch --json` run, and
 * the daemon's `stats` lines against the spawn budget. Each returns the failures it found, one
 * line each (none: the check passed), so a run reports everything at once.
 *
 * @module
 */

/** The machine as the proof reads it, without the daemon (`null`: could not be read). */
export interface Machine {
  /** `darwin` or `linux`. */
  os: string;
  /** `sysctl -n hw.logicalcpu` / `getconf _NPROCESSORS_ONLN`. */
  logicalCpus: number;
  /**
   * Memory in use, percent, read just before and just after the sample: from `vm_stat`
   * (Activity Monitor's "Memory Used") / `free -b`.
   */
  memoryPercent: readonly number[];
  /** The default route's interface (`route -n get default` / `ip -4 route show default`). */
  defaultInterface: string | null;
  /** Whether it has a battery, a GPU reporting its load, disk counters, a throttle signal. */
  has: { battery: boolean; gpu: boolean; diskIo: boolean; thermal: boolean };
}

import { READING_LIST } from "../src/metrics/catalog.ts";
import { type Shape, wireName } from "../src/metrics/shape.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Sources a platform has no source for (their state says so; nothing else may). */
const NO_SOURCE: Record<string, string[]> = { darwin: ["temperature"], linux: [] };

/** Each present value the machine's facts decide: the JSON key, and whether it must be there. */
function presence(machine: Machine): [string, boolean][] {
  return [
    ["network", machine.defaultInterface !== null],
    ["battery", machine.has.battery],
    ["gpu_usage", machine.has.gpu],
    ["disk_io", machine.has.diskIo],
    ["thermal", machine.has.thermal],
  ];
}

/** The failures of a `sample --json` object on `machine`. */
export function checkSample(sample: Json, machine: Machine): string[] {
  const failures: string[] = [];
  const fail = (line: string) => failures.push(line);
  for (const [name, s] of Object.entries(sample.sources ?? {}) as [string, Json][]) {
    const expected = NO_SOURCE[machine.os]?.includes(name) ? "no source on this platform" : "ok";
    if (s.state !== expected) {
      fail(`source ${name}: ${s.state}${s.error ? ` (${s.error})` : ""}, expected ${expected}`);
    }
  }
  if (Object.keys(sample.sources ?? {}).length === 0) fail("no sources in the sample");
  const cores = sample.cpu_cores?.length;
  if (cores !== machine.logicalCpus || sample.machine?.logical_cpus !== machine.logicalCpus) {
    fail(
      `per-core count ${cores} (facts ${sample.machine?.logical_cpus}), ` +
        `the OS says ${machine.logicalCpus}`,
    );
  }
  // Memory moves while the sample is taken: within 2 points of what the OS said around it.
  const memory = sample.memory_usage;
  const [low, high] = [Math.min(...machine.memoryPercent), Math.max(...machine.memoryPercent)];
  if (typeof memory !== "number" || !(memory >= low - 2 && memory <= high + 2)) {
    const said = machine.memoryPercent.map((m) => m.toFixed(2)).join(" then ");
    fail(`memory ${memory} %, the OS says ${said} % (±2 points)`);
  }
  if (machine.defaultInterface !== null && sample.network?.interface !== machine.defaultInterface) {
    fail(
      `network on ${sample.network?.interface}, the default route is on ` +
        machine.defaultInterface,
    );
  }
  for (const [key, wanted] of presence(machine)) {
    const present = sample[key] !== null && sample[key] !== undefined;
    if (present !== wanted) {
      fail(
        `${key} is ${present ? "present" : "absent"}, the machine has ${wanted ? "one" : "none"}`,
      );
    }
  }
  return failures;
}

/** Letters and digits only, lower case: `NotCharging` and `not-charging` are the same name. */
const plain = (name: string) => name.replace(/[^A-Za-z0-9]/g, "").toLowerCase();

/** The failures of `value` at `path` against its declared shape (absent values pass). */
function outOfShape(shape: Shape, value: Json, path: string): string[] {
  if (value === null || value === undefined) return [];
  switch (shape.kind) {
    case "float":
    case "ulong":
    case "uint":
    case "int32":
    case "ushort": {
      const { min, max } = shape.range;
      return typeof value === "number" && value >= min && value <= max
        ? []
        : [`${path} = ${value}, outside ${min} – ${max}`];
    }
    case "bool":
      return typeof value === "boolean" ? [] : [`${path} = ${value}, not a boolean`];
    case "string":
      return typeof value === "string" ? [] : [`${path} = ${value}, not a string`];
    case "enum":
      return shape.values.some((v) => plain(v) === plain(String(value)))
        ? []
        : [`${path} = ${value}, not one of ${shape.values.join(", ")}`];
    case "vector":
      return Array.isArray(value)
        ? value.flatMap((v, i) => outOfShape(shape.element, v, `${path}[${i}]`))
        : [`${path} is not a list`];
    default:
      return Object.entries(shape.fields).flatMap(([key, field]) =>
        outOfShape(field, value[wireName(key)], `${path}.${wireName(key)}`)
      );
  }
}

/** Every value of a `sample --json` object against its range as the declarations give it. */
export function checkRanges(sample: Json): string[] {
  return READING_LIST.flatMap((r) => outOfShape(r.shape, sample[r.wire], r.wire));
}

/** The failures of a `watch --json` run: every frame's sequence is one more than the last. */
export function checkSequence(sequences: readonly number[], minFrames: number): string[] {
  const failures: string[] = [];
  if (sequences.length < minFrames) {
    failures.push(`${sequences.length} frames, expected at least ${minFrames}`);
  }
  for (let i = 1; i < sequences.length; i++) {
    if (sequences[i] !== sequences[i - 1] + 1) {
      failures.push(`sequence gap: ${sequences[i - 1]} then ${sequences[i]}`);
    }
  }
  return failures;
}

/** One parsed `stats` line: when it was read (ms) and its fields. */
export interface StatsLine {
  /** Arrival, ms on the proof's clock. */
  at: number;
  /** The line's JSON fields. */
  fields: Json;
}

/**
 * The spawns the daemon counted over the first `windowMs` of `lines` (from the first line to
 * the first line at least that much later), against `budgetPerSecond`; and the failures, with
 * any source error a stats line of the window reported.
 */
export function checkSpawns(
  lines: readonly StatsLine[],
  windowMs: number,
  budgetPerSecond: number,
  os: string,
): { spawns: number; seconds: number; failures: string[] } {
  const failures: string[] = [];
  const first = lines[0];
  const last = lines.find((l) => first && l.at - first.at >= windowMs - 500);
  if (!first || !last) {
    return { spawns: NaN, seconds: NaN, failures: [`no two stats lines ${windowMs} ms apart`] };
  }
  const spawns = last.fields.spawns - first.fields.spawns;
  const seconds = (last.at - first.at) / 1000;
  if (!(spawns >= 0 && spawns <= budgetPerSecond * seconds)) {
    failures.push(`${spawns} spawns in ${seconds.toFixed(1)} s, budget ${budgetPerSecond}/s`);
  }
  for (const line of lines.filter((l) => l.at >= first.at && l.at <= last.at)) {
    for (const [key, value] of Object.entries(line.fields)) {
      const source = /^(\w+)_error$/.exec(key)?.[1];
      if (source && !NO_SOURCE[os]?.includes(source)) {
        failures.push(`stats: ${source} failing: ${value}`);
      }
    }
  }
  return { spawns, seconds, failures: [...new Set(failures)] };
}

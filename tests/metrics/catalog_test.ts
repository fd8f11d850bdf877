/**
 * The declarations themselves: each platform provides each declared source once, the
 * sampler assembles each reading from its own source, and the rows and metric families
 * keep the conventions `watch` and Prometheus rely on.
 */
import assert from "node:assert/strict";
import { READING_LIST } from "../../src/metrics/catalog.ts";
import { SOURCE_NAMES, SOURCES } from "../../src/metrics/sources.ts";
import { DARWIN_TOOLS, darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { linuxPlatform } from "../../src/metrics/linux/platform.ts";
import type { MachineFacts } from "../../src/metrics/platform.ts";
import { polledSource } from "../../src/metrics/polled_source.ts";
import { DEFAULT_CADENCES, Sampler } from "../../src/metrics/sampler.ts";
import { isAbsent } from "../../src/metrics/shape.ts";
import { REQUIRED_SOURCES, type SourceName } from "../../src/metrics/source.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { everyReading } from "../support/shapes.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const FACTS: MachineFacts = {
  memoryTotal: 1,
  logicalCpus: 1,
  model: null,
  os: "x",
  coreLevels: [],
};

Deno.test("each platform provides each declared source once; macOS has no temperature source", () => {
  const names = (sources: { name: string }[]) => sources.map((s) => s.name).sort();
  assert.deepEqual(names(linuxPlatform().sources(FACTS, { top: 5 })), [...SOURCE_NAMES].sort());
  assert.deepEqual(
    names(darwinPlatform(DARWIN_TOOLS).sources(FACTS, { top: 5 })),
    SOURCE_NAMES.filter((n) => n !== "temperature").sort(),
    "nothing shipped with macOS prints °C without root",
  );
});

Deno.test("the sampler assembles each reading from its own source, and only from it", async () => {
  const values = everyReading(3);
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  // Each source emits every reading: only its own may reach the snapshot.
  const sources = SOURCE_NAMES.map((name) => polledSource(name, () => ({ ...values })));
  const sampler = new Sampler(sources, { schedule });
  sampler.start();
  await sampler.settled(1000);
  const snapshot = sampler.snapshot();
  for (const reading of READING_LIST) {
    assert.deepEqual(snapshot[reading.key], values[reading.key], reading.key);
  }
  await sampler.stop();
  const quiet = new Sampler([], { schedule: new Schedule(new VirtualClock(0)) }).snapshot();
  for (const reading of READING_LIST) {
    const value = quiet[reading.key];
    assert.ok(isAbsent(value) || value === 0, `${reading.key} with no source: ${value}`);
  }
});

Deno.test("cadences and the sources that cannot be switched off come from the declarations", () => {
  for (const name of SOURCE_NAMES) assert.equal(DEFAULT_CADENCES[name], SOURCES[name].defaultMs);
  assert.deepEqual(REQUIRED_SOURCES, ["cpu", "memory", "disk"], "the seed's frame needs these");
  const sourced = new Set(READING_LIST.map((r) => r.source));
  assert.deepEqual(SOURCE_NAMES.filter((n: SourceName) => !sourced.has(n)), [], "a source reads");
});

Deno.test("rows fit watch's 12-column labels; rank 0 is for the seed's always-shown rows", () => {
  for (const { row, key, shape } of READING_LIST) {
    if (!row) continue;
    assert.ok(row.label.length <= 11, `${key}: ${row.label}`);
    assert.ok(row.rank >= 0 && Number.isInteger(row.rank), key);
    if (row.rank !== 0) {
      assert.ok(shape.optional || shape.kind === "vector", `${key} can be absent`);
    }
  }
  const ranks = READING_LIST.flatMap((r) => r.row && r.row.rank > 0 ? [r.row.rank] : []);
  assert.equal(new Set(ranks).size, ranks.length, "each droppable row has its own rank");
});

Deno.test("metric families: opta_ names, unique, ending in their unit; counters without _total", () => {
  const families = READING_LIST.flatMap((r) => r.metrics ?? []);
  const names = families.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, "unique");
  for (const f of families) {
    assert.match(f.name, /^opta_[a-z0-9_]+$/);
    // A family is named as OpenMetrics names it; the exposition adds _total to a counter's.
    assert.ok(!f.name.endsWith("_total"), f.name);
    if (f.unit !== "") assert.ok(f.name.endsWith(`_${f.unit}`), `${f.name} ends in its unit`);
    assert.ok(f.scale > 0 && f.help.endsWith("."), f.name);
  }
  // The contract's exact names are pinned by the exporter's own test (families_test.ts).
});

Deno.test("metric samples of every reading, in base units", () => {
  const s = everyReading(5);
  const samples = (name: string) => {
    const reading = READING_LIST.find((r) => r.metrics?.some((f) => f.name === name))!;
    const family = reading.metrics!.find((f) => f.name === name)!;
    const value = s[reading.key];
    return family.samples(value!, s).map((x) => ({ ...x, value: x.value * family.scale }));
  };
  assert.deepEqual(samples("opta_gpu_usage_ratio"), [{ value: s.gpuUsage! / 100 }]);
  assert.deepEqual(
    samples("opta_network_transmit_bytes"),
    [{ labels: { interface: s.network!.interface }, value: s.network!.sentBytes }],
  );
  assert.equal(samples("opta_cpu_core_usage_ratio").length, s.cpuCores.length);
  assert.deepEqual(samples("opta_memory_used_bytes"), [{
    value: Math.round((s.memoryUsage / 100) * s.memoryTotal),
  }]);
});

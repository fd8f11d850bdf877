/**
 * The frame → metric family table: every family reads the right field in base units, an
 * absent reading gives no sample (never 0), core kinds and processes are labelled.
 */
import assert from "node:assert/strict";
import { decodeMetrics, type MetricsFrame } from "../../src/ipc/codec.ts";
import { FRAME_FAMILY_NAMES, frameFamilies } from "../../src/export/families.ts";

const vector = (name: string) =>
  decodeMetrics(Deno.readFileSync(new URL(`../vectors/${name}.bin`, import.meta.url)));

/** name → the samples' values (labels as `k=v,k=v` keys; `` for none). */
function values(frame: MetricsFrame, processes = 0, nowMs = frame.timestamp) {
  const out = new Map<string, Map<string, number>>();
  for (const f of frameFamilies(frame, { nowMs, processes })) {
    out.set(
      f.name,
      new Map(f.samples.map((s) => [s.labels.map(([k, v]) => `${k}=${v}`).join(","), s.value])),
    );
  }
  return out;
}

Deno.test("the laptop vector: every reading in its base unit, named as the contract says", () => {
  const frame = vector("laptop");
  const v = values(frame, 0, frame.timestamp + 250);
  const one = (name: string) => {
    const samples = v.get(name)!;
    assert.equal(samples.size, 1, name);
    return [...samples.values()][0];
  };
  assert.equal(one("opta_cpu_usage_ratio"), 0.3725);
  assert.equal(one("opta_memory_total_bytes"), 34359738368);
  assert.equal(one("opta_memory_used_bytes"), Math.round(frame.memoryUsage / 100 * 34359738368));
  assert.equal(one("opta_disk_used_ratio"), 0.815);
  assert.equal(one("opta_swap_used_bytes"), 1610612736);
  assert.equal(one("opta_swap_total_bytes"), 3221225472);
  assert.equal(one("opta_load1"), 4.25);
  assert.equal(one("opta_load5"), 3.5);
  assert.equal(one("opta_load15"), 2.75);
  assert.equal(one("opta_memory_pressure"), 1); // Warning
  assert.equal(one("opta_temperature_celsius"), 54.5);
  assert.equal(one("opta_daemon_start_time_seconds"), 1764183590);
  assert.equal(one("opta_battery_charge_ratio"), frame.battery!.percent / 100);
  assert.equal(one("opta_battery_on_ac"), frame.battery!.onAc ? 1 : 0);
  assert.equal(one("opta_gpu_usage_ratio"), frame.gpuUsage! / 100);
  assert.equal(one("opta_disk_read_bytes"), frame.diskIo!.readBytes);
  assert.equal(one("opta_disk_written_bytes"), frame.diskIo!.writtenBytes);
  assert.deepEqual(
    v.get("opta_network_receive_bytes"),
    new Map([["interface=en0", frame.network!.receivedBytes]]),
  );
  assert.deepEqual(
    v.get("opta_network_transmit_bytes"),
    new Map([["interface=en0", frame.network!.sentBytes]]),
  );
  const cores = v.get("opta_cpu_core_usage_ratio")!;
  assert.equal(cores.size, 10);
  assert.equal(cores.get("core=0,kind=Performance"), 0.925);
  assert.equal(cores.get("core=7,kind=Performance"), 0.0775);
  assert.equal(cores.get("core=8,kind=Efficiency"), 0.035);
  assert.equal(cores.get("core=9,kind=Efficiency"), 0.0125);
});

Deno.test("absent readings give no sample, never a 0; one kind of core gives no kind label", () => {
  const frame = vector("linux_server"); // no battery, GPU or temperature; 4 cores of one kind
  const v = values(frame);
  for (
    const name of [
      "opta_battery_charge_ratio",
      "opta_battery_on_ac",
      "opta_gpu_usage_ratio",
      "opta_temperature_celsius",
    ]
  ) {
    assert.equal(v.get(name)!.size, 0, name);
  }
  assert.deepEqual([...v.get("opta_cpu_core_usage_ratio")!.keys()], [
    "core=0",
    "core=1",
    "core=2",
    "core=3",
  ]);
  // A seed-era frame has none of the appended readings.
  const seed = values(vector("full"));
  for (
    const name of [
      "opta_cpu_core_usage_ratio",
      "opta_load1",
      "opta_swap_used_bytes",
      "opta_memory_pressure",
      "opta_network_receive_bytes",
      "opta_disk_read_bytes",
      "opta_battery_on_ac",
      "opta_gpu_usage_ratio",
      "opta_thermal_throttled",
    ]
  ) {
    assert.equal(seed.get(name)!.size, 0, name);
  }
  assert.equal(seed.get("opta_temperature_celsius")!.size, 1);
});

Deno.test("thermal: each field its own family; a field the OS does not give has no sample", () => {
  const v = values(vector("intel_throttled"));
  assert.deepEqual(v.get("opta_thermal_throttled"), new Map([["", 1]]));
  assert.equal(v.get("opta_thermal_speed_limit_ratio")!.get("")!.toFixed(4), "0.2800");
  assert.equal(v.get("opta_thermal_scheduler_limit_ratio")!.get("")!.toFixed(4), "0.4000");
  assert.deepEqual(v.get("opta_thermal_available_cpus"), new Map([["", 8]]));
  assert.deepEqual(v.get("opta_thermal_warning_level"), new Map([["", 0]]), "0 is a value");
  // Apple silicon: the value is there, but pmset gave none of its fields
  const apple = values(vector("laptop"));
  for (const name of FRAME_FAMILY_NAMES.filter((n) => n.startsWith("opta_thermal_"))) {
    assert.equal(apple.get(name)!.size, 0, name);
  }
});

Deno.test("a temperature of exactly 0 °C is a reading, not an absence", () => {
  const v = values(vector("no_processes"));
  assert.deepEqual(v.get("opta_temperature_celsius"), new Map([["", 0]]));
});

Deno.test("processes are exported only when asked, at most as many as asked", () => {
  const frame = vector("laptop");
  assert.equal(values(frame, 0).get("opta_process_cpu_ratio")!.size, 0);
  assert.equal(values(frame, 0).get("opta_process_resident_memory_bytes")!.size, 0);
  const v = values(frame, 3);
  assert.deepEqual(
    v.get("opta_process_cpu_ratio"),
    new Map([
      ["pid=412,name=WindowServer", frame.topProcesses[0].cpuPercent / 100],
      ["pid=9051,name=Google Chrome Helper (Renderer)", frame.topProcesses[1].cpuPercent / 100],
      ["pid=731,name=kernel_task", 0.12],
    ]),
  );
  assert.equal(
    v.get("opta_process_resident_memory_bytes")!.get("pid=412,name=WindowServer"),
    512.25 * 1048576,
  );
  assert.equal(values(frame, 100).get("opta_process_cpu_ratio")!.size, 10);
});

Deno.test("a value that is not a finite number is left out like an absent one", () => {
  const frame = { ...vector("laptop"), cpuUsage: NaN, temperature: Infinity };
  const v = values(frame);
  assert.equal(v.get("opta_cpu_usage_ratio")!.size, 0);
  assert.equal(v.get("opta_temperature_celsius")!.size, 0);
});

Deno.test("the families are the contract's names, counters named without _total", () => {
  // Pinned on purpose: the contract's names (in any order; Prometheus reads no order).
  assert.deepEqual(
    [...FRAME_FAMILY_NAMES].sort(),
    [
      "opta_cpu_usage_ratio",
      "opta_cpu_core_usage_ratio",
      "opta_memory_used_bytes",
      "opta_memory_total_bytes",
      "opta_memory_pressure",
      "opta_swap_used_bytes",
      "opta_swap_total_bytes",
      "opta_disk_used_ratio",
      "opta_load1",
      "opta_load5",
      "opta_load15",
      "opta_network_receive_bytes",
      "opta_network_transmit_bytes",
      "opta_disk_read_bytes",
      "opta_disk_written_bytes",
      "opta_battery_charge_ratio",
      "opta_battery_on_ac",
      "opta_gpu_usage_ratio",
      "opta_thermal_throttled",
      "opta_thermal_speed_limit_ratio",
      "opta_thermal_scheduler_limit_ratio",
      "opta_thermal_available_cpus",
      "opta_thermal_warning_level",
      "opta_temperature_celsius",
      "opta_daemon_start_time_seconds",
      "opta_process_cpu_ratio",
      "opta_process_resident_memory_bytes",
    ].sort(),
  );
  for (const f of frameFamilies(vector("laptop"), { nowMs: 0, processes: 1 })) {
    if (f.unit !== "") assert.ok(f.name.endsWith(`_${f.unit}`), `${f.name} ends with its unit`);
    assert.ok(!f.name.endsWith("_total"), f.name);
  }
});

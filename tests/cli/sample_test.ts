/** `sample`'s table and JSON: every appended reading, and why an absent one is absent. */
import assert from "node:assert/strict";
import { formatSample, type SampleResult, sampleToJson } from "../../src/cli/sample.ts";
import { SOURCE_NAMES } from "../../src/metrics/source.ts";
import type { SourceStatus } from "../../src/metrics/types.ts";
import { EXTENDED_SNAPSHOT, M1_PRO_LEVELS } from "../support/codec_fixtures.ts";
import { runSample, runSampleOnTerminal } from "../support/sample.ts";

const OK: SourceStatus = { ageMs: 5, error: null, samples: 1, failures: 0, costMs: 0.5 };

function result(
  snapshot = EXTENDED_SNAPSHOT,
  statuses: Partial<Record<string, SourceStatus>> = {},
): SampleResult {
  return {
    snapshot,
    machine: {
      os: "Darwin 24.6.0",
      model: "MacBookPro18,3",
      logicalCpus: 10,
      memoryTotal: 17179869184,
      coreLevels: M1_PRO_LEVELS,
    },
    sources: Object.fromEntries(
      SOURCE_NAMES.map((name) => [name, statuses[name] ?? OK]),
    ) as SampleResult["sources"],
  };
}

Deno.test("sample's table shows every appended reading, grouped cores and human units", () => {
  const lines = formatSample(result()).split("\n");
  const rowOf = (label: string) => lines.find((l) => l.startsWith(label.padEnd(12)));
  assert.equal(
    rowOf("  per core"),
    "  per core   P ▇▆▅▄▃▂▁▁  E ▁   (8 Performance + 2 Efficiency)",
  );
  assert.equal(rowOf("Load"), "Load         3.50  2.25  1.75");
  assert.equal(rowOf("Swap"), "Swap         1.0 GiB of 4.0 GiB");
  assert.equal(rowOf("Pressure"), "Pressure     warning");
  assert.equal(
    rowOf("Disk I/O"),
    "Disk I/O     read 4.0 MiB/s  write 1.0 MiB/s  (512.0 GiB read, 256.0 GiB written)",
  );
  assert.equal(
    rowOf("Network"),
    "Network      en0  ↓ 1.2 MiB/s  ↑ 61.0 KiB/s  (919.8 GiB in, 115.0 GiB out)",
  );
  assert.equal(rowOf("Battery"), "Battery      81.5 %  discharging  4:07 left");
  assert.equal(rowOf("GPU"), "GPU          18.8 %");
});

Deno.test("sample's table says why a value is absent: switched off, no source, not on this machine", () => {
  const text = formatSample(result(
    { ...EXTENDED_SNAPSHOT, gpuUsage: null, battery: null, network: null, temperature: null },
    {
      gpu: { ...OK, samples: 0, ageMs: null, error: "switched off" },
      battery: { ...OK, samples: 0, ageMs: null, error: "no source on this platform" },
      network: { ...OK, samples: 0, ageMs: null, error: "netstat: exit 1", failures: 1 },
    },
  ));
  assert.match(text, /^GPU {10}— {2}\(switched off\)$/m);
  assert.match(text, /^Battery {6}— {2}\(no source on this platform\)$/m);
  assert.match(text, /^Network {6}— {2}\(failing\)$/m);
  assert.match(text, /^Temperature {2}— {2}\(not on this machine\)$/m);
  assert.match(text, /^network: netstat: exit 1$/m, "a failing source's error is listed");
  assert.doesNotMatch(text, /^gpu:/m, "a switched-off source is not an error");
});

Deno.test("sample --json: the appended fields by their schema names, null when absent, each source's state", () => {
  const json = sampleToJson(result(
    { ...EXTENDED_SNAPSHOT, gpuUsage: null, battery: null },
    { gpu: { ...OK, samples: 0, ageMs: null, error: "switched off" } },
  ));
  assert.deepEqual(json.cpu_cores, [87.5, 75, 62.5, 50, 37.5, 25, 12.5, 6.25, 3.125, 0]);
  assert.deepEqual(json.cpu_core_levels, [
    { name: "Performance", first_core: 0, cores: 8 },
    { name: "Efficiency", first_core: 8, cores: 2 },
  ]);
  assert.deepEqual(json.load_average, { one: 3.5, five: 2.25, fifteen: 1.75 });
  assert.deepEqual(json.swap, { used: 1073741824, total: 4294967296 });
  assert.equal(json.memory_pressure, "Warning");
  assert.deepEqual(json.network, {
    interface: "en0",
    receive_bytes_per_second: 1250000,
    send_bytes_per_second: 62500,
    received_bytes: 987654321012,
    sent_bytes: 123456789012,
  });
  assert.deepEqual(json.disk_io, {
    read_bytes_per_second: 4194304,
    write_bytes_per_second: 1048576,
    read_bytes: 549755813888,
    written_bytes: 274877906944,
  });
  assert.equal(json.battery, null);
  assert.equal(json.gpu_usage, null);
  const sources = json.sources as Record<string, { state: string; cost_ms: number | null }>;
  assert.equal(sources.gpu.state, "switched off");
  assert.equal(sources.network.state, "ok");
  assert.equal(sources.network.cost_ms, 0.5);
});

Deno.test({
  name: "sample prints JSON when piped and a table on a terminal, as watch does",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const piped = JSON.parse(await runSample([]));
    assert.equal(typeof piped.cpu_usage, "number");
    assert.equal(piped.top_processes.length, 10);
    const table = await runSampleOnTerminal([]);
    assert.match(table, /^Linux .* CPUs/);
    assert.match(table, /^ {4}PID {3}CPU % {3}MEM MiB {2}NAME$/m);
    const json = JSON.parse(await runSampleOnTerminal(["--json"]));
    assert.equal(typeof json.memory_usage, "number");
  },
});

Deno.test({
  name: "sample's per-process CPU covers a full second: a 3 % process reads about 3, not 0 or 6",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // 30 ms of CPU every second: over one second about 3 points; over the ~160 ms of top's
    // first refresh it could only read 0 or a multiple of about 6.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        'console.log("ready");for(;;){const e=performance.now()+30;while(performance.now()<e){}' +
        "await new Promise((r)=>setTimeout(r,970));}",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      // past Deno's own start-up, whose CPU would count in the window
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.match((await reader.read()).value ?? "", /ready/);
      reader.releaseLock();
      const { top_processes: rows } = JSON.parse(await runSample(["--json", "--top", "100"]));
      const positive = rows.map((p: { cpu_percent: number }) => p.cpu_percent)
        .filter((v: number) => v > 0);
      const finest = Math.min(...positive);
      assert.ok(finest < 4.5, `the smallest non-zero process CPU is ${finest}: ${positive}`);
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    }
  },
});

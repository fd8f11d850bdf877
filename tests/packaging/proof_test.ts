/**
 * The checks of `.ci/proof.ts` (what the first macOS run asserts): a real `sample --json` of
 * this machine passes against the machine as the proof reads it, and each kind of wrong sample,
 * gap or spawn count fails with its own line. The whole proof runs in `.ci/run` and ci.yml.
 */
import assert from "node:assert/strict";
import { checkRanges, checkSample, checkSequence, checkSpawns } from "../../.ci/proof_checks.ts";
import { memoryPercent, readMachine } from "../../.ci/proof_machine.ts";
import { runSample } from "../support/sample.ts";

const isLinux = Deno.build.os === "linux";

Deno.test({
  name: "proof: this machine's sample passes; each wrong value fails with its own line",
  ignore: !isLinux,
  fn: async () => {
    const before = await readMachine("linux");
    const sample = JSON.parse(await runSample(["--json"]));
    const machine = {
      ...before,
      memoryPercent: [...before.memoryPercent, await memoryPercent("linux")],
    };
    assert.deepEqual(checkSample(sample, machine), []);
    assert.deepEqual(checkRanges(sample), []);
    const ranges = (edit: (s: typeof sample) => void) => {
      const copy = structuredClone(sample);
      edit(copy);
      return checkRanges(copy);
    };
    assert.deepEqual(ranges((s) => s.cpu_usage = 100.5), ["cpu_usage = 100.5, outside 0 – 100"]);
    assert.deepEqual(ranges((s) => s.cpu_cores[1] = -1), ["cpu_cores[1] = -1, outside 0 – 100"]);
    assert.deepEqual(ranges((s) => s.memory_pressure = "Panic"), [
      "memory_pressure = Panic, not one of normal, warning, critical",
    ]);
    assert.deepEqual(
      ranges((s) => s.thermal = { speed_limit: 1.5, state: "Throttled", warning_level: 5 }),
      ["thermal.speed_limit = 1.5, outside 0 – 1"],
    );
    const wrong = (edit: (s: typeof sample) => void) => {
      const copy = structuredClone(sample);
      edit(copy);
      return checkSample(copy, machine);
    };
    const high = Math.max(...machine.memoryPercent);
    assert.match(wrong((s) => s.memory_usage = high + 2.5)[0], /^memory .* then .*±2 points/);
    assert.match(wrong((s) => s.cpu_cores.pop())[0], /^per-core count/);
    assert.match(
      wrong((s) => s.sources.disk = { state: "failing", error: "df: exit 1" })[0],
      /^source disk: failing \(df: exit 1\), expected ok$/,
    );
    assert.match(
      wrong((s) => s.battery = { percent: 50 })[0],
      /^battery is present, the machine has none$/,
    );
    if (machine.defaultInterface !== null) {
      assert.deepEqual(wrong((s) => s.network = null), [
        `network on undefined, the default route is on ${machine.defaultInterface}`,
        "network is absent, the machine has one",
      ]);
    }
    const other = { ...machine, has: { ...machine.has, thermal: !machine.has.thermal } };
    assert.equal(checkSample(sample, other).length, 1, "thermal decided by the machine");
  },
});

Deno.test("proof: a gap in the sequence, or too few frames, fails", () => {
  assert.deepEqual(checkSequence([5, 6, 7], 3), []);
  assert.deepEqual(checkSequence([5, 6, 8, 9], 4), ["sequence gap: 6 then 8"]);
  assert.deepEqual(checkSequence([1, 2], 3), ["2 frames, expected at least 3"]);
});

Deno.test("proof: the spawns of a minute against the budget, and failing sources", () => {
  const line = (seconds: number, spawns: number, extra = {}) => ({
    at: seconds * 1000,
    fields: { event: "stats", spawns, ...extra },
  });
  const minute = [0, 5, 10, 55, 60].map((s) => line(s, 100 + s));
  assert.deepEqual(checkSpawns(minute, 60_000, 1, "darwin"), {
    spawns: 60,
    seconds: 60,
    failures: [],
  });
  assert.deepEqual(
    checkSpawns([line(0, 0), line(60, 61)], 60_000, 1, "darwin").failures,
    ["61 spawns in 60.0 s, budget 1/s"],
  );
  assert.equal(checkSpawns([line(0, 0), line(60, 72)], 60_000, 1.2, "linux").failures.length, 0);
  const errors = [
    line(0, 0, { temperature_error: "no source on this platform" }),
    line(60, 10, { gpu_error: "ioreg: exit 1" }),
  ];
  assert.deepEqual(checkSpawns(errors, 60_000, 1, "darwin").failures, [
    "stats: gpu failing: ioreg: exit 1",
  ]);
  assert.deepEqual(checkSpawns([line(0, 0)], 60_000, 1, "darwin").failures, [
    "no two stats lines 60000 ms apart",
  ]);
});

Deno.test("proof: the script itself type-checks (deno task check covers src, tests and bench)", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", ".ci/proof.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});

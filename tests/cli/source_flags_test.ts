/** `serve --sources`, `--no-<source>` and `--<source>-interval`. */
import assert from "node:assert/strict";
import { parseServeArgs } from "../../src/cli/serve.ts";
import { UsageError } from "../../src/cli/flags.ts";
import { DEFAULT_CADENCES } from "../../src/metrics/sampler.ts";
import { SOURCE_NAMES } from "../../src/metrics/source.ts";

const parse = (...args: string[]) => parseServeArgs(["--socket", "/tmp/x.sock", ...args])!;

Deno.test("serve flags: every source runs by default, at its platform's default cadence", () => {
  const options = parse();
  assert.deepEqual(options.sources, SOURCE_NAMES);
  assert.deepEqual(options.cadences, {}, "none given: the platform's own apply");
  assert.deepEqual(parse("--disk-interval", "5s", "--idle-interval", "1m").cadences, {
    disk: 5000,
    idle: 60_000,
  });
  assert.ok(DEFAULT_CADENCES.disk !== 5000);
});

Deno.test("serve flags: --sources picks sources, --no-<source> removes one", () => {
  assert.deepEqual(parse("--sources", "disk,cpu,memory,gpu").sources, [
    "cpu",
    "memory",
    "disk",
    "gpu",
  ]);
  const without = parse("--no-gpu", "--no-battery").sources!;
  assert.deepEqual(without, SOURCE_NAMES.filter((n) => n !== "gpu" && n !== "battery"));
  assert.deepEqual(parse("--sources", "cpu,memory,disk,gpu", "--no-gpu").sources, [
    "cpu",
    "memory",
    "disk",
  ]);
});

Deno.test("serve flags: an unknown or required source is a one-line usage error", () => {
  assert.throws(() => parse("--sources", "cpu,memory,disk,fan"), (e: Error) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /--sources takes names from cpu,memory,.*got 'fan'/);
    return true;
  });
  assert.throws(
    () => parse("--sources", "cpu,memory"),
    /must include cpu, memory, disk.*missing disk/,
  );
  assert.throws(() => parse("--sources", ""), /--sources takes names/);
  for (const required of ["cpu", "memory", "disk"]) {
    assert.throws(
      () => parse(`--no-${required}`),
      new RegExp(
        `serve: ${required} cannot be switched off \\(frames always carry cpu, ` +
          `memory, disk\\)$`,
      ),
    );
  }
});

Deno.test("serve flags: every source has an interval flag, with the cpu floor at 50 ms", () => {
  assert.equal(parse("--network-interval", "2s").cadences!.network, 2000);
  assert.equal(parse("--gpu-interval", "500ms").cadences!.gpu, 500);
  assert.equal(parse("--cpu-interval", "50").cadences!.cpu, 50);
  assert.throws(() => parse("--battery-interval", "50ms"), /--battery-interval must be a duration/);
});

Deno.test("serve flags: a duration error's examples are in range, so each is accepted", () => {
  const flags = [
    ...SOURCE_NAMES.map((name) => `--${name}-interval`),
    "--idle-interval",
    "--stall-timeout",
    "--stats-interval",
    "--gc-interval",
  ];
  for (const flag of flags) {
    let message = "";
    try {
      parse(flag, "1ms");
    } catch (e) {
      message = (e as Error).message;
    }
    const examples = /\(e\.g\. ([^)]+)\)/.exec(message)?.[1].split(", ");
    assert.ok(examples && examples.length > 0, `${flag} 1ms: ${message}`);
    for (const example of examples) parse(flag, example); // throws if refused
  }
  assert.throws(
    () => parse("--gc-interval", "500ms"),
    /serve: --gc-interval must be 0 \(off\) or a duration from 1s to 60m \(e\.g\. 1s, 1m\), got '500ms'$/,
  );
  assert.equal(parse("--gc-interval", "0").gcIntervalMs, 0);
  assert.equal(parse("--stats-interval", "0s").statsIntervalMs, 0);
});

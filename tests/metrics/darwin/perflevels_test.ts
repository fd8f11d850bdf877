/**
 * Core levels from the start-up `sysctl`: every real `sysctl` capture, the run the daemon
 * makes rebuilt from the captures (old and new `sysctl` behaviour), and the layouts that give
 * no levels rather than wrong ones.
 */
import assert from "node:assert/strict";
import { coreLevelsFromSysctl } from "../../../src/metrics/darwin/perflevels.ts";
import {
  interpretSysctlRun,
  parseSysctl,
  STATIC_SYSCTL_KEYS,
} from "../../../src/metrics/darwin/sysctl.ts";
import type { CoreLevel } from "../../../src/metrics/types.ts";
import { assertParseError, capturesOf, fixture, linesFor } from "../../support/fixtures.ts";

const level = (name: string, firstCore: number, cores: number): CoreLevel => ({
  name,
  firstCore,
  cores,
});

/** What each `sysctl` capture gives, fastest level first; a new capture must be added here. */
const EXPECTED: Record<string, CoreLevel[]> = {
  // Intel, macOS 10.14: no perflevel keys at all
  "sysctl-a.macos10.14.6-x64-i5-8279U.jc.txt": [],
  // `sysctl -a machdep.cpu` on an M1 and the first lines of `sysctl vm`: no hw.* keys
  "sysctl-a-machdep.cpu.macos11.0-arm64-m1.glpi-agent.txt": [],
  "sysctl-vm-first14lines.macos-x64-vm-4GiB-2020.ansible.txt": [],
  "sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt": [
    level("Performance", 2, 8),
    level("Efficiency", 0, 2),
  ],
  // macOS 12 has no hw.perflevelN.name: the two levels are named by their kind
  "sysctl-hw-machdep.macos12-arm64-m1pro-6p2e.archspec.txt": [
    level("Performance", 2, 6),
    level("Efficiency", 0, 2),
  ],
  "sysctl-hw-machdep.macos12-arm64-m2.archspec.txt": [
    level("Performance", 4, 4),
    level("Efficiency", 0, 4),
  ],
  "sysctl-hw-machdep.macos15-arm64-m3max.archspec.txt": [
    level("Performance", 4, 10),
    level("Efficiency", 0, 4),
  ],
  "sysctl-hw-machdep.macos15-arm64-m4max.archspec.txt": [
    level("Performance", 4, 12),
    level("Efficiency", 0, 4),
  ],
  "sysctl-hw-machdep.macos26.4.1-arm64-m5.archspec-pr153.txt": [
    level("Super", 6, 4),
    level("Efficiency", 0, 6),
  ],
};

Deno.test("core levels: every sysctl capture, fastest first, slowest on the first cores", () => {
  const names = capturesOf("sysctl");
  assert.deepEqual(names, Object.keys(EXPECTED).sort(), "a capture without an expectation");
  for (const name of names) {
    const map = parseSysctl(fixture(name));
    const cpus = Number(map.get("hw.logicalcpu") ?? 8);
    const levels = coreLevelsFromSysctl(map, cpus);
    assert.deepEqual(levels, EXPECTED[name], name);
    // the levels tile the logical CPUs exactly
    if (levels.length > 0) {
      const covered = levels.flatMap((l) => [...Array(l.cores).keys()].map((k) => l.firstCore + k));
      assert.deepEqual(covered.sort((a, b) => a - b), [...Array(cpus).keys()], name);
    }
  }
});

Deno.test("core levels: the daemon's start-up run, rebuilt from each capture, new sysctl", () => {
  for (const [name, levels] of Object.entries(EXPECTED)) {
    const text = fixture(name);
    const stdout = linesFor(text, STATIC_SYSCTL_KEYS);
    const printed = parseSysctl(stdout);
    const unknown = STATIC_SYSCTL_KEYS.filter((k) => !printed.has(k));
    // sysctl ≥ 979 warns about each unknown key, carries on and exits with their count
    const run = interpretSysctlRun({
      stdout,
      stderr: unknown.map((k) => `sysctl: unknown oid '${k}'\n`).join(""),
      code: unknown.length,
    }, STATIC_SYSCTL_KEYS);
    assert.deepEqual(run.missingKeys, [], name);
    const cpus = Number(run.values.get("hw.logicalcpu") ?? 8);
    assert.deepEqual(coreLevelsFromSysctl(run.values, cpus), levels, name);
  }
});

Deno.test("core levels: old sysctl on macOS 12 stops at the first name key, counts kept", () => {
  const text = fixture("sysctl-hw-machdep.macos12-arm64-m1pro-6p2e.archspec.txt");
  const stop = STATIC_SYSCTL_KEYS.indexOf("hw.perflevel0.name");
  const stdout = linesFor(text, STATIC_SYSCTL_KEYS.slice(0, stop));
  const run = interpretSysctlRun(
    { stdout, stderr: "sysctl: unknown oid 'hw.perflevel0.name'\n", code: 1 },
    STATIC_SYSCTL_KEYS,
  );
  assert.deepEqual(run.unknownKeys, ["hw.perflevel0.name"]);
  // hw.model and kern.osproductversion are not in this `sysctl hw machdep` capture
  assert.deepEqual(run.missingKeys, ["hw.model", "kern.osproductversion", "hw.perflevel1.name"]);
  assert.deepEqual(coreLevelsFromSysctl(run.values, 8), [
    level("Performance", 2, 6),
    level("Efficiency", 0, 2),
  ]);
});

Deno.test("core levels: layouts that cannot be told give none, never a wrong split", () => {
  const levels = (text: string, cpus: number) => coreLevelsFromSysctl(parseSysctl(text), cpus);
  // Intel on macOS 12+: one level, `Standard`
  assert.deepEqual(
    levels("hw.nperflevels: 1\nhw.perflevel0.logicalcpu: 8\nhw.perflevel0.name: Standard\n", 8),
    [],
  );
  const two = (p: number, e: number, perL2: number) =>
    `hw.nperflevels: 2\nhw.perflevel0.logicalcpu: ${p}\nhw.perflevel1.logicalcpu: ${e}\n` +
    `hw.perflevel1.cpusperl2: ${perL2}\n`;
  assert.deepEqual(levels(two(8, 2, 2), 10).length, 2);
  // the counts do not add up to the logical CPUs (cpus() saw another number)
  assert.deepEqual(levels(two(8, 2, 2), 12), []);
  // the slowest kind in two L2 clusters: two dies whose kinds interleave
  assert.deepEqual(levels(two(16, 4, 2), 20), []);
  // no cluster size: the layout cannot be checked
  assert.deepEqual(
    levels("hw.nperflevels: 2\nhw.perflevel0.logicalcpu: 8\nhw.perflevel1.logicalcpu: 2\n", 10),
    [],
  );
  // three levels: the start-up run reads two
  assert.deepEqual(levels(two(4, 4, 4).replace("nperflevels: 2", "nperflevels: 3"), 8), []);
  // a level's count missing (old sysctl stopped before it)
  assert.deepEqual(levels("hw.nperflevels: 2\nhw.perflevel0.logicalcpu: 8\n", 10), []);
});

Deno.test("core levels: a malformed count is a ParseError naming the key", () => {
  const levels = (text: string) => () => coreLevelsFromSysctl(parseSysctl(text), 8);
  assertParseError(levels("hw.nperflevels: two\n"), "sysctl", 0, "hw.nperflevels");
  assertParseError(
    levels("hw.nperflevels: 2\nhw.perflevel0.logicalcpu: 0\nhw.perflevel1.logicalcpu: 8\n"),
    "sysctl",
    0,
    "hw.perflevel0.logicalcpu",
  );
  assertParseError(
    levels("hw.nperflevels: 2\nhw.perflevel0.logicalcpu: 4\nhw.perflevel1.logicalcpu: -4\n"),
    "sysctl",
    0,
    "hw.perflevel1.logicalcpu",
  );
});

import assert from "node:assert/strict";
import { assertParseError, capturesOf, fixture, linesFor } from "../../support/fixtures.ts";

const assertParseErrorOf = (fn: () => unknown, line: number, includes?: string) =>
  assertParseError(fn, "sysctl", line, includes);
import {
  interpretSysctlRun,
  parseSysctl,
  STATIC_SYSCTL_KEYS,
  staticFactsFromSysctl,
} from "../../../src/metrics/darwin/sysctl.ts";

const GiB = 1024 ** 3;
const INTEL = "sysctl-a.macos10.14.6-x64-i5-8279U.jc.txt";
const M1 = "sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt";

Deno.test("sysctl -a Intel 10.14.6: 1286 keys, static facts, formats kept as strings", () => {
  const map = parseSysctl(fixture(INTEL));
  assert.equal(map.size, 1286);
  assert.equal(map.get("hw.memsize"), "17179869184");
  assert.equal(
    map.get("kern.boottime"),
    "{ sec = 1592836479, usec = 918881 } Mon Jun 22 07:34:39 2020",
  );
  assert.equal(map.get("vm.loadavg"), "{ 2.57 2.41 2.24 }");
  assert.equal(
    map.get("vm.swapusage"),
    "total = 3072.00M  used = 2513.50M  free = 558.50M  (encrypted)",
  );
  assert.equal(map.get("machdep.cpu.brand_string"), "Intel(R) Core(TM) i5-8279U CPU @ 2.40GHz");
  // line 236 is followed by a blank line 237: it continues the value and is trimmed away
  assert.equal(map.get("kern.bootsignature"), "13bf6a6a9d014193bb512d34ea9c4a65f819d832");
  assert.equal(map.get("kern.hibernatemode"), "0");
  assert.deepEqual(staticFactsFromSysctl(map), {
    memoryTotal: 17179869184,
    pageSize: 4096,
    logicalCpus: 8,
    model: null, // hw.model is not in this `sysctl -a` capture
    osVersion: "10.14.6",
  });
});

Deno.test("sysctl hw machdep kern on M1 Pro: 545 keys, static facts, empty values", () => {
  const map = parseSysctl(fixture(M1));
  assert.equal(map.size, 545);
  assert.equal(map.get("hw.memsize_usable"), "33689255936");
  assert.equal(map.get("hw.perflevel1.name"), "Efficiency");
  assert.equal(map.get("hw.osenvironment"), ""); // printed as `hw.osenvironment:` here
  assert.equal(map.get("kern.bootargs"), "");
  assert.equal(map.get("kern.osversion"), "23E224");
  assert.deepEqual(staticFactsFromSysctl(map), {
    memoryTotal: 34359738368,
    pageSize: 16384,
    logicalCpus: 10,
    model: "MacBookPro18,1",
    osVersion: "14.4.1",
  });
});

Deno.test("sysctl: every `name: value` capture gives one key per non-blank line", () => {
  const names = capturesOf("sysctl");
  assert.ok(names.length >= 8, names.join(" "));
  for (const name of names) {
    const text = fixture(name);
    const keys = text.split("\n").filter((l) => l.trim() !== "").length;
    assert.equal(parseSysctl(text).size, keys, name);
  }
});

/** `sysctl hw machdep` on Apple Silicon: keys, static facts and what the hand read gives. */
const HW_MACHDEP: [string, number, number, number, string, string | undefined, string][] = [
  // capture, keys, hw.memsize, hw.logicalcpu, brand string, perflevel0 name, hw.targettype
  [
    "sysctl-hw-machdep.macos12-arm64-m1pro-6p2e.archspec.txt",
    117,
    16 * GiB,
    8,
    "Apple M1 Pro",
    undefined,
    "J314s",
  ],
  [
    "sysctl-hw-machdep.macos12-arm64-m2.archspec.txt",
    117,
    16 * GiB,
    8,
    "Apple M2",
    undefined,
    "J413",
  ],
  [
    "sysctl-hw-machdep.macos15-arm64-m3max.archspec.txt",
    142,
    36 * GiB,
    14,
    "Apple M3 Max",
    "Performance",
    "J514m",
  ],
  [
    "sysctl-hw-machdep.macos15-arm64-m4max.archspec.txt",
    142,
    64 * GiB,
    16,
    "Apple M4 Max",
    "Performance",
    "J614c",
  ],
  [
    "sysctl-hw-machdep.macos26.4.1-arm64-m5.archspec-pr153.txt",
    157,
    24 * GiB,
    10,
    "Apple M5",
    "Super",
    "J704",
  ],
];

for (const [name, keys, memsize, cpus, brand, perf0, target] of HW_MACHDEP) {
  Deno.test(`sysctl hw machdep ${name}: ${keys} keys, ${memsize / GiB} GiB, ${cpus} CPUs`, () => {
    const map = parseSysctl(fixture(name));
    assert.equal(map.size, keys);
    assert.equal(map.get("machdep.cpu.brand_string"), brand);
    assert.equal(map.get("hw.perflevel0.name"), perf0);
    assert.equal(map.get("hw.targettype"), target);
    assert.equal(map.get("hw.osenvironment"), ""); // `name:` or `name: ` both give ""
    assert.match(map.get("hw.cachesize")!, /^\d+ 65536 \d+ 0 0 0 0 0 0 0$/);
    // `sysctl hw` does not list hw.model on these Macs, and kern.* was not asked for
    assert.deepEqual(staticFactsFromSysctl(map), {
      memoryTotal: memsize,
      pageSize: 16384,
      logicalCpus: cpus,
      model: null,
      osVersion: null,
    });
  });
}

Deno.test("sysctl -a machdep.cpu (M1) and partial sysctl vm: parsed, no static facts", () => {
  const cpu = parseSysctl(fixture("sysctl-a-machdep.cpu.macos11.0-arm64-m1.glpi-agent.txt"));
  assert.deepEqual([...cpu], [
    ["machdep.cpu.cores_per_package", "8"],
    ["machdep.cpu.core_count", "8"],
    ["machdep.cpu.logical_per_package", "8"],
    ["machdep.cpu.thread_count", "8"],
    ["machdep.cpu.brand_string", "Apple M1"],
  ]);
  assertParseErrorOf(() => staticFactsFromSysctl(cpu), 0, "hw.memsize missing");
  const vm = parseSysctl(fixture("sysctl-vm-first14lines.macos-x64-vm-4GiB-2020.ansible.txt"));
  assert.equal(vm.size, 14);
  assert.equal(vm.get("vm.loadavg"), "{ 1.28 1.18 1.13 }");
  assert.equal(
    vm.get("vm.swapusage"),
    "total = 2048.00M  used = 1017.50M  free = 1030.50M  (encrypted)",
  );
  assert.equal(vm.get("vm.global_user_wire_limit"), "3006477107");
  assertParseErrorOf(() => staticFactsFromSysctl(vm), 0, "hw.memsize missing");
});

Deno.test("sysctl: the daemon's one spawn, rebuilt from the M1 Pro capture", () => {
  const stdout = linesFor(fixture(M1), STATIC_SYSCTL_KEYS);
  assert.equal(
    stdout,
    "hw.memsize: 34359738368\nhw.pagesize: 16384\nhw.logicalcpu: 10\n" +
      "hw.model: MacBookPro18,1\nkern.osproductversion: 14.4.1\n" +
      "hw.nperflevels: 2\nhw.perflevel0.logicalcpu: 8\nhw.perflevel1.logicalcpu: 2\n" +
      "hw.perflevel1.cpusperl2: 2\nhw.perflevel0.name: Performance\n" +
      "hw.perflevel1.name: Efficiency\n",
  );
  const run = interpretSysctlRun({ stdout, stderr: "", code: 0 }, STATIC_SYSCTL_KEYS);
  assert.deepEqual(run.unknownKeys, []);
  assert.deepEqual(run.missingKeys, []);
  assert.deepEqual(run.warnings, []);
  assert.equal(staticFactsFromSysctl(run.values).memoryTotal, 34359738368);
});

const WITH_BAD = ["hw.memsize", "hw.pagesize", "hw.nosuchkey", "hw.logicalcpu", "hw.model"];

Deno.test("sysctl unknown key, old behaviour (≤ 970): exit 1, later keys never printed", () => {
  // errx(1, …) stops at the bad key: only the keys before it reach stdout
  const stdout = linesFor(fixture(M1), WITH_BAD.slice(0, 2));
  const run = interpretSysctlRun(
    { stdout, stderr: "sysctl: unknown oid 'hw.nosuchkey'\n", code: 1 },
    WITH_BAD,
  );
  assert.deepEqual([...run.values], [["hw.memsize", "34359738368"], ["hw.pagesize", "16384"]]);
  assert.deepEqual(run.unknownKeys, ["hw.nosuchkey"]);
  assert.deepEqual(run.missingKeys, ["hw.logicalcpu", "hw.model"]);
  assert.deepEqual(run.warnings, []);
  assert.deepEqual(staticFactsFromSysctl(run.values), {
    memoryTotal: 34359738368,
    pageSize: 16384,
    logicalCpus: null,
    model: null,
    osVersion: null,
  });
});

Deno.test("sysctl unknown keys, new behaviour (≥ 979): warns, continues, exit = count", () => {
  const keys = [...WITH_BAD, "kern.alsonothere"];
  const stdout = linesFor(fixture(M1), keys);
  const run = interpretSysctlRun(
    {
      stdout,
      // warnx for ENOENT, warn (with strerror) otherwise
      stderr: "sysctl: unknown oid 'hw.nosuchkey'\r\n" +
        "sysctl: unknown oid 'kern.alsonothere': Operation not permitted\n",
      code: 2,
    },
    keys,
  );
  assert.deepEqual(run.unknownKeys, ["hw.nosuchkey", "kern.alsonothere"]);
  assert.deepEqual(run.missingKeys, []);
  assert.equal(run.values.get("hw.model"), "MacBookPro18,1");
  assert.equal(run.values.get("hw.logicalcpu"), "10");
});

Deno.test("sysctl run: first key unknown on old sysctl, node names, unexplained exit", () => {
  const first = interpretSysctlRun(
    { stdout: "", stderr: "sysctl: unknown oid 'hw.memsizeX'\n", code: 1 },
    ["hw.memsizeX", "hw.pagesize"],
  );
  assert.equal(first.values.size, 0);
  assert.deepEqual(first.missingKeys, ["hw.pagesize"]);
  assertParseErrorOf(() => staticFactsFromSysctl(first.values), 0, "hw.memsize missing");
  const node = interpretSysctlRun(
    { stdout: "hw.ncpu: 10\nhw.byteorder: 1234\n", stderr: "", code: 0 },
    ["hw", "vm"],
  );
  assert.deepEqual(node.missingKeys, ["vm"]);
  const odd = interpretSysctlRun({ stdout: "hw.ncpu: 10\n", stderr: "", code: 3 }, ["hw.ncpu"]);
  assert.deepEqual(odd.warnings, ["sysctl exited with status 3 and printed nothing on stderr"]);
  const other = interpretSysctlRun(
    { stdout: "", stderr: "sysctl: sysctl fmt -1 1024 1: Operation not permitted\n", code: 1 },
    ["hw.ncpu"],
  );
  assert.deepEqual(other.warnings, ["sysctl: sysctl fmt -1 1024 1: Operation not permitted"]);
  assert.deepEqual(other.missingKeys, ["hw.ncpu"]);
});

Deno.test("sysctl parse: trailing space, empty value, multi-line value, CRLF", () => {
  const map = parseSysctl(
    "kern.nisdomainname: \n" +
      "kern.version: Darwin Kernel Version 23.4.0\r\n" +
      "  second line of a value\n" +
      "kern.boottime: { sec = 1711644864, usec = 393940 } Thu Mar 28 09:54:24 2024\n",
  );
  assert.deepEqual([...map], [
    ["kern.nisdomainname", ""],
    ["kern.version", "Darwin Kernel Version 23.4.0\n  second line of a value"],
    ["kern.boottime", "{ sec = 1711644864, usec = 393940 } Thu Mar 28 09:54:24 2024"],
  ]);
  assert.equal(parseSysctl("").size, 0);
  assert.equal(parseSysctl("\n\n").size, 0);
});

Deno.test("sysctl malformed input: ParseError names the line", () => {
  assertParseErrorOf(() => parseSysctl("\ngarbage without a name\nhw.ncpu: 8\n"), 2, "name: value");
  assertParseErrorOf(() => parseSysctl(" hw.ncpu: 8\n"), 1);
  const facts = (text: string) => staticFactsFromSysctl(parseSysctl(text));
  assertParseErrorOf(() => facts("hw.pagesize: 4096\n"), 0, "hw.memsize missing");
  assertParseErrorOf(() => facts("hw.memsize: 17179869184\n"), 0, "hw.pagesize missing");
  // truncated value, garbage, zero
  assertParseErrorOf(() => facts("hw.memsize: \nhw.pagesize: 4096\n"), 0, "hw.memsize");
  assertParseErrorOf(() => facts("hw.memsize: 17e9\nhw.pagesize: 4096\n"), 0, "positive integer");
  assertParseErrorOf(() => facts("hw.memsize: 1\nhw.pagesize: 0\n"), 0, "hw.pagesize");
  assertParseErrorOf(
    () => facts("hw.memsize: 1\nhw.pagesize: 4096\nhw.logicalcpu: ten\n"),
    0,
    "hw.logicalcpu",
  );
});

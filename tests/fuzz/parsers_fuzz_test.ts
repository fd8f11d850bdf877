/**
 * Property-based tests of the command-output parsers: each real capture in
 * tests/fixtures/darwin/ (and a `top -b` capture taken here) is mutated at
 * random; a parser may only throw ParseError, and what it returns holds finite
 * numbers and non-NaN percentages. Every property has a fixed seed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assertParseError,
  capturesOf,
  fixture,
  linesFor,
  toPidPcpuRssComm,
} from "../support/fixtures.ts";
import {
  memoryUsedBytes,
  parseVmStat,
  type VmStatCounters,
} from "../../src/metrics/darwin/vm_stat.ts";
import {
  VM_STAT_COLUMN_KEYS,
  VM_STAT_COLUMNS,
  VmStatStream,
} from "../../src/metrics/darwin/vm_stat_stream.ts";
import { parsePs } from "../../src/metrics/darwin/ps.ts";
import {
  interpretSysctlRun,
  parseSysctl,
  STATIC_SYSCTL_KEYS,
  staticFactsFromSysctl,
} from "../../src/metrics/darwin/sysctl.ts";
import { dfCapacityPercent, diskUsagePercent, findDfMount, parseDf } from "../../src/metrics/df.ts";
import { TopStream } from "../../src/metrics/linux/top.ts";
import { parseThermal } from "../../src/metrics/linux/thermal.ts";
import type { ProcessSample } from "../../src/metrics/types.ts";
import { stdoutOf } from "../support/procs.ts";
import { assertFinite, junkArb, mutate, mutationsArb, parsed } from "../support/mutate.ts";

/** A machine's physical memory, for the memory percentage the sampler derives. */
const MEMORY_TOTAL = 17179869184;

// ---------------------------------------------------------------- vm_stat

function checkMemoryUsed(counters: VmStatCounters, pageSize: number): void {
  for (const [key, value] of Object.entries(counters)) assertFinite(value, `counter ${key}`);
  const used = parsed(() => memoryUsedBytes(counters, pageSize));
  if (used === undefined) return;
  assert.ok(Number.isFinite(used) && used >= 0, `memory used ${used}`);
  const percent = (100 * used) / MEMORY_TOTAL;
  assert.ok(!Number.isNaN(percent), "memory percent is NaN");
}

const VM_STAT_KEYS = VM_STAT_COLUMN_KEYS;

/** One `pstat()` cell: right-aligned, divided by 1000 with K/M/G while too wide, one space. */
function cell(value: number, width: number): string {
  let text = String(value);
  for (const suffix of ["K", "M", "G"]) {
    if (text.length <= width) break;
    value = Math.floor(value / 1000);
    text = `${value}${suffix}`;
  }
  return text.padStart(width) + " ";
}

/**
 * `vm_stat 1` output rebuilt from a one-shot capture (the real interval captures are older Macs,
 * none with 16 KiB pages): its banner, the column header, a first row of the capture's counters
 * and two rows of deltas.
 */
function intervalText(oneShot: string): string {
  const report = parseVmStat(oneShot);
  const widths = VM_STAT_COLUMNS.map((c) => Math.max(8, c.length));
  const header = VM_STAT_COLUMNS.map((c, i) => c.padStart(widths[i])).join(" ");
  const row = (scale: number) =>
    VM_STAT_KEYS.map((k, i) => cell(Math.floor((report.counters[k] ?? 0) * scale), widths[i])).join(
      "",
    );
  return [
    oneShot.split("\n")[0],
    header,
    row(1),
    row(0.001),
    row(0),
    "",
  ].join("\n");
}

for (const name of capturesOf("vm_stat")) {
  Deno.test(`fuzz vm_stat one-shot: mutated ${name}`, () => {
    const text = fixture(name);
    const check = (input: string) => {
      const report = parsed(() => parseVmStat(input));
      if (report === undefined) return false;
      assert.ok(Number.isSafeInteger(report.pageSize) && report.pageSize > 0);
      for (const [label, value] of report.unknown) assertFinite(value, `unknown ${label}`);
      checkMemoryUsed(report.counters, report.pageSize);
      return true;
    };
    assert.ok(check(text), "the capture itself parses");
    fc.assert(
      fc.property(mutationsArb, (mutations) => {
        check(mutate(text, mutations));
      }),
      { seed: 0x7a0001, numRuns: 1000 },
    );
  });

  Deno.test(`fuzz vm_stat interval stream: mutated lines built from ${name}`, () => {
    const oneShot = fixture(name);
    const interval = intervalText(oneShot);
    /** Rows read before the end or the first ParseError (after which the daemon falls back). */
    const check = (input: string) => {
      const stream = new VmStatStream();
      let rows = 0;
      for (const line of input.split("\n")) {
        const counters = parsed(() => stream.line(line));
        if (counters === undefined) return -1;
        if (counters === null) continue;
        rows++;
        assert.ok(stream.pageSize !== null && Number.isSafeInteger(stream.pageSize));
        checkMemoryUsed(counters, stream.pageSize);
      }
      return rows;
    };
    assert.equal(check(interval), 3, "the rebuilt interval output parses");
    fc.assert(
      fc.property(mutationsArb, fc.boolean(), (mutations, useOneShot) => {
        check(mutate(useOneShot ? oneShot : interval, mutations));
      }),
      { seed: 0x7a0002, numRuns: 1000 },
    );
  });
}

/**
 * Feeds every line of `input` to one VmStatStream, going on after a refused line (the stream
 * keeps its state, though the daemon falls back at the first one): the rows returned and the
 * line numbers refused.
 */
function streamAll(input: string): { rows: number; refused: number[] } {
  const stream = new VmStatStream();
  const refused: number[] = [];
  let rows = 0;
  input.split("\n").forEach((line, i) => {
    const counters = parsed(() => stream.line(line));
    if (counters === undefined) refused.push(i + 1);
    if (!counters) return;
    rows++;
    assert.ok(stream.pageSize !== null && Number.isSafeInteger(stream.pageSize));
    for (const [key, { min, max }] of stream.rounded) {
      assert.ok(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min < max, key);
      assert.equal(counters[key], undefined, `rounded ${key} is not a counter`);
    }
    checkMemoryUsed(counters, stream.pageSize);
  });
  return { rows, refused };
}

/**
 * What the real interval captures give unmutated (rows, refused lines); a capture not listed
 * must give rows and refuse nothing. Line 14 of the header-repeat capture is the shell's job
 * notice; the 11-column captures have no Memory Used columns, so every line after the banner
 * is refused as a header.
 */
const INTERVAL_EXPECTED: Record<string, { rows: number; refused: number[] }> = {
  "vm_stat-1.macos-x64-8GiB-header-repeat.smore-napi-os-innopolis.txt": { rows: 22, refused: [14] },
  "vm_stat-1.osx-x64-8GiB-11col.node-monitor.txt": { rows: 0, refused: [2, 3, 4] },
  "vm_stat-60.osx-x64-8GiB-11col.blazegraph.txt": { rows: 0, refused: [2, 3, 4, 5, 6, 7] },
};

for (const name of capturesOf("vm_stat N")) {
  Deno.test(`fuzz vm_stat interval stream: mutated real capture ${name}`, () => {
    const text = fixture(name);
    const result = streamAll(text);
    const expected = INTERVAL_EXPECTED[name];
    if (expected) assert.deepEqual(result, expected, "the capture itself");
    else assert.ok(result.rows > 0 && result.refused.length === 0, JSON.stringify(result));
    fc.assert(
      fc.property(mutationsArb, (mutations) => {
        streamAll(mutate(text, mutations));
      }),
      { seed: 0x7a0009, numRuns: 1000 },
    );
  });
}

// ---------------------------------------------------------------- ps

function checkProcesses(list: readonly ProcessSample[]): void {
  for (const p of list) {
    assert.ok(Number.isSafeInteger(p.pid) && p.pid >= 0, `pid ${p.pid}`);
    assert.ok(typeof p.name === "string", "a name"); // empty too: any name a process may take
    assert.ok(Number.isFinite(p.cpuPercent) && p.cpuPercent >= 0, `%cpu ${p.cpuPercent}`);
    assert.ok(Number.isFinite(p.memoryMb) && p.memoryMb >= 0, `memory ${p.memoryMb} MiB`);
  }
}

for (const name of capturesOf("ps")) {
  Deno.test(`fuzz ps: mutated ${name}, converted and raw`, () => {
    const raw = fixture(name);
    const converted = toPidPcpuRssComm(raw);
    const check = (input: string) => {
      const list = parsed(() => parsePs(input));
      if (list !== undefined) checkProcesses(list);
      return list !== undefined;
    };
    assert.ok(check(converted), "the converted capture parses");
    fc.assert(
      fc.property(mutationsArb, fc.boolean(), (mutations, useRaw) => {
        check(mutate(useRaw ? raw : converted, mutations));
      }),
      { seed: 0x7a0003, numRuns: 600 },
    );
  });
}

/**
 * A process name as a tool prints it: any characters but the line break (spaces only,
 * leading and trailing spaces, control and format characters, U+FFFD for bytes that are
 * not UTF-8), short or past the 15 bytes Linux keeps.
 */
const processNameArb = fc.oneof(
  fc.string({ unit: fc.constantFrom(" ", "a", "/", "(", ")", "\t", "\ufffd", "\u202e", "\x1b") }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 16 }),
).map((name) => name.replace(/[\r\n]/g, ""));

/** What parsePs gives for a comm: the part after the last '/', unless that is empty. */
function psName(comm: string): string {
  const bare = comm.length > 2 && comm.startsWith("(") && comm.endsWith(")")
    ? comm.slice(1, -1)
    : comm;
  const base = bare.slice(bare.lastIndexOf("/") + 1);
  return base !== "" ? base : bare;
}

Deno.test("fuzz ps: any comm in any row of a real capture parses to its name; other rows unchanged", () => {
  const lines = toPidPcpuRssComm(fixture("ps-axu.macos10.14.6-x64.jc.txt")).trimEnd().split("\n");
  const before = parsePs(lines.join("\n"));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(lines.length - 1), processNameArb), { minLength: 1, maxLength: 8 }),
      (names) => {
        const spliced = [...lines];
        const expected = before.map((p) => ({ ...p }));
        for (const [row, name] of names) {
          spliced[row] = spliced[row].replace(
            /^(\s*\d+\s+\S+\s+\d+) .*$/,
            (_, fixed) => `${fixed} ${name}`,
          );
          expected[row].name = psName(name);
        }
        assert.deepEqual(parsePs(spliced.join("\n")), expected);
      },
    ),
    { seed: 0x7a0010, numRuns: 500 },
  );
});

// ---------------------------------------------------------------- df

for (const name of capturesOf("df")) {
  Deno.test(`fuzz df: mutated ${name}`, () => {
    const text = fixture(name);
    const check = (input: string) => {
      const rows = parsed(() => parseDf(input));
      if (rows === undefined) return false;
      for (const row of rows) {
        for (const key of ["blocks", "used", "available"] as const) {
          assert.ok(Number.isFinite(row[key]) && row[key] >= 0, `${key} ${row[key]}`);
        }
        if (row.blockSize !== null) assertFinite(row.blockSize, "blockSize");
        if (row.capacityPercent !== null) assertFinite(row.capacityPercent, "capacity");
        for (const percent of [diskUsagePercent(row), dfCapacityPercent(row)]) {
          if (percent === null) continue;
          assert.ok(percent >= 0 && percent <= 100, `percent ${percent} of ${JSON.stringify(row)}`);
        }
      }
      findDfMount(rows);
      return true;
    };
    assert.ok(check(text), "the capture itself parses");
    fc.assert(
      fc.property(mutationsArb, (mutations) => {
        check(mutate(text, mutations));
      }),
      { seed: 0x7a0004, numRuns: 1500 },
    );
  });
}

/** A size column as parseDf can return it: any finite non-negative number. */
const sizeArb = fc.oneof(
  fc.nat(),
  fc.maxSafeNat(),
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, 1, 1e308, Number.MAX_VALUE, 2 ** 64),
);

Deno.test("fuzz df: usage percentages of any finite row are null or within 0–100, never NaN", () => {
  fc.assert(
    fc.property(sizeArb, sizeArb, sizeArb, (blocks, used, available) => {
      const row = { blocks, used, available };
      for (const percent of [diskUsagePercent(row), dfCapacityPercent(row)]) {
        if (percent === null) continue;
        assert.ok(percent >= 0 && percent <= 100, `${percent} % of ${JSON.stringify(row)}`);
      }
    }),
    { seed: 0x7a0008, numRuns: 10000 },
  );
});

// ---------------------------------------------------------------- sysctl

const stderrArb = fc.oneof(
  fc.constant(""),
  fc.constantFrom(...STATIC_SYSCTL_KEYS, "hw.nosuchkey", "").map((k) =>
    `sysctl: unknown oid '${k}'\n`
  ),
  fc.constant("sysctl: unknown oid 'hw.model': No such file or directory\r\n"),
  fc.string({ unit: "binary", maxLength: 40 }),
);

for (const name of capturesOf("sysctl")) {
  Deno.test(
    `fuzz sysctl: mutated ${name} through parseSysctl, facts and interpretSysctlRun`,
    () => {
      const full = fixture(name);
      const map = parseSysctl(full);
      assert.ok(map.size > 0, "the capture itself parses");
      // Only captures holding the daemon's keys (hw.memsize, hw.pagesize) can give the facts;
      // the `sysctl -a machdep.cpu` and partial `sysctl vm` captures cannot.
      const hasFacts = map.has("hw.memsize") && map.has("hw.pagesize");
      const spawn = linesFor(full, STATIC_SYSCTL_KEYS);
      if (hasFacts) {
        assert.ok(staticFactsFromSysctl(map), "the capture gives the facts");
        assert.ok(staticFactsFromSysctl(parseSysctl(spawn)), "the daemon's spawn output parses");
      } else {
        assertParseError(() => staticFactsFromSysctl(map), "sysctl", 0, "hw.memsize missing");
      }
      fc.assert(
        fc.property(
          mutationsArb,
          fc.boolean(),
          stderrArb,
          fc.integer({ min: -1, max: 255 }),
          fc.subarray([...STATIC_SYSCTL_KEYS, "hw", "kern", "vm", "machdep", "hw.nosuchkey"]),
          (mutations, useFull, stderr, code, keys) => {
            const stdout = mutate(useFull || !hasFacts ? full : spawn, mutations);
            const map = parsed(() => parseSysctl(stdout));
            if (map === undefined) return;
            for (const [k, v] of map) assert.ok(typeof k === "string" && typeof v === "string");
            const facts = parsed(() => staticFactsFromSysctl(map));
            if (facts !== undefined) {
              assert.ok(Number.isSafeInteger(facts.memoryTotal) && facts.memoryTotal > 0);
              assert.ok(Number.isSafeInteger(facts.pageSize) && facts.pageSize > 0);
              if (facts.logicalCpus !== null) {
                assert.ok(Number.isSafeInteger(facts.logicalCpus) && facts.logicalCpus > 0);
              }
            }
            const run = interpretSysctlRun({ stdout, stderr, code }, keys);
            assert.deepEqual(run.values, map);
            for (const k of run.missingKeys) assert.ok(keys.includes(k));
            if (code !== 0) assert.ok(run.unknownKeys.length + run.warnings.length > 0);
          },
        ),
        { seed: 0x7a0005, numRuns: 400 },
      );
    },
  );
}

// `sysctl -n` prints values only, and no parser reads that command's output yet (load average
// is not a metric of the daemon), so these captures are not fuzzed. parseSysctl must refuse
// them rather than read a value as a name.
for (const name of capturesOf("sysctl -n")) {
  Deno.test(`sysctl -n capture ${name} is not sysctl's name: value format`, () => {
    assertParseError(() => parseSysctl(fixture(name)), "sysctl", 1, "expected 'name: value'");
  });
}

// ---------------------------------------------------------------- top (Linux, captured here)

const TOP = "/usr/bin/top";
const haveTop = Deno.build.os === "linux" && (() => {
  try {
    return Deno.statSync(TOP).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "fuzz top: mutated lines of a `top -b -n 1 -w 512 -o %CPU -e k` capture taken now" +
    (haveTop ? "" : ` [SKIPPED: needs Linux and ${TOP}]`),
  ignore: !haveTop,
  async fn() {
    const out = await stdoutOf(TOP, ["-b", "-n", "1", "-w", "512", "-o", "%CPU", "-e", "k"]);
    // The summary, the header and the first 40 tasks: enough rows, and cheap to mutate.
    const lines = out.split("\n");
    const header = lines.findIndex((l) => /^\s*PID\s/.test(l));
    assert.ok(header > 0, "top printed a column header");
    const capture = lines.slice(0, header + 41).join("\n") + "\n";
    /** Refreshes emitted before the end or the first ParseError (the daemon restarts top). */
    const check = (input: string, limit: number) => {
      const stream = new TopStream(limit);
      let refreshes = 0;
      const emitted = (rows: ProcessSample[] | null) => {
        if (rows === null) return;
        refreshes++;
        assert.ok(rows.length >= 1 && rows.length <= limit, `${rows.length} rows`);
        checkProcesses(rows);
      };
      for (const line of input.split("\n")) {
        const rows = parsed(() => stream.line(line));
        if (rows === undefined) return -1;
        emitted(rows);
      }
      emitted(stream.end());
      return refreshes;
    };
    assert.equal(check(capture, 10), 1, "the capture itself parses");
    fc.assert(
      fc.property(mutationsArb, fc.integer({ min: 1, max: 50 }), (mutations, limit) => {
        check(mutate(capture, mutations), limit);
      }),
      { seed: 0x7a0006, numRuns: 1000 },
    );
  },
});

Deno.test({
  name: "fuzz top: any COMMAND in any row of a capture taken now parses to that name" +
    (haveTop ? "" : ` [SKIPPED: needs Linux and ${TOP}]`),
  ignore: !haveTop,
  async fn() {
    const out = await stdoutOf(TOP, ["-b", "-n", "1", "-w", "512", "-o", "%CPU", "-e", "k"]);
    const lines = out.trimEnd().split("\n");
    const header = lines.findIndex((l) => /^\s*PID\s/.test(l));
    const rows = lines.length - header - 1;
    const parse = (text: string[]) => {
      const stream = new TopStream(100_000);
      for (const line of text) stream.line(line);
      return stream.end()!;
    };
    const before = parse(lines);
    assert.equal(before.length, rows);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(rows - 1), processNameArb), { minLength: 1, maxLength: 8 }),
        (names) => {
          const spliced = [...lines];
          const expected = before.map((p) => ({ ...p }));
          for (const [row, name] of names) {
            // The eleven columns before COMMAND, one space, then the name as top prints it.
            const at = header + 1 + row;
            const fixed = /^\s*(?:\S+\s+){10}\S+/.exec(spliced[at])![0];
            spliced[at] = `${fixed} ${name}`.trimEnd();
            expected[row].name = name.trimEnd();
          }
          assert.deepEqual(parse(spliced), expected);
        },
      ),
      { seed: 0x7a0011, numRuns: 500 },
    );
  },
});

// ---------------------------------------------------------------- thermal (Linux sysfs via grep)

/** A sysfs index: small, or a long digit string. */
const indexArb = fc.oneof(
  fc.nat({ max: 20 }).map(String),
  fc.integer({ min: 16, max: 320 }).map((n) => "9".repeat(n)),
);

/** A file's value as grep prints it: a millidegree reading, a sensor name or label, or junk. */
const valueArb = fc.oneof(
  fc.integer({ min: -300000, max: 300000 }).map(String),
  fc.integer({ min: 0, max: 150000 }).map(String),
  fc.constantFrom(
    "x86_pkg_temp",
    "cpu-thermal",
    "cpu0_thermal",
    "soc_thermal",
    "acpitz",
    "coretemp",
    "k10temp",
    "zenpower",
    "nvme",
    "Package id 0",
    "Tdie",
    "Tctl",
    "Core 0",
    "",
    " 45000 ",
    "-0",
    "1e5",
    "45000\r",
  ),
  fc.integer({ min: 16, max: 400 }).map((n) => "9".repeat(n)),
  fc.string({ unit: "binary", maxLength: 12 }),
);

const sysfsLineArb = fc.oneof(
  fc.tuple(indexArb, fc.constantFrom("type", "temp"), valueArb).map(([i, f, v]) =>
    `/sys/class/thermal/thermal_zone${i}/${f}:${v}`
  ),
  fc.tuple(indexArb, valueArb).map(([i, v]) => `/sys/class/hwmon/hwmon${i}/name:${v}`),
  fc.tuple(indexArb, indexArb, fc.constantFrom("input", "label"), valueArb).map((
    [i, j, f, v],
  ) => `/sys/class/hwmon/hwmon${i}/temp${j}_${f}:${v}`),
);

Deno.test("fuzz thermal: random `path:value` lines give null, a plausible °C, or ParseError", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof({ weight: 8, arbitrary: sysfsLineArb }, { weight: 1, arbitrary: junkArb }),
        { maxLength: 30 },
      ),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      (lines, eol, trailing) => {
        const text = lines.join(eol) + (trailing ? eol : "");
        const celsius = parsed(() => parseThermal(text));
        // Lines in sysfs form are never rejected (a value holding a line break or a stray CR
        // is not: sysfs values are one line of text).
        const wellFormed = text.split("\n").map((l) => l.replace(/\r$/, "")).every((l) =>
          l === "" || (/^\/sys\/class\/(thermal|hwmon)\//.test(l) && !/[\r\u2028\u2029]/.test(l))
        );
        if (celsius === undefined) {
          assert.ok(!wellFormed, "a sysfs line was rejected");
          return;
        }
        if (celsius !== null) {
          assert.ok(Number.isFinite(celsius) && celsius > 0 && celsius <= 150, `${celsius} °C`);
        }
      },
    ),
    { seed: 0x7a0007, numRuns: 8000 },
  );
});

// ---------------------------------------------------------------- regressions found by the above

/** 309 nines: a number past Number.MAX_VALUE, which Number() reads as Infinity. */
const HUGE = "9".repeat(309);

Deno.test("regression (fuzz): a vm_stat interval cell past 2^53 is a ParseError, not Infinity", () => {
  const header = VM_STAT_COLUMNS.map((c) => c.padStart(8)).join(" ");
  const row = (free: string) => `${free} ${"0 ".repeat(VM_STAT_COLUMNS.length - 1)}`;
  for (const free of [HUGE, "9007199254740993"]) {
    const stream = new VmStatStream();
    stream.line("Mach Virtual Memory Statistics: (page size of 4096 bytes)");
    stream.line(header);
    assertParseError(() => stream.line(row(free)), "vm_stat", 3, "column free: value too large");
  }
  const stream = new VmStatStream();
  stream.line("Mach Virtual Memory Statistics: (page size of 4096 bytes)");
  stream.line(header);
  assert.equal(stream.line(row("9007199254740991"))?.free, 9007199254740991);
});

Deno.test("regression (fuzz): ps %cpu past Number.MAX_VALUE is a ParseError, not Infinity", () => {
  assertParseError(() => parsePs(`    1 ${HUGE}   100 launchd\n`), "ps", 1, "bad %cpu");
  assertParseError(() => parsePs(`    1 ${HUGE}.5   100 launchd\n`), "ps", 1, "bad %cpu");
});

Deno.test("regression (fuzz): top RES past Number.MAX_VALUE is a ParseError, not Infinity", () => {
  const stream = new TopStream(5);
  stream.line("top - 21:31:33 up  1:25,  0 user,  load average: 5.87, 3.95, 2.76");
  stream.line("  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND");
  assertParseError(
    () => stream.line(`    1 root      20   0   11316 ${HUGE}   3152 R  21.1   0.0   0:00.25 init`),
    "top",
    3,
    "RES is not a size",
  );
});

Deno.test("regression (fuzz): df block size or Capacity past Number.MAX_VALUE is a ParseError", () => {
  const row = "/dev/disk1s1 976490576 302197928 660310352 32% /\n";
  assertParseError(
    () => parseDf(`Filesystem ${HUGE}-blocks Used Available Capacity Mounted on\n${row}`),
    "df",
    1,
    "block size out of range",
  );
  assertParseError(
    () =>
      parseDf(
        `Filesystem 512-blocks Used Available Capacity Mounted on\n` +
          `/dev/disk1s1 976490576 302197928 660310352 ${HUGE}% /\n`,
      ),
    "df",
    2,
    "size out of range",
  );
});

Deno.test("regression (fuzz): dfCapacityPercent is not NaN when used + available overflows", () => {
  const capacity = dfCapacityPercent({ used: 7.976931348623158e307, available: 1e308 });
  assert.ok(capacity !== null && Math.abs(capacity - 44.37) < 0.01, `${capacity}`);
  // the same through parseDf: both columns are 1e308, a finite number the parser accepts
  const big = "1" + "0".repeat(308);
  const [root] = parseDf(
    `Filesystem 1K-blocks Used Available Capacity Mounted on\n/dev/sda1 ${big} ${big} ${big} 50% /\n`,
  );
  assert.equal(dfCapacityPercent(root), 50);
});

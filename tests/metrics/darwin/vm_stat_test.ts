import assert from "node:assert/strict";
import { assertParseError, capturesOf, fixture } from "../../support/fixtures.ts";
import { BANNER, HEADER, ROW1, ROW2 } from "../../support/vm_stat_interval.ts";

const assertParseErrorOf = (fn: () => unknown, line: number, includes?: string) =>
  assertParseError(fn, "vm_stat", line, includes);
import { ParseError } from "../../../src/metrics/parse_error.ts";
import {
  memoryUsedBytes,
  parseVmStat,
  type VmStatCounters,
} from "../../../src/metrics/darwin/vm_stat.ts";
import { VM_STAT_COLUMNS, VmStatStream } from "../../../src/metrics/darwin/vm_stat_stream.ts";

const GiB = 1024 ** 3;

// ---- one-shot vm_stat: every fixture, values read by hand from the files ----

Deno.test("vm_stat M1 Pro fixture: every counter, used 22.632 GiB = 70.72 % of 32 GiB", () => {
  const r = parseVmStat(fixture("vm_stat.macos14.4-arm64-m1pro.ansible.txt"));
  assert.equal(r.pageSize, 16384);
  assert.deepEqual(r.counters, {
    free: 6472,
    active: 730051,
    inactive: 710941,
    speculative: 18210,
    throttled: 0,
    wired: 165932,
    purgeable: 19224,
    faults: 2500287752,
    copyOnWrite: 62978099,
    zeroFilled: 1121833567,
    reactivated: 11023181,
    purged: 20818028,
    fileBacked: 546992,
    anonymous: 912210,
    compressorStored: 1414412,
    compressorOccupied: 424276,
    decompressions: 4833976,
    compressions: 8360458,
    pageins: 21634062,
    pageouts: 135974,
    swapins: 385871,
    swapouts: 437651,
  });
  assert.equal(r.unknown.size, 0);
  const used = memoryUsedBytes(r.counters, r.pageSize);
  // (912210 − 19224 + 165932 + 424276) pages × 16384
  assert.equal(used, 1483194 * 16384);
  assert.equal((used / GiB).toFixed(3), "22.632");
  const total = 34359738368; // hw.memsize of the M1 Pro sysctl fixture
  assert.equal(((100 * used) / total).toFixed(2), "70.72");
});

Deno.test("vm_stat Intel 2 GiB VM fixture: used 0.877 GiB = 43.86 %", () => {
  const r = parseVmStat(fixture("vm_stat.macos14-x64-vm-2GiB.ansible.txt"));
  assert.equal(r.pageSize, 4096);
  assert.equal(r.counters.free, 24686);
  assert.equal(r.counters.anonymous, 138689);
  assert.equal(r.counters.purgeable, 17512);
  assert.equal(r.counters.wired, 104517);
  assert.equal(r.counters.compressorOccupied, 4244);
  assert.equal(r.counters.fileBacked, 251947);
  assert.equal(r.counters.pageouts, 530);
  const used = memoryUsedBytes(r.counters, r.pageSize);
  assert.equal(used, 229938 * 4096); // 138689 − 17512 + 104517 + 4244
  assert.equal((used / GiB).toFixed(3), "0.877");
  assert.equal(((100 * used) / (2 * GiB)).toFixed(2), "43.86");
});

Deno.test("vm_stat M1 Pro/Max 64 GiB (13.5) fixture: used 22.698 GiB = 35.47 %", () => {
  const r = parseVmStat(fixture("vm_stat.macos13.5-arm64-t6000-64GiB.liquidprompt.txt"));
  assert.equal(r.pageSize, 16384);
  assert.equal(Object.keys(r.counters).length, 22);
  assert.equal(r.unknown.size, 0);
  assert.equal(r.counters.free, 1415073);
  assert.equal(r.counters.speculative, 324830);
  assert.equal(r.counters.anonymous, 1386250);
  assert.equal(r.counters.purgeable, 96625);
  assert.equal(r.counters.wired, 197899);
  assert.equal(r.counters.compressorOccupied, 0);
  assert.equal(r.counters.faults, 513307041);
  const used = memoryUsedBytes(r.counters, r.pageSize);
  assert.equal(used, 1487524 * 16384); // 1386250 − 96625 + 197899 + 0
  assert.equal((used / GiB).toFixed(3), "22.698");
  assert.equal(((100 * used) / (64 * GiB)).toFixed(2), "35.47");
});

const otherFixtures: [string, Partial<VmStatCounters>, number][] = [
  // file, a few counters read from the file, expected used pages (anon − purg + wired + cmprssor)
  [
    "vm_stat.macos-x64-vm.wazuh-22113.txt",
    { free: 6127229, anonymous: 464333, purgeable: 11820, wired: 715958, compressorOccupied: 0 },
    464333 - 11820 + 715958 + 0,
  ],
  [
    "vm_stat.osx-x64.go-osstat.txt",
    { free: 72827, anonymous: 2996150, purgeable: 383371, wired: 446975, compressorOccupied: 0 },
    2996150 - 383371 + 446975 + 0,
  ],
  [
    "vm_stat.osx-x64.kamkor-akka-cluster-load-balancing-2.txt",
    {
      free: 264375,
      anonymous: 2323444,
      purgeable: 39328,
      wired: 852647,
      compressorOccupied: 372004,
      swapouts: 34330610,
    },
    2323444 - 39328 + 852647 + 372004,
  ],
];

for (const [file, some, usedPages] of otherFixtures) {
  Deno.test(`vm_stat ${file}: counters and used = ${usedPages} pages`, () => {
    const r = parseVmStat(fixture(file));
    assert.equal(r.pageSize, 4096);
    assert.equal(Object.keys(r.counters).length, 22);
    for (const [k, v] of Object.entries(some)) {
      assert.equal(r.counters[k as keyof VmStatCounters], v, k);
    }
    assert.equal(memoryUsedBytes(r.counters, r.pageSize), usedPages * 4096);
  });
}

Deno.test(
  "vm_stat fallback without 'Anonymous pages' gives the same figure on every fixture",
  () => {
    for (const file of capturesOf("vm_stat")) {
      const text = fixture(file);
      const r = parseVmStat(text);
      const stripped = parseVmStat(text.replace(/^Anonymous pages:.*\n/m, ""));
      assert.equal(stripped.counters.anonymous, undefined);
      assert.equal(
        memoryUsedBytes(stripped.counters, stripped.pageSize),
        memoryUsedBytes(r.counters, r.pageSize),
        file,
      );
    }
  },
);

// ---- one-shot: constructed edge cases ----

Deno.test("vm_stat without file-backed and anonymous (OS X ≤ 10.8) cannot give Memory Used", () => {
  const r = parseVmStat(
    "Mach Virtual Memory Statistics: (page size of 4096 bytes)\n" +
      "Pages free:                               24686.\n" +
      "Pages active:                            150001.\n" +
      "Pages inactive:                          224403.\n" +
      "Pages wired down:                        104517.\n",
  );
  assert.equal(r.counters.compressorOccupied, undefined);
  assertParseErrorOf(() => memoryUsedBytes(r.counters, r.pageSize), 0, "Anonymous pages");
});

Deno.test("vm_stat unknown label is kept aside, CRLF accepted", () => {
  const r = parseVmStat(
    "Mach Virtual Memory Statistics: (page size of 16384 bytes)\r\n" +
      "Pages free:                                6472.\r\n" +
      "Pages active:                            730051.\r\n" +
      "Pages inactive:                          710941.\r\n" +
      "Pages wired down:                        165932.\r\n" +
      "Pages brand new:                             12.\r\n",
  );
  assert.equal(r.counters.free, 6472);
  assert.deepEqual([...r.unknown], [["Pages brand new", 12]]);
});

Deno.test("vm_stat malformed input: ParseError names the line", () => {
  const head = "Mach Virtual Memory Statistics: (page size of 4096 bytes)\n";
  assertParseErrorOf(() => parseVmStat(""), 0, "empty output");
  assertParseErrorOf(() => parseVmStat("  \n\n"), 0, "empty output");
  assertParseErrorOf(() => parseVmStat("hello world\nPages free: 1.\n"), 1, "banner");
  // truncated last line: no trailing dot
  assertParseErrorOf(
    () => parseVmStat(head + "Pages free:                               24686.\nPages act"),
    3,
    '"Pages act"',
  );
  assertParseErrorOf(
    () => parseVmStat(head + "Pages free:                               246"),
    2,
    "label: <pages>.",
  );
  // cut after a few complete lines: required gauges missing
  assertParseErrorOf(
    () => parseVmStat(head + "Pages free:                               24686.\n"),
    0,
    "active, inactive, wired",
  );
  assertParseErrorOf(() => parseVmStat(head + "Pages free: -3.\n"), 2);
  assertParseErrorOf(
    () => parseVmStat(head + "Pages free: 1.\nPages free: 2.\n"),
    3,
    "repeated",
  );
});

// ---- interval mode (`vm_stat N`): the real captures, values read by hand from the files ----

/** Every line of `text` through one stream: rows with their line number, refused lines. */
function streamCapture(text: string) {
  const s = new VmStatStream();
  const rows: { line: number; counters: VmStatCounters; sinceBoot: boolean; rounded: string }[] =
    [];
  const refused: { line: number; message: string }[] = [];
  text.split("\n").forEach((line, i) => {
    try {
      const counters = s.line(line);
      if (counters) {
        const rounded = JSON.stringify([...s.rounded]);
        rows.push({ line: i + 1, counters, sinceBoot: s.sinceBoot, rounded });
      }
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      refused.push({ line: i + 1, message: e.message });
    }
  });
  return { pageSize: s.pageSize, rows, refused };
}

const usedPages = (c: VmStatCounters) => memoryUsedBytes(c, 1);

Deno.test(
  "vm_stat 1 real capture (Intel 8 GiB): header repeat, shell line refused, used per row",
  () => {
    const { pageSize, rows, refused } = streamCapture(
      fixture("vm_stat-1.macos-x64-8GiB-header-repeat.smore-napi-os-innopolis.txt"),
    );
    assert.equal(pageSize, 4096);
    // Line 14 is the shell's `[1]  + done  ./ex2`: the daemon's pipe carries only vm_stat's
    // stdout, so a line that is not vm_stat's is a format the stream does not know. It is
    // refused (the daemon then falls back to one-shot vm_stat); the stream itself stays usable.
    assert.deepEqual(refused, [{
      line: 14,
      message: 'vm_stat: line 14: expected 22 columns, got 4: "[1]  + done       ./ex2"',
    }]);
    // 21 rows under the first header (lines 3–13, 15–24), 1 under the repeated one (line 27)
    assert.equal(rows.length, 22);
    assert.deepEqual(rows.filter((r) => r.sinceBoot).map((r) => r.line), [3, 27]);
    assert.ok(rows.every((r) => r.rounded === "[]" && Object.keys(r.counters).length === 22));
    // first row, every column as printed
    assert.deepEqual(rows[0].counters, {
      free: 43766,
      active: 697487,
      speculative: 2665,
      inactive: 661159,
      throttled: 0,
      wired: 443203,
      purgeable: 138361,
      faults: 34650582,
      copyOnWrite: 837480,
      zeroFilled: 28738444,
      reactivated: 1846285,
      purged: 2782684,
      fileBacked: 421182,
      anonymous: 940129,
      compressorStored: 919633,
      compressorOccupied: 248451,
      decompressions: 1861962,
      compressions: 3974569,
      pageins: 2905299,
      pageouts: 18353,
      swapins: 324562,
      swapouts: 464661,
    });
    // Memory Used = anonymous − prgable + wired + cmprssor, by hand from lines 3, 13, 15, 27
    const used = (line: number) => usedPages(rows.find((r) => r.line === line)!.counters);
    assert.equal(used(3), 940129 - 138361 + 443203 + 248451); // 1493422 pages
    assert.equal(used(13), 958454 - 131633 + 440986 + 248451); // 1516258: ex2 allocating
    assert.equal(used(15), 932903 - 131633 + 440918 + 248451); // 1490639: ex2 exited
    assert.equal(used(27), 927098 - 133133 + 438554 + 248451); // 1480970
    assert.equal(((100 * used(3) * 4096) / (8 * GiB)).toFixed(2), "71.21");
    // The capture's own numbers: on every row the pages it accounts for (free + active + specul +
    // inactive + throttle + wired + cmprssor) stay within 2096731 ± 300 (8 GiB less what the
    // kernel keeps), and Memory Used is below them.
    for (const { line, counters: c } of rows) {
      const pages = c.free! + c.active! + c.speculative! + c.inactive! + c.throttled! +
        c.wired! + c.compressorOccupied!;
      assert.ok(Math.abs(pages - 2096731) <= 300, `line ${line}: ${pages} pages`);
      assert.ok(usedPages(c) > 0 && usedPages(c) < pages, `line ${line}`);
    }
    // Totals and deltas read right: the second totals row is the first plus the 20 deltas plus
    // one interval more (faults +20, 0fill +16, counted from the capture).
    const deltas = rows.filter((r) => !r.sinceBoot).map((r) => r.counters);
    const sum = (key: "faults" | "zeroFilled") => deltas.reduce((n, c) => n + c[key]!, 0);
    assert.equal(deltas.length, 20);
    assert.equal(sum("faults"), 29288);
    assert.equal(rows[21].counters.faults! - rows[0].counters.faults!, 29288 + 20);
    assert.equal(sum("zeroFilled"), 30453);
    assert.equal(rows[21].counters.zeroFilled! - rows[0].counters.zeroFilled!, 30453 + 16);
  },
);

Deno.test("vm_stat N real capture (10.10, 16 GiB): K totals are ranges, used exact", () => {
  const { pageSize, rows, refused } = streamCapture(
    fixture("vm_stat-N.osx10.10-x64-16GiB.blazegraph.txt"),
  );
  assert.equal(pageSize, 4096);
  assert.deepEqual(refused, []);
  assert.deepEqual(rows.map((r) => [r.line, r.sinceBoot]), [[3, true], [4, false]]);
  // faults "1122834K" and 0fill "897721K": integer-divided by 1000, the last 3 digits unknown
  assert.equal(
    rows[0].rounded,
    JSON.stringify([
      ["faults", { min: 1122834000, max: 1122834999 }],
      ["zeroFilled", { min: 897721000, max: 897721999 }],
    ]),
  );
  assert.equal(rows[0].counters.faults, undefined);
  assert.equal(rows[0].counters.copyOnWrite, 22138464);
  assert.equal(rows[1].counters.faults, 2115);
  assert.equal(rows[1].counters.pageins, 24);
  assert.equal(usedPages(rows[0].counters), 2559712 - 32302 + 783121 + 449012); // 3759543
  assert.equal(usedPages(rows[1].counters), 2536124 - 33940 + 782241 + 449012); // 3733437
  // 17656 + 1502912 + 110218 + 1329298 + 0 + 783121 + 449012 = 4192217 pages ≈ 16 GiB
  assert.equal(((100 * 3759543 * 4096) / (16 * GiB)).toFixed(2), "89.63");
});

Deno.test("vm_stat -c1 1 real capture (10.9): one totals row, faults rounded", () => {
  const { pageSize, rows, refused } = streamCapture(
    fixture("vm_stat-c1-1.osx10.9-x64.macmon.txt"),
  );
  assert.equal(pageSize, 4096);
  assert.deepEqual(refused, []);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].sinceBoot, true);
  assert.equal(
    rows[0].rounded,
    JSON.stringify([["faults", { min: 146832000, max: 146832999 }]]),
  );
  assert.equal(rows[0].counters.zeroFilled, 65102201);
  assert.equal(rows[0].counters.swapouts, 18050);
  assert.equal(usedPages(rows[0].counters), 546951 - 1364 + 183792 + 101051); // 830430
});

for (
  const [file, lines] of [
    ["vm_stat-60.osx-x64-8GiB-11col.blazegraph.txt", [2, 3, 4, 5, 6, 7]],
    ["vm_stat-1.osx-x64-8GiB-11col.node-monitor.txt", [2, 3, 4]],
  ] as const
) {
  Deno.test(`vm_stat N real 11-column capture ${file}: refused at its header, no rows`, () => {
    const { pageSize, rows, refused } = streamCapture(fixture(file));
    // the OS X 10.6–10.8 layout has no anonymous, prgable or cmprssor column (and `wire`, not
    // `wired`): Memory Used cannot be computed from it, so the header is refused
    assert.equal(pageSize, 4096);
    assert.deepEqual(rows, []);
    assert.deepEqual(refused.map((r) => r.line), lines);
    assert.equal(
      refused[0].message,
      "vm_stat: line 2: unrecognised column header: no wired, prgable, anonymous, cmprssor column:" +
        ' "  free active   spec inactive   wire   faults     copy    0fill reactive  pageins  pageout"',
    );
  });
}

// ---- interval mode (`vm_stat 1`): constructed lines ----
// (tests/support/vm_stat_interval.ts says how they are built from vm_stat.c's format)

Deno.test("vm_stat interval (constructed): header column names are the ones banner() prints", () => {
  assert.deepEqual(HEADER.trim().split(/\s+/), VM_STAT_COLUMNS);
});

Deno.test("vm_stat interval (constructed): banner and header give null, rows give counters", () => {
  const s = new VmStatStream();
  assert.equal(s.pageSize, null);
  assert.equal(s.line(BANNER + "\n"), null);
  assert.equal(s.pageSize, 16384);
  assert.equal(s.line(HEADER), null);
  const r1 = s.line(ROW1 + "\n");
  assert.ok(r1);
  assert.equal(s.sinceBoot, true);
  assert.deepEqual(r1, {
    free: 6472,
    active: 730051,
    speculative: 18210,
    inactive: 710941,
    throttled: 0,
    wired: 165932,
    purgeable: 19224,
    copyOnWrite: 62978099,
    reactivated: 11023181,
    purged: 20818028,
    fileBacked: 546992,
    anonymous: 912210,
    compressorStored: 1414412,
    compressorOccupied: 424276,
    decompressions: 4833976,
    compressions: 8360458,
    pageins: 21634062,
    pageouts: 135974,
    swapins: 385871,
    swapouts: 437651,
  });
  // "2500287K" and "1121833K" stand for 2500287000–2500287999 and 1121833000–1121833999
  assert.deepEqual([...s.rounded], [
    ["faults", { min: 2500287000, max: 2500287999 }],
    ["zeroFilled", { min: 1121833000, max: 1121833999 }],
  ]);
  // same gauges as the one-shot fixture → same Memory Used
  assert.equal(memoryUsedBytes(r1, s.pageSize!), 1483194 * 16384);
  const r2 = s.line(ROW2);
  assert.ok(r2);
  assert.equal(s.sinceBoot, false);
  assert.equal(r2.free, 6100);
  assert.equal(r2.faults, 1523);
  assert.equal(s.rounded.size, 0);
  assert.equal(memoryUsedBytes(r2, 16384), (912600 - 19224 + 165990 + 424276) * 16384);
  // the banner repeats after 21 rows; the row after it is since-boot again
  assert.equal(s.line(BANNER), null);
  assert.equal(s.line(HEADER), null);
  assert.ok(s.line(ROW2));
  assert.equal(s.sinceBoot, true);
  assert.equal(s.line(""), null);
});

Deno.test("vm_stat interval (constructed): a K, M or G cell is a range, not a counter", () => {
  const s = new VmStatStream();
  s.line(BANNER);
  s.line(HEADER);
  const cells = ROW2.trim().split(/\s+/);
  cells[0] = "1234K";
  cells[1] = "12M";
  cells[12] = "3G";
  const r = s.line(cells.join(" "));
  assert.ok(r);
  // pstat() prints n / 1000 (then / 10⁶, / 10⁹) truncated: the dropped digits are unknown
  assert.deepEqual([...s.rounded], [
    ["free", { min: 1234000, max: 1234999 }],
    ["active", { min: 12000000, max: 12999999 }],
    ["fileBacked", { min: 3000000000, max: 3999999999 }],
  ]);
  assert.equal(r.free, undefined);
  assert.equal(r.active, undefined);
  assert.equal(r.fileBacked, undefined);
  assert.equal(r.speculative, 18210);
  // Memory Used does not read those columns: it stays exact
  assert.equal(memoryUsedBytes(r, 16384), (912600 - 19224 + 165990 + 424276) * 16384);
});

Deno.test("vm_stat interval (constructed): a rounded Memory Used column is refused", () => {
  const s = new VmStatStream();
  s.line(BANNER);
  s.line(HEADER);
  const cells = ROW2.trim().split(/\s+/);
  let lineNo = 2;
  for (
    const [column, cell, range] of [
      ["wired", "165K", "165000–165999"],
      ["prgable", "19K", "19000–19999"],
      ["anonymous", "912K", "912000–912999"],
      ["cmprssor", "1M", "1000000–1999999"],
    ]
  ) {
    const bad = [...cells];
    bad[VM_STAT_COLUMNS.indexOf(column)] = cell;
    assertParseErrorOf(
      () => s.line(bad.join(" ")),
      ++lineNo,
      `column ${column} is rounded (${cell} is ${range} pages): no exact Memory Used`,
    );
  }
  // the refused rows left the stream as it was: the next row is read
  assert.equal(s.line(ROW2)?.wired, 165990);
  assert.equal(s.sinceBoot, true);
});

Deno.test("vm_stat interval (constructed): columns are found by name, unknown ones skipped", () => {
  // Apple's banner() adds eleven tag-storage columns on Macs with memory tagging (FEAT_MTE2,
  // which the M5 sysctl capture reports): a header of 33 names, rows of 33 cells.
  const TAGS = [
    "tagged",
    "tgd-rsdnt",
    "tgd-cmprssed",
    "tag-storage",
    "tgs-tags",
    "tgs-free",
    "tgs-ntag-pgbl",
    "tgs-ntag-wired",
    "cmprsd-tags",
    "tgd-comprs",
    "tgd-dcomprs",
  ];
  const s = new VmStatStream();
  s.line(BANNER);
  assert.equal(s.line(`${HEADER} ${TAGS.join(" ")}`), null);
  const r = s.line(`${ROW2} ${TAGS.map((_, i) => String(i * 7)).join(" ")} `);
  assert.ok(r);
  assert.equal(Object.keys(r).length, 22);
  assert.equal(r.swapouts, 0);
  assert.equal(memoryUsedBytes(r, 16384), (912600 - 19224 + 165990 + 424276) * 16384);
  assertParseErrorOf(() => s.line(ROW2), 4, "expected 33 columns, got 22");
  assertParseErrorOf(
    () => s.line(`${ROW2} ${TAGS.map(() => "x").join(" ")}`),
    5,
    'column tagged is not a count: "x"',
  );
});

Deno.test("vm_stat interval (constructed): unrecognised input throws ParseError with line", () => {
  // row before any banner
  assertParseErrorOf(() => new VmStatStream().line(ROW1), 1, "banner first");
  // an older vm_stat's columns (pre-10.9 layout, no anonymous/compressor)
  const old = new VmStatStream();
  old.line(BANNER);
  assertParseErrorOf(
    () =>
      old.line(
        "    free   active   spec inactive   wire   faults     copy    0fill reactive  pageins  pageout",
      ),
    2,
    "unrecognised column header: no wired, prgable, anonymous, cmprssor column",
  );
  const twice = new VmStatStream();
  twice.line(BANNER);
  assertParseErrorOf(() => twice.line(`${HEADER} free`), 2, "free repeated");
  // banner not followed by header
  const s = new VmStatStream();
  s.line(BANNER);
  assertParseErrorOf(() => s.line(ROW1), 2, "column header");
  // truncated row, garbage cell, garbage line
  const t = new VmStatStream();
  t.line(BANNER);
  t.line(HEADER);
  assertParseErrorOf(() => t.line(ROW2.slice(0, 40)), 3, "expected 22 columns, got 4");
  assertParseErrorOf(() => t.line(ROW2.replace("6100", "61x0")), 4, "column free");
  assertParseErrorOf(() => t.line("vm_stat: failed to get statistics. error 5"), 5);
  assertParseErrorOf(() => t.line("Mach Virtual Memory Statistics: (page size of ? bytes)"), 6);
});

import assert from "node:assert/strict";
import { assertParseError, fixture, FIXTURES, fixtureTest } from "../../support/fixtures.ts";

const assertParseErrorOf = (fn: () => unknown, line: number, includes?: string) =>
  assertParseError(fn, "vm_stat", line, includes);
import {
  memoryUsedBytes,
  parseVmStat,
  VM_STAT_COLUMNS,
  type VmStatCounters,
  VmStatStream,
} from "../../../src/metrics/darwin/vm_stat.ts";

const GiB = 1024 ** 3;

// ---- one-shot vm_stat: every fixture, values read by hand from the files ----

fixtureTest("vm_stat M1 Pro fixture: every counter, used 22.632 GiB = 70.72 % of 32 GiB", () => {
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

fixtureTest("vm_stat Intel 2 GiB VM fixture: used 0.877 GiB = 43.86 %", () => {
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
  fixtureTest(`vm_stat ${file}: counters and used = ${usedPages} pages`, () => {
    const r = parseVmStat(fixture(file));
    assert.equal(r.pageSize, 4096);
    assert.equal(Object.keys(r.counters).length, 22);
    for (const [k, v] of Object.entries(some)) {
      assert.equal(r.counters[k as keyof VmStatCounters], v, k);
    }
    assert.equal(memoryUsedBytes(r.counters, r.pageSize), usedPages * 4096);
  });
}

fixtureTest(
  "vm_stat fallback without 'Anonymous pages' gives the same figure on every fixture",
  () => {
    for (const file of [...Deno.readDirSync(FIXTURES)].map((e) => e.name)) {
      if (!file.startsWith("vm_stat.")) continue;
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

// ---- interval mode (`vm_stat 1`) ----
// No real capture of interval mode exists in the fixtures. The lines below are CONSTRUCTED
// from the documented format: Apple system_cmds-1026 vm_stat.c banner() prints the banner and
// "%8s" column names (file-backed "%11s", anonymous "%9s"); pstat() prints each value with the
// same widths followed by one space, switching to value/1000 + "K" (then M, G) when too wide.
// Row 1 reuses the M1 Pro fixture's one-shot values; on the first row after a banner the
// cumulative columns are totals since boot, so faults 2500287752 → "2500287K".

const BANNER = "Mach Virtual Memory Statistics: (page size of 16384 bytes)";
const HEADER =
  "    free   active   specul inactive throttle    wired  prgable   faults     copy    0fill reactive   purged file-backed anonymous cmprssed cmprssor  dcomprs   comprs  pageins  pageout  swapins swapouts";
const ROW1 =
  "    6472   730051    18210   710941        0   165932    19224 2500287K 62978099 1121833K 11023181 20818028      546992    912210  1414412   424276  4833976  8360458 21634062   135974   385871   437651 ";
const ROW2 =
  "    6100   730400    18210   710941        0   165990    19224     1523       12      803        0        0      546992    912600  1414412   424276        0        0        0        0        0        0 ";

Deno.test("vm_stat interval (constructed): header column names match the brief", () => {
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

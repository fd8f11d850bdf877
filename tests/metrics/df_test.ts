import assert from "node:assert/strict";
import { firstExisting, runTool } from "../support/procs.ts";
import { assertParseError, fixture, FIXTURES } from "../support/fixtures.ts";

const assertParseErrorOf = (fn: () => unknown, line: number, includes?: string) =>
  assertParseError(fn, "df", line, includes);
import {
  dfCapacityPercent,
  type DfRow,
  diskUsagePercent,
  findDfMount,
  parseDf,
} from "../../src/metrics/df.ts";

const Ki = 1024;
const Mi = 1024 ** 2;
const Gi = 1024 ** 3;
const Ti = 1024 ** 4;

function near(actual: number | null, expected: number, eps = 1e-9): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= eps, `${actual} ≉ ${expected}`);
}

interface RootCase {
  file: string;
  rows: number;
  root: DfRow;
}

// The "/" row of every df fixture, typed by hand from the file; -h sizes converted to bytes.
const ROOTS: RootCase[] = [
  {
    file: "df-ahY.apple-df-manpage-example.file_cmds.txt",
    rows: 6,
    root: {
      filesystem: "/dev/disk1s5s1",
      type: "apfs",
      blocks: 465 * Gi,
      used: 15 * Gi,
      available: 266 * Gi,
      blockSize: 1,
      capacityPercent: 6,
      mount: "/",
    },
  },
  {
    file: "df-h.macos-arm64-vm-comma-locale.wazuh-35807.txt",
    rows: 12,
    root: {
      filesystem: "/dev/disk4s1s1",
      type: null,
      blocks: 59 * Gi,
      used: 10 * Gi,
      available: 33 * Gi,
      blockSize: 1,
      capacityPercent: 25,
      mount: "/",
    },
  },
  {
    file: "df-h.macos-arm64-vm.wazuh-37457.txt",
    rows: 11,
    root: {
      filesystem: "/dev/disk3s1s1",
      type: null,
      blocks: 59 * Gi,
      used: 10 * Gi,
      available: 32 * Gi,
      blockSize: 1,
      capacityPercent: 25,
      mount: "/",
    },
  },
  {
    file: "df-h.macos10.14.6-x64.jc.txt",
    rows: 8,
    root: {
      filesystem: "/dev/disk1s1",
      type: null,
      blocks: 466 * Gi,
      used: 144 * Gi,
      available: 315 * Gi,
      blockSize: 1,
      capacityPercent: 32,
      mount: "/",
    },
  },
  {
    file: "df-h.macos10.15-x64.nodejs-build-2284.txt",
    rows: 6,
    root: {
      filesystem: "/dev/disk1s5",
      type: null,
      blocks: 51 * Gi,
      used: 10 * Gi,
      available: Math.round(2.3 * Gi),
      blockSize: 1,
      capacityPercent: 82,
      mount: "/",
    },
  },
  {
    file: "df-h.macos11-x64-vm.nodejs-build-2917.txt",
    rows: 7,
    root: {
      filesystem: "/dev/disk2s5s1",
      type: null,
      blocks: 90 * Gi,
      used: 14 * Gi,
      available: Math.round(1.8 * Gi),
      blockSize: 1,
      capacityPercent: 89,
      mount: "/",
    },
  },
  {
    file: "df-l-I-n-t-nodevfs.apple-df-manpage-example.file_cmds.txt",
    rows: 5,
    root: {
      filesystem: "/dev/disk1s5s1",
      type: null,
      blocks: 487196712,
      used: 15300072,
      available: 278432984,
      blockSize: 1024,
      capacityPercent: 6,
      mount: "/",
    },
  },
  {
    file: "df.macos10.14.6-x64.jc.txt",
    rows: 8,
    root: {
      filesystem: "/dev/disk1s1",
      type: null,
      blocks: 976490576,
      used: 302197928,
      available: 660310352,
      blockSize: 512,
      capacityPercent: 32,
      mount: "/",
    },
  },
  {
    file: "df.osx10.11.6-label-x64.jc.txt",
    rows: 6,
    root: {
      filesystem: "/dev/disk1s1",
      type: null,
      blocks: 976490576,
      used: 286747768,
      available: 684150392,
      blockSize: 512,
      capacityPercent: 30,
      mount: "/",
    },
  },
];

// diskUsagePercent of each root row = 100 × (size − avail) / size, worked out by hand.
const USAGE: Record<string, number> = {
  "df-ahY.apple-df-manpage-example.file_cmds.txt": (100 * (465 - 266)) / 465, // 42.80
  "df-h.macos-arm64-vm-comma-locale.wazuh-35807.txt": (100 * (59 - 33)) / 59, // 44.07
  "df-h.macos-arm64-vm.wazuh-37457.txt": (100 * (59 - 32)) / 59, // 45.76
  "df-h.macos10.14.6-x64.jc.txt": (100 * (466 - 315)) / 466, // 32.40
  "df-h.macos10.15-x64.nodejs-build-2284.txt": (100 * (51 - 2.3)) / 51, // 95.49
  "df-h.macos11-x64-vm.nodejs-build-2917.txt": (100 * (90 - 1.8)) / 90, // 98.00
  "df-l-I-n-t-nodevfs.apple-df-manpage-example.file_cmds.txt": (100 * 208763728) / 487196712, // 42.85
  "df.macos10.14.6-x64.jc.txt": (100 * 316180224) / 976490576, // 32.38
  "df.osx10.11.6-label-x64.jc.txt": (100 * 292340184) / 976490576, // 29.94
};

for (const { file, rows, root } of ROOTS) {
  Deno.test(`df ${file}: ${rows} rows, root row and usage ${USAGE[file].toFixed(2)} %`, () => {
    const parsed = parseDf(fixture(file));
    assert.equal(parsed.length, rows);
    assert.deepEqual(parsed[0], root);
    assert.deepEqual(findDfMount(parsed), root);
    near(diskUsagePercent(root), USAGE[file], 1e-6);
  });
}

Deno.test("df every df* fixture in the folder is covered above", () => {
  const files = [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) =>
    n.startsWith("df")
  );
  assert.deepEqual(files.sort(), ROOTS.map((r) => r.file).sort());
});

Deno.test("df -h comma locale: decimals, mount with spaces, '-' %iused, 'map auto_home'", () => {
  const rows = parseDf(fixture("df-h.macos-arm64-vm-comma-locale.wazuh-35807.txt"));
  assert.deepEqual(findDfMount(rows, "/System/Volumes/Preboot"), {
    filesystem: "/dev/disk4s2",
    type: null,
    blocks: 59 * Gi,
    used: Math.round(6.9 * Gi),
    available: 33 * Gi,
    blockSize: 1,
    capacityPercent: 18,
    mount: "/System/Volumes/Preboot",
  });
  const shared = findDfMount(rows, "/Volumes/My Shared Files");
  assert.equal(shared?.filesystem, "/dev/disk1");
  assert.equal(shared?.blocks, 228 * Gi);
  assert.equal(shared?.used, 154 * Gi);
  const tools = findDfMount(rows, "/Volumes/Parallels Tools");
  assert.equal(tools?.used, Math.round(1.1 * Mi));
  assert.equal(tools?.available, 0);
  const home = findDfMount(rows, "/System/Volumes/Data/home");
  assert.equal(home?.filesystem, "map auto_home");
  assert.equal(home?.blocks, 0);
  assert.equal(diskUsagePercent(home!), null);
  assert.equal(findDfMount(rows, "/dev")?.blocks, 202 * Ki);
  assert.equal(findDfMount(rows, "/System/Volumes/xarts")?.blocks, 500 * Mi);
});

Deno.test("df: Time Machine snapshot, AFP share, -Y type column, 3.5Ti", () => {
  const rows = parseDf(fixture("df.macos10.14.6-x64.jc.txt"));
  const tm = rows[6];
  assert.equal(tm.filesystem, "com.apple.TimeMachine.2019-11-29-075900@/dev/disk1s1");
  assert.equal(
    tm.mount,
    "/Volumes/com.apple.TimeMachine.localsnapshots/Backups.backupdb/kbrazil-mac/2019-11-29-075900/Macintosh HD",
  );
  assert.equal(tm.used, 277166752);
  assert.deepEqual(rows[7], {
    filesystem: "//brazil@MyCloudEX2Ultra._afpovertcp._tcp.local/brazil",
    type: null,
    blocks: 7604804600,
    used: 2409078672,
    available: 5195725928,
    blockSize: 512,
    capacityPercent: 32,
    mount: "/Volumes/brazil",
  });
  assert.equal(rows[3].filesystem, "map -hosts");
  const y = parseDf(fixture("df-ahY.apple-df-manpage-example.file_cmds.txt"));
  assert.deepEqual(y.map((r) => r.type), ["apfs", "devfs", "apfs", "apfs", "apfs", "apfs"]);
  assert.equal(findDfMount(y, "/System/Volumes/Data")?.used, 177 * Gi);
  const h = parseDf(fixture("df-h.macos10.14.6-x64.jc.txt"));
  assert.equal(h[7].blocks, Math.round(3.5 * Ti));
});

Deno.test("df -kP / as the daemon runs it (constructed, 1024-blocks POSIX layout)", () => {
  const rows = parseDf(
    "Filesystem     1024-blocks      Used Available Capacity  Mounted on\n" +
      "/dev/disk3s1s1   971350180  10765192 561236680     2%    /\n",
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].blockSize, 1024);
  assert.equal(rows[0].mount, "/");
  near(diskUsagePercent(rows[0]), (100 * (971350180 - 561236680)) / 971350180);
});

const DF = firstExisting("/bin/df", "/usr/bin/df");

Deno.test({
  name: "df: real `df -kP /` of this machine parses" + (DF ? "" : " [SKIPPED: no df]"),
  ignore: DF === undefined,
  async fn() {
    const stdout = await runTool(DF!, ["-kP", "/"]);
    const rows = parseDf(stdout);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].mount, "/");
    assert.equal(rows[0].blockSize, 1024);
    const pct = diskUsagePercent(rows[0]);
    assert.ok(pct !== null && pct > 0 && pct <= 100, `usage ${pct}`);
    // df rounds its Capacity column up: ours is at most 1 point below it.
    const capacity = dfCapacityPercent(rows[0])!;
    assert.ok(rows[0].capacityPercent !== null);
    assert.ok(
      capacity <= rows[0].capacityPercent! && capacity > rows[0].capacityPercent! - 1,
      `ours ${capacity} vs df ${rows[0].capacityPercent}`,
    );
  },
});

Deno.test("df malformed input: ParseError names the line", () => {
  const header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n";
  assertParseErrorOf(() => parseDf(""), 0, "empty output");
  assertParseErrorOf(() => parseDf("\n  \n"), 0, "empty output");
  assertParseErrorOf(() => parseDf(header), 0, "no filesystem rows");
  assertParseErrorOf(() => parseDf("df: /nope: No such file or directory\n"), 1, "header");
  // truncated row: cut after the Used column
  assertParseErrorOf(() => parseDf(header + "/dev/disk3s1s1 971350180 10765192"), 2, "layout");
  // row missing its mount point
  assertParseErrorOf(() => parseDf(header + "/dev/disk3s1s1 971350180 10765192 561236680 2%"), 2);
  assertParseErrorOf(() => parseDf(header + "\n\nthis is not df output\n"), 4, "this is not df");
  // -h sizes under a block header, and a block row missing inode columns
  assertParseErrorOf(() => parseDf(header + "/dev/disk1 59Gi 10Gi 33Gi 25% /\n"), 2);
  assertParseErrorOf(
    () =>
      parseDf(
        "Filesystem 512-blocks Used Available Capacity iused ifree %iused Mounted on\n" +
          "/dev/disk1s1 976490576 302197928 660310352 32% /\n",
      ),
    2,
  );
});

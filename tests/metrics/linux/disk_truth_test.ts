/**
 * Disk throughput truth: the daemon (shipped permission set) runs while the test writes
 * 64 MiB with `O_DIRECT` (`dd oflag=direct`, past the page cache, onto the disk) and
 * reads it back the same way; the daemon's totals must move by at least that much and
 * stay within the whole disks' `/proc/diskstats` counters read before and after each
 * reading (the disks chosen independently: /sys/block entries backed by a device).
 *
 * The machine is shared, so other I/O happens meanwhile: every comparison is a bracket
 * that holds exactly for cumulative counters, never an equality at one instant. Nothing
 * waits for other I/O either: the start is whatever the daemon reads before the test's
 * own I/O (an idle disk gives the same reading for ever), bracketed by the counters read
 * before the daemon started and after that reading arrived.
 */
import assert from "node:assert/strict";
import { startDaemon } from "../../support/daemon.ts";
import { withTempDir } from "../../support/procs.ts";
import { diskBytes, Readings, run, sysfsDisks } from "./truth_support.ts";
import type { DiskIoSample } from "../../../src/metrics/types.ts";

const MiB = 1024 * 1024;
const SIZE_MIB = 64;
/** The test's files go here: on the root filesystem, a real disk on the CI machine. */
const BASE = "/var/tmp";

/** Why the test cannot run here, or null. */
function unavailable(): string | null {
  if (Deno.build.os !== "linux") return "not Linux";
  const out = new Deno.Command("/usr/bin/findmnt", {
    args: ["-n", "-o", "FSTYPE,SOURCE", "-T", BASE],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  const [fstype, source] = new TextDecoder().decode(out.stdout).trim().split(/\s+/);
  if (!out.success || !source?.startsWith("/dev/")) {
    return `${BASE} is not on a block device (${fstype ?? "?"} ${source ?? "?"})`;
  }
  if (/^(overlay|tmpfs|zfs|btrfs)$/.test(fstype)) return `${BASE} is on ${fstype}`;
  if (sysfsDisks().length === 0) return "no physical disk in /sys/block";
  return null;
}

const reason = unavailable();
if (reason) console.log(`disk truth test skipped: ${reason}`);

Deno.test({
  name: "disk io truth: 64 MiB written and read with O_DIRECT move the daemon's totals",
  ignore: reason !== null,
  sanitizeResources: false, // the subscriber's connection closes with the daemon
  fn: () =>
    withTempDir("omd", async (dir) => {
      const disks = sysfsDisks();
      // Before the daemon starts: a floor for every total it reports.
      const a = diskBytes(disks);
      const daemon = await startDaemon(`${dir}/s.sock`);
      const readings = new Readings<DiskIoSample | null>(
        daemon.socket,
        (f) => f.diskIo,
        (d) => JSON.stringify(d),
      );
      const file = await Deno.makeTempFile({ dir: BASE, prefix: "omd-direct" });
      try {
        // Two seconds of the daemon's frames: its sources are past the first client's refresh and
        // read every second, so each reading's rate covers one second (the sum below).
        await readings.frames(50, 10_000, "two seconds of frames");
        // The reading the daemon holds now, changed or not: the disk may be idle.
        const start = (await readings.current(10_000, "a disk reading"))!;
        const from = readings.values.length - 1;
        const b = diskBytes(disks);
        const dd = "/bin/dd";
        const size = [`bs=${MiB}`, `count=${SIZE_MIB}`, "status=none"];
        const written = await new Deno.Command(dd, {
          args: ["if=/dev/zero", `of=${file}`, "oflag=direct", "conv=fsync", ...size],
          stderr: "piped",
        }).output();
        if (!written.success) {
          const why = new TextDecoder().decode(written.stderr).trim();
          console.log(`  O_DIRECT refused on ${BASE} (${why}): the test proves nothing here`);
          return;
        }
        await run(dd, [`if=${file}`, "of=/dev/null", "iflag=direct", ...size]);
        const c = diskBytes(disks);
        const end = (await readings.next(2, 5000, "readings after the writes"))!;
        const to = readings.values.length - 1;
        const d = diskBytes(disks);

        const bytes = SIZE_MIB * MiB;
        for (
          const [field, total] of [["read", "readBytes"], ["written", "writtenBytes"]] as const
        ) {
          assert.ok(a[field] <= start[total] && start[total] <= b[field], `${field} at start`);
          assert.ok(c[field] <= end[total] && end[total] <= d[field], `${field} at end`);
          const moved = end[total] - start[total];
          const shown = `${field}: daemon ${moved} B, /proc/diskstats ${c[field] - b[field]}..` +
            `${d[field] - a[field]} B`;
          console.log(`  ${shown}`);
          assert.ok(c[field] - b[field] >= bytes, `the disks saw the ${field}s: ${shown}`);
          assert.ok(moved >= bytes, shown);
        }
        // Σ rate × window = the totals' delta; windows are the 1 s cadence ± a 40 ms tick.
        const between = readings.values.slice(from + 1, to + 1).map((r) => r.value!);
        const writtenByRate = between.reduce((s, r) => s + r.writeBytesPerSecond, 0);
        const moved = end.writtenBytes - start.writtenBytes;
        const shown = `written ${moved} B, Σ write rate × 1 s ${writtenByRate.toFixed(0)}`;
        console.log(`  ${shown} over ${between.length} readings`);
        assert.ok(Math.abs(writtenByRate - moved) <= 0.1 * moved, shown);
      } finally {
        await readings.stop();
        await daemon.stop();
        await Deno.remove(file).catch(() => {});
      }
    }, "/tmp"),
});

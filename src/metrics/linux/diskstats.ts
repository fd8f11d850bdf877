/**
 * Bytes read and written by the physical disks since boot, from `/proc/diskstats`.
 *
 * Only whole disks count, so nothing is counted twice: a partition's I/O is also its
 * disk's, and a device-mapper, md RAID, loop or zram device's I/O either lands on a disk
 * again or never reaches one. The rule, by kernel name:
 * - skipped outright: `loop*`, `ram*`, `zram*`, `dm-*`, `md*`, `sr*` (optical), `fd*`
 *   (floppy), `nbd*` (network), `mmcblk*boot*` and `mmcblk*rpmb` (an eMMC's hardware
 *   areas, whose I/O the eMMC itself also counts);
 * - partitions: `nvme0n1p1`, `mmcblk0p1` (a `p` and digits after a name ending in a digit)
 *   and `sda1`, `vdb2`, `xvda1`, `hdc3` (digits after an `sd`/`vd`/`xvd`/`hd` disk's letters);
 * - every other device is a whole disk (`sda`, `vda`, `nvme0n1`, `mmcblk0`, …).
 *
 * The sector counts are in 512-byte units whatever the device's block size (the kernel
 * converts), so bytes = sectors × 512.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

/** The file the disk throughput source reads. */
export const DISKSTATS_FILE = "/proc/diskstats";

/** Bytes per sector in `/proc/diskstats`, fixed by the kernel. */
export const SECTOR_BYTES = 512;

const NOT_A_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd)\d*|^mmcblk\d+(boot\d+|rpmb)$/;
const PARTITION = /^((nvme\d+n\d+|mmcblk\d+)p\d+|(sd|vd|xvd|hd)[a-z]+\d+)$/;

/** True when the kernel name `name` is a whole physical disk by the rule above. */
export function isWholeDisk(name: string): boolean {
  return !NOT_A_DISK.test(name) && !PARTITION.test(name);
}

/** Bytes read and written since boot, summed over the whole disks. */
export interface DiskBytes {
  /** The disks counted, in the file's order. */
  disks: string[];
  /** Bytes read. */
  read: number;
  /** Bytes written. */
  written: number;
}

/**
 * Sums sectors read (field 6) and written (field 10) of every whole disk in
 * `/proc/diskstats` text, as bytes. A row with fewer than 14 fields or a non-numeric
 * counter is a ParseError; kernels add fields at the end (discard, flush), which are ignored.
 */
export function parseDiskstats(text: string): DiskBytes {
  const result: DiskBytes = { disks: [], read: 0, written: 0 };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !/^\d+$/.test(f[0]) || !/^\d+$/.test(f[1])) {
      throw new ParseError(DISKSTATS_FILE, i + 1, "not a diskstats row", line);
    }
    const counters = f.slice(3);
    // A counter is at most 64 bits: 20 digits. Anything longer is not the kernel's.
    if (!counters.every((n) => /^\d{1,20}$/.test(n))) {
      throw new ParseError(DISKSTATS_FILE, i + 1, "not a diskstats row", line);
    }
    if (!isWholeDisk(f[2])) return;
    result.disks.push(f[2]);
    result.read += Number(f[5]) * SECTOR_BYTES;
    result.written += Number(f[9]) * SECTOR_BYTES;
  });
  return result;
}

/**
 * The disk and network readings: the root volume's used share, and the bytes the disks
 * and the default route move, as rates and as counters since boot.
 *
 * @module
 */

import * as fmt from "../format.ts";
import { counter, type Declarations, percentRatio } from "../reading.ts";
import { AMOUNT, float, optional, PERCENT, string, table, ulong } from "../shape.ts";
import type * as t from "../types.ts";

/** The disk and network readings, in the order `sample` and `watch` show them. */
export const DISK_NETWORK_READINGS: Declarations<"diskUsage" | "diskIo" | "network"> = {
  diskUsage: {
    source: "disk",
    shape: float(PERCENT),
    row: { label: "Disk (/)", text: fmt.formatPercent, gauge: (v) => v, rank: 0 },
    metrics: [percentRatio("opta_disk_used_ratio", "Used share of the root volume (0-1).")],
  },
  diskIo: {
    source: "diskio",
    shape: optional(table<t.DiskIoSample>("DiskIo", {
      readBytesPerSecond: float(AMOUNT),
      writeBytesPerSecond: float(AMOUNT),
      readBytes: ulong(),
      writtenBytes: ulong(),
    })),
    row: {
      label: "Disk I/O",
      text: fmt.formatDiskIo,
      detail: (d) =>
        `${fmt.formatBytes(d.readBytes)} read, ${fmt.formatBytes(d.writtenBytes)} written`,
      rank: 3,
    },
    metrics: [
      counter(
        "opta_disk_read_bytes",
        "bytes",
        "Bytes the disks read since boot.",
        (v) => v.readBytes,
      ),
      counter(
        "opta_disk_written_bytes",
        "bytes",
        "Bytes written since boot.",
        (v) => v.writtenBytes,
      ),
    ],
  },
  network: {
    source: "network",
    shape: optional(table<t.NetworkSample>("Network", {
      interface: string(),
      receiveBytesPerSecond: float(AMOUNT),
      sendBytesPerSecond: float(AMOUNT),
      receivedBytes: ulong(),
      sentBytes: ulong(),
    })),
    row: {
      label: "Network",
      text: fmt.formatNetwork,
      detail: (n) => `${fmt.formatBytes(n.receivedBytes)} in, ${fmt.formatBytes(n.sentBytes)} out`,
      rank: 2,
    },
    metrics: [
      counter(
        "opta_network_receive_bytes",
        "bytes",
        "Bytes received on the default route.",
        (n) => [{ labels: { interface: n.interface }, value: n.receivedBytes }],
      ),
      counter(
        "opta_network_transmit_bytes",
        "bytes",
        "Bytes sent on the default route.",
        (n) => [{ labels: { interface: n.interface }, value: n.sentBytes }],
      ),
    ],
  },
};

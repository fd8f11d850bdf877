/**
 * Lines of `netstat -w N -I <if>`. No capture of this mode has been published, so these are
 * CONSTRUCTED from the printf formats of `sidewaysintpr` in network_cmds-741.100.2
 * `netstat.tproj/if.c`: the title `"%17s %14s %16s"` (input, `(<if>)` cut to 15 characters,
 * output), the column names `"%10s %5s %10s "` then `"%10s %5s %10s %5s"`, and each line of
 * counts with the same widths (`%10llu`, `%5llu`).
 *
 * @module
 */

/** The title line for `iface`. */
export function netstatTitle(iface: string): string {
  return `${"input".padStart(17)} ${`(${iface})`.slice(0, 15).padStart(14)} ${
    "output".padStart(16)
  }`;
}

/** The column names. */
export const NETSTAT_COLUMNS = `${"packets".padStart(10)} ${"errs".padStart(5)} ${
  "bytes".padStart(10)
} ${"packets".padStart(10)} ${"errs".padStart(5)} ${"bytes".padStart(10)} ${"colls".padStart(5)}`;

/** One line of counts: packets, errors and bytes in, packets, errors and bytes out, collisions. */
export function netstatRow(counts: {
  inPackets?: number;
  inBytes: number;
  outPackets?: number;
  outBytes: number;
}): string {
  const w = (n: number, width: number) => String(n).padStart(width);
  return `${w(counts.inPackets ?? 0, 10)} ${w(0, 5)} ${w(counts.inBytes, 10)} ${
    w(counts.outPackets ?? 0, 10)
  } ${w(0, 5)} ${w(counts.outBytes, 10)} ${w(0, 5)}`;
}

/**
 * Lines of `vm_stat 1` (interval mode) with 16 KiB pages. None of the real interval captures
 * has 16 KiB pages, so these are CONSTRUCTED from the documented format: Apple
 * system_cmds-1026 vm_stat.c banner() prints the banner and "%8s" column names (file-backed
 * "%11s", anonymous "%9s"); pstat() prints each value with the same widths followed by one
 * space, switching to value/1000 + "K" (then M, G) when too wide. Row 1 reuses the M1 Pro
 * fixture's one-shot values; on the first row after a banner the cumulative columns are totals
 * since boot, so faults 2500287752 → "2500287K".
 *
 * @module
 */

/** The banner `vm_stat 1` prints first. */
export const BANNER = "Mach Virtual Memory Statistics: (page size of 16384 bytes)";
/** The column header after the banner. */
export const HEADER =
  "    free   active   specul inactive throttle    wired  prgable   faults     copy    0fill reactive   purged file-backed anonymous cmprssed cmprssor  dcomprs   comprs  pageins  pageout  swapins swapouts";
/** The first row: cumulative counters since boot. */
export const ROW1 =
  "    6472   730051    18210   710941        0   165932    19224 2500287K 62978099 1121833K 11023181 20818028      546992    912210  1414412   424276  4833976  8360458 21634062   135974   385871   437651 ";
/** A later row: counts of the last interval. */
export const ROW2 =
  "    6100   730400    18210   710941        0   165990    19224     1523       12      803        0        0      546992    912600  1414412   424276        0        0        0        0        0        0 ";

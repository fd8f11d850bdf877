/**
 * The sources every platform reads from Deno's own APIs, without a spawn: load
 * averages (`Deno.loadavg()`, needs `--allow-sys=loadavg`) and swap
 * (`Deno.systemMemoryInfo()`: `SwapTotal`/`SwapFree` of `/proc/meminfo` on Linux,
 * the `vm.swapusage` sysctl read in process on macOS).
 *
 * @module
 */

import type { PolledReads } from "./polled_source.ts";

/** Load averages over 1, 5 and 15 minutes, and swap in use and configured (bytes). */
export function runtimeReads(): PolledReads {
  return {
    load: () => {
      const [one, five, fifteen] = Deno.loadavg();
      return { loadAverage: { one, five, fifteen } };
    },
    swap: () => {
      const { swapTotal, swapFree } = Deno.systemMemoryInfo();
      return { swap: { used: Math.max(0, swapTotal - swapFree), total: swapTotal } };
    },
  };
}

/**
 * GPU busy percent from sysfs: `/sys/class/drm/cardN/device/gpu_busy_percent`, which the
 * amdgpu driver provides (other drivers have no such file, and such a machine has no
 * reading).
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const CARDS = 8;

/** The sysfs files the GPU source probes (missing ones are skipped by grep). */
export function gpuFiles(): string[] {
  return Array.from({ length: CARDS }, (_, i) => `/sys/class/drm/card${i}/device/gpu_busy_percent`);
}

/**
 * The busiest GPU's percent from the probed files' texts (path → contents), or null
 * when none reported: with an integrated and a discrete GPU, the one at work is the
 * figure a user wants.
 */
export function parseGpuBusy(texts: Map<string, string>): number | null {
  let busiest: number | null = null;
  for (const [file, text] of texts) {
    if (!/^\d{1,3}$/.test(text.trim())) throw new ParseError(file, 1, "not a percentage", text);
    const value = Math.min(100, Number(text.trim()));
    if (busiest === null || value > busiest) busiest = value;
  }
  return busiest;
}

/**
 * The health of every source ({@linkcode SourceStatus}) from what the sampler holds of each:
 * the age of its latest good reading, its failure while failing, and why a value it ran
 * fine for is absent.
 *
 * @module
 */

import type { HeldReadings } from "./assemble.ts";
import { SOURCE_NAMES, type SourceName } from "./source.ts";
import type { SourceStatus } from "./types.ts";

/** What the sampler holds of one source, as its health needs it. */
export interface HeldStatus extends HeldReadings {
  /** Its last failure's message while it is failing, else null. */
  error: string | null;
  /** Good readings so far. */
  samples: number;
  /** Failed attempts so far. */
  failures: number;
  /** What its last good reading cost, ms, or null before the first. */
  costMs: number | null;
}

/**
 * Age and error state of every source at `now` (the sampler's monotonic clock): `held` by
 * source; a name not held is switched off when not `enabled`, else has no source here.
 */
export function sourceHealth(
  held: ReadonlyMap<SourceName, HeldStatus>,
  enabled: readonly SourceName[],
  now: number,
): Record<SourceName, SourceStatus> {
  const out = {} as Record<SourceName, SourceStatus>;
  for (const name of SOURCE_NAMES) {
    const s = held.get(name);
    out[name] = {
      ageMs: s?.lastGoodMono == null ? null : Math.round(now - s.lastGoodMono),
      error: s ? s.error : enabled.includes(name) ? "no source on this platform" : "switched off",
      samples: s?.samples ?? 0,
      failures: s?.failures ?? 0,
      costMs: s?.costMs ?? null,
      unseen: s?.readings.unseen ?? null,
    };
  }
  return out;
}

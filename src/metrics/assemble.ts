/**
 * A {@linkcode Snapshot} put together from what the sampler holds of each source: every
 * reading of the catalog, each from its source's latest good reading or absent.
 *
 * @module
 */

import { READING_LIST } from "./catalog.ts";
import type { Reading } from "./reading.ts";
import { absentValue } from "./shape.ts";
import type { Readings, SourceName } from "./source.ts";
import type { Snapshot } from "./types.ts";

/** What the sampler holds of one source: its latest good readings and when they came. */
export interface HeldReadings {
  /** The latest good readings. */
  readings: Readings;
  /** When they came, on the sampler's monotonic clock; null before the first. */
  lastGoodMono: number | null;
  /** When they came, wall-clock ms. */
  lastGoodWall: number;
}

/** The snapshot of `held` (by source), stamped with the wall time of its newest reading. */
export function assembleSnapshot(held: ReadonlyMap<SourceName, HeldReadings>): Snapshot {
  // The wall time of the newest sample, picked by the monotonic clock: after the wall clock
  // stepped back, the largest wall time belongs to an older sample.
  let timestamp = 0;
  let newest = -Infinity;
  for (const state of held.values()) {
    if (state.lastGoodMono !== null && state.lastGoodMono > newest) {
      newest = state.lastGoodMono;
      timestamp = state.lastGoodWall;
    }
  }
  const snapshot: Record<string, unknown> = { timestamp };
  for (const reading of READING_LIST) {
    const value = held.get(reading.source as SourceName)?.readings[reading.key];
    snapshot[reading.key] = value ?? absentReading(reading);
  }
  return snapshot as unknown as Snapshot;
}

/**
 * What a snapshot holds for a reading its source has not produced: absent (null, or an
 * empty list), or 0 for a reading the seed's frame cannot leave out.
 */
function absentReading(reading: Reading): unknown {
  return reading.shape.kind === "vector" || reading.shape.optional ? absentValue(reading.shape) : 0;
}

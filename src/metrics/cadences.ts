/**
 * How often each source reads: its own cadence while a client is connected, and the one
 * slow cadence of an idle daemon.
 *
 * @module
 */

import { SOURCE_NAMES, type SourceName, SOURCES } from "./sources.ts";

/**
 * How often each source refreshes, in ms (each source's default is declared in
 * `sources.ts`), and `idle`: every source's interval while idle, unless its own is longer,
 * since nobody sees the values then and the first frame after an idle period waits for
 * fresh ones.
 */
export type Cadences = Record<SourceName, number> & { idle: number };

/** The default cadences: each source's declared one, and 30 s while idle. */
export const DEFAULT_CADENCES: Readonly<Cadences> = Object.freeze({
  ...(Object.fromEntries(SOURCE_NAMES.map((name) => [name, SOURCES[name].defaultMs])) as Record<
    SourceName,
    number
  >),
  idle: 30_000,
});

/**
 * Sources read at this cadence or faster while streaming are the fast ones: after an idle
 * period the first frame waits for a new reading of each (ms).
 */
export const FAST_CADENCE_MS = 1000;

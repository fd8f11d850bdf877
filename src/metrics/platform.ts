/**
 * What every platform provides: its static facts and its sources (the
 * platforms themselves live in `darwin/` and `linux/`; `current.ts` picks one).
 *
 * @module
 */

import type { SpawnCounter } from "../process/spawn.ts";
import type { Cadences } from "./sampler.ts";
import type { Source } from "./source.ts";
import type { CoreLevel } from "./types.ts";

/** Facts about the machine read once at start. */
export interface MachineFacts {
  /** Physical memory, bytes. */
  memoryTotal: number;
  /** Logical CPUs. */
  logicalCpus: number;
  /** Hardware model (e.g. `MacBookPro18,1`, or the CPU model on Linux), or null. */
  model: string | null;
  /** OS name and version, e.g. `macOS 14.4.1` or `Linux 6.1.0`. */
  os: string;
  /** The kinds of core, fastest first, when the machine has more than one kind; else empty. */
  coreLevels: readonly CoreLevel[];
}

/** Options shared by every platform's sources. */
export interface SourceOptions {
  /** How many busiest processes to keep. */
  top: number;
}

/** A platform: its static facts and its sources. */
export interface Platform {
  /** `darwin` or `linux`. */
  readonly name: string;
  /** Absolute paths of every tool its sources may spawn (checked against the permission set). */
  readonly tools: readonly string[];
  /** Counts every tool its facts and sources start (the daemon's `stats` line reports it). */
  readonly spawns: SpawnCounter;
  /**
   * Its own default cadences where they differ from `DEFAULT_CADENCES` (what keeps it within
   * its spawn budget); the user's cadences override them.
   */
  readonly cadences: Readonly<Partial<Cadences>>;
  /** Read the static facts (at most one spawn). */
  facts(): Promise<MachineFacts>;
  /** The sources, one per kind of reading. */
  sources(facts: MachineFacts, options: SourceOptions): Source[];
}

/**
 * Every source, declared once: its name, its default cadence and whether it can be
 * switched off. The source lists, the `serve --<source>-interval` and `--no-<source>`
 * flags and the default cadences all follow from {@linkcode SOURCES}; what a running
 * source is and does is in `source.ts`.
 *
 * @example
 * ```ts
 * import { SOURCE_NAMES, SOURCES } from "./sources.ts";
 * SOURCE_NAMES[0]; // "cpu"
 * SOURCES.cpu.required; // true
 * ```
 *
 * @module
 */

/** A source: one independent producer of some readings, on its own cadence. */
export interface SourceDeclaration {
  /** Default refresh interval while clients are connected, ms (`serve --<name>-interval`). */
  readonly defaultMs: number;
  /** True when it cannot be switched off: the seed's frame has no "absent" for its values. */
  readonly required: boolean;
}

/** The sources, in the order help texts list them. */
export const SOURCES = Object.freeze(
  {
    cpu: { defaultMs: 250, required: true },
    memory: { defaultMs: 1000, required: true },
    processes: { defaultMs: 2000, required: false },
    disk: { defaultMs: 30_000, required: true },
    temperature: { defaultMs: 5000, required: false },
    load: { defaultMs: 5000, required: false },
    swap: { defaultMs: 10_000, required: false },
    pressure: { defaultMs: 5000, required: false },
    network: { defaultMs: 1000, required: false },
    diskio: { defaultMs: 1000, required: false },
    battery: { defaultMs: 30_000, required: false },
    gpu: { defaultMs: 2000, required: false },
    thermal: { defaultMs: 5000, required: false },
  } satisfies Record<string, SourceDeclaration>,
);

/** The name of a source. */
export type SourceName = keyof typeof SOURCES;

/** The source names, in {@linkcode SOURCES} order. */
export const SOURCE_NAMES = Object.freeze(Object.keys(SOURCES) as SourceName[]);

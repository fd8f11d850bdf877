/**
 * What a reading's declaration says (the declarations themselves are in `readings/`,
 * gathered in `catalog.ts`): where its value comes from, the shape it has on the
 * wire, how people see it in `sample` and `watch`, and the Prometheus metric families
 * it becomes.
 * Everything that only restates a reading (the codec, the JSON names, the rows, the
 * exporter's families) is derived from these, so a new reading is declared once.
 *
 * @module
 */

import type { Of, Shape } from "./shape.ts";
import type { SourceName } from "./sources.ts";
import type { Snapshot } from "./types.ts";

/** The snapshot fields that are readings: all but the frame's `timestamp`. */
export type ReadingKey = Exclude<keyof Snapshot, "timestamp">;

/** How a reading shows as one row of `sample`'s table and `watch`'s view. */
export interface RowDeclaration<T> {
  /** The label, at most 11 characters (rows align at column 13). */
  readonly label: string;
  /**
   * The value as short text, numbers and units first; two spaces separate parts that a
   * narrow `watch` leaves out from the end, each whole (`read 1.0 MiB/s  write 2.0 MiB/s`).
   */
  text(value: NonNullable<T>, snapshot: Snapshot): string;
  /** A percentage (0–100) `watch` draws as a bar before the text. */
  gauge?(value: NonNullable<T>, snapshot: Snapshot): number;
  /** More detail `sample` adds in parentheses ("" for none). */
  detail?(value: NonNullable<T>, snapshot: Snapshot): string;
  /** A level `watch` colours the text by: 0 fine, 1 warning, 2 critical. */
  level?(value: NonNullable<T>): 0 | 1 | 2;
  /**
   * Which rows `watch` drops first on a short terminal: the highest rank first.
   * Rank 0 is never dropped and shows "—" when absent; any other row is left out
   * of `watch` while its value is absent.
   */
  readonly rank: number;
}

/** One sample of a metric family: a value in the reading's own unit, and its labels. */
export interface MetricSample {
  /** Label names and values, e.g. `{ interface: "en0" }`; none when absent. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The value before {@linkcode MetricFamily.scale} is applied. */
  readonly value: number;
}

/** The base units metric families use, as OpenMetrics `# UNIT` names them ("" for none). */
export type MetricUnit = "ratio" | "bytes" | "seconds" | "celsius" | "";

/** A Prometheus metric family a reading becomes while it is present. */
export interface MetricFamily<T> {
  /**
   * The OpenMetrics family name: `opta_` first, the unit last; a counter's samples (and the
   * 0.0.4 text format's HELP and TYPE lines) add `_total`.
   */
  readonly name: string;
  /** `gauge`, or `counter` for a value that only grows (until a reset). */
  readonly type: "gauge" | "counter";
  /** Its base unit. */
  readonly unit: MetricUnit;
  /** Multiplies each sample's value into the base unit (0.01 for percent to ratio). */
  readonly scale: number;
  /** The `# HELP` text, one sentence. */
  readonly help: string;
  /** Off unless the exporter is asked for it (label cardinality, e.g. per process). */
  readonly optIn?: boolean;
  /** The samples of a present value (absent values have none). */
  samples(value: NonNullable<T>, snapshot: Snapshot): readonly MetricSample[];
}

/** One reading: where it comes from, its wire shape, and how it is shown and exported. */
export interface ReadingDeclaration<T> {
  /** The source that produces it. */
  readonly source: string;
  /** Its shape on the wire, the type of its snapshot field. */
  readonly shape: Shape & Of<T>;
  /** Its row in `sample` and `watch`; none when another reading's row shows it. */
  readonly row?: RowDeclaration<T>;
  /** The metric families it becomes; none when it is not exported. */
  readonly metrics?: readonly MetricFamily<T>[];
}

/** The declarations of the readings `K`, each naming one of the declared sources. */
export type Declarations<K extends ReadingKey = ReadingKey> = {
  readonly [P in K]: ReadingDeclaration<Snapshot[P]> & { source: SourceName };
};

/** A declaration as the generic code that walks them all sees it, with its names. */
export interface Reading extends Omit<ReadingDeclaration<unknown>, "shape"> {
  /** The snapshot field (camelCase). */
  readonly key: ReadingKey;
  /** The schema field (snake_case). */
  readonly wire: string;
  /** Its shape on the wire. */
  readonly shape: Shape;
}

/** What a value becomes in one metric family: one number, or labelled numbers. */
type Samples<T> = (value: NonNullable<T>, snapshot: Snapshot) => number | readonly MetricSample[];

/** The constructor of families of `type`: `samples` gives one number, or labelled numbers. */
function familyOf(type: "gauge" | "counter") {
  return <T>(
    name: string,
    unit: MetricUnit,
    help: string,
    samples: Samples<T>,
    scale = 1,
  ): MetricFamily<T> =>
    Object.freeze({
      name,
      type,
      unit,
      scale,
      help,
      samples: (v: NonNullable<T>, s: Snapshot) => {
        const out = samples(v, s);
        return typeof out === "number" ? [{ value: out }] : out;
      },
    });
}

/** A gauge family: `samples` gives one number, or labelled numbers; `scale` into the base unit. */
export const gauge = familyOf("gauge");

/** A counter family (named without `_total`); its arguments as for {@linkcode gauge}. */
export const counter = familyOf("counter");

/** A gauge of a percentage reading as a ratio: the value itself, scaled by 0.01. */
export function percentRatio<T extends number | null>(name: string, help: string): MetricFamily<T> {
  return gauge<T>(name, "ratio", help, (v) => v as number, 0.01);
}

/** `metric`, served only when the exporter is asked for it (label cardinality). */
export function optIn<T>(metric: MetricFamily<T>): MetricFamily<T> {
  return Object.freeze({ ...metric, optIn: true });
}

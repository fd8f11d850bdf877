/**
 * Which Prometheus metric family carries which reading of a frame: each declared reading's
 * families (`metrics/catalog.ts`: name, type, unit, help, the scale from the frame's unit to
 * the base unit, and the samples with their labels), then the daemon run's own. A reading the
 * frame does not have gives no sample: an absent value is never exported as 0.
 *
 * @example
 * ```ts
 * import { frameFamilies } from "./families.ts";
 * import { decodeMetrics } from "../ipc/codec.ts";
 * const bytes = Deno.readFileSync("tests/vectors/laptop.bin");
 * const families = frameFamilies(decodeMetrics(bytes), { nowMs: Date.now(), processes: 0 });
 * families.find((f) => f.name === "opta_cpu_usage_ratio")?.samples[0].value; // 0–1
 * ```
 *
 * @module
 */

import type { MetricsFrame } from "../ipc/codec.ts";
import { READING_LIST } from "../metrics/catalog.ts";
import type { MetricFamily, MetricUnit } from "../metrics/reading.ts";
import { isAbsent } from "../metrics/shape.ts";

/** The metric types the exporter uses. */
export type MetricType = MetricFamily<unknown>["type"];

/** Base units, as OpenMetrics' `# UNIT` names them (and as each name ends). */
export type { MetricUnit };

/** One labelled value: label pairs in order, and the value in the family's base unit. */
export interface Sample {
  /** `[name, value]` pairs, in the order they are written. */
  readonly labels: readonly (readonly [string, string])[];
  /** The value. */
  readonly value: number;
}

/**
 * A metric family ready to be written. For a counter, `name` is the OpenMetrics family name
 * (without `_total`); every sample, and the 0.0.4 text format's HELP and TYPE, add `_total`.
 */
export interface Family {
  /** Family name. */
  readonly name: string;
  /** gauge or counter. */
  readonly type: MetricType;
  /** Base unit ("" when the value has none). */
  readonly unit: MetricUnit;
  /** One line saying what it is. */
  readonly help: string;
  /** Its samples; a family without any is not written. */
  readonly samples: readonly Sample[];
}

/** What a frame alone does not say. */
export interface FrameContext {
  /** Wall-clock ms of the scrape. */
  nowMs: number;
  /** Busiest processes to export (0: none, the default). */
  processes: number;
}

/** A reading in the frame's own unit, with its labels. */
type Reading = { labels?: readonly (readonly [string, string])[]; value: number };

/** One row of the table. */
interface Declaration {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: MetricUnit;
  readonly help: string;
  /** Multiplies the frame's value into the base unit (percent → ratio: 0.01). */
  readonly scale: number;
  /** The readings of a frame; none when the frame does not carry the value. */
  readonly read: (frame: MetricsFrame, context: FrameContext) => readonly Reading[];
}

const one = (value: number | null | undefined): Reading[] =>
  value === null || value === undefined ? [] : [{ value }];

/**
 * `value` times `scale`; a fractional scale divides by its inverse instead, which keeps
 * exact figures exact (13 ms is 0.013 s, not 0.013000000000000001).
 */
function scaled(value: number, scale: number): number {
  return scale < 1 ? value / Math.round(1 / scale) : value * scale;
}

/**
 * The families of every declared reading (`metrics/catalog.ts`), in its order: none while
 * the frame does not carry the reading; an opt-in family (the busiest processes) only as
 * many samples as the exporter was asked for.
 */
const READING_FAMILIES: readonly Declaration[] = READING_LIST.flatMap((reading) =>
  (reading.metrics ?? []).map((family): Declaration => ({
    name: family.name,
    type: family.type,
    unit: family.unit,
    help: family.help,
    scale: family.scale,
    read: (frame, context) => {
      const value = frame[reading.key];
      if (isAbsent(value)) return [];
      const samples = family.samples(value!, frame).map((s) => ({
        labels: Object.entries(s.labels ?? {}),
        value: s.value,
      }));
      return family.optIn ? samples.slice(0, context.processes) : samples;
    },
  }))
);

/** Every family a frame feeds, in the order they are written: the readings', then the run's start. */
const DECLARATIONS: readonly Declaration[] = [
  ...READING_FAMILIES,
  {
    name: "opta_daemon_start_time_seconds",
    type: "gauge",
    unit: "seconds",
    help: "When the daemon run started, seconds since the Unix epoch: a change is a restart.",
    scale: 1e-6,
    read: (f) => one(f.startedAtUs > 0 ? f.startedAtUs : null),
  },
];

/**
 * The names of every reading family a frame can feed (`opta_up`, `opta_frame_age_seconds`
 * and the exporter's own aside).
 */
export const FRAME_FAMILY_NAMES: readonly string[] = DECLARATIONS.map((d) => d.name);

/**
 * The families of `frame`, values in base units. A reading that is not a finite number
 * (which a well-formed frame never holds) is left out like an absent one.
 */
export function frameFamilies(frame: MetricsFrame, context: FrameContext): Family[] {
  return DECLARATIONS.map((d) => ({
    name: d.name,
    type: d.type,
    unit: d.unit,
    help: d.help,
    samples: d.read(frame, context)
      .map((r) => ({ labels: r.labels ?? [], value: scaled(r.value, d.scale) }))
      .filter((s) => Number.isFinite(s.value)),
  }));
}

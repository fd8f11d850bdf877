/**
 * One scrape's families. Two describe the link to the daemon: `opta_up`, and
 * `opta_frame_age_seconds` whenever a frame came at all (so a daemon that answers with old
 * numbers shows how old). The readings of the machine follow only when the frame is fresh
 * (at most `UP_MAX_AGE_MS` old): when `opta_up` is 0 none is written, never stale numbers.
 * The exporter's own `opta_exporter_*` families describe the exporter and are always written.
 *
 * @example
 * ```ts
 * import { scrapeFamilies, ExporterCounters } from "./scrape.ts";
 * import { writeExposition } from "./exposition.ts";
 * const text = writeExposition(
 *   scrapeFamilies(null, { nowMs: Date.now(), processes: 0 }, new ExporterCounters()),
 *   "text",
 * );
 * text.includes("opta_up 0"); // true
 * ```
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import type { MetricsFrame } from "../ipc/codec.ts";
import { FAILURE_KINDS, type FailureKind } from "./daemon_link.ts";
import { type Family, type FrameContext, frameFamilies } from "./families.ts";

/** A frame older than this at the scrape makes `opta_up` 0, ms. */
export const UP_MAX_AGE_MS = 2000;

/** What the exporter counts about itself. */
export class ExporterCounters {
  // Counters start at 0 for every reason (and for 200, which every scraper gets), so that
  // `increase()` sees the first failure rather than a series that appears at 1.
  /** HTTP responses by status code. */
  readonly responses = new Map<number, number>([[200, 0]]);
  /** Fetches that got no fresh frame, by why. */
  readonly failures = new Map<FailureKind | "stale", number>(
    [...FAILURE_KINDS, "stale" as const].map((kind) => [kind, 0]),
  );

  /** Count one response. */
  response(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
  }

  /** Count one failed fetch. */
  failure(kind: FailureKind | "stale"): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }
}

/** Whether `frame` is recent enough at `nowMs` for its numbers to be written. */
export function isFresh(frame: MetricsFrame | null, nowMs: number): boolean {
  return frame !== null && nowMs - frame.timestamp <= UP_MAX_AGE_MS;
}

/** The exporter's own families. */
function exporterFamilies(counters: ExporterCounters): Family[] {
  const sorted = <K>(map: Map<K, number>) =>
    [...map].sort(([a], [b]) => String(a) < String(b) ? -1 : 1);
  return [
    {
      name: "opta_exporter_build_info",
      type: "gauge",
      unit: "",
      help: "Always 1: the exporter's version and the Deno it runs on, as labels.",
      samples: [{ labels: [["version", config.version], ["deno", Deno.version.deno]], value: 1 }],
    },
    {
      name: "opta_exporter_http_responses",
      type: "counter",
      unit: "",
      help: "HTTP responses the exporter sent, by status code.",
      samples: sorted(counters.responses).map(([code, n]) => ({
        labels: [["code", String(code)]],
        value: n,
      })),
    },
    {
      name: "opta_exporter_daemon_failures",
      type: "counter",
      unit: "",
      help: "Scrapes that got no fresh frame from the daemon, by why.",
      samples: sorted(counters.failures).map(([kind, n]) => ({
        labels: [["reason", kind]],
        value: n,
      })),
    },
  ];
}

/** Every family of one scrape: `frame` is the newest frame fetched, or null. */
export function scrapeFamilies(
  frame: MetricsFrame | null,
  context: FrameContext,
  counters: ExporterCounters,
): Family[] {
  const up = isFresh(frame, context.nowMs);
  return [
    {
      name: "opta_up",
      type: "gauge",
      unit: "",
      help: "1 when the exporter has a frame from the daemon at most 2 s old, else 0.",
      samples: [{ labels: [], value: up ? 1 : 0 }],
    },
    {
      name: "opta_frame_age_seconds",
      type: "gauge",
      unit: "seconds",
      help: "Age of the newest reading in the daemon's frame at the time of the scrape.",
      samples: frame === null
        ? []
        : [{ labels: [], value: Math.max(0, context.nowMs - frame.timestamp) / 1000 }],
    },
    ...(up && frame !== null ? frameFamilies(frame, context) : []),
    ...exporterFamilies(counters),
  ];
}

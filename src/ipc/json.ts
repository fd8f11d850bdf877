/**
 * The JSON form of frames and snapshots printed by `decode`, `watch --json` and
 * `sample --json`, generated from the declarations (`codegen_json.ts`): the schema's
 * snake_case field names in schema order, enums (colour, memory pressure, battery
 * state) as their schema names (as `flatc --json` prints them), 32-bit floats printed
 * at the shortest precision that reads back as the same float, and `null` (or `[]`
 * for a list) for every optional value that is absent.
 * `jsonLine` (`../printable.ts`) prints them with every control and format character escaped.
 *
 * @module
 */

import { frameJson, snapshotJson } from "./readings_codec.ts";
import type { Snapshot } from "../metrics/types.ts";
import type { MetricsFrame } from "./codec.ts";

/** Snapshot fields in schema order with snake_case names. */
export function snapshotToJson(s: Snapshot): Record<string, unknown> {
  return snapshotJson(s);
}

/** A decoded frame in its JSON form: every schema field, in schema order. */
export function frameToJson(f: MetricsFrame): Record<string, unknown> {
  return frameJson(f);
}

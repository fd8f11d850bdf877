/**
 * The JSON form of frames and snapshots printed by `decode`, `watch --json` and
 * `sample --json`, made from the declarations bound in `layout.ts`: the schema's
 * snake_case field names in schema order, enums (colour, memory pressure, battery
 * state) as their schema names (as `flatc --json` prints them), 32-bit floats printed
 * at the shortest precision that reads back as the same float, and `null` (or `[]`
 * for a list) for every optional value that is absent.
 * `jsonLine` (`../printable.ts`) prints them with every control and format character escaped.
 *
 * @module
 */

import { type BoundField, bySlot, FRAME_FIELD_KEYS, ROOT } from "./layout.ts";
import { wireName } from "../metrics/shape.ts";
import type { Snapshot } from "../metrics/types.ts";
import type { MetricsFrame } from "./codec.ts";

/** The shortest decimal that reads back as the same 32-bit float (what the wire carries). */
export function float32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const target = Math.fround(value);
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

type Json = (value: unknown) => unknown;

/** How a value of `field` is printed: made once per field, from its declaration. */
function jsonOf(field: BoundField): Json {
  const shape = field.shape;
  switch (field.kind) {
    case "scalar":
      if (shape.kind === "float") return (v) => v === null ? null : float32(v as number);
      if (shape.kind !== "enum") return (v) => v;
      // By its schema name; a frame's colour is its wire number, a reading's a TypeScript name.
      return (v) =>
        v === null
          ? null
          : field.names[typeof v === "number" ? v : shape.values.indexOf(v as string)] ?? v;
    case "string":
      return (v) => v;
    case "scalars":
      return (v) => (v as number[]).map(float32);
    case "struct":
      return record(field.members.map((m) => ({
        key: m.key,
        wire: wireName(m.key),
        json: m.shape.kind === "float" ? (v) => float32(v as number) : (v) => v,
      })));
    case "table":
    case "tables": {
      const table = record(
        field.fields.map((f) => ({ key: f.key, wire: f.wire, json: jsonOf(f) })),
      );
      return field.kind === "table" ? table : (v) => (v as unknown[]).map(table);
    }
  }
}

/** How a record is printed: each member by its schema name; null stays null. */
function record(members: readonly { key: string; wire: string; json: Json }[]): Json {
  return (v) => {
    if (v === null) return null;
    const value = v as Record<string, unknown>;
    return Object.fromEntries(members.map((m) => [m.wire, m.json(value[m.key])]));
  };
}

const FRAME = bySlot(ROOT).map((f): [BoundField, Json] => [f, jsonOf(f)]);
const SNAPSHOT = FRAME.filter(([f]) => f.key === "timestamp" || !FRAME_FIELD_KEYS.includes(f.key));

function toJson(fields: readonly [BoundField, Json][], value: object): Record<string, unknown> {
  const values = value as Record<string, unknown>;
  return Object.fromEntries(fields.map(([f, json]) => [f.wire, json(values[f.key])]));
}

/** Snapshot fields in schema order with snake_case names. */
export function snapshotToJson(s: Snapshot): Record<string, unknown> {
  return toJson(SNAPSHOT, s);
}

/** A decoded frame in its JSON form: every schema field, in schema order. */
export function frameToJson(f: MetricsFrame): Record<string, unknown> {
  return toJson(FRAME, f);
}

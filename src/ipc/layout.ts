/**
 * Where each schema field sits: the declarations (`metrics/catalog.ts`, plus the
 * frame's own fields below) bound to the generated code at module load (`bind.ts`),
 * so a declaration and the schema that disagree fail at start, and in a test. The
 * verifier, the encoder, the decoder and the JSON view all walk these tables.
 *
 * @example
 * ```ts
 * import { ROOT } from "./layout.ts";
 * ROOT.sequence; // { kind: "scalar", slot: 8, size: 8, … }
 * ```
 *
 * @module
 */

import { bindTable } from "./bind.ts";
import type { BoundField, BoundReference, Field } from "./fields.ts";
import { READING_LIST } from "../metrics/catalog.ts";
import {
  enumeration,
  float,
  type RecordShape,
  type Shape,
  table,
  ulong,
} from "../metrics/shape.ts";

export type * from "./fields.ts";

/** The frame's own fields of the root table, which no source reads (the seed's, fixed). */
const FRAME_FIELDS: Readonly<Record<string, Shape>> = {
  timestamp: ulong(),
  momentum: table<
    { intensity: number; color: "idle" | "active" | "critical"; rotationSpeed: number }
  >(
    "MomentumState",
    {
      intensity: float({ min: 0, max: 1 }),
      color: enumeration("MomentumColor", ["idle", "active", "critical"]),
      rotationSpeed: float({ min: 0, max: 100 }), // turns a second: far above any target
    },
  ),
  sequence: ulong(),
  sentAtUs: ulong(),
  startedAtUs: ulong(),
};

/** Every field of the root table, by TypeScript name: the readings and the frame's. */
const ROOT_SHAPE: RecordShape = {
  kind: "table",
  name: "SystemMetrics",
  fields: { ...Object.fromEntries(READING_LIST.map((r) => [r.key, r.shape])), ...FRAME_FIELDS },
  optional: false,
};

/** The fields of a table as a record by TypeScript name. */
export function byKey(fields: readonly BoundField[]): Readonly<Record<string, BoundField>> {
  return Object.freeze(Object.fromEntries(fields.filter(Boolean).map((f) => [f.key, f])));
}

/** The fields of a table as an array indexed by slot (a hole for a slot not listed). */
export function bySlot<F extends Field>(table: Readonly<Record<string, F>>): readonly F[] {
  const fields: F[] = [];
  for (const field of Object.values(table)) fields[field.slot] = field;
  return Object.freeze(fields);
}

/** `SystemMetrics`, the root table, by TypeScript name. */
export const ROOT: Readonly<Record<string, BoundField>> = byKey(bindTable(ROOT_SHAPE));

/** `MomentumState`, by TypeScript name. */
export const MOMENTUM_STATE: Readonly<Record<string, BoundField>> = byKey(
  (ROOT.momentum as BoundReference).fields,
);

/** The root's fields that are the frame's own rather than readings. */
export const FRAME_FIELD_KEYS: readonly string[] = Object.freeze(Object.keys(FRAME_FIELDS));

/** The root fields the seed's fixed path writes and patches (`encoder.ts`), in slot order. */
export const SEED_KEYS: readonly string[] = Object.freeze([
  "cpuUsage",
  "memoryUsage",
  "memoryTotal",
  "diskUsage",
  "temperature",
  "timestamp",
  "topProcesses",
  "momentum",
  "sequence",
  "sentAtUs",
  "startedAtUs",
]);

/** The root fields appended after the seed's, in slot order: each is a declared reading. */
export const APPENDED: readonly BoundField[] = Object.freeze(
  bySlot(ROOT).filter((f) => !SEED_KEYS.includes(f.key)),
);

/** The declared readings among the root fields, in slot order. */
export const READING_FIELDS: readonly BoundField[] = Object.freeze(
  bySlot(ROOT).filter((f) => !FRAME_FIELD_KEYS.includes(f.key)),
);

/**
 * A short digest of everything the generated readings code depends on (each field's
 * name, slot, kind, size, range and members), so a stale generated file is noticed.
 */
export function layoutFingerprint(fields: readonly BoundField[] = bySlot(ROOT)): string {
  const text = JSON.stringify(fields);
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Byte position in `view` of the field in `slot` of the table at `table`, or 0
 * when the table does not carry it. Trusts the bytes: for a buffer this process
 * built, not for one it received (verify that first).
 */
export function fieldPosition(view: DataView, table: number, slot: number): number {
  const vtable = table - view.getInt32(table, true);
  if (4 + 2 * slot >= view.getUint16(vtable, true)) return 0;
  const offset = view.getUint16(vtable + 4 + 2 * slot, true);
  return offset === 0 ? 0 : table + offset;
}

/**
 * A structural verifier for `SystemMetrics` buffers. The FlatBuffers JS runtime
 * reads whatever offsets it finds; this checks, before any field is read, that
 * every table, vtable, vector and string the schema can reach lies inside the
 * buffer, so malformed bytes give a clear error instead of garbage values. It
 * also bounds what decoding can cost (see `limits.ts`): offsets may point many
 * times at the same bytes, so a small frame could otherwise decode to gigabytes.
 *
 * @module
 */

import {
  type BoundField,
  bySlot,
  type Field,
  type ReferenceField,
  ROOT,
  type ScalarsField,
} from "./layout.ts";
import { MAX_DECODED_BYTES, MAX_NAME_BYTES, MOST_ENTRIES_OF } from "./limits.ts";

/** The schema's name of every field of every table, for messages that say where a frame is wrong. */
const NAMES = new Map<Field, string>();
const nameAll = (fields: readonly BoundField[]) => {
  for (const field of fields) {
    NAMES.set(field, field.wire);
    if ("fields" in field) nameAll(field.fields);
  }
};
nameAll(bySlot(ROOT));

/** The most entries of each vector field. */
const MOST_ENTRIES = new Map<Field, number>(
  Object.entries(MOST_ENTRIES_OF).map(([key, most]) => [ROOT[key], most]),
);

for (const [field, name] of NAMES) {
  // A vector the schema gains must get its cap in limits.ts before it is ever read.
  if ((field.kind === "tables" || field.kind === "scalars") && !MOST_ENTRIES.has(field)) {
    throw new Error(`verify: the vector field ${name} has no cap on its entries`);
  }
}

/** The fields of `SystemMetrics` by slot. */
const SYSTEM_METRICS = bySlot(ROOT);

/**
 * Just the root fields a UI animation reads: of every reference but the momentum
 * table only its own 4-byte slot is checked, since the animation never follows it.
 */
const ANIMATION_ONLY: readonly Field[] = bySlot(
  Object.fromEntries(
    Object.entries(ROOT).map(([name, field]): [string, Field] => [
      name,
      field.kind === "scalar" || field.kind === "struct" || name === "momentum"
        ? field
        : { kind: "scalar", slot: field.slot, size: 4 },
    ]),
  ),
);

/** The buffer being verified and the bytes decoding it would copy so far. */
interface Walk {
  readonly view: DataView;
  decoded: number;
  readonly maxDecoded: number;
}

/**
 * Returns null when `body` is a well-formed SystemMetrics buffer within the limits
 * of `limits.ts`, else what is wrong. `maxDecodedBytes` bounds the bytes decoding
 * it may copy (every alias counted).
 */
export function verifySystemMetrics(
  body: Uint8Array,
  animationOnly = false,
  maxDecodedBytes: number = MAX_DECODED_BYTES,
): string | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const walk: Walk = { view, decoded: 0, maxDecoded: maxDecodedBytes };
  try {
    if (body.length < 8) return `buffer of ${body.length} bytes is too short`;
    const root = view.getUint32(0, true);
    return table(walk, root, animationOnly ? ANIMATION_ONLY : SYSTEM_METRICS, "root");
  } catch (error) {
    if (error instanceof RangeError) return "an offset points outside the buffer";
    throw error;
  }
}

function inside(view: DataView, at: number, size: number): boolean {
  return at >= 0 && at + size <= view.byteLength;
}

/** Counts `bytes` more to decode; the problem once the total passes the bound. */
function spend(walk: Walk, bytes: number): string | null {
  walk.decoded += bytes;
  return walk.decoded > walk.maxDecoded
    ? `decoding it would copy over ${walk.maxDecoded} bytes ` +
      "(offsets that reach the same bytes again count again)"
    : null;
}

function table(walk: Walk, at: number, fields: readonly Field[], where: string): string | null {
  const view = walk.view;
  if (!inside(view, at, 4)) return `${where} table at ${at} lies outside the buffer`;
  const vtable = at - view.getInt32(at, true);
  if (!inside(view, vtable, 4)) return `${where} vtable at ${vtable} lies outside the buffer`;
  const vtableSize = view.getUint16(vtable, true);
  const tableSize = view.getUint16(vtable + 2, true);
  if (vtableSize < 4 || vtableSize % 2 !== 0 || !inside(view, vtable, vtableSize)) {
    return `${where} vtable size ${vtableSize} is invalid`;
  }
  if (tableSize < 4 || !inside(view, at, tableSize)) {
    return `${where} table size ${tableSize} is invalid`;
  }
  for (let i = 0; i < fields.length && 4 + 2 * i < vtableSize; i++) {
    const offset = view.getUint16(vtable + 4 + 2 * i, true);
    if (offset === 0) continue; // absent: default value
    const field = fields[i];
    if (field === undefined) continue; // a slot the layout does not list: never read
    const name = NAMES.get(field) ?? `field ${i}`;
    const path = where === "root" ? name : `${where}.${name}`;
    const size = field.kind === "scalar" || field.kind === "struct" ? field.size : 4;
    if (offset + size > tableSize) return `${path} lies outside its table`;
    const spent = spend(walk, size);
    if (spent) return spent;
    if (field.kind === "scalar" || field.kind === "struct") continue;
    const target = at + offset + view.getUint32(at + offset, true);
    const problem = field.kind === "string"
      ? string(walk, target, path)
      : field.kind === "table"
      ? table(walk, target, field.fields, path)
      : vector(walk, target, field, path);
    if (problem) return problem;
  }
  return null;
}

/** A vector of scalars or of tables: its count within its cap, then every entry. */
function vector(
  walk: Walk,
  at: number,
  field: ScalarsField | ReferenceField,
  where: string,
): string | null {
  const view = walk.view;
  if (!inside(view, at, 4)) return `${where} vector lies outside the buffer`;
  const count = view.getUint32(at, true);
  const most = MOST_ENTRIES.get(field) ?? 0;
  if (count > most) return `${where} has ${count} entries, over the limit of ${most}`;
  const size = field.kind === "scalars" ? field.size : 4;
  if (!inside(view, at + 4, count * size)) {
    return `${where} vector of ${count} entries overruns the buffer`;
  }
  const spent = spend(walk, count * size);
  if (spent || field.kind === "scalars") return spent;
  for (let i = 0; i < count; i++) {
    const slot = at + 4 + 4 * i;
    const problem = table(walk, slot + view.getUint32(slot, true), field.fields, `${where}[${i}]`);
    if (problem) return problem;
  }
  return null;
}

function string(walk: Walk, at: number, where: string): string | null {
  const view = walk.view;
  if (!inside(view, at, 4)) return `${where} string lies outside the buffer`;
  const length = view.getUint32(at, true);
  if (length > MAX_NAME_BYTES) {
    return `${where} is a string of ${length} bytes, over the limit of ${MAX_NAME_BYTES}`;
  }
  if (!inside(view, at + 4, length + 1)) {
    return `${where} string of ${length} bytes overruns the buffer`;
  }
  return spend(walk, length);
}

/**
 * A structural verifier for `SystemMetrics` buffers. The FlatBuffers JS runtime
 * reads whatever offsets it finds; this checks, before any field is read, that
 * every table, vtable, vector and string the schema can reach lies inside the
 * buffer, so malformed bytes give a clear error instead of garbage values.
 *
 * @module
 */

import { bySlot, type Field, ROOT } from "./layout.ts";

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

/** Returns null when `body` is a well-formed SystemMetrics buffer, else what is wrong. */
export function verifySystemMetrics(body: Uint8Array, animationOnly = false): string | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  try {
    if (body.length < 8) return `buffer of ${body.length} bytes is too short`;
    const root = view.getUint32(0, true);
    return table(view, root, animationOnly ? ANIMATION_ONLY : SYSTEM_METRICS, "root");
  } catch (error) {
    if (error instanceof RangeError) return "an offset points outside the buffer";
    throw error;
  }
}

function inside(view: DataView, at: number, size: number): boolean {
  return at >= 0 && at + size <= view.byteLength;
}

function table(view: DataView, at: number, fields: readonly Field[], where: string): string | null {
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
    const size = field.kind === "scalar" || field.kind === "struct" ? field.size : 4;
    if (offset + size > tableSize) return `${where} field ${i} lies outside its table`;
    if (field.kind === "scalar" || field.kind === "struct") continue;
    const target = at + offset + view.getUint32(at + offset, true);
    const problem = field.kind === "string"
      ? string(view, target, `${where} field ${i}`)
      : field.kind === "scalars"
      ? vector(view, target, field.size, `${where} field ${i}`)
      : field.kind === "table"
      ? table(view, target, field.fields, `${where} field ${i}`)
      : tables(view, target, field.fields, `${where} field ${i}`);
    if (problem) return problem;
  }
  return null;
}

function tables(
  view: DataView,
  at: number,
  fields: readonly Field[],
  where: string,
): string | null {
  if (!inside(view, at, 4)) return `${where} vector lies outside the buffer`;
  const count = view.getUint32(at, true);
  if (!inside(view, at + 4, count * 4)) {
    return `${where} vector of ${count} entries overruns the buffer`;
  }
  for (let i = 0; i < count; i++) {
    const slot = at + 4 + 4 * i;
    const problem = table(view, slot + view.getUint32(slot, true), fields, `${where}[${i}]`);
    if (problem) return problem;
  }
  return null;
}

function vector(view: DataView, at: number, size: number, where: string): string | null {
  if (!inside(view, at, 4)) return `${where} vector lies outside the buffer`;
  const count = view.getUint32(at, true);
  if (!inside(view, at + 4, count * size)) {
    return `${where} vector of ${count} entries overruns the buffer`;
  }
  return null;
}

function string(view: DataView, at: number, where: string): string | null {
  if (!inside(view, at, 4)) return `${where} string lies outside the buffer`;
  const length = view.getUint32(at, true);
  if (!inside(view, at + 4, length + 1)) {
    return `${where} string of ${length} bytes overruns the buffer`;
  }
  return null;
}

/**
 * The value rules of the wire, shared by the hand-written seed path and the code
 * `deno task gen` writes for the declared readings (`generated/readings_generated.ts`):
 * how a number becomes a `ulong`, `ushort` or `int` when written, and how a value
 * read from a frame is kept inside its declared range (PROTOCOL.md, "Values out of
 * range"): a value outside it, NaN and ±Infinity included, reads as absent when the
 * field is optional and is clamped to the range otherwise, NaN reading as the field's
 * default 0.
 *
 * @example
 * ```ts
 * import { clamp, within } from "./wire_values.ts";
 * clamp(-1e30, 0, 100); // 0
 * clamp(NaN, 0, 100); // 0
 * within(Infinity, 0, 100); // null
 * ```
 *
 * @module
 */

import type * as flatbuffers from "flatbuffers";

const TWO_32 = 2 ** 32;
const TWO_64 = 2 ** 64;

/**
 * Write `value` as the schema's `ulong` where the builder stands: whole, 0 for NaN,
 * ±Infinity and negatives, at most 2^64 − 1; in two 32-bit halves, without a BigInt
 * (the high half first: the builder writes downwards).
 */
export function writeUlong(b: flatbuffers.Builder, value: number): void {
  if (value >= TWO_64 && value < Infinity) {
    b.writeInt32(-1);
    b.writeInt32(-1);
    return;
  }
  const whole = value > 0 && value < Infinity ? Math.trunc(value) : 0;
  b.writeInt32(Math.floor(whole / TWO_32));
  b.writeInt32(whole % TWO_32);
}

/** Add `value` as the `ulong` field in `slot` of the table being built, as `writeUlong` writes it. */
export function addUlong(b: flatbuffers.Builder, slot: number, value: number): void {
  b.prep(8, 0);
  writeUlong(b, value);
  b.slot(slot);
}

/** Add the enum field in `slot` with wire value `wire`, unless it is -1 (absent or unknown). */
export function addEnum(b: flatbuffers.Builder, slot: number, wire: number): void {
  if (wire >= 0) b.addFieldInt8(slot, wire, 0);
}

/** Write the first `most` entries of `list` as a vector of floats (no reader accepts more); its offset. */
export function floatVector(b: flatbuffers.Builder, list: readonly number[], most: number): number {
  const count = Math.min(list.length, most);
  b.startVector(4, count, 4);
  for (let i = count - 1; i >= 0; i--) b.addFloat32(list[i]);
  return b.endVector();
}

/** Write the first `most` entries of `list` as tables, then the vector of them; its offset. */
export function tableVector<T>(
  b: flatbuffers.Builder,
  list: readonly T[],
  most: number,
  utf8: (text: string) => Uint8Array,
  write: (b: flatbuffers.Builder, entry: T, utf8: (text: string) => Uint8Array) => number,
  scratch: number[],
): number {
  const count = Math.min(list.length, most);
  scratch.length = count;
  for (let i = 0; i < count; i++) scratch[i] = write(b, list[i], utf8);
  b.startVector(4, count, 4);
  for (let i = count - 1; i >= 0; i--) b.addOffset(scratch[i]);
  return b.endVector();
}

/** An index or count as the schema's `ushort`: whole, clamped to 0–65535. */
export function toUshort(value: number): number {
  return value > 0 ? Math.min(Math.trunc(value), 0xffff) : 0;
}

/** A number as the schema's `int`: rounded and clamped to its range. */
export function toInt32(value: number): number {
  return Math.max(-0x8000_0000, Math.min(Math.round(value), 0x7fff_ffff));
}

/** `value` inside `min`–`max`: clamped to the nearer end, and NaN to 0 (the default). */
export function clamp(value: number, min: number, max: number): number {
  if (value >= min) return value <= max ? value : max;
  return value < min ? min : 0;
}

/** `value` when it lies in `min`–`max` (so not NaN), else null: absent. */
export function within(value: number, min: number, max: number): number | null {
  return value >= min && value <= max ? value : null;
}

/**
 * Byte position in `view` of the field in `slot` of the table at `table`, or 0 when
 * the table does not carry it. Trusts the bytes: for a buffer this process built or
 * verified.
 */
export function fieldAt(view: DataView, table: number, slot: number): number {
  const vtable = table - view.getInt32(table, true);
  if (4 + 2 * slot >= view.getUint16(vtable, true)) return 0;
  const offset = view.getUint16(vtable + 4 + 2 * slot, true);
  return offset === 0 ? 0 : table + offset;
}

/** The position the 4-byte offset at `at` points to. */
export function follow(view: DataView, at: number): number {
  return at + view.getUint32(at, true);
}

/** The `ulong` at `at`, clamped to `max` (a value past 2^53 − 1 has no exact number). */
export function readUlong(view: DataView, at: number, max: number): number {
  const high = view.getUint32(at + 4, true);
  if (high >= 0x20_0000) return max; // 2^53 and above
  const value = high * TWO_32 + view.getUint32(at, true);
  return value <= max ? value : max;
}

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

/**
 * An enum value by its schema name, as `flatc --json` prints it: `value` is a wire number
 * (the momentum's colour) or a TypeScript name from `values`; one the schema lacks stays as is.
 */
export function enumName(
  names: readonly string[],
  values: readonly unknown[],
  value: unknown,
): unknown {
  return names[typeof value === "number" ? value : values.indexOf(value)] ?? value;
}

/** The `ulong` at `at`, or null (absent) past `max` or past 2^53 − 1: for an optional field. */
export function readUlongWithin(view: DataView, at: number, max: number): number | null {
  const high = view.getUint32(at + 4, true);
  if (high >= 0x20_0000) return null;
  return within(high * TWO_32 + view.getUint32(at, true), 0, max);
}

const utf8 = new TextDecoder();

/** The string the offset at `at` points to, malformed UTF-8 replaced (as flatc's reader does). */
export function readString(view: DataView, bytes: Uint8Array, at: number): string {
  const start = follow(view, at);
  const length = view.getUint32(start, true);
  return utf8.decode(bytes.subarray(start + 4, start + 4 + length));
}

/** The tables of the vector the offset at `at` points to, each read by `read`. */
export function readList<T>(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  read: (view: DataView, bytes: Uint8Array, at: number) => T,
): T[] {
  const start = follow(view, at);
  const count = view.getUint32(start, true);
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(read(view, bytes, follow(view, start + 4 + 4 * i)));
  return out;
}

/** The floats of the vector the offset at `at` points to, each clamped to `min`–`max`. */
export function readFloats(view: DataView, at: number, min: number, max: number): number[] {
  const start = follow(view, at);
  const count = view.getUint32(start, true);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(clamp(view.getFloat32(start + 4 + 4 * i, true), min, max));
  }
  return out;
}

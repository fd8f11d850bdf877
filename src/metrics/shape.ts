/**
 * The vocabulary a reading's shape is declared in: the handful of value kinds the
 * schema uses (float, counter, small integers, bool, enum, string, struct, table and
 * vectors of floats or tables), each numeric kind with the range a valid value lies
 * in. A shape is plain data; `ipc/` binds it to the generated code at load and checks
 * that the two agree. The type parameter of {@linkcode Of} ties a shape to the
 * TypeScript type of the value it describes, so a declaration that does not fit its
 * snapshot field fails to compile.
 *
 * @example
 * ```ts
 * import { float, optional, PERCENT } from "./shape.ts";
 * const gpu = optional(float(PERCENT)); // a percent, null when absent
 * gpu.kind; // "float"
 * ```
 *
 * @module
 */

/** The closed interval a valid number lies in. */
export interface Range {
  /** Smallest valid value. */
  readonly min: number;
  /** Largest valid value. */
  readonly max: number;
}

/** Largest integer a JavaScript number holds exactly, 2^53 − 1: the top of every counter. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** A percentage, 0–100. */
export const PERCENT: Range = Object.freeze({ min: 0, max: 100 });

/** Any amount that cannot be negative, up to 2^53 − 1 (bytes, bytes per second, counts). */
export const AMOUNT: Range = Object.freeze({ min: 0, max: MAX_EXACT });

/** Degrees Celsius a sensor can report: above absolute zero, below 1000. */
export const CELSIUS: Range = Object.freeze({ min: -273.15, max: 1000 });

/** Percent of one core, as `ps` and `top` show it: up to 100 per logical CPU. */
export const CORE_PERCENT: Range = Object.freeze({ min: 0, max: 100 * 0xffff });

/** Run-queue lengths: a count of tasks. */
export const TASKS: Range = Object.freeze({ min: 0, max: 2 ** 24 });

/**
 * Ties a shape to the type `T` of the value it describes (compile time only). The
 * member is a function of `T` to `T` so the tie is exact: a shape of `number` does
 * not fit a field of `number | null`.
 */
export interface Of<T> {
  /** Never set: carries `T` for the type checker. */
  readonly __value?: (value: T) => T;
}

/** A number on the wire: a 32-bit float or an integer of a fixed width. */
export interface NumberShape {
  /** `float` (32-bit), `ulong` (64-bit counter), `uint` (32-bit), `int32`, `ushort`. */
  readonly kind: "float" | "ulong" | "uint" | "int32" | "ushort";
  /** Whether the value may be absent (null), a schema field declared `= null`. */
  readonly optional: boolean;
  /** Where a valid value lies; a frame's value outside it is read as the protocol says. */
  readonly range: Range;
}

/** A boolean. */
export interface BoolShape {
  /** Always `"bool"`. */
  readonly kind: "bool";
  /** Never optional in this schema. */
  readonly optional: false;
}

/** An enum of the schema, as a union of TypeScript strings numbered by their order. */
export interface EnumShape {
  /** Always `"enum"`. */
  readonly kind: "enum";
  /** The schema's name of the enum, e.g. `MemoryPressure`. */
  readonly name: string;
  /** The TypeScript values by wire value: the first is 0. */
  readonly values: readonly string[];
  /** Whether the value may be absent (null). */
  readonly optional: boolean;
}

/** A UTF-8 string (the encoder cuts it to the protocol's name length). */
export interface StringShape {
  /** Always `"string"`. */
  readonly kind: "string";
  /** Never optional: an absent string reads as "". */
  readonly optional: false;
}

/** A struct (stored inline) or a table (stored apart) of named fields. */
export interface RecordShape {
  /** `struct` (numbers only, all present together) or `table`. */
  readonly kind: "struct" | "table";
  /** The schema's name of the struct or table, e.g. `Network`. */
  readonly name: string;
  /** Its fields in schema order, by their TypeScript (camelCase) names. */
  readonly fields: Readonly<Record<string, Shape>>;
  /** Whether the whole value may be absent (null). */
  readonly optional: boolean;
}

/** A vector of floats or of tables; empty when absent. */
export interface VectorShape {
  /** Always `"vector"`. */
  readonly kind: "vector";
  /** The shape of each element: a float or a table. */
  readonly element: NumberShape | RecordShape;
  /** Never optional: absent reads as empty. */
  readonly optional: false;
}

/** Any shape of the vocabulary. */
export type Shape = NumberShape | BoolShape | EnumShape | StringShape | RecordShape | VectorShape;

/** A 32-bit float in `range` (default: any finite float). */
export function float(range: Range = { min: -3.4e38, max: 3.4e38 }): NumberShape & Of<number> {
  return Object.freeze({ kind: "float", optional: false, range });
}

/** A 64-bit counter, read exactly up to 2^53 − 1 (the encoder clamps to 0 – 2^64 − 1). */
export function ulong(range: Range = AMOUNT): NumberShape & Of<number> {
  return Object.freeze({ kind: "ulong", optional: false, range });
}

/** A 32-bit unsigned integer (a process id). */
export function uint(): NumberShape & Of<number> {
  return Object.freeze({ kind: "uint", optional: false, range: { min: 0, max: 0xffff_ffff } });
}

/** A 16-bit unsigned integer (an index or a count of cores). */
export function ushort(): NumberShape & Of<number> {
  return Object.freeze({ kind: "ushort", optional: false, range: { min: 0, max: 0xffff } });
}

/** A 32-bit signed integer in `range`. */
export function int32(range: Range): NumberShape & Of<number> {
  return Object.freeze({ kind: "int32", optional: false, range });
}

/** A boolean. */
export function bool(): BoolShape & Of<boolean> {
  return Object.freeze({ kind: "bool", optional: false });
}

/** A string. */
export function string(): StringShape & Of<string> {
  return Object.freeze({ kind: "string", optional: false });
}

/** The schema enum `name`, its TypeScript values listed by wire value. */
export function enumeration<const V extends string>(
  name: string,
  values: readonly V[],
): EnumShape & Of<V> {
  return Object.freeze({ kind: "enum", name, values: Object.freeze([...values]), optional: false });
}

/** The shapes of the fields of a record of type `T`, one per field. */
export type FieldsOf<T> = { readonly [K in keyof T]-?: Shape & Of<T[K]> };

/** The schema table `name` holding a `T`, its fields in schema order. */
export function table<T>(name: string, fields: FieldsOf<T>): RecordShape & Of<T> {
  return Object.freeze({ kind: "table", name, fields: Object.freeze(fields), optional: false });
}

/** The schema struct `name` holding a `T` (numbers only), its fields in schema order. */
export function struct<T>(name: string, fields: FieldsOf<T>): RecordShape & Of<T> {
  return Object.freeze({ kind: "struct", name, fields: Object.freeze(fields), optional: false });
}

/** A vector of `element`s, empty when absent. */
export function vector<T>(
  element: (NumberShape | RecordShape) & Of<T>,
): VectorShape & Of<readonly T[]> {
  return Object.freeze({ kind: "vector", element, optional: false });
}

/** `shape`, absent (null) when the machine or source has no value. */
export function optional<S extends NumberShape | EnumShape | RecordShape, T>(
  shape: S & Of<T>,
): S & Of<T | null> {
  const absentable: S = { ...shape, optional: true };
  return Object.freeze(absentable) as S & Of<T | null>;
}

/** The value a snapshot holds for `shape` when it has none: null, or [] for a vector. */
export function absentValue(shape: Shape): null | readonly never[] {
  return shape.kind === "vector" ? EMPTY : null;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Whether `value` is the absent value of its shape (null, or an empty vector). */
export function isAbsent(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

/** The schema's snake_case name of a TypeScript (camelCase) field name. */
export function wireName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

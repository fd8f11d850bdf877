/**
 * Values made from declared shapes, so tests walk every declared reading without
 * restating any: a present value with distinct numbers (each exact as a float32 and
 * inside its range), a zero value, and every one-leaf change of a value.
 *
 * @module
 */

import { READING_LIST } from "../../src/metrics/catalog.ts";
import type { ReadingKey } from "../../src/metrics/reading.ts";
import type { NumberShape, Shape } from "../../src/metrics/shape.ts";
import type { Snapshot } from "../../src/metrics/types.ts";

type Value = unknown;

/** A number of `shape` derived from `seed`: whole, inside its range, exact as a float32. */
function numberOf(shape: NumberShape, seed: number): number {
  const min = Math.ceil(shape.range.min);
  const span = Math.min(shape.range.max - min, 2 ** 20);
  const offset = (seed * 37 + 11) % Math.max(1, Math.floor(span));
  return min + offset + (shape.kind === "float" && offset < span ? 0.5 : 0);
}

/** A present value of `shape` (an optional one too), its numbers derived from `seed`. */
export function presentValue(shape: Shape, seed: number): Value {
  switch (shape.kind) {
    case "bool":
      return seed % 2 === 1;
    case "string":
      return `name-${seed}`;
    case "enum":
      return shape.values[seed % shape.values.length];
    case "vector":
      return [presentValue(shape.element, seed), presentValue(shape.element, seed + 1)];
    case "struct":
    case "table":
      return Object.fromEntries(
        Object.entries(shape.fields).map(([key, field], i) => [key, presentValue(field, seed + i)]),
      );
    default: {
      const n = numberOf(shape, seed);
      return shape.kind === "float" ? n : Math.trunc(n);
    }
  }
}

/** The value of `shape` whose every number is 0, string empty, bool false, enum the first. */
export function zeroValue(shape: Shape): Value {
  switch (shape.kind) {
    case "bool":
      return false;
    case "string":
      return "";
    case "enum":
      return shape.values[0];
    case "vector":
      return [zeroValue(shape.element)];
    case "struct":
    case "table":
      return Object.fromEntries(Object.entries(shape.fields).map(([k, f]) => [k, zeroValue(f)]));
    default:
      return 0;
  }
}

/** A change of `value`: what changed (a path) and the new value. */
export interface Change {
  /** Where, e.g. `network.sentBytes` or `cpuCores[1]`. */
  readonly path: string;
  /** The whole new value. */
  readonly value: Value;
}

/**
 * Every change of `value` (of `shape`) in exactly one place: each number moved within
 * its range, each string, bool and enum changed, a vector one entry longer and shorter,
 * an optional value absent.
 */
export function changes(shape: Shape, value: Value, path: string): Change[] {
  const out: Change[] = [];
  if (shape.optional && value !== null) out.push({ path: `${path} absent`, value: null });
  if (value === null) return [...out, { path: `${path} present`, value: presentValue(shape, 3) }];
  switch (shape.kind) {
    case "bool":
      return [...out, { path, value: !value }];
    case "string":
      return [...out, { path, value: `${value}+` }];
    case "enum": {
      const next = shape.values[(shape.values.indexOf(value as string) + 1) % shape.values.length];
      return [...out, { path, value: next }];
    }
    case "vector": {
      const list = value as Value[];
      out.push({ path: `${path} longer`, value: [...list, presentValue(shape.element, 9)] });
      if (list.length > 0) out.push({ path: `${path} shorter`, value: list.slice(1) });
      list.forEach((entry, i) => {
        for (const c of changes(shape.element, entry, `${path}[${i}]`)) {
          out.push({ path: c.path, value: list.map((e, j) => j === i ? c.value : e) });
        }
      });
      return out;
    }
    case "struct":
    case "table": {
      const record = value as Record<string, Value>;
      for (const [key, field] of Object.entries(shape.fields)) {
        for (const c of changes(field, record[key], `${path}.${key}`)) {
          out.push({ path: c.path, value: { ...record, [key]: c.value } });
        }
      }
      return out;
    }
    default: {
      const n = value as number;
      const { min, max } = shape.range;
      const moved = n + 1 <= max ? n + 1 : Math.max(min, n - 1);
      return [...out, { path, value: moved }];
    }
  }
}

/** A snapshot whose every declared reading is present, each from `presentValue`. */
export function everyReading(seed = 1): Snapshot {
  const readings = Object.fromEntries(
    READING_LIST.map((r, i) => [r.key, presentValue(r.shape, seed + 10 * i)]),
  ) as Record<ReadingKey, Value>;
  return { ...readings, timestamp: 1764183600123 } as Snapshot;
}

const fromUtf8 = new TextDecoder();
const toUtf8 = new TextEncoder();

/** A name as it reads back: its UTF-8 cut to 255 bytes at a character boundary. */
export function readBackText(name: string): string {
  const bytes = toUtf8.encode(name);
  let end = Math.min(bytes.length, 255);
  while (end < bytes.length && end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return fromUtf8.decode(bytes.subarray(0, end));
}

/** What the wire holds for a number of `kind` written from `input` (before any range). */
function written(kind: NumberShape["kind"], input: number): number | null {
  switch (kind) {
    case "float":
      return Math.fround(input);
    case "ulong": {
      if (!(Number.isFinite(input) && input > 0)) return 0;
      return input >= 2 ** 64 ? 2 ** 64 : Math.trunc(input); // 2^64 − 1 is past any safe integer
    }
    case "ushort":
      return input > 0 ? Math.min(Math.trunc(input), 0xffff) : 0;
    case "uint":
      return input >>> 0;
    case "int32":
      return Number.isFinite(input)
        ? Math.max(-(2 ** 31), Math.min(Math.round(input), 2 ** 31 - 1)) + 0
        : null;
  }
}

/**
 * What a value of `shape` encoded from `input` reads back as, by the protocol's rules
 * restated here independently of the codec: a number outside its declared range (NaN
 * and ±Infinity included) is absent when optional, else clamped, NaN to 0; a name is
 * cut to 255 bytes; an unknown enum value is absent or the first.
 */
export function readBack(shape: Shape, input: Value): Value {
  if (input === null) return shape.kind === "vector" ? [] : null;
  switch (shape.kind) {
    case "bool":
      return input;
    case "string":
      return readBackText(input as string);
    case "enum":
      return shape.values.includes(input as string)
        ? input
        : shape.optional
        ? null
        : shape.values[0];
    case "vector":
      return (input as Value[]).map((v) => readBack(shape.element, v));
    case "struct":
    case "table":
      return Object.fromEntries(
        Object.entries(shape.fields).map((
          [k, f],
        ) => [k, readBack(f, (input as Record<string, Value>)[k])]),
      );
    default: {
      const value = written(shape.kind, input as number);
      const { min, max } = shape.range;
      if (value === null) return null;
      if (value >= min && value <= max) return value;
      if (shape.optional) return null;
      return Number.isNaN(value) ? 0 : value < min ? min : max;
    }
  }
}

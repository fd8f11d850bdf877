/**
 * The parts of the generated readings codec that read and compare (`codegen.ts` writes
 * the file): a decoder of each declared field that keeps its value inside the declared
 * range, and a comparison of two values of each field by what they encode to.
 *
 * @module
 */

import type { BoundField, BoundReference } from "./layout.ts";
import type { NumberShape, RecordShape } from "../metrics/shape.ts";

/** Functions and constants written so far, by name (a table used twice is written once). */
export type Out = Map<string, string>;

/** The schema name of the struct or table (or each table of the vector) `field` holds. */
export function tableName(field: BoundField): string {
  const shape = field.shape;
  return ((shape.kind === "vector" ? shape.element : shape) as RecordShape).name;
}

/** The module constant listing an enum's TypeScript values by wire value. */
export function enumValues(shape: { name: string; values: readonly string[] }, out: Out): string {
  const name = `${shape.name.replace(/[a-z](?=[A-Z])/g, "$&_").toUpperCase()}_VALUES`;
  out.set(name, `const ${name}: readonly unknown[] = ${JSON.stringify(shape.values)};`);
  return name;
}

/** The expression reading the number at position `at`, kept inside its range. */
function readNumber(shape: NumberShape, at: string): string {
  const { min, max } = shape.range;
  const keep = shape.optional ? "within" : "clamp";
  switch (shape.kind) {
    case "float":
      return `${keep}(view.getFloat32(${at}, true), ${min}, ${max})`;
    case "int32":
      return `${keep}(view.getInt32(${at}, true), ${min}, ${max})`;
    case "ulong":
      return `${shape.optional ? "readUlongWithin" : "readUlong"}(view, ${at}, ${max})`;
    case "uint":
      return `view.getUint32(${at}, true)`;
    case "ushort":
      return `view.getUint16(${at}, true)`;
  }
}

/** The expression reading `field` at `p` (0: absent), of TypeScript type `type`. */
function readField(field: BoundField, type: string, out: Out): string {
  const shape = field.shape;
  switch (field.kind) {
    case "scalar": {
      if (shape.kind === "bool") return "p !== 0 && view.getInt8(p) !== 0";
      if (shape.kind === "enum") {
        const values = enumValues(shape, out);
        const unknown = shape.optional ? "null" : `${values}[0]`;
        return `(p === 0 ? ${unknown} : ${values}[view.getInt8(p)] ?? ${unknown}) as ${type}`;
      }
      return `p === 0 ? ${shape.optional ? "null" : "0"} : ${
        readNumber(shape as NumberShape, "p")
      }`;
    }
    case "struct": {
      const members = field.members.map((m) =>
        `${m.key}: ${readNumber(m.shape, `p + ${m.offset}`)}`
      );
      return `p === 0 ? null : { ${members.join(", ")} }`;
    }
    case "scalars": {
      const { min, max } = (shape as { element: NumberShape }).element.range;
      return `p === 0 ? [] : readFloats(view, p, ${min}, ${max})`;
    }
    case "string":
      return `p === 0 ? "" : readString(view, bytes, p)`;
    case "table":
      return `p === 0 ? null : ${
        tableReader(field, `NonNullable<${type}>`, out)
      }(view, bytes, follow(view, p))`;
    case "tables": {
      const element = tableReader(field, `${type}[number]`, out);
      return `p === 0 ? [] : readList(view, bytes, p, ${element})`;
    }
  }
}

/** Statements reading each of `fields` of the table at `table` into a local `<key>_`. */
export function readLocals(fields: readonly BoundField[], type: string, table: string, out: Out) {
  const lines = ["let p: number;"];
  for (const f of fields) {
    lines.push(`p = fieldAt(view, ${table}, ${f.slot});`);
    lines.push(`const ${f.key}_ = ${readField(f, `${type}["${f.key}"]`, out)};`);
  }
  return lines;
}

/** The function reading a table of `field`'s kind, written once; its name. */
function tableReader(field: BoundReference, type: string, out: Out): string {
  const name = `read${tableName(field)}`;
  if (out.has(name)) return name;
  out.set(name, "");
  const fields = field.fields.filter(Boolean);
  out.set(
    name,
    [
      `function ${name}(view: DataView, bytes: Uint8Array, at: number): ${type} {`,
      ...readLocals(fields, type, "at", out).map((l) => `  ${l}`),
      `  return { ${fields.map((f) => `${f.key}: ${f.key}_`).join(", ")} };`,
      "}",
    ].join("\n"),
  );
  return name;
}

/** The function comparing two records of `field`'s kind member by member; its name. */
function recordSame(field: BoundField, type: string, out: Out): string {
  const name = `same${tableName(field)}`;
  if (out.has(name)) return name;
  out.set(name, "");
  const members = field.kind === "struct"
    ? field.members.map((m) => `Object.is(x.${m.key}, y.${m.key})`)
    : (field as BoundReference).fields.filter(Boolean).map((f) =>
      sameField(f, `x.${f.key}`, `y.${f.key}`, `${type}["${f.key}"]`, out)
    );
  out.set(
    name,
    [
      `function ${name}(x: ${type}, y: ${type}): boolean {`,
      `  return x === y || (${members.join(" &&\n    ")});`,
      "}",
    ].join("\n"),
  );
  return name;
}

/**
 * The function comparing two lists of `field`'s kind entry by entry, written once; its
 * name. Each entry is compared in the loop itself, with no function passed in, so the
 * comparison costs what a hand-written loop does.
 */
function listSame(field: BoundField, type: string, out: Out): string {
  const name = `same${field.key[0].toUpperCase()}${field.key.slice(1)}`;
  if (out.has(name)) return name;
  const entry = field.kind === "tables"
    ? `${recordSame(field, `${type}[number]`, out)}(x[i], y[i])`
    : "Object.is(x[i], y[i])";
  out.set(
    name,
    [
      `function ${name}(x: ${type}, y: ${type}): boolean {`,
      "  if (x === y) return true;",
      "  if (x.length !== y.length) return false;",
      `  for (let i = 0; i < x.length; i++) if (!${entry}) return false;`,
      "  return true;",
      "}",
    ].join("\n"),
  );
  return name;
}

/** The expression telling whether `x` and `y`, two values of `field`, encode alike. */
export function sameField(field: BoundField, x: string, y: string, type: string, out: Out): string {
  switch (field.kind) {
    case "scalar":
    case "string":
      return `Object.is(${x}, ${y})`;
    case "scalars":
    case "tables":
      return `${listSame(field, type, out)}(${x}, ${y})`;
    default: {
      const same = recordSame(field, `NonNullable<${type}>`, out);
      return field.shape.optional
        ? `(${x} === ${y} || (${x} !== null && ${y} !== null && ${same}(${x}, ${y})))`
        : `${same}(${x}, ${y})`;
    }
  }
}

/**
 * The JSON part of the generated readings codec (`codegen.ts` writes the file): a frame and
 * a snapshot as the schema's snake_case names in schema order, each value as `flatc --json`
 * prints it (enums by their schema names, 32-bit floats at their shortest, absent values as
 * null or []), written as object literals so printing costs what hand-written code does.
 *
 * @module
 */

import type { BoundField } from "./layout.ts";
import { enumValues, type Out, tableName } from "./codegen_read.ts";

/** The expression printing `x`, a value of `field` of TypeScript type `type`. */
export function jsonField(field: BoundField, x: string, type: string, out: Out): string {
  const shape = field.shape;
  const orNull = (then: string) => shape.optional ? `${x} === null ? null : ${then}` : then;
  switch (field.kind) {
    case "scalar":
      if (shape.kind === "float") return orNull(`float32(${x})`);
      if (shape.kind !== "enum") return x;
      return orNull(`enumName(${schemaNames(field, out)}, ${enumValues(shape, out)}, ${x})`);
    case "string":
      return x;
    case "scalars":
      return `${x}.map(float32)`;
    case "struct":
      return orNull(`{ ${
        field.members.map((m) => {
          const wire = m.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
          return `${wire}: ${
            m.shape.kind === "float" ? `float32(${x}.${m.key})` : `${x}.${m.key}`
          }`;
        }).join(", ")
      } }`);
    case "table":
      return orNull(`${tableJson(field, `NonNullable<${type}>`, out)}(${x})`);
    case "tables":
      return `${x}.map(${tableJson(field, `${type}[number]`, out)})`;
  }
}

/** The module constant listing an enum's schema names by wire value. */
function schemaNames(field: BoundField & { kind: "scalar" }, out: Out): string {
  const shape = field.shape as { name: string };
  const name = `${shape.name.replace(/[a-z](?=[A-Z])/g, "$&_").toUpperCase()}_NAMES`;
  out.set(name, `const ${name}: readonly string[] = ${JSON.stringify(field.names)};`);
  return name;
}

/** The function printing a table of `field`'s kind as an object literal, written once; its name. */
function tableJson(field: BoundField & { fields: readonly BoundField[] }, type: string, out: Out) {
  const name = `json${tableName(field)}`;
  if (out.has(name)) return name;
  out.set(name, "");
  const members = field.fields.filter(Boolean).map((f) =>
    `    ${f.wire}: ${jsonField(f, `v.${f.key}`, `${type}["${f.key}"]`, out)},`
  );
  out.set(
    name,
    [
      `function ${name}(v: ${type}): Record<string, unknown> {`,
      "  return {",
      ...members,
      "  };",
      "}",
    ].join("\n"),
  );
  return name;
}

/** The function printing the root fields `fields` of a value of `type` (`Frame` or `Snapshot`). */
export function rootJson(
  name: string,
  fields: readonly BoundField[],
  type: string,
  out: Out,
): string[] {
  return [
    `export function ${name}(v: ${type}): Record<string, unknown> {`,
    "  return {",
    ...fields.map((f) =>
      `    ${f.wire}: ${jsonField(f, `v.${f.key}`, `${type}["${f.key}"]`, out)},`
    ),
    "  };",
    "}",
  ];
}

/**
 * Binds declared shapes to the generated code at module load: each field's generated
 * adder is called on a recorder that notes the vtable slot and the builder call it
 * makes, each struct's generated constructor gives its members' offsets, each vector's
 * its element kind, each enum its schema names. A declaration the generated code does
 * not have, a field the generated code has and no declaration names, or a kind that
 * differs, fails with one line naming the field.
 *
 * @module
 */

import type * as flatbuffers from "flatbuffers";
import * as generated from "./generated/system_metrics_generated.ts";
import type { BoundField, BoundStruct, Named, StructMember } from "./fields.ts";
import { type NumberShape, type RecordShape, type Shape, wireName } from "../metrics/shape.ts";

// deno-lint-ignore no-explicit-any
type Generated = Record<string, any>;
const GENERATED = generated as Generated;

/** The builder call a generated adder makes that fits each kind of declared scalar. */
const ADDER_OF: Readonly<Record<string, string>> = {
  float: "addFieldFloat32",
  ulong: "addFieldInt64",
  uint: "addFieldInt32",
  int32: "addFieldInt32",
  ushort: "addFieldInt16",
  bool: "addFieldInt8",
  enum: "addFieldInt8",
};

const SIZE_OF_CALL: Readonly<Record<string, 1 | 2 | 4 | 8>> = {
  addFieldInt8: 1,
  addFieldInt16: 2,
  addFieldInt32: 4,
  addFieldFloat32: 4,
  addFieldInt64: 8,
  writeInt8: 1,
  writeInt16: 2,
  writeInt32: 4,
  writeFloat32: 4,
  writeInt64: 8,
};

/** The calls a piece of generated code makes on a builder, with their arguments. */
function calls(run: (builder: flatbuffers.Builder) => void): [string, unknown[]][] {
  const seen: [string, unknown[]][] = [];
  const recorder = new Proxy({}, {
    get: (_, name) => (...args: unknown[]) => {
      seen.push([String(name), args]);
      return 0;
    },
  });
  run(recorder as flatbuffers.Builder);
  return seen;
}

const pascal = (key: string) => key[0].toUpperCase() + key.slice(1);

/** The generated class of the table, struct or enum `name`, or a one-line error. */
function generatedClass(name: string): Generated {
  const found = GENERATED[`Opta_Metrics_${name}`];
  if (found === undefined) throw new Error(`layout: the generated code has no ${name}`);
  return found;
}

/** The fields of the table `shape`, checked against its generated class, by slot. */
export function bindTable(shape: RecordShape): readonly BoundField[] {
  const cls = generatedClass(shape.name);
  const adders = Object.getOwnPropertyNames(cls).filter((n) => /^add[A-Z]/.test(n));
  const declared = new Set(Object.keys(shape.fields).map((key) => `add${pascal(key)}`));
  const missing = adders.find((adder) => !declared.has(adder));
  if (missing) {
    const field = wireName(missing.slice(3, 4).toLowerCase() + missing.slice(4));
    throw new Error(`layout: ${shape.name}.${field} is in the schema but not declared`);
  }
  const fields: BoundField[] = [];
  for (const [key, fieldShape] of Object.entries(shape.fields)) {
    const where = `${shape.name}.${wireName(key)}`;
    const adder = cls[`add${pascal(key)}`];
    if (typeof adder !== "function") {
      throw new Error(`layout: ${where} is declared but not in the generated code`);
    }
    const made = calls((b) => adder(b, fieldShape.kind === "ulong" ? 0n : 0));
    if (made.length !== 1) throw new Error(`layout: ${where}'s adder makes ${made.length} calls`);
    const [call, [slot]] = made[0] as [string, [number]];
    const field = bindField(cls, key, fieldShape, slot, call, where);
    fields[field.slot] = field;
  }
  return Object.freeze(fields);
}

function bindField(
  cls: Generated,
  key: string,
  shape: Shape,
  slot: number,
  call: string,
  where: string,
): BoundField {
  const named = { key, wire: wireName(key), slot, shape };
  const expect = (wanted: string) => {
    if (call !== wanted) throw new Error(`layout: ${where} is a ${shape.kind}, the schema's not`);
  };
  switch (shape.kind) {
    case "string":
      expect("addFieldOffset");
      return Object.freeze({ ...named, kind: "string", fields: [] });
    case "vector":
      expect("addFieldOffset");
      return bindVector(cls, named, shape.element, where);
    case "struct":
      expect("addFieldStruct");
      return bindStruct(named, shape, where);
    case "table":
      expect("addFieldOffset");
      return Object.freeze({ ...named, kind: "table", fields: bindTable(shape) });
    default: {
      expect(ADDER_OF[shape.kind]);
      const names = shape.kind === "enum" ? enumNames(shape.name, shape.values.length) : [];
      return Object.freeze({ ...named, kind: "scalar", size: SIZE_OF_CALL[call], names });
    }
  }
}

function bindVector(
  cls: Generated,
  named: Named & { slot: number },
  element: NumberShape | RecordShape,
  where: string,
): BoundField {
  const create = cls[`create${pascal(named.key)}Vector`];
  const made = typeof create === "function" ? calls((b) => create(b, [0])).map(([c]) => c) : [];
  if (element.kind === "table") {
    if (made[1] !== "addOffset") throw new Error(`layout: ${where} is not a vector of tables`);
    return Object.freeze({ ...named, kind: "tables", fields: bindTable(element) });
  }
  if (element.kind !== "float" || made[1] !== "addFloat32") {
    throw new Error(`layout: ${where} is not a vector of ${element.kind}`);
  }
  return Object.freeze({ ...named, kind: "scalars", size: 4 });
}

/** A struct's members and their offsets, from the writes its generated constructor makes. */
function bindStruct(
  named: Named & { slot: number },
  shape: RecordShape,
  where: string,
): BoundStruct {
  const cls = generatedClass(shape.name);
  const keys = Object.keys(shape.fields);
  // Member i is written as i + 1, so each write names its member.
  const made = calls((b) =>
    cls[`create${shape.name}`](
      b,
      ...keys.map((key, i) => shape.fields[key].kind === "ulong" ? BigInt(i + 1) : i + 1),
    )
  );
  const [prep, [align, size]] = made[0] as [string, [number, number]];
  if (prep !== "prep" || size !== cls.sizeOf()) throw new Error(`layout: ${where}: odd struct`);
  const members: StructMember[] = [];
  let at = size;
  for (const [call, [value]] of made.slice(1)) {
    if (call === "pad") at -= value as number;
    if (!call.startsWith("write")) continue;
    at -= SIZE_OF_CALL[call] ?? NaN;
    const key = keys[Number(value) - 1];
    const member = shape.fields[key];
    if (member?.kind !== "float" && member?.kind !== "ulong") {
      throw new Error(`layout: ${where}: a struct member is not a float or a ulong`);
    }
    if (call !== (member.kind === "float" ? "writeFloat32" : "writeInt64")) {
      throw new Error(`layout: ${where}.${wireName(key)} is a ${member.kind}, the schema's not`);
    }
    members[keys.indexOf(key)] = { key, offset: at, shape: member };
  }
  if (at !== 0 || members.length !== keys.length) throw new Error(`layout: ${where}: odd struct`);
  return Object.freeze({ ...named, kind: "struct", size, align, members: Object.freeze(members) });
}

/** The schema names of the enum `name` by wire value, checked to number 0 … count − 1. */
function enumNames(name: string, count: number): readonly string[] {
  const values = generatedClass(name);
  const names: string[] = [];
  for (const [label, value] of Object.entries(values)) {
    if (typeof value === "number") names[value] = label;
  }
  if (names.length !== count || names.includes(undefined as unknown as string)) {
    throw new Error(`layout: enum ${name} has ${names.length} values, ${count} declared`);
  }
  return Object.freeze(names);
}

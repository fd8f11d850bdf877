/**
 * Writes `generated/readings_generated.ts` (`deno task gen` runs it after flatc): the
 * codec of the declared readings as straight-line TypeScript, one function per table,
 * from the layout `layout.ts` binds. Generated code names each field as hand-written
 * code would; closures built at load over the same layout would look fields up by a key
 * held in a variable, which slows the full build and the patch path's comparison
 * (BENCHMARKS.md). The file holds:
 *
 * - `buildAppended`, `addAppended`: the appended readings' part of a full build;
 * - `SAME_READING`, `sameAppended`: whether two snapshots' appended readings encode alike;
 * - `readReadings`: every declared reading of a verified frame, each value kept inside
 *   its declared range (`wire_values.ts`);
 * - `frameJson`, `snapshotJson`: the JSON view, by the schema's names.
 *
 * The reading and comparing parts are written by `codegen_read.ts`, the JSON by
 * `codegen_json.ts`.
 *
 * It carries the fingerprint of the layout it was written from, which `readings_codec.ts`
 * compares at load: a declaration changed without `deno task gen` fails at start.
 *
 * @module
 */

import {
  APPENDED,
  type BoundField,
  type BoundReference,
  bySlot,
  FRAME_FIELD_KEYS,
  layoutFingerprint,
  READING_FIELDS,
  ROOT,
} from "./layout.ts";
import { rootJson } from "./codegen_json.ts";
import { enumValues, type Out, readLocals, sameField, tableName } from "./codegen_read.ts";
import { MOST_ENTRIES_OF } from "./limits.ts";

/** Where the generated file goes, beside flatc's output. */
export const GENERATED_PATH = new URL("./generated/readings_generated.ts", import.meta.url);

/** The module the generated code calls for the value rules, relative to it. */
const RUNTIME = "../wire_values.ts";

/** The module of the frame's caps, relative to the generated code. */
const LIMITS = "../limits.ts";

/** The statement adding `value` as `field` to the table being built; `offset` for references. */
function addField(field: BoundField, value: string, offset: string, out: Out): string {
  const { slot, shape } = field;
  const unlessNull = (then: string) => shape.optional ? `if (${value} !== null) ${then}` : then;
  switch (field.kind) {
    case "scalar":
      switch (shape.kind) {
        case "float":
          return unlessNull(`b.addFieldFloat32(${slot}, ${value}, 0);`);
        case "ulong":
          return unlessNull(`addUlong(b, ${slot}, ${value});`);
        case "uint":
          return unlessNull(`b.addFieldInt32(${slot}, ${value} >>> 0, 0);`);
        case "ushort":
          return unlessNull(`b.addFieldInt16(${slot}, toUshort(${value}), 0);`);
        case "int32": {
          const add = `b.addFieldInt32(${slot}, toInt32(${value}), 0);`;
          return shape.optional
            ? `if (${value} !== null && Number.isFinite(${value})) ${add}`
            : add;
        }
        case "bool":
          return `b.addFieldInt8(${slot}, ${value} ? 1 : 0, 0);`;
        case "enum": {
          const wire = `${enumValues(shape, out)}.indexOf(${value})`;
          return shape.optional
            ? `addEnum(b, ${slot}, ${wire});`
            : `b.addFieldInt8(${slot}, Math.max(0, ${wire}), 0);`;
        }
      }
      break;
    case "struct": {
      const lines = [`if (${value} !== null) {`, `  b.prep(${field.align}, ${field.size});`];
      let at = field.size;
      for (const m of [...field.members].sort((x, y) => y.offset - x.offset)) {
        const width = m.shape.kind === "ulong" ? 8 : 4;
        if (at - m.offset - width > 0) lines.push(`  b.pad(${at - m.offset - width});`);
        lines.push(`  ${width === 8 ? "writeUlong(b, " : "b.writeFloat32("}${value}.${m.key});`);
        at = m.offset;
      }
      return [...lines, `  b.addFieldStruct(${slot}, b.offset(), 0);`, "}"].join("\n");
    }
    default:
      return `if (${offset} !== 0) b.addFieldOffset(${slot}, ${offset}, 0);`;
  }
  throw new Error(`codegen: ${field.key} has no way to be written`);
}

/** The expression building what `field` points to (0 when absent); none for inline fields. */
function buildField(field: BoundField, value: string, type: string, out: Out): string | null {
  switch (field.kind) {
    case "string":
      return `b.createString(utf8(${value}))`;
    case "table":
      return `${value} === null ? 0 : ${
        tableWriter(field, `NonNullable<${type}>`, out)
      }(b, ${value}, utf8)`;
    case "scalars":
      return `${value}.length === 0 ? 0 : floatVector(b, ${value}, ${mostOf(field)})`;
    case "tables": {
      const element = tableWriter(field, `${type}[number]`, out);
      const most = mostOf(field);
      return `${value}.length === 0 ? 0 : tableVector(b, ${value}, ${most}, utf8, ${element}, scratch)`;
    }
    default:
      return null;
  }
}

/** The cap on the entries of the vector `field` (no reader accepts more): its name in `limits.ts`. */
function mostOf(field: BoundField): string {
  if (!(field.key in MOST_ENTRIES_OF)) {
    throw new Error(`codegen: the vector ${field.wire} has no cap in limits.ts`);
  }
  return `MOST_ENTRIES_OF.${field.key}`;
}

/** The function writing a table of `field`'s kind, written once; its name. */
function tableWriter(field: BoundReference, type: string, out: Out): string {
  const name = `write${tableName(field)}`;
  if (out.has(name)) return name;
  out.set(name, "");
  const fields = field.fields.filter(Boolean);
  if (fields.some((f) => f.kind === "tables")) {
    throw new Error(
      `codegen: ${tableName(field)} holds a vector of tables, which is not supported`,
    );
  }
  const lines = [`function ${name}(b: Builder, v: ${type}, utf8: Utf8): number {`];
  for (const f of fields) {
    const built = buildField(f, `v.${f.key}`, `${type}["${f.key}"]`, out);
    if (built !== null) lines.push(`  const ${f.key}_ = ${built};`);
  }
  lines.push(`  b.startObject(${field.fields.length});`);
  for (const f of fields) lines.push(`  ${addField(f, `v.${f.key}`, `${f.key}_`, out)}`);
  out.set(name, [...lines, "  return b.endObject();", "}"].join("\n"));
  return name;
}

/** The generated module's text. */
export function generateReadingsCode(): string {
  const out: Out = new Map();
  const references = APPENDED.filter((f) => buildField(f, "", "", new Map()) !== null);
  const build: string[] = [];
  const add: string[] = [];
  const same: string[] = [];
  for (const f of APPENDED) {
    const type = `Snapshot["${f.key}"]`;
    const offset = `offsets[${references.indexOf(f)}]`;
    const built = buildField(f, `s.${f.key}`, type, out);
    if (built !== null) build.push(`${offset} = ${built};`);
    add.push(...addField(f, `s.${f.key}`, offset, out).split("\n"));
    same.push(
      `${f.key}: (x: ${type}, y: ${type}): boolean => ${sameField(f, "x", "y", type, out)},`,
    );
  }
  const keys = READING_FIELDS.map((f) => `${f.key}: ${f.key}_`);
  const snapshotFields = bySlot(ROOT).filter((f) =>
    f.key === "timestamp" || !FRAME_FIELD_KEYS.includes(f.key)
  );
  const indent = (lines: string[]) => lines.map((l) => `  ${l}`);
  return [
    "// Generated by `deno task gen` (src/ipc/codegen.ts) from the declared readings",
    "// (src/metrics/catalog.ts) bound to the schema's layout. Do not modify.",
    "",
    'import type * as flatbuffers from "flatbuffers";',
    'import type { Snapshot } from "../../metrics/types.ts";',
    'import type { MomentumState } from "../../momentum/momentum.ts";',
    "import {",
    "  addEnum, addUlong, clamp, enumName, fieldAt, float32, floatVector, follow, readFloats, readList,",
    "  readString,",
    "  readUlong, readUlongWithin, tableVector, toInt32, toUshort, within, writeUlong,",
    `} from "${RUNTIME}";`,
    `import { MOST_ENTRIES_OF } from "${LIMITS}";`,
    "",
    "type Builder = flatbuffers.Builder;",
    "/** A decoded frame: the snapshot and the frame's own fields. */",
    "type Frame = Snapshot & {",
    "  readonly momentum: MomentumState;",
    "  readonly sequence: number;",
    "  readonly sentAtUs: number;",
    "  readonly startedAtUs: number;",
    "};",
    "type Utf8 = (text: string) => Uint8Array;",
    "",
    "/** The layout this file was written from. */",
    `export const LAYOUT_FINGERPRINT = "${layoutFingerprint()}";`,
    "",
    "/** How many offsets `buildAppended` fills. */",
    `export const APPENDED_OFFSETS = ${references.length};`,
    "",
    "/**",
    " * Build what the appended readings point to (vectors, strings, tables) before the root",
    " * starts, their offsets into `offsets`; `scratch` holds a vector's entries meanwhile.",
    " */",
    "export function buildAppended(",
    "  b: Builder,",
    "  s: Snapshot,",
    "  utf8: Utf8,",
    "  offsets: number[],",
    "  scratch: number[],",
    "): void {",
    ...indent(build),
    "}",
    "",
    "/** Add the appended readings to the root table being built, after the seed's fields. */",
    "export function addAppended(b: Builder, s: Snapshot, offsets: readonly number[]): void {",
    ...indent(add),
    "}",
    "",
    "/** Whether two values of each appended reading encode to the same bytes. */",
    "export const SAME_READING = {",
    ...indent(same),
    "};",
    "",
    "/** Whether two snapshots encode to the same bytes in every appended reading. */",
    "export function sameAppended(a: Snapshot, b: Snapshot): boolean {",
    `  return ${
      APPENDED.map((f) => sameField(f, `a.${f.key}`, `b.${f.key}`, `Snapshot["${f.key}"]`, out))
        .join(" &&\n    ")
    };`,
    "}",
    "",
    "/** Every declared reading of the verified frame whose root table is at `root`. */",
    "export function readReadings(",
    "  view: DataView,",
    "  bytes: Uint8Array,",
    "  root: number,",
    '): Omit<Snapshot, "timestamp"> {',
    ...indent(readLocals(READING_FIELDS, "Snapshot", "root", out)),
    `  return { ${keys.join(", ")} };`,
    "}",
    "",
    "/** A decoded frame in its JSON form: every schema field, in schema order. */",
    ...rootJson("frameJson", bySlot(ROOT), "Frame", out),
    "",
    "/** A snapshot in its JSON form: its fields, in schema order. */",
    ...rootJson("snapshotJson", snapshotFields, "Snapshot", out),
    "",
    ...[...out.values()].flatMap((code) => [code, ""]),
  ].join("\n");
}

if (import.meta.main) {
  await Deno.writeTextFile(GENERATED_PATH, generateReadingsCode());
  console.log(`wrote ${GENERATED_PATH.pathname.replace(Deno.cwd() + "/", "")}`);
}

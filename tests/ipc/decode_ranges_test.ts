/**
 * Values out of range in a frame from an untrusted sender: every number of every
 * declared field (readings and the frame's own) is overwritten in place with each kind
 * of bad value, and must decode as PROTOCOL.md says: absent when the field is optional,
 * else clamped to its declared range, NaN as 0, and never a number past 2^53 − 1.
 */
import assert from "node:assert/strict";
import { decodeAnimation, decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { frameToJson } from "../../src/ipc/json.ts";
import { type BoundField, bySlot, fieldPosition, ROOT } from "../../src/ipc/layout.ts";
import { type NumberShape, wireName } from "../../src/metrics/shape.ts";
import { bodyOf, MOMENTUM } from "../support/codec_fixtures.ts";
import { everyReading } from "../support/shapes.ts";

/** A number of a frame: where its bytes are, its shape, and the path to it in a decoded frame. */
interface Leaf {
  readonly path: (string | number)[];
  readonly shape: NumberShape;
  readonly at: number;
}

/** Every number of the frame in `view` with a declared shape, the first entry of each vector. */
function leaves(
  view: DataView,
  table: number,
  fields: readonly BoundField[],
  path: (string | number)[],
) {
  const out: Leaf[] = [];
  const follow = (at: number) => at + view.getUint32(at, true);
  for (const field of fields) {
    const at = fieldPosition(view, table, field.slot);
    if (at === 0) continue;
    const here = [...path, field.key];
    const shape = field.shape;
    if (field.kind === "scalar" && "range" in shape) out.push({ path: here, shape, at });
    if (field.kind === "struct") {
      for (const m of field.members) {
        out.push({ path: [...here, m.key], shape: m.shape, at: at + m.offset });
      }
    }
    if (field.kind === "table") out.push(...leaves(view, follow(at), field.fields, here));
    const start = follow(at);
    if (field.kind === "scalars" && shape.kind === "vector" && view.getUint32(start, true) > 0) {
      out.push({ path: [...here, 0], shape: shape.element as NumberShape, at: start + 4 });
    }
    if (field.kind === "tables" && view.getUint32(start, true) > 0) {
      out.push(...leaves(view, follow(start + 4), field.fields, [...here, 0]));
    }
  }
  return out;
}

/** Write `value` at the leaf as its kind is stored: a float32, an int32, or a ulong's bits. */
function write(view: DataView, leaf: Leaf, value: number | bigint): void {
  if (typeof value === "bigint") view.setBigUint64(leaf.at, value, true);
  else if (leaf.shape.kind === "float") view.setFloat32(leaf.at, value, true);
  else view.setInt32(leaf.at, value, true);
}

/** The rule, restated: in range as it is; out of range absent when optional, else clamped. */
function expected(shape: NumberShape, stored: number): number | null {
  const { min, max } = shape.range;
  if (stored >= min && stored <= max) return stored;
  if (shape.optional) return null;
  return Number.isNaN(stored) ? 0 : stored < min ? min : max;
}

function at(frame: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce((v, key) => (v as Record<string | number, unknown>)[key], frame);
}

/**
 * Each leaf of `kinds` overwritten with `bad` (alone, in a fresh frame), decoded; the
 * leaves checked, so a test fails when a kind of field is missing from the frame.
 */
function check(
  kinds: readonly NumberShape["kind"][],
  bad: number | bigint,
  stored: number,
): string[] {
  const wire = new FrameEncoder({ startedAtUs: 5 }).encode(everyReading(1), MOMENTUM, {
    sequence: 3,
    sentAtUs: 4,
  });
  const view = new DataView(wire.buffer, wire.byteOffset + 4, wire.length - 4);
  const all = leaves(view, view.getUint32(0, true), bySlot(ROOT), []);
  const chosen = all.filter((l) => kinds.includes(l.shape.kind));
  assert.ok(chosen.length > 0, `a frame has ${kinds.join(", ")} fields`);
  for (const leaf of chosen) {
    const body = bodyOf(wire).slice();
    write(new DataView(body.buffer), leaf, bad);
    const frame = decodeMetrics(body);
    const name = leaf.path.join(".");
    assert.deepEqual(at(frame, leaf.path), expected(leaf.shape, stored), name);
    const json = JSON.stringify(frameToJson(frame));
    assert.doesNotMatch(json, /\d{17}|e\+/, `${name}: no number past 2^53 in the JSON`);
  }
  return chosen.map((l) => l.path.join("."));
}

const FLOATS = ["float"] as const;

Deno.test("NaN in any float reads as absent when optional, else as 0", () => {
  const checked = check(FLOATS, NaN, NaN);
  for (
    const name of ["cpuUsage", "temperature", "gpuUsage", "momentum.intensity", "battery.percent"]
  ) {
    assert.ok(checked.includes(name), name);
  }
});

Deno.test("+Infinity in any float reads as absent when optional, else as the top of its range", () => {
  check(FLOATS, Infinity, Infinity);
});

Deno.test("-Infinity in any float reads as absent when optional, else as the bottom of its range", () => {
  check(FLOATS, -Infinity, -Infinity);
});

Deno.test("-1e30 in any float reads as absent when optional, else as the bottom of its range", () => {
  check(FLOATS, -1e30, Math.fround(-1e30));
});

Deno.test("1e30 in any float reads as absent when optional, else as the top of its range", () => {
  check(FLOATS, 1e30, Math.fround(1e30));
});

Deno.test("2^64 − 1 in any ulong reads as 2^53 − 1, the largest exact number", () => {
  const checked = check(["ulong"], 0xffff_ffff_ffff_ffffn, 2 ** 64);
  for (const name of ["memoryTotal", "swap.used", "network.sentBytes", "timestamp", "sequence"]) {
    assert.ok(checked.includes(name), name);
  }
  check(["ulong"], 2n ** 53n, 2 ** 53);
});

Deno.test("an int below its range (negative minutes) reads as absent", () => {
  assert.deepEqual(check(["int32"], -5, -5), ["battery.minutesRemaining"]);
  check(["int32"], -(2 ** 31), -(2 ** 31));
});

Deno.test("the animation path reads bad momentum values as the full decode does", () => {
  const wire = new FrameEncoder().encode(
    everyReading(1),
    { color: 1, intensity: NaN, rotationSpeed: Infinity },
    { sequence: 3, sentAtUs: 4 },
  );
  const body = bodyOf(wire);
  const animation = decodeAnimation(body);
  assert.deepEqual([animation.intensity, animation.rotationSpeed], [0, 100]);
  const { momentum } = decodeMetrics(body);
  assert.deepEqual(momentum, { color: 1, intensity: 0, rotationSpeed: 100 });
});

/** Every number's qualified name (`Table.field`, or the root field's) and its declared shape. */
function declaredNumbers(
  fields: readonly BoundField[],
  table: string | null,
): [string, NumberShape][] {
  const name = (wire: string) => table === null ? wire : `${table}.${wire}`;
  return fields.flatMap((f): [string, NumberShape][] => {
    const shape = f.shape;
    if (f.kind === "scalar" && "range" in shape) return [[name(f.wire), shape]];
    if (f.kind === "scalars" && shape.kind === "vector") {
      return [[name(f.wire), shape.element as NumberShape]];
    }
    if (f.kind === "struct" && shape.kind === "struct") {
      return f.members.map((m) => [`${shape.name}.${wireName(m.key)}`, m.shape]);
    }
    if ((f.kind === "table" || f.kind === "tables") && "fields" in f) {
      const record = (shape.kind === "vector" ? shape.element : shape) as { name: string };
      return declaredNumbers(f.fields, record.name);
    }
    return [];
  });
}

/** A number as PROTOCOL writes it: `2^53 − 1`, `6 553 500`, `−273.15`. */
function parseNumber(text: string): number {
  const power = /^(\d+)\^(\d+)(?: − (\d+))?$/.exec(text);
  if (power) return Number(power[1]) ** Number(power[2]) - Number(power[3] ?? 0);
  return Number(text.replace(/ /g, "").replace("−", "-"));
}

Deno.test("PROTOCOL.md's table of valid ranges states every declared range, and the optional fields", async () => {
  const protocol = await Deno.readTextFile(new URL("../../PROTOCOL.md", import.meta.url));
  const section = protocol.slice(
    protocol.indexOf("### Values out of range"),
    protocol.indexOf("### The CPU window"),
  );
  const documented = new Map<string, string>();
  for (const [, range, fields] of section.matchAll(/^\| ([^|]+?) +\| (.+?) +\|$/gm)) {
    if (!/\d/.test(range)) continue; // the header row
    const [min, max] = range.split(" – ").map(parseNumber);
    for (const [, field] of fields.matchAll(/`([^`]+)`/g)) documented.set(field, `${min} – ${max}`);
  }
  const declared = new Map<string, string>();
  const optional: string[] = [];
  for (const [name, shape] of declaredNumbers(bySlot(ROOT), null)) {
    if (shape.kind === "uint" || shape.kind === "ushort") continue; // every value valid
    declared.set(name, `${shape.range.min} – ${shape.range.max}`);
    if (shape.optional) optional.push(name);
  }
  assert.deepEqual(documented, declared);
  const absent = /^- an optional field \(([^)]+)\) reads as\s+\*\*absent\*\*/m.exec(section)?.[1];
  assert.deepEqual(
    [...(absent ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort(),
    optional.sort(),
  );
});

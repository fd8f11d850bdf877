/**
 * The committed vectors in tests/vectors/ are the contract other languages test
 * against: each must decode with our codec to exactly what flatc printed.
 */
import assert from "node:assert/strict";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { frameToJson } from "../../src/ipc/json.ts";
import { type BoundField, bySlot, ROOT } from "../../src/ipc/layout.ts";
import { VECTOR_CASES } from "../vectors/cases.ts";
import { flatcAvailable, runFlatc } from "../support/flatc.ts";
import { deepFreeze } from "../support/frozen.ts";

const dir = new URL("../vectors/", import.meta.url);
const schema = new URL("../../schemas/system_metrics.fbs", import.meta.url).pathname;

type Json = Record<string, unknown>;

/**
 * flatc's JSON of a table with what flatc leaves out filled in, from the schema's layout:
 * a field equal to its default (0, "", false, an enum's first name) and an absent optional
 * (null, or [] for a list); a present table or struct with its own defaults filled in.
 */
function normalise(flat: Json, fields: readonly BoundField[]): Json {
  const out: Json = {};
  for (const f of fields) {
    const value = flat[f.wire];
    const shape = f.shape;
    if (f.kind === "tables") {
      out[f.wire] = ((value ?? []) as Json[]).map((entry) => normalise(entry, f.fields));
    } else if (f.kind === "scalars") {
      out[f.wire] = value ?? [];
    } else if (f.kind === "table") {
      const present = value !== undefined || !shape.optional;
      out[f.wire] = present ? normalise((value ?? {}) as Json, f.fields) : null;
    } else if (value !== undefined) {
      out[f.wire] = value;
    } else if (shape.optional) {
      out[f.wire] = null;
    } else {
      out[f.wire] = f.kind === "scalar" && f.names.length > 0
        ? f.names[0]
        : shape.kind === "string"
        ? ""
        : shape.kind === "bool"
        ? false
        : 0;
    }
  }
  return out;
}

/** Compare ours (shortest float32 text) with flatc's (6–9 digits) by their float32 value. */
function assertSameJson(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number" && typeof actual === "number" && !Number.isInteger(expected)) {
    assert.equal(Math.fround(actual), Math.fround(expected), path);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), path);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertSameJson(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    const a = actual as Json;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const [k, v] of Object.entries(expected)) assertSameJson(a[k], v, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

for (const c of VECTOR_CASES) {
  const bin = Deno.readFileSync(new URL(`${c.name}.bin`, dir));
  const framed = Deno.readFileSync(new URL(`${c.name}.framed.bin`, dir));
  const expected = normalise(
    JSON.parse(Deno.readTextFileSync(new URL(`${c.name}.json`, dir))),
    bySlot(ROOT),
  );

  Deno.test(`vector ${c.name}: our codec decodes it to flatc's JSON`, () => {
    assertSameJson(frameToJson(decodeMetrics(bin)), expected, c.name);
  });

  Deno.test(`vector ${c.name}: the framed file is the BE length plus the same bytes`, () => {
    assert.equal(new DataView(framed.buffer).getUint32(0, false), bin.length);
    const [body] = new FrameDecoder().push(framed);
    assert.deepEqual(body, bin);
  });

  Deno.test(`vector ${c.name}: today's encoder still writes the committed bytes`, () => {
    const now = new FrameEncoder({ startedAtUs: c.startedAtUs })
      .encode(deepFreeze(c.snapshot), deepFreeze(c.momentum), {
        sequence: c.sequence,
        sentAtUs: c.sentAtUs,
      });
    assert.deepEqual(now, framed, "wire output changed: review, then `deno task vectors`");
  });

  Deno.test({
    name: `vector ${c.name}: flatc decodes it to the committed JSON`,
    ignore: !flatcAvailable(),
    async fn() {
      const out = await Deno.makeTempDir();
      try {
        const copy = `${out}/${c.name}.bin`;
        await Deno.writeFile(copy, bin);
        await runFlatc(["--json", "--raw-binary", "--strict-json", "-o", out, schema, "--", copy]);
        const fromFlatc = JSON.parse(await Deno.readTextFile(`${out}/${c.name}.json`));
        assert.deepEqual(normalise(fromFlatc, bySlot(ROOT)), expected);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}

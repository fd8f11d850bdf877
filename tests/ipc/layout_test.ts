/**
 * The layout bound from the declarations agrees with the generated code: flatc's own
 * reader reads every declared field where our decoder does, every field of the schema
 * is declared, a mismatch fails at load with one line, and the encoder puts every seed
 * scalar on the wire. The field lists come from the declarations, not from this file.
 */
import assert from "node:assert/strict";
import * as flatbuffers from "flatbuffers";
import * as generated from "../../src/ipc/generated/system_metrics_generated.ts";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { bindTable } from "../../src/ipc/bind.ts";
import {
  APPENDED,
  type BoundField,
  bySlot,
  fieldPosition,
  READING_FIELDS,
  ROOT,
} from "../../src/ipc/layout.ts";
import { READINGS } from "../../src/metrics/catalog.ts";
import { float, type RecordShape, type Shape, ushort } from "../../src/metrics/shape.ts";
import type { Snapshot } from "../../src/metrics/types.ts";
import { NO_EXTENDED_READINGS } from "../../src/metrics/types.ts";
import { bodyOf as body, MOMENTUM as momentum } from "../support/codec_fixtures.ts";
import { deepFreeze } from "../support/frozen.ts";
import { everyReading, zeroValue } from "../support/shapes.ts";

// deno-lint-ignore no-explicit-any
type Accessor = any;

/** `field` of the generated reader `table`, as a plain value (enums by their declared names). */
function viaFlatc(table: Accessor, field: BoundField): unknown {
  const getter = field.key in table ? field.key : `${field.key}_`; // flatc renames `interface`
  const shape = field.shape;
  const plain = (value: unknown, s: Shape): unknown =>
    typeof value === "bigint"
      ? Number(value)
      : s.kind === "enum" && value !== null
      ? s.values[value as number]
      : value;
  switch (field.kind) {
    case "scalar":
    case "string":
      return plain(table[getter](), shape);
    case "struct": {
      const struct = table[getter]();
      return struct === null ? null : Object.fromEntries(
        field.members.map((m) => [m.key, plain(struct[m.key](), m.shape)]),
      );
    }
    case "table": {
      const inner = table[getter]();
      return inner === null ? null : record(inner, field.fields);
    }
    case "scalars":
    case "tables":
      return Array.from({ length: table[`${getter}Length`]() }, (_, i) => {
        const entry = table[getter](i);
        return field.kind === "scalars" ? entry : record(entry, field.fields);
      });
  }
}

function record(table: Accessor, fields: readonly BoundField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.key, viaFlatc(table, f)]));
}

Deno.test("flatc's generated reader reads every declared reading where our decoder does", () => {
  for (const snapshot of [everyReading(1), everyReading(7)]) {
    const b = body(new FrameEncoder().encode(deepFreeze(snapshot), momentum, {
      sequence: 2 ** 40 + 7,
      sentAtUs: 1764183600124567,
    }));
    const root = generated.Opta_Metrics_SystemMetrics.getRootAsSystemMetrics(
      new flatbuffers.ByteBuffer(b),
    );
    const decoded = decodeMetrics(b);
    const m = root.momentum()!;
    assert.deepEqual(
      { intensity: m.intensity(), color: m.color(), rotationSpeed: m.rotationSpeed() },
      decoded.momentum,
    );
    for (const field of bySlot(ROOT).filter((f) => f.key !== "momentum")) {
      const ours = (decoded as unknown as Record<string, unknown>)[field.key];
      assert.deepEqual(viaFlatc(root, field), ours, field.key);
    }
  }
});

Deno.test("every field of every table is declared once, slots 0 … n − 1, as the schema has them", () => {
  const walk = (fields: readonly BoundField[], table: string) => {
    const adders = Object.getOwnPropertyNames(
      (generated as Record<string, unknown>)[`Opta_Metrics_${table}`],
    ).filter((n) => /^add[A-Z]/.test(n));
    assert.deepEqual(fields.map((f) => f.slot), [...adders.keys()], table);
    for (const f of fields) {
      const shape = f.shape.kind === "vector" ? f.shape.element : f.shape;
      if (f.kind === "table" || f.kind === "tables") walk(f.fields, (shape as RecordShape).name);
    }
  };
  walk(bySlot(ROOT), "SystemMetrics");
  assert.deepEqual(
    READING_FIELDS.map((f) => f.key).sort(),
    Object.keys(READINGS).sort(),
    "every declared reading is a root field",
  );
});

Deno.test("a declaration and a schema that disagree fail at load with one line naming the field", () => {
  const network = READINGS.network.shape as RecordShape;
  const { sentBytes: _, ...withoutSent } = network.fields;
  const cases: [Readonly<Record<string, Shape>>, RegExp][] = [
    [withoutSent, /layout: Network\.sent_bytes is in the schema but not declared$/],
    [{ ...network.fields, uptime: float() }, /layout: Network\.uptime is declared but not/],
    [{ ...network.fields, sentBytes: float() }, /layout: Network\.sent_bytes is a float, the/],
    [
      { ...network.fields, receiveBytesPerSecond: ushort() },
      /receive_bytes_per_second is a ushort/,
    ],
  ];
  for (const [fields, message] of cases) {
    assert.throws(() => bindTable({ ...network, fields }), message);
  }
  assert.throws(
    () => bindTable({ ...network, name: "Uptime" }),
    /layout: the generated code has no Uptime$/,
  );
});

Deno.test("every seed scalar of the root table is on the wire, even when 0 (only temperature may be absent)", () => {
  const zeros: Snapshot = deepFreeze({
    ...NO_EXTENDED_READINGS,
    cpuUsage: 0,
    memoryUsage: 0,
    memoryTotal: 0,
    diskUsage: 0,
    temperature: null,
    timestamp: 0,
    topProcesses: [],
  });
  const b = body(new FrameEncoder().encode(zeros, momentum, { sequence: 0, sentAtUs: 0 }));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const root = view.getUint32(0, true);
  const absent = bySlot(ROOT).filter((field) => fieldPosition(view, root, field.slot) === 0);
  assert.deepEqual(
    absent.map((f) => f.key),
    ["temperature", ...APPENDED.map((f) => f.key)],
  );
});

Deno.test("appended readings of 0 are on the wire, not mistaken for absent", () => {
  const zeros = deepFreeze({
    ...everyReading(),
    ...Object.fromEntries(APPENDED.map((f) => [f.key, zeroValue(f.shape)])),
  }) as Snapshot;
  const b = body(new FrameEncoder().encode(zeros, momentum, { sequence: 0, sentAtUs: 0 }));
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const root = view.getUint32(0, true);
  const present = (at: number, fields: readonly BoundField[], where: string) => {
    for (const field of fields) {
      assert.ok(fieldPosition(view, at, field.slot) > 0, `${where}${field.key} is present`);
    }
  };
  present(root, bySlot(ROOT), "");
  for (const field of APPENDED) {
    if (field.kind !== "table") continue;
    const link = fieldPosition(view, root, field.slot);
    present(link + view.getUint32(link, true), field.fields, `${field.key}.`);
  }
  const { momentum: _m, sequence: _s, sentAtUs: _t, startedAtUs: _r, ...decoded } = decodeMetrics(
    b,
  );
  assert.deepEqual(decoded, zeros);
});

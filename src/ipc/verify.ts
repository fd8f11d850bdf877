/**
 * A structural verifier for `SystemMetrics` buffers. The FlatBuffers JS runtime
 * reads whatever offsets it finds; this checks, before any field is read, that
 * every table, vtable, vector and string the schema can reach lies inside the
 * buffer, so malformed bytes give a clear error instead of garbage values.
 *
 * @module
 */

/** What one schema field occupies inside its table. */
type Field =
  | { kind: "scalar"; size: 1 | 4 | 8 }
  | { kind: "string" }
  | { kind: "table"; fields: readonly Field[] }
  | { kind: "tables"; fields: readonly Field[] };

const f32: Field = { kind: "scalar", size: 4 };
const u32: Field = f32;
const u64: Field = { kind: "scalar", size: 8 };
const i8: Field = { kind: "scalar", size: 1 };

const PROCESS_INFO: readonly Field[] = [u32, { kind: "string" }, f32, f32];
const MOMENTUM_STATE: readonly Field[] = [f32, i8, f32];

/** The fields of `SystemMetrics` in slot order, as in schemas/system_metrics.fbs. */
const SYSTEM_METRICS: readonly Field[] = [
  f32, // cpu_usage
  f32, // memory_usage
  u64, // memory_total
  f32, // disk_usage
  f32, // temperature
  u64, // timestamp
  { kind: "tables", fields: PROCESS_INFO }, // top_processes
  { kind: "table", fields: MOMENTUM_STATE }, // momentum
  u64, // sequence
  u64, // sent_at_us
  u64, // started_at_us
];

/** Just the root fields a UI animation reads: the momentum table and the scalars. */
const ANIMATION_ONLY: readonly Field[] = SYSTEM_METRICS.map((f) =>
  f.kind === "tables" ? u32 /* only its 4-byte slot is checked */ : f
);

/** Returns null when `body` is a well-formed SystemMetrics buffer, else what is wrong. */
export function verifySystemMetrics(body: Uint8Array, animationOnly = false): string | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  try {
    if (body.length < 8) return `buffer of ${body.length} bytes is too short`;
    const root = view.getUint32(0, true);
    return table(view, root, animationOnly ? ANIMATION_ONLY : SYSTEM_METRICS, "root");
  } catch (error) {
    if (error instanceof RangeError) return "an offset points outside the buffer";
    throw error;
  }
}

function inside(view: DataView, at: number, size: number): boolean {
  return at >= 0 && at + size <= view.byteLength;
}

function table(view: DataView, at: number, fields: readonly Field[], where: string): string | null {
  if (!inside(view, at, 4)) return `${where} table at ${at} lies outside the buffer`;
  const vtable = at - view.getInt32(at, true);
  if (!inside(view, vtable, 4)) return `${where} vtable at ${vtable} lies outside the buffer`;
  const vtableSize = view.getUint16(vtable, true);
  const tableSize = view.getUint16(vtable + 2, true);
  if (vtableSize < 4 || vtableSize % 2 !== 0 || !inside(view, vtable, vtableSize)) {
    return `${where} vtable size ${vtableSize} is invalid`;
  }
  if (tableSize < 4 || !inside(view, at, tableSize)) {
    return `${where} table size ${tableSize} is invalid`;
  }
  for (let i = 0; i < fields.length && 4 + 2 * i < vtableSize; i++) {
    const offset = view.getUint16(vtable + 4 + 2 * i, true);
    if (offset === 0) continue; // absent: default value
    const field = fields[i];
    const size = field.kind === "scalar" ? field.size : 4;
    if (offset + size > tableSize) return `${where} field ${i} lies outside its table`;
    if (field.kind === "scalar") continue;
    const target = at + offset + view.getUint32(at + offset, true);
    const problem = field.kind === "string"
      ? string(view, target, `${where} field ${i}`)
      : field.kind === "table"
      ? table(view, target, field.fields, `${where} field ${i}`)
      : tables(view, target, field.fields, `${where} field ${i}`);
    if (problem) return problem;
  }
  return null;
}

function tables(
  view: DataView,
  at: number,
  fields: readonly Field[],
  where: string,
): string | null {
  if (!inside(view, at, 4)) return `${where} vector lies outside the buffer`;
  const count = view.getUint32(at, true);
  if (!inside(view, at + 4, count * 4)) {
    return `${where} vector of ${count} entries overruns the buffer`;
  }
  for (let i = 0; i < count; i++) {
    const slot = at + 4 + 4 * i;
    const problem = table(view, slot + view.getUint32(slot, true), fields, `${where}[${i}]`);
    if (problem) return problem;
  }
  return null;
}

function string(view: DataView, at: number, where: string): string | null {
  if (!inside(view, at, 4)) return `${where} string lies outside the buffer`;
  const length = view.getUint32(at, true);
  if (!inside(view, at + 4, length + 1)) {
    return `${where} string of ${length} bytes overruns the buffer`;
  }
  return null;
}

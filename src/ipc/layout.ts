/**
 * Where each schema field sits in its table, read from the generated code at
 * module load: every generated adder is called once on a recorder that notes the
 * vtable slot and the size it writes. The verifier and the encoder's patch path
 * both use these tables, so a field added or moved in the schema reaches them
 * through `deno task gen` alone.
 *
 * @example
 * ```ts
 * import { ROOT } from "./layout.ts";
 * ROOT.sequence; // { kind: "scalar", slot: 8, size: 8 }
 * ```
 *
 * @module
 */

import type * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_MomentumState as MomentumTable,
  Opta_Metrics_ProcessInfo as ProcessTable,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "./generated/system_metrics_generated.ts";

/** A scalar field: its vtable slot and its width in bytes. */
export interface ScalarField {
  /** Always `"scalar"`. */
  readonly kind: "scalar";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes it occupies inside the table. */
  readonly size: 1 | 4 | 8;
}

/** A field holding a 4-byte offset to a string, a table or a vector of tables. */
export interface ReferenceField {
  /** What the offset points to. */
  readonly kind: "string" | "table" | "tables";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** The fields of the table (or of each table of the vector) pointed to; empty for a string. */
  readonly fields: readonly Field[];
}

/** One field of a table. */
export type Field = ScalarField | ReferenceField;

/** The slot and size one generated adder writes, by calling it on a recorder. */
function record(add: (builder: flatbuffers.Builder) => void): { slot: number; size: number } {
  let written: { slot: number; size: number } | undefined;
  const note = (size: number) => (slot: number) => (written = { slot, size });
  const recorder = {
    addFieldInt8: note(1),
    addFieldInt32: note(4),
    addFieldFloat32: note(4),
    addFieldInt64: note(8),
    addFieldOffset: note(0), // 0 marks a reference: its kind is stated by the caller
  };
  add(recorder as unknown as flatbuffers.Builder);
  if (written === undefined) throw new Error("layout: a generated adder wrote no field");
  return written;
}

function scalar(add: (builder: flatbuffers.Builder) => void): ScalarField {
  const { slot, size } = record(add);
  if (size === 0) throw new Error(`layout: slot ${slot} is a reference, not a scalar`);
  return { kind: "scalar", slot, size: size as ScalarField["size"] };
}

function reference(
  kind: ReferenceField["kind"],
  add: (builder: flatbuffers.Builder) => void,
  table: Readonly<Record<string, Field>> = {},
): ReferenceField {
  const { slot, size } = record(add);
  if (size !== 0) throw new Error(`layout: slot ${slot} is a scalar, not a reference`);
  return { kind, slot, fields: bySlot(table) };
}

/** The fields of a table as an array indexed by slot (a hole for a slot not listed). */
export function bySlot(table: Readonly<Record<string, Field>>): readonly Field[] {
  const fields: Field[] = [];
  for (const field of Object.values(table)) fields[field.slot] = field;
  return Object.freeze(fields);
}

/** `ProcessInfo`. */
export const PROCESS_INFO = Object.freeze({
  pid: scalar((b) => ProcessTable.addPid(b, 0)),
  name: reference("string", (b) => ProcessTable.addName(b, 0)),
  cpuPercent: scalar((b) => ProcessTable.addCpuPercent(b, 0)),
  memoryMb: scalar((b) => ProcessTable.addMemoryMb(b, 0)),
});

/** `MomentumState`. */
export const MOMENTUM_STATE = Object.freeze({
  intensity: scalar((b) => MomentumTable.addIntensity(b, 0)),
  color: scalar((b) => MomentumTable.addColor(b, 0)),
  rotationSpeed: scalar((b) => MomentumTable.addRotationSpeed(b, 0)),
});

/** `SystemMetrics`, the root table. */
export const ROOT = Object.freeze({
  cpuUsage: scalar((b) => MetricsTable.addCpuUsage(b, 0)),
  memoryUsage: scalar((b) => MetricsTable.addMemoryUsage(b, 0)),
  memoryTotal: scalar((b) => MetricsTable.addMemoryTotal(b, 0n)),
  diskUsage: scalar((b) => MetricsTable.addDiskUsage(b, 0)),
  temperature: scalar((b) => MetricsTable.addTemperature(b, 0)),
  timestamp: scalar((b) => MetricsTable.addTimestamp(b, 0n)),
  topProcesses: reference("tables", (b) => MetricsTable.addTopProcesses(b, 0), PROCESS_INFO),
  momentum: reference("table", (b) => MetricsTable.addMomentum(b, 0), MOMENTUM_STATE),
  sequence: scalar((b) => MetricsTable.addSequence(b, 0n)),
  sentAtUs: scalar((b) => MetricsTable.addSentAtUs(b, 0n)),
  startedAtUs: scalar((b) => MetricsTable.addStartedAtUs(b, 0n)),
});

/**
 * Byte position in `view` of the field in `slot` of the table at `table`, or 0
 * when the table does not carry it. Trusts the bytes: for a buffer this process
 * built, not for one it received (verify that first).
 */
export function fieldPosition(view: DataView, table: number, slot: number): number {
  const vtable = table - view.getInt32(table, true);
  if (4 + 2 * slot >= view.getUint16(vtable, true)) return 0;
  const offset = view.getUint16(vtable + 4 + 2 * slot, true);
  return offset === 0 ? 0 : table + offset;
}

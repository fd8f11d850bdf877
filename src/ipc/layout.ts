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
  Opta_Metrics_Battery as BatteryTable,
  Opta_Metrics_CoreLevel as CoreLevelTable,
  Opta_Metrics_DiskIo as DiskIoTable,
  Opta_Metrics_LoadAverage as LoadAverageStruct,
  Opta_Metrics_MomentumState as MomentumTable,
  Opta_Metrics_Network as NetworkTable,
  Opta_Metrics_ProcessInfo as ProcessTable,
  Opta_Metrics_Swap as SwapStruct,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "./generated/system_metrics_generated.ts";

/** A scalar field: its vtable slot and its width in bytes. */
export interface ScalarField {
  /** Always `"scalar"`. */
  readonly kind: "scalar";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes it occupies inside the table. */
  readonly size: 1 | 2 | 4 | 8;
}

/** A struct stored inline in its table: its vtable slot and its size in bytes. */
export interface StructField {
  /** Always `"struct"`. */
  readonly kind: "struct";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes it occupies inside the table (the generated `sizeOf()`). */
  readonly size: number;
}

/** A field holding a 4-byte offset to a vector of scalars. */
export interface ScalarsField {
  /** Always `"scalars"`. */
  readonly kind: "scalars";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes of one element. */
  readonly size: 1 | 2 | 4 | 8;
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
export type Field = ScalarField | StructField | ScalarsField | ReferenceField;

/** The slot and size one generated adder writes, by calling it on a recorder. */
function record(add: (builder: flatbuffers.Builder) => void): { slot: number; size: number } {
  let written: { slot: number; size: number } | undefined;
  const note = (size: number) => (slot: number) => (written = { slot, size });
  const recorder = {
    addFieldInt8: note(1),
    addFieldInt16: note(2),
    addFieldInt32: note(4),
    addFieldFloat32: note(4),
    addFieldInt64: note(8),
    addFieldOffset: note(0), // 0 marks a reference: its kind is stated by the caller
    addFieldStruct: note(-1), // -1 marks an inline struct: its size is stated by the caller
  };
  add(recorder as unknown as flatbuffers.Builder);
  if (written === undefined) throw new Error("layout: a generated adder wrote no field");
  return written;
}

function scalar(add: (builder: flatbuffers.Builder) => void): ScalarField {
  const { slot, size } = record(add);
  if (size <= 0) throw new Error(`layout: slot ${slot} is not a scalar`);
  return { kind: "scalar", slot, size: size as ScalarField["size"] };
}

function struct(add: (builder: flatbuffers.Builder) => void, size: number): StructField {
  const recorded = record(add);
  if (recorded.size !== -1) throw new Error(`layout: slot ${recorded.slot} is not a struct`);
  return { kind: "struct", slot: recorded.slot, size };
}

function scalars(add: (builder: flatbuffers.Builder) => void, size: ScalarsField["size"]) {
  const recorded = record(add);
  if (recorded.size !== 0) throw new Error(`layout: slot ${recorded.slot} is not a reference`);
  return { kind: "scalars", slot: recorded.slot, size } as const satisfies ScalarsField;
}

function reference(
  kind: ReferenceField["kind"],
  add: (builder: flatbuffers.Builder) => void,
  table: Readonly<Record<string, Field>> = {},
): ReferenceField {
  const { slot, size } = record(add);
  if (size !== 0) throw new Error(`layout: slot ${slot} is not a reference`);
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

/** `CoreLevel`. */
export const CORE_LEVEL = Object.freeze({
  name: reference("string", (b) => CoreLevelTable.addName(b, 0)),
  firstCore: scalar((b) => CoreLevelTable.addFirstCore(b, 0)),
  cores: scalar((b) => CoreLevelTable.addCores(b, 0)),
});

/** `Network`. */
export const NETWORK = Object.freeze({
  interface: reference("string", (b) => NetworkTable.addInterface(b, 0)),
  receiveBytesPerSecond: scalar((b) => NetworkTable.addReceiveBytesPerSecond(b, 0)),
  sendBytesPerSecond: scalar((b) => NetworkTable.addSendBytesPerSecond(b, 0)),
  receivedBytes: scalar((b) => NetworkTable.addReceivedBytes(b, 0n)),
  sentBytes: scalar((b) => NetworkTable.addSentBytes(b, 0n)),
});

/** `DiskIo`. */
export const DISK_IO = Object.freeze({
  readBytesPerSecond: scalar((b) => DiskIoTable.addReadBytesPerSecond(b, 0)),
  writeBytesPerSecond: scalar((b) => DiskIoTable.addWriteBytesPerSecond(b, 0)),
  readBytes: scalar((b) => DiskIoTable.addReadBytes(b, 0n)),
  writtenBytes: scalar((b) => DiskIoTable.addWrittenBytes(b, 0n)),
});

/** `Battery`. */
export const BATTERY = Object.freeze({
  percent: scalar((b) => BatteryTable.addPercent(b, 0)),
  state: scalar((b) => BatteryTable.addState(b, 0)),
  onAc: scalar((b) => BatteryTable.addOnAc(b, false)),
  minutesRemaining: scalar((b) => BatteryTable.addMinutesRemaining(b, 0)),
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
  cpuCores: scalars((b) => MetricsTable.addCpuCores(b, 0), 4),
  cpuCoreLevels: reference("tables", (b) => MetricsTable.addCpuCoreLevels(b, 0), CORE_LEVEL),
  loadAverage: struct((b) => MetricsTable.addLoadAverage(b, 0), LoadAverageStruct.sizeOf()),
  swap: struct((b) => MetricsTable.addSwap(b, 0), SwapStruct.sizeOf()),
  memoryPressure: scalar((b) => MetricsTable.addMemoryPressure(b, 0)),
  network: reference("table", (b) => MetricsTable.addNetwork(b, 0), NETWORK),
  diskIo: reference("table", (b) => MetricsTable.addDiskIo(b, 0), DISK_IO),
  battery: reference("table", (b) => MetricsTable.addBattery(b, 0), BATTERY),
  gpuUsage: scalar((b) => MetricsTable.addGpuUsage(b, 0)),
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

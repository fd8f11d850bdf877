/**
 * Frames a hostile server could send, built with the generated builder: vectors
 * whose offsets alias one table, tables that share one string, strings and
 * vectors past the limits. Our encoder never writes these; a reader must refuse
 * them or decode them at a bounded cost.
 *
 * @module
 */

import * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_CoreLevel as CoreLevelTable,
  Opta_Metrics_Network as NetworkTable,
  Opta_Metrics_ProcessInfo as ProcessTable,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "../../src/ipc/generated/system_metrics_generated.ts";
import { FILE_IDENTIFIER } from "../../src/ipc/codec.ts";

/** What to put in a hostile frame. */
export interface HostileSpec {
  /** Byte lengths of the strings, each written once ('a' repeated). */
  names: readonly number[];
  /** `top_processes`: one entry per item, naming `names[item]` (the same index shares a string). */
  processes: readonly number[];
  /** When true every `top_processes` offset points at the first entry's table. */
  shareProcessTable?: boolean;
  /** `cpu_core_levels`, as `processes`. */
  levels?: readonly number[];
  /** When true every `cpu_core_levels` offset points at the first entry's table. */
  shareLevelTable?: boolean;
  /** Entries of `cpu_cores`. */
  cores?: number;
  /** `network.interface` as an index into `names`; no network when absent. */
  interfaceName?: number;
}

/** Offsets to `count` entries built by `make`: all of them the first one's when `share`. */
function entries(
  b: flatbuffers.Builder,
  items: readonly number[],
  share: boolean,
  make: (item: number) => flatbuffers.Offset,
): flatbuffers.Offset {
  const first = items.length > 0 ? make(items[0]) : 0;
  const offsets = items.map((item, i) => i === 0 || share ? first : make(item));
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/** A bare `SystemMetrics` body (no length prefix) as `spec` says. */
export function hostileFrame(spec: HostileSpec): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const strings = spec.names.map((length) => b.createString(new Uint8Array(length).fill(0x61)));
  const processes = entries(
    b,
    spec.processes,
    spec.shareProcessTable ?? false,
    (name) => ProcessTable.createProcessInfo(b, 1, strings[name], 50, 10),
  );
  const levels = entries(
    b,
    spec.levels ?? [],
    spec.shareLevelTable ?? false,
    (name) => CoreLevelTable.createCoreLevel(b, strings[name], 0, 1),
  );
  const cores = spec.cores ?? 0;
  b.startVector(4, cores, 4);
  for (let i = 0; i < cores; i++) b.addFloat32(50);
  const coreVector = b.endVector();
  const network = spec.interfaceName === undefined
    ? 0
    : NetworkTable.createNetwork(b, strings[spec.interfaceName], 1, 2, 3n, 4n);
  MetricsTable.startSystemMetrics(b);
  MetricsTable.addCpuUsage(b, 12.5);
  MetricsTable.addTopProcesses(b, processes);
  MetricsTable.addCpuCores(b, coreVector);
  MetricsTable.addCpuCoreLevels(b, levels);
  if (network !== 0) MetricsTable.addNetwork(b, network);
  MetricsTable.addSequence(b, 1n);
  b.finish(MetricsTable.endSystemMetrics(b), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/**
 * The alias bomb: a vector of 80,000 offsets to one table whose name is
 * a 700 kB string, under 1 MiB on the wire, gigabytes once decoded naively.
 */
export function aliasBomb(
  vector: "top_processes" | "cpu_core_levels",
  count = 80_000,
  nameBytes = 700_000,
): Uint8Array {
  const aliases = new Array<number>(count).fill(0);
  return vector === "top_processes"
    ? hostileFrame({ names: [nameBytes], processes: aliases, shareProcessTable: true })
    : hostileFrame({ names: [nameBytes], processes: [], levels: aliases, shareLevelTable: true });
}

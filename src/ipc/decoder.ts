/**
 * The decoder: framed-off FlatBuffer bytes in, after a structural check, a plain
 * typed {@linkcode MetricsFrame} out; or only the animation fields, for a UI.
 *
 * @example
 * ```ts
 * import { decodeAnimation } from "./decoder.ts";
 * import { FrameEncoder } from "./encoder.ts";
 * import { initialMomentum } from "../momentum/momentum.ts";
 * import { NO_EXTENDED_READINGS } from "../metrics/types.ts";
 * const snapshot = {
 *   ...NO_EXTENDED_READINGS,
 *   cpuUsage: 12.5, memoryUsage: 40, memoryTotal: 17179869184, diskUsage: 61,
 *   temperature: null, timestamp: Date.now(), topProcesses: [],
 * };
 * const wire = new FrameEncoder().encode(snapshot, initialMomentum(), {
 *   sequence: 1,
 *   sentAtUs: Date.now() * 1000,
 * });
 * decodeAnimation(wire.subarray(4)).sequence; // 1
 * ```
 *
 * @module
 */

import * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_ProcessInfo as ProcessTable,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "./generated/system_metrics_generated.ts";
import { verifySystemMetrics } from "./verify.ts";
import { BATTERY_STATE_BY_WIRE, PRESSURE_BY_WIRE } from "./extended.ts";
import type { CoreLevel, ExtendedReadings, ProcessSample, Snapshot } from "../metrics/types.ts";
import type { MomentumColor, MomentumState } from "../momentum/momentum.ts";

/** The schema's `file_identifier`: bytes 4–7 of every frame body. */
export const FILE_IDENTIFIER = "OPTM";

/** A decoded frame: the snapshot, the momentum it carried and the stream bookkeeping. */
export interface MetricsFrame extends Snapshot {
  /** Animation state of this frame. */
  momentum: MomentumState;
  /** Frame counter: 1 for the first frame of a daemon run, +1 per published frame. */
  sequence: number;
  /** Microseconds since the Unix epoch when the frame was encoded. */
  sentAtUs: number;
  /**
   * Microseconds since the Unix epoch when the daemon run started: the run id, the
   * same in every frame of one run (0 from a daemon that does not stamp it).
   */
  startedAtUs: number;
}

/** The fields a UI animation needs, read without decoding the rest. */
export interface AnimationFields {
  /** Momentum colour. */
  color: MomentumColor;
  /** Eased intensity, 0–1. */
  intensity: number;
  /** Eased rotation speed, turns per second. */
  rotationSpeed: number;
  /** Frame counter, to notice missed frames. */
  sequence: number;
  /** The daemon run's id, to tell a restart from missed frames. */
  startedAtUs: number;
}

/** Bytes that are not a decodable opta-metrics FlatBuffer. */
export class DecodeError extends Error {
  /** Creates a DecodeError with a message for people. */
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** The root table of `body`, once it passed the identifier and structure checks. */
function rootOf(body: Uint8Array, animationOnly = false): MetricsTable {
  if (body.length < 8) {
    throw new DecodeError(`buffer of ${body.length} bytes is too short for a FlatBuffer`);
  }
  const bb = new flatbuffers.ByteBuffer(body);
  if (!MetricsTable.bufferHasIdentifier(bb)) {
    const found = new TextDecoder().decode(body.subarray(4, 8));
    throw new DecodeError(
      `not an opta-metrics frame: file identifier is ${JSON.stringify(found)}, ` +
        `expected "${FILE_IDENTIFIER}"`,
    );
  }
  const problem = verifySystemMetrics(body, animationOnly);
  if (problem) throw new DecodeError(`malformed frame: ${problem}`);
  return MetricsTable.getRootAsSystemMetrics(bb);
}

/** Run a read that may walk off the end of malformed bytes, turning its failure into a DecodeError. */
function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed frame: ${(error as Error).message}`);
  }
}

/** Decode a bare FlatBuffer body (no length prefix) into a plain object. */
export function decodeMetrics(body: Uint8Array): MetricsFrame {
  return guarded(() => {
    const root = rootOf(body);
    const topProcesses: ProcessSample[] = [];
    const count = root.topProcessesLength();
    const entry = new ProcessTable();
    for (let i = 0; i < count; i++) {
      const p = root.topProcesses(i, entry)!;
      topProcesses.push({
        pid: p.pid(),
        name: p.name() ?? "",
        cpuPercent: p.cpuPercent(),
        memoryMb: p.memoryMb(),
      });
    }
    const m = root.momentum();
    return {
      cpuUsage: root.cpuUsage(),
      memoryUsage: root.memoryUsage(),
      memoryTotal: Number(root.memoryTotal()),
      diskUsage: root.diskUsage(),
      temperature: root.temperature(),
      timestamp: Number(root.timestamp()),
      topProcesses,
      momentum: {
        intensity: m?.intensity() ?? 0,
        color: (m?.color() ?? 0) as MomentumColor,
        rotationSpeed: m?.rotationSpeed() ?? 0,
      },
      sequence: Number(root.sequence()),
      sentAtUs: Number(root.sentAtUs()),
      startedAtUs: Number(root.startedAtUs()),
      ...readExtended(root),
    };
  });
}

/** Read only the animation fields of a bare FlatBuffer body: the cheap path for a UI. */
export function decodeAnimation(body: Uint8Array): AnimationFields {
  return guarded(() => {
    const root = rootOf(body, true);
    const m = root.momentum();
    return {
      color: (m?.color() ?? 0) as MomentumColor,
      intensity: m?.intensity() ?? 0,
      rotationSpeed: m?.rotationSpeed() ?? 0,
      sequence: Number(root.sequence()),
      startedAtUs: Number(root.startedAtUs()),
    };
  });
}

/** The appended fields of a verified root table; absent ones as null or []. */
function readExtended(root: MetricsTable): ExtendedReadings {
  // One element at a time: the generated `cpuCoresArray()` views the buffer as a
  // Float32Array, which throws when a frame body starts at an unaligned offset.
  const cpuCores: number[] = [];
  const coreCount = root.cpuCoresLength();
  for (let i = 0; i < coreCount; i++) cpuCores.push(root.cpuCores(i)!);
  const cpuCoreLevels: CoreLevel[] = [];
  const levelCount = root.cpuCoreLevelsLength();
  for (let i = 0; i < levelCount; i++) {
    const level = root.cpuCoreLevels(i)!;
    cpuCoreLevels.push({
      name: level.name() ?? "",
      firstCore: level.firstCore(),
      cores: level.cores(),
    });
  }
  const load = root.loadAverage();
  const swap = root.swap();
  const pressure = root.memoryPressure();
  const n = root.network();
  const d = root.diskIo();
  const battery = root.battery();
  return {
    cpuCores,
    cpuCoreLevels,
    loadAverage: load === null
      ? null
      : { one: load.one(), five: load.five(), fifteen: load.fifteen() },
    swap: swap === null ? null : { used: Number(swap.used()), total: Number(swap.total()) },
    // A level a newer schema adds reads as "not reported", never as a wrong level.
    memoryPressure: pressure === null ? null : PRESSURE_BY_WIRE[pressure] ?? null,
    network: n === null ? null : {
      interface: n.interface_() ?? "",
      receiveBytesPerSecond: n.receiveBytesPerSecond(),
      sendBytesPerSecond: n.sendBytesPerSecond(),
      receivedBytes: Number(n.receivedBytes()),
      sentBytes: Number(n.sentBytes()),
    },
    diskIo: d === null ? null : {
      readBytesPerSecond: d.readBytesPerSecond(),
      writeBytesPerSecond: d.writeBytesPerSecond(),
      readBytes: Number(d.readBytes()),
      writtenBytes: Number(d.writtenBytes()),
    },
    battery: battery === null ? null : {
      percent: battery.percent(),
      state: BATTERY_STATE_BY_WIRE[battery.state()] ?? "unknown",
      onAc: battery.onAc(),
      minutesRemaining: battery.minutesRemaining(),
    },
    gpuUsage: root.gpuUsage(),
  };
}

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
import { readExtended } from "./extended.ts";
import type { ProcessSample, Snapshot } from "../metrics/types.ts";
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

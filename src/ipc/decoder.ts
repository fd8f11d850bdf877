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

import { readReadings } from "./readings_codec.ts";
import { MOMENTUM_STATE, ROOT } from "./layout.ts";
import { verifySystemMetrics } from "./verify.ts";
import { clamp, fieldAt, follow, readUlong } from "./wire_values.ts";
import { MAX_EXACT, type NumberShape } from "../metrics/shape.ts";
import type { Snapshot } from "../metrics/types.ts";
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

const IDENTIFIER = new TextEncoder().encode(FILE_IDENTIFIER);

/** The position of the root table of `body`, once it passed the identifier and structure checks. */
function rootOf(body: Uint8Array, view: DataView, animationOnly = false): number {
  if (body.length < 8) {
    throw new DecodeError(`buffer of ${body.length} bytes is too short for a FlatBuffer`);
  }
  if (IDENTIFIER.some((byte, i) => body[4 + i] !== byte)) {
    const found = new TextDecoder().decode(body.subarray(4, 8));
    throw new DecodeError(
      `not an opta-metrics frame: file identifier is ${JSON.stringify(found)}, ` +
        `expected "${FILE_IDENTIFIER}"`,
    );
  }
  const problem = verifySystemMetrics(body, animationOnly);
  if (problem) throw new DecodeError(`malformed frame: ${problem}`);
  return view.getUint32(0, true);
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

const viewOf = (body: Uint8Array) => new DataView(body.buffer, body.byteOffset, body.byteLength);

/** The `ulong` root field `name`: 0 when absent, at most 2^53 − 1 (see `wire_values.ts`). */
function rootUlong(view: DataView, root: number, name: string): number {
  const at = fieldAt(view, root, ROOT[name].slot);
  return at === 0 ? 0 : readUlong(view, at, MAX_EXACT);
}

/** The range of the momentum's float `name`, as `layout.ts` declares it. */
const rangeOf = (name: string) => (MOMENTUM_STATE[name].shape as NumberShape).range;
const INTENSITY = rangeOf("intensity");
const ROTATION = rangeOf("rotationSpeed");

/**
 * The momentum table of a verified root: intensity and rotation clamped to their
 * declared ranges, a colour this reader does not know read as idle (0), absent fields as 0.
 */
function readMomentum(view: DataView, root: number): MomentumState {
  const link = fieldAt(view, root, ROOT.momentum.slot);
  if (link === 0) return { intensity: 0, color: 0, rotationSpeed: 0 };
  const table = follow(view, link);
  const at = (name: string) => fieldAt(view, table, MOMENTUM_STATE[name].slot);
  const intensity = at("intensity");
  const color = at("color");
  const rotation = at("rotationSpeed");
  const wire = color === 0 ? 0 : view.getInt8(color);
  return {
    intensity: intensity === 0
      ? 0
      : clamp(view.getFloat32(intensity, true), INTENSITY.min, INTENSITY.max),
    color: (wire >= 0 && wire <= 2 ? wire : 0) as MomentumColor,
    rotationSpeed: rotation === 0
      ? 0
      : clamp(view.getFloat32(rotation, true), ROTATION.min, ROTATION.max),
  };
}

/**
 * Decode a bare FlatBuffer body (no length prefix) into a plain object. Each value
 * outside its declared range reads as PROTOCOL.md says: absent when optional, else
 * clamped (NaN as 0).
 */
export function decodeMetrics(body: Uint8Array): MetricsFrame {
  return guarded(() => {
    const view = viewOf(body);
    const root = rootOf(body, view);
    const readings = readReadings(view, body, root);
    return {
      ...readings,
      timestamp: rootUlong(view, root, "timestamp"),
      momentum: readMomentum(view, root),
      sequence: rootUlong(view, root, "sequence"),
      sentAtUs: rootUlong(view, root, "sentAtUs"),
      startedAtUs: rootUlong(view, root, "startedAtUs"),
    };
  });
}

/** Read only the animation fields of a bare FlatBuffer body: the cheap path for a UI. */
export function decodeAnimation(body: Uint8Array): AnimationFields {
  return guarded(() => {
    const view = viewOf(body);
    const root = rootOf(body, view, true);
    const m = readMomentum(view, root);
    return {
      color: m.color,
      intensity: m.intensity,
      rotationSpeed: m.rotationSpeed,
      sequence: rootUlong(view, root, "sequence"),
      startedAtUs: rootUlong(view, root, "startedAtUs"),
    };
  });
}

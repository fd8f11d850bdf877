/**
 * The codec, the one import for the wire format: {@linkcode FrameEncoder} turns a
 * read-only snapshot, a momentum state and a frame header into framed bytes;
 * {@linkcode decodeMetrics} and {@linkcode decodeAnimation} turn a frame body back
 * into plain values. The schema is `schemas/system_metrics.fbs`; the field layout
 * both sides rely on is read from its generated code (`layout.ts`).
 *
 * @example
 * ```ts
 * import { decodeMetrics, FrameEncoder } from "./codec.ts";
 * import { initialMomentum } from "../momentum/momentum.ts";
 * const encoder = new FrameEncoder({ startedAtUs: Date.now() * 1000 });
 * import { NO_EXTENDED_READINGS } from "../metrics/types.ts";
 * const snapshot = {
 *   ...NO_EXTENDED_READINGS,
 *   cpuUsage: 12.5, memoryUsage: 40, memoryTotal: 17179869184, diskUsage: 61,
 *   temperature: null, timestamp: Date.now(), topProcesses: [],
 * };
 * const wire = encoder.encode(snapshot, initialMomentum(), {
 *   sequence: 1,
 *   sentAtUs: Date.now() * 1000,
 * });
 * decodeMetrics(wire.subarray(4)).cpuUsage; // 12.5
 * ```
 *
 * @module
 */

export {
  DEFAULT_TOP,
  type EncoderOptions,
  FrameEncoder,
  type FrameHeader,
  MAX_NAME_BYTES,
  truncateUtf8,
} from "./encoder.ts";
export {
  type AnimationFields,
  decodeAnimation,
  DecodeError,
  decodeMetrics,
  FILE_IDENTIFIER,
  type MetricsFrame,
} from "./decoder.ts";

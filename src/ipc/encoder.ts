/**
 * The encoder: a read-only {@linkcode Snapshot}, a momentum state and a
 * {@linkcode FrameHeader} in, one framed FlatBuffer out, in one call.
 *
 * @example
 * ```ts
 * import { FrameEncoder } from "./encoder.ts";
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
 * wire.length; // 4-byte length prefix + the FlatBuffer
 * ```
 *
 * @module
 */

import * as flatbuffers from "flatbuffers";
import {
  Opta_Metrics_MomentumState as MomentumTable,
  Opta_Metrics_ProcessInfo as ProcessTable,
  Opta_Metrics_SystemMetrics as MetricsTable,
} from "./generated/system_metrics_generated.ts";
import { FrameSlab } from "./framing.ts";
import { type FrameHeader, FrameTemplate } from "./frame_template.ts";
import { MAX_NAME_BYTES, MAX_TOP_PROCESSES } from "./limits.ts";
import { AppendedWriter, sameAppended } from "./readings_codec.ts";
import type { ReadingKey } from "../metrics/reading.ts";
import type { ProcessSample, Snapshot } from "../metrics/types.ts";
import type { MomentumState } from "../momentum/momentum.ts";

export type { FrameHeader } from "./frame_template.ts";

export { MAX_NAME_BYTES } from "./limits.ts";

/** Processes encoded per frame unless told otherwise. */
export const DEFAULT_TOP = 10;

/** Options of {@linkcode FrameEncoder}. */
export interface EncoderOptions {
  /**
   * Most processes encoded per frame (default {@linkcode DEFAULT_TOP}; at most
   * `MAX_TOP_PROCESSES`, the most a reader accepts).
   */
  top?: number;
  /** Most process names kept in the UTF-8 cache before it is cleared (default 4096). */
  nameCacheSize?: number;
  /**
   * The daemon run's id, written as `started_at_us` in every frame (default 0):
   * the run's start, µs since the Unix epoch, so a client tells a restart from a gap.
   */
  startedAtUs?: number;
  /**
   * The appended readings compared to tell whether the last frame can be patched
   * (default: every one). Only tests leave one out, to prove that the check which
   * walks every reading notices a stale value.
   */
  compared?: readonly ReadingKey[];
}

const TWO_64 = 2 ** 64;

/** The largest `ulong`, 2^64 − 1. */
const ULONG_MAX = 0xffff_ffff_ffff_ffffn;

/** A count or time as the schema's `ulong`: whole, 0 for NaN/±Infinity/negatives, at most 2^64 − 1. */
export function toUlong(value: number): bigint {
  if (!Number.isFinite(value) || value <= 0) return 0n;
  return value < TWO_64 ? BigInt(Math.trunc(value)) : ULONG_MAX;
}

const utf8 = new TextEncoder();

/**
 * UTF-8 bytes of `name`, cut to at most `maxBytes` at a character boundary
 * (never inside a multi-byte sequence).
 */
export function truncateUtf8(name: string, maxBytes: number = MAX_NAME_BYTES): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // bytes[end] continues a character
  return bytes.slice(0, end);
}

/**
 * Encodes frames, reusing one FlatBuffers builder and a cache of UTF-8 process
 * names (string encoding is the dominant cost of a full build). Each call returns
 * its own bytes. Not for concurrent use.
 */
export class FrameEncoder {
  readonly #builder = new flatbuffers.Builder(1024);
  readonly #names = new Map<string, Uint8Array>();
  readonly #slab = new FrameSlab();
  readonly #top: number;
  readonly #nameCacheSize: number;
  readonly #startedAtUs: bigint;
  #offsets: flatbuffers.Offset[] = [];
  readonly #appended = new AppendedWriter((name) => this.#nameBytes(name));
  readonly #same: (a: Snapshot, b: Snapshot) => boolean;
  #template: FrameTemplate | null = null;
  #templateBytes = new Uint8Array(1024);
  #fullBuilds = 0;

  /** Creates an encoder; see {@linkcode EncoderOptions}. */
  constructor(options: EncoderOptions = {}) {
    this.#top = Math.min(options.top ?? DEFAULT_TOP, MAX_TOP_PROCESSES);
    this.#nameCacheSize = options.nameCacheSize ?? 4096;
    this.#startedAtUs = toUlong(options.startedAtUs ?? 0);
    this.#same = sameAppended(options.compared);
  }

  /** Frames this encoder built in full; every other frame was a rewrite of the last one. */
  get fullBuilds(): number {
    return this.#fullBuilds;
  }

  /**
   * One frame: 4-byte big-endian length, then the FlatBuffer, in a view that may
   * share its buffer with earlier frames (see {@linkcode FrameSlab}). When the snapshot's
   * processes and appended readings (per-core, network, battery…) equal (by value)
   * those of the last full build and its temperature is present or absent as then,
   * the last frame's scalars are rewritten and it is copied, which is most ticks;
   * either way the bytes are those of a full build.
   */
  encode(snapshot: Snapshot, momentum: MomentumState, header: FrameHeader): Uint8Array {
    if (this.#template?.fits(snapshot, this.#top)) {
      return this.#slab.frame(this.#template.write(snapshot, momentum, header));
    }
    const body = this.#build(snapshot, momentum);
    // The template's copy reuses one buffer: a full build happens a few times a second.
    if (this.#templateBytes.length < body.length) {
      this.#templateBytes = new Uint8Array(Math.max(body.length, 2 * this.#templateBytes.length));
    }
    const copy = this.#templateBytes.subarray(0, body.length);
    copy.set(body);
    this.#template = new FrameTemplate(copy, snapshot, this.#top, this.#same);
    this.#fullBuilds++;
    return this.#slab.frame(this.#template.write(snapshot, momentum, header));
  }

  /**
   * A full build with the seed's counters (`ulong`) but the run id left 0, for the
   * template to fill: it writes them as two 32-bit halves, where the builder needs a
   * BigInt each. The returned view points into the reused builder.
   */
  #build(snapshot: Snapshot, momentum: MomentumState): Uint8Array {
    const b = this.#builder;
    b.clear();
    const processes = snapshot.topProcesses;
    const count = Math.min(processes.length, this.#top);
    const offsets = this.#offsets;
    offsets.length = count;
    for (let i = 0; i < count; i++) offsets[i] = this.#process(processes[i]);
    const list = MetricsTable.createTopProcessesVector(b, offsets);
    // Every scalar from here on is written even when 0 (the generated adders skip a
    // default unless told not to), so the layout depends only on the processes and the
    // temperature's presence. An absent optional scalar reads as "none", so 0 °C is
    // written too. The appended fields are absent when null or empty, so a snapshot
    // without them keeps the seed's bytes.
    b.forceDefaults(true);
    this.#appended.build(b, snapshot);
    const animation = MomentumTable.createMomentumState(
      b,
      momentum.intensity,
      momentum.color,
      momentum.rotationSpeed,
    );
    MetricsTable.startSystemMetrics(b);
    MetricsTable.addCpuUsage(b, snapshot.cpuUsage);
    MetricsTable.addMemoryUsage(b, snapshot.memoryUsage);
    MetricsTable.addMemoryTotal(b, 0n);
    MetricsTable.addDiskUsage(b, snapshot.diskUsage);
    if (snapshot.temperature !== null) MetricsTable.addTemperature(b, snapshot.temperature);
    MetricsTable.addTimestamp(b, 0n);
    MetricsTable.addTopProcesses(b, list);
    MetricsTable.addMomentum(b, animation);
    MetricsTable.addSequence(b, 0n);
    MetricsTable.addSentAtUs(b, 0n);
    MetricsTable.addStartedAtUs(b, this.#startedAtUs);
    this.#appended.add(b, snapshot);
    b.forceDefaults(false);
    MetricsTable.finishSystemMetricsBuffer(b, MetricsTable.endSystemMetrics(b));
    return b.asUint8Array();
  }

  #process(p: ProcessSample): flatbuffers.Offset {
    const b = this.#builder;
    const name = b.createString(this.#nameBytes(p.name));
    return ProcessTable.createProcessInfo(b, p.pid >>> 0, name, p.cpuPercent, p.memoryMb);
  }

  #nameBytes(name: string): Uint8Array {
    let bytes = this.#names.get(name);
    if (bytes === undefined) {
      if (this.#names.size >= this.#nameCacheSize) this.#names.clear();
      bytes = truncateUtf8(name);
      this.#names.set(name, bytes);
    }
    return bytes;
  }
}

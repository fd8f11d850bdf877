/**
 * The codec: a {@linkcode Snapshot} plus momentum, sequence and send time in, one
 * framed FlatBuffer out; framed or bare FlatBuffer bytes in, a plain typed
 * {@linkcode MetricsFrame} out.
 *
 * @example
 * ```ts
 * import { decodeMetrics, FrameEncoder } from "./codec.ts";
 * import { initialMomentum } from "../momentum/momentum.ts";
 * const encoder = new FrameEncoder();
 * const snapshot = {
 *   cpuUsage: 12.5, memoryUsage: 40, memoryTotal: 17179869184, diskUsage: 61,
 *   temperature: null, timestamp: Date.now(), topProcesses: [],
 * };
 * const wire = encoder.encode(snapshot, initialMomentum(), 1, Date.now() * 1000);
 * decodeMetrics(wire.subarray(4)).cpuUsage; // 12.5
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
import { frame, FRAME_HEADER_BYTES } from "./framing.ts";
import { verifySystemMetrics } from "./verify.ts";
import type { ProcessSample, Snapshot } from "../metrics/types.ts";
import type { MomentumColor, MomentumState } from "../momentum/momentum.ts";

/** The schema's `file_identifier`: bytes 4–7 of every frame body. */
export const FILE_IDENTIFIER = "OPTM";

/** Longest process name put on the wire, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/** Processes encoded per frame unless told otherwise. */
export const DEFAULT_TOP = 10;

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

/** Options of {@linkcode FrameEncoder}. */
export interface EncoderOptions {
  /** Most processes encoded per frame (default {@linkcode DEFAULT_TOP}). */
  top?: number;
  /** Most process names kept in the UTF-8 cache before it is cleared (default 4096). */
  nameCacheSize?: number;
  /**
   * The daemon run's id, written as `started_at_us` in every frame (default 0):
   * the run's start, µs since the Unix epoch, so a client tells a restart from a gap.
   */
  startedAtUs?: number;
}

const utf8 = new TextEncoder();

/** A count or time as the schema's `ulong`: whole, never negative, 0 for NaN/±Infinity. */
function toUlong(value: number): bigint {
  return Number.isFinite(value) && value > 0 ? BigInt(Math.trunc(value)) : 0n;
}

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
 * names (string encoding is the dominant cost of an encode in JS). Not shared
 * between concurrent users: each `encode` call returns its own bytes.
 */
export class FrameEncoder {
  readonly #builder = new flatbuffers.Builder(1024);
  readonly #names = new Map<string, Uint8Array>();
  readonly #top: number;
  readonly #nameCacheSize: number;
  readonly #startedAtUs: bigint;
  #offsets: flatbuffers.Offset[] = [];
  #template: FrameTemplate | null = null;
  #templateSnapshot: Snapshot | null = null;

  /** Creates an encoder; see {@linkcode EncoderOptions}. */
  constructor(options: EncoderOptions = {}) {
    this.#top = options.top ?? DEFAULT_TOP;
    this.#nameCacheSize = options.nameCacheSize ?? 4096;
    this.#startedAtUs = toUlong(options.startedAtUs ?? 0);
  }

  /**
   * Encode one frame and return it framed: 4-byte big-endian length, then the
   * FlatBuffer. When `snapshot` is the same object as in the previous call (the
   * sampler hands out one object until a value changes), only the per-tick fields
   * (momentum, sequence, send time) of the previous frame are rewritten, and it is
   * copied: at 25 Hz most frames differ from the last only there.
   * A new snapshot with the same `topProcesses` array and a temperature present
   * or absent as before is patched in the same way (a new CPU reading, four
   * times a second): every other scalar is always on the wire, even when 0. The
   * bytes are the same as a full encode's. Snapshots are treated as immutable:
   * build a new object to change a value.
   */
  encode(
    snapshot: Snapshot,
    momentum: MomentumState,
    sequence: number,
    sentAtUs: number,
  ): Uint8Array {
    const template = this.#template;
    if (
      template !== null && snapshot !== this.#templateSnapshot &&
      patchValues(template, this.#templateSnapshot!, snapshot)
    ) {
      this.#templateSnapshot = snapshot;
    }
    if (template !== null && snapshot === this.#templateSnapshot) {
      patchTickFields(template, momentum, sequence, sentAtUs);
      return frame(template.bytes);
    }
    const body = this.encodeBody(snapshot, momentum, sequence, sentAtUs);
    this.#template = templateOf(body.slice());
    this.#templateSnapshot = snapshot;
    return frame(body);
  }

  /**
   * Rewrite the send time of the frame the last {@linkcode encode} returned, so it
   * is stamped the instant before it goes out: encoding a changed snapshot takes
   * a fraction of a millisecond that is not time in flight.
   */
  stampSentAt(framed: Uint8Array, sentAtUs: number): void {
    const at = this.#template;
    if (at === null) throw new Error("stampSentAt: no frame encoded yet");
    putUlong(framed, FRAME_HEADER_BYTES + at.sentAtUs, sentAtUs);
  }

  /**
   * Encode one frame as a bare FlatBuffer (no length prefix). The returned view
   * points into the reused builder: it is valid only until the next call.
   */
  encodeBody(
    snapshot: Snapshot,
    momentum: MomentumState,
    sequence: number,
    sentAtUs: number,
  ): Uint8Array {
    const b = this.#builder;
    b.clear();
    const processes = snapshot.topProcesses;
    const count = Math.min(processes.length, this.#top);
    const offsets = this.#offsets;
    offsets.length = count;
    for (let i = 0; i < count; i++) offsets[i] = this.#process(processes[i]);
    const list = MetricsTable.createTopProcessesVector(b, offsets);
    // Every scalar from here on is written even when 0 (the generated adders skip a
    // default unless told not to), so a frame's layout depends only on its processes and
    // on whether it has a temperature, and later frames patch their values in place. An
    // absent optional scalar reads as "none", so 0 °C must be written anyway.
    b.forceDefaults(true);
    const animation = MomentumTable.createMomentumState(
      b,
      momentum.intensity,
      momentum.color,
      momentum.rotationSpeed,
    );
    MetricsTable.startSystemMetrics(b);
    MetricsTable.addCpuUsage(b, snapshot.cpuUsage);
    MetricsTable.addMemoryUsage(b, snapshot.memoryUsage);
    MetricsTable.addMemoryTotal(b, toUlong(snapshot.memoryTotal));
    MetricsTable.addDiskUsage(b, snapshot.diskUsage);
    if (snapshot.temperature !== null) MetricsTable.addTemperature(b, snapshot.temperature);
    MetricsTable.addTimestamp(b, toUlong(snapshot.timestamp));
    MetricsTable.addTopProcesses(b, list);
    MetricsTable.addMomentum(b, animation);
    MetricsTable.addSequence(b, toUlong(sequence));
    MetricsTable.addSentAtUs(b, toUlong(sentAtUs));
    MetricsTable.addStartedAtUs(b, this.#startedAtUs);
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

/**
 * A finished frame body, a view to patch it through, and where its fields sit in
 * it: byte positions in the body, 0 for a scalar the body does not carry (only an
 * absent temperature). Ticks patch the template and copy it: no view per frame.
 */
interface FrameTemplate {
  bytes: Uint8Array;
  view: DataView;
  intensity: number;
  color: number;
  rotationSpeed: number;
  sequence: number;
  sentAtUs: number;
  cpuUsage: number;
  memoryUsage: number;
  memoryTotal: number;
  diskUsage: number;
  temperature: number;
  timestamp: number;
}

/** A template of `body` (which it keeps): its view and the byte positions of its fields. */
function templateOf(body: Uint8Array): FrameTemplate {
  const bb = new flatbuffers.ByteBuffer(body);
  const root = MetricsTable.getRootAsSystemMetrics(bb);
  const m = root.momentum()!;
  const field = (table: number, slot: number) => {
    const offset = bb.__offset(table, 4 + 2 * slot);
    return offset === 0 ? 0 : table + offset;
  };
  return {
    bytes: body,
    view: new DataView(body.buffer, body.byteOffset, body.length),
    intensity: field(m.bb_pos, 0),
    color: field(m.bb_pos, 1),
    rotationSpeed: field(m.bb_pos, 2),
    sequence: field(root.bb_pos, 8),
    sentAtUs: field(root.bb_pos, 9),
    cpuUsage: field(root.bb_pos, 0),
    memoryUsage: field(root.bb_pos, 1),
    memoryTotal: field(root.bb_pos, 2),
    diskUsage: field(root.bb_pos, 3),
    temperature: field(root.bb_pos, 4),
    timestamp: field(root.bb_pos, 5),
  };
}

/**
 * Rewrite the template's scalars for `next` when its layout is the same as for
 * `previous`: the same processes array, and a temperature present or absent as
 * before (every other scalar is always on the wire). Returns false (nothing
 * written) when a full encode is needed.
 */
function patchValues(at: FrameTemplate, previous: Snapshot, next: Snapshot): boolean {
  if (next.topProcesses !== previous.topProcesses) return false;
  if ((at.temperature !== 0) !== (next.temperature !== null)) return false;
  const view = at.view;
  view.setFloat32(at.cpuUsage, next.cpuUsage, true);
  view.setFloat32(at.memoryUsage, next.memoryUsage, true);
  view.setFloat32(at.diskUsage, next.diskUsage, true);
  if (at.temperature !== 0) view.setFloat32(at.temperature, next.temperature!, true);
  putUlong(at.bytes, at.memoryTotal, next.memoryTotal);
  putUlong(at.bytes, at.timestamp, next.timestamp);
  return true;
}

const TWO_32 = 2 ** 32;

/** Write the per-tick fields into the template. */
function patchTickFields(
  at: FrameTemplate,
  momentum: MomentumState,
  sequence: number,
  sentAtUs: number,
): void {
  at.view.setFloat32(at.intensity, momentum.intensity, true);
  at.view.setInt8(at.color, momentum.color);
  at.view.setFloat32(at.rotationSpeed, momentum.rotationSpeed, true);
  putUlong(at.bytes, at.sequence, sequence);
  putUlong(at.bytes, at.sentAtUs, sentAtUs);
}

/**
 * Write `value` as a little-endian ulong at `offset` of `bytes`, without a BigInt or a
 * view (0 for NaN, ±Infinity, negatives).
 */
function putUlong(bytes: Uint8Array, offset: number, value: number): void {
  const whole = Number.isFinite(value) && value > 0 ? Math.trunc(value) : 0;
  const low = whole % TWO_32;
  const high = Math.floor(whole / TWO_32);
  bytes[offset] = low;
  bytes[offset + 1] = low >>> 8;
  bytes[offset + 2] = low >>> 16;
  bytes[offset + 3] = low >>> 24;
  bytes[offset + 4] = high;
  bytes[offset + 5] = high >>> 8;
  bytes[offset + 6] = high >>> 16;
  bytes[offset + 7] = high >>> 24;
}

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
    };
  });
}

const scratchMomentum = new MomentumTable();

/** Read only the animation fields of a bare FlatBuffer body: the cheap path for a UI. */
export function decodeAnimation(body: Uint8Array): AnimationFields {
  return guarded(() => {
    const root = rootOf(body, true);
    const m = root.momentum(scratchMomentum);
    return {
      color: (m?.color() ?? 0) as MomentumColor,
      intensity: m?.intensity() ?? 0,
      rotationSpeed: m?.rotationSpeed() ?? 0,
      sequence: Number(root.sequence()),
      startedAtUs: Number(root.startedAtUs()),
    };
  });
}

/**
 * The encoder's shortcut: the last frame built in full, rewritten in place for a
 * next frame whose layout is the same. A frame's layout depends only on its
 * processes, its appended readings (per-core, network, battery…) and on whether it
 * carries a temperature, because the encoder writes every seed scalar even when it
 * is 0; so a frame with the same processes and appended readings (by value) and the
 * same temperature presence differs only in scalars whose positions are fixed, and
 * rewriting them gives the bytes of a full build. The appended readings change only
 * when a source reads again, far less often than frames are sent, so they are left
 * to the full build rather than patched.
 *
 * @module
 */

import {
  DISK_IO,
  fieldPosition,
  MOMENTUM_STATE,
  NETWORK,
  ROOT,
  type ScalarField,
} from "./layout.ts";
import { sameExtended } from "./extended.ts";
import type { ExtendedReadings, ProcessSample, Snapshot } from "../metrics/types.ts";
import type { MomentumState } from "../momentum/momentum.ts";

/** The per-frame bookkeeping written into every frame's root table. */
export interface FrameHeader {
  /** Frame counter: 1 for the first frame of a daemon run, +1 per published frame. */
  readonly sequence: number;
  /** Microseconds since the Unix epoch when the frame is sent. */
  readonly sentAtUs: number;
}

const TWO_32 = 2 ** 32;
const TWO_64 = 2 ** 64;

/** Byte positions in a template's body of the scalars a patch rewrites (0: absent). */
interface Positions {
  readonly cpuUsage: number;
  readonly memoryUsage: number;
  readonly memoryTotal: number;
  readonly diskUsage: number;
  readonly temperature: number;
  readonly timestamp: number;
  readonly sequence: number;
  readonly sentAtUs: number;
  readonly intensity: number;
  readonly color: number;
  readonly rotationSpeed: number;
  readonly swap: number;
  readonly receivedBytes: number;
  readonly sentBytes: number;
  readonly readBytes: number;
  readonly writtenBytes: number;
}

/** Where the patched scalars sit in `view`, a body this process built. */
function positionsIn(view: DataView): Positions {
  const root = view.getUint32(0, true);
  const at = (table: number, field: ScalarField) => fieldPosition(view, table, field.slot);
  /** The table a root reference points to, or 0 when the root does not carry it. */
  const table = (slot: number) => {
    const link = fieldPosition(view, root, slot);
    return link === 0 ? 0 : link + view.getUint32(link, true);
  };
  const momentum = table(ROOT.momentum.slot);
  const network = table(ROOT.network.slot);
  const diskIo = table(ROOT.diskIo.slot);
  return {
    cpuUsage: at(root, ROOT.cpuUsage),
    memoryUsage: at(root, ROOT.memoryUsage),
    memoryTotal: at(root, ROOT.memoryTotal),
    diskUsage: at(root, ROOT.diskUsage),
    temperature: at(root, ROOT.temperature),
    timestamp: at(root, ROOT.timestamp),
    sequence: at(root, ROOT.sequence),
    sentAtUs: at(root, ROOT.sentAtUs),
    intensity: at(momentum, MOMENTUM_STATE.intensity),
    color: at(momentum, MOMENTUM_STATE.color),
    rotationSpeed: at(momentum, MOMENTUM_STATE.rotationSpeed),
    swap: fieldPosition(view, root, ROOT.swap.slot),
    receivedBytes: network && at(network, NETWORK.receivedBytes),
    sentBytes: network && at(network, NETWORK.sentBytes),
    readBytes: diskIo && at(diskIo, DISK_IO.readBytes),
    writtenBytes: diskIo && at(diskIo, DISK_IO.writtenBytes),
  };
}

/** A finished frame body, the values that fixed its layout, and where its scalars sit. */
export class FrameTemplate {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #at: Positions;
  readonly #processes: readonly ProcessSample[];
  readonly #extended: ExtendedReadings;
  #countersWritten = false;

  /**
   * Keeps `body` (a frame body built with every seed scalar present from `snapshot`)
   * and what fixed its layout: its first `top` processes and its appended readings,
   * held as they are since a snapshot is deeply read-only (an unchanged reading is
   * then recognised by identity before its values are compared).
   */
  constructor(body: Uint8Array, snapshot: Snapshot, top: number) {
    this.#bytes = body;
    this.#view = new DataView(body.buffer, body.byteOffset, body.length);
    this.#at = positionsIn(this.#view);
    this.#processes = snapshot.topProcesses.slice(0, top);
    this.#extended = snapshot;
  }

  /** Whether a frame of `snapshot` (its first `top` processes) has this template's layout. */
  fits(snapshot: Snapshot, top: number): boolean {
    if ((snapshot.temperature !== null) !== (this.#at.temperature !== 0)) return false;
    const kept = this.#processes;
    const processes = snapshot.topProcesses;
    if (Math.min(processes.length, top) !== kept.length) return false;
    for (let i = 0; i < kept.length; i++) {
      const a = kept[i];
      const b = processes[i];
      if (
        a.name !== b.name || !Object.is(a.pid, b.pid) || !Object.is(a.cpuPercent, b.cpuPercent) ||
        !Object.is(a.memoryMb, b.memoryMb)
      ) return false;
    }
    return sameExtended(this.#extended, snapshot);
  }

  /**
   * Rewrite every scalar that is not part of the layout and return the body: the
   * same view on each call, so copy it before the next.
   */
  write(snapshot: Snapshot, momentum: MomentumState, header: FrameHeader): Uint8Array {
    const at = this.#at;
    const view = this.#view;
    view.setFloat32(at.cpuUsage, snapshot.cpuUsage, true);
    view.setFloat32(at.memoryUsage, snapshot.memoryUsage, true);
    view.setFloat32(at.diskUsage, snapshot.diskUsage, true);
    if (snapshot.temperature !== null) view.setFloat32(at.temperature, snapshot.temperature, true);
    this.#ulong(at.memoryTotal, snapshot.memoryTotal);
    this.#ulong(at.timestamp, snapshot.timestamp);
    this.#ulong(at.sequence, header.sequence);
    this.#ulong(at.sentAtUs, header.sentAtUs);
    view.setFloat32(at.intensity, momentum.intensity, true);
    view.setInt8(at.color, momentum.color);
    view.setFloat32(at.rotationSpeed, momentum.rotationSpeed, true);
    // The appended counters are part of what `fits` compares, so they are the same on
    // every write of one template: written once, as the full build leaves them 0.
    if (this.#countersWritten) return this.#bytes;
    this.#countersWritten = true;
    const { swap, network, diskIo } = snapshot;
    if (at.swap !== 0 && swap !== null) {
      this.#ulong(at.swap, swap.used);
      this.#ulong(at.swap + 8, swap.total);
    }
    if (at.receivedBytes !== 0 && network !== null) {
      this.#ulong(at.receivedBytes, network.receivedBytes);
      this.#ulong(at.sentBytes, network.sentBytes);
    }
    if (at.readBytes !== 0 && diskIo !== null) {
      this.#ulong(at.readBytes, diskIo.readBytes);
      this.#ulong(at.writtenBytes, diskIo.writtenBytes);
    }
    return this.#bytes;
  }

  /**
   * Write `value` at `at` as the schema's `ulong`, as the builder does: whole, 0 for
   * NaN, ±Infinity and negatives, at most 2^64 − 1; in two 32-bit halves, without a
   * BigInt.
   */
  #ulong(at: number, value: number): void {
    if (Number.isFinite(value) && value >= TWO_64) {
      this.#view.setUint32(at, 0xffff_ffff, true);
      this.#view.setUint32(at + 4, 0xffff_ffff, true);
      return;
    }
    const whole = Number.isFinite(value) && value > 0 ? Math.trunc(value) : 0;
    this.#view.setUint32(at, whole % TWO_32, true);
    this.#view.setUint32(at + 4, Math.floor(whole / TWO_32) % TWO_32, true);
  }
}

/**
 * The encoder's shortcut: the last frame built in full, rewritten in place for a
 * next frame whose layout is the same. A frame's layout depends only on its
 * processes, its appended readings (per-core, network, battery…) and on whether it
 * carries a temperature, because the encoder writes every seed scalar even when it
 * is 0; so a frame with the same processes and appended readings (by value) and the
 * same temperature presence differs only in the seed's scalars, whose positions are
 * fixed, and rewriting them gives the bytes of a full build. The appended readings
 * change only when a source reads again, far less often than frames are sent, so
 * they are left to the full build rather than patched.
 *
 * @module
 */

import { fieldPosition, MOMENTUM_STATE, ROOT } from "./layout.ts";
import type { ProcessSample, Snapshot } from "../metrics/types.ts";
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
}

/** Where the patched scalars sit in `view`, a body this process built. */
function positionsIn(view: DataView): Positions {
  const root = view.getUint32(0, true);
  const at = (table: number, name: string) => fieldPosition(view, table, ROOT[name].slot);
  const link = fieldPosition(view, root, ROOT.momentum.slot);
  const momentum = link + view.getUint32(link, true);
  const inMomentum = (name: string) => fieldPosition(view, momentum, MOMENTUM_STATE[name].slot);
  return {
    cpuUsage: at(root, "cpuUsage"),
    memoryUsage: at(root, "memoryUsage"),
    memoryTotal: at(root, "memoryTotal"),
    diskUsage: at(root, "diskUsage"),
    temperature: at(root, "temperature"),
    timestamp: at(root, "timestamp"),
    sequence: at(root, "sequence"),
    sentAtUs: at(root, "sentAtUs"),
    intensity: inMomentum("intensity"),
    color: inMomentum("color"),
    rotationSpeed: inMomentum("rotationSpeed"),
  };
}

/** A finished frame body, the values that fixed its layout, and where its scalars sit. */
export class FrameTemplate {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #at: Positions;
  readonly #processes: readonly ProcessSample[];
  readonly #snapshot: Snapshot;
  readonly #same: (a: Snapshot, b: Snapshot) => boolean;

  /**
   * Keeps `body` (a frame body built with every seed scalar present from `snapshot`)
   * and what fixed its layout: its first `top` processes and its appended readings,
   * held as they are since a snapshot is deeply read-only (an unchanged reading is
   * then recognised by identity before its values are compared); `same` tells whether
   * two snapshots' appended readings encode alike.
   */
  constructor(
    body: Uint8Array,
    snapshot: Snapshot,
    top: number,
    same: (a: Snapshot, b: Snapshot) => boolean,
  ) {
    this.#bytes = body;
    this.#view = new DataView(body.buffer, body.byteOffset, body.length);
    this.#at = positionsIn(this.#view);
    this.#processes = snapshot.topProcesses.slice(0, top);
    this.#snapshot = snapshot;
    this.#same = same;
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
    return this.#same(this.#snapshot, snapshot);
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

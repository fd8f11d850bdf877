/**
 * The codec of the declared readings: how the encoder writes the readings appended
 * after the seed's fields, how the frame template tells whether two snapshots carry
 * the same ones, and how the decoder reads every reading back. The code is generated
 * from the declarations (`codegen.ts`, run by `deno task gen`); this module checks at
 * load that it was generated from today's declarations and schema. Every appended
 * reading is absent from a frame when its snapshot value is (null, or an empty
 * vector), so a snapshot with none of them encodes to the seed's bytes exactly.
 *
 * @module
 */

import type * as flatbuffers from "flatbuffers";
import {
  addAppended,
  APPENDED_OFFSETS,
  buildAppended,
  frameJson,
  LAYOUT_FINGERPRINT,
  readReadings,
  SAME_READING,
  sameAppended as sameEveryAppended,
  snapshotJson,
} from "./generated/readings_generated.ts";
import { APPENDED, layoutFingerprint } from "./layout.ts";
import type { ReadingKey } from "../metrics/reading.ts";
import type { Snapshot } from "../metrics/types.ts";

if (layoutFingerprint() !== LAYOUT_FINGERPRINT) {
  throw new Error(
    "ipc: src/ipc/generated/readings_generated.ts does not match the declared readings " +
      "and the schema: run `deno task gen`",
  );
}

export { frameJson, readReadings, snapshotJson };

/** The keys of the appended readings, in slot order. */
export const APPENDED_KEYS: readonly ReadingKey[] = Object.freeze(
  APPENDED.map((f) => f.key as ReadingKey),
);

/** Writes the appended readings of a snapshot; one per encoder (it keeps scratch offsets). */
export class AppendedWriter {
  readonly #utf8: (name: string) => Uint8Array;
  readonly #offsets: number[] = new Array(APPENDED_OFFSETS).fill(0);
  readonly #scratch: number[] = [];

  /** `utf8` gives a name's bytes as the wire carries them (the encoder's cache). */
  constructor(utf8: (name: string) => Uint8Array) {
    this.#utf8 = utf8;
  }

  /**
   * Build the vectors, strings and tables of the appended readings, before the root
   * table starts; call with `forceDefaults` on, so a 0 is written (an absent optional
   * member would read as "none").
   */
  build(b: flatbuffers.Builder, s: Snapshot): void {
    buildAppended(b, s, this.#utf8, this.#offsets, this.#scratch);
  }

  /** Add the appended fields to the root table being built, after the seed's fields. */
  add(b: flatbuffers.Builder, s: Snapshot): void {
    addAppended(b, s, this.#offsets);
  }
}

/**
 * Whether two snapshots encode to the same bytes in the appended readings `keys`
 * (default: every one). Snapshots are read-only, so a reading seen before is compared
 * by identity first; a new object with the same values compares equal too.
 */
export function sameAppended(
  keys: readonly ReadingKey[] = APPENDED_KEYS,
): (a: Snapshot, b: Snapshot) => boolean {
  if (APPENDED_KEYS.every((key) => keys.includes(key))) return sameEveryAppended;
  const same = SAME_READING as unknown as Record<string, (x: unknown, y: unknown) => boolean>;
  const compared = APPENDED_KEYS.filter((key) => keys.includes(key));
  return (a, b) => compared.every((key) => a[key] === b[key] || same[key](a[key], b[key]));
}

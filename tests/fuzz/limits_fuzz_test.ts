/**
 * Property-based tests of the bound on decoding one frame: frames built with
 * aliased tables and shared strings around and past the caps, and real frames
 * whose offsets are re-pointed at other objects (overlapping, nested, backwards),
 * either are refused with a DecodeError or decode to output no larger than the
 * caps allow. The output size bounds the decoder's time and memory too: it copies
 * nothing else.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeAnimation,
  DecodeError,
  decodeMetrics,
  FrameEncoder,
  MAX_NAME_BYTES,
  type MetricsFrame,
} from "../../src/ipc/codec.ts";
import { type Field, fieldPosition, ROOT } from "../../src/ipc/layout.ts";
import { bySlot } from "../../src/ipc/layout.ts";
import { MAX_CORE_LEVELS, MAX_CPU_CORES, MAX_TOP_PROCESSES } from "../../src/ipc/limits.ts";
import { initialMomentum } from "../../src/momentum/momentum.ts";
import { EXTENDED_SNAPSHOT } from "../support/codec_fixtures.ts";
import { hostileFrame, type HostileSpec } from "../support/hostile_frames.ts";

/** UTF-16 units of every decoded name: what the frame costs beyond its fixed-size numbers. */
function nameUnits(frame: MetricsFrame): number {
  return frame.topProcesses.reduce((sum, p) => sum + p.name.length, 0) +
    frame.cpuCoreLevels.reduce((sum, l) => sum + l.name.length, 0) +
    (frame.network?.interface.length ?? 0);
}

/** The decoded frame, or null when refused with a DecodeError; anything else thrown fails. */
function decodeOrRefuse(body: Uint8Array): MetricsFrame | null {
  try {
    return decodeMetrics(body);
  } catch (error) {
    if (error instanceof DecodeError) return null;
    throw error;
  }
}

/** What the caps allow: vector lengths within them, each name within 255 bytes (255 units). */
function assertBounded(frame: MetricsFrame): void {
  assert.ok(frame.topProcesses.length <= MAX_TOP_PROCESSES);
  assert.ok(frame.cpuCores.length <= MAX_CPU_CORES);
  assert.ok(frame.cpuCoreLevels.length <= MAX_CORE_LEVELS);
  assert.ok(
    nameUnits(frame) <= (MAX_TOP_PROCESSES + MAX_CORE_LEVELS + 1) * MAX_NAME_BYTES,
    `${nameUnits(frame)} name units`,
  );
}

/** A string length: small, at the cap, just past it, or huge. */
const lengthArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(254, 255, 256, 1000),
  fc.integer({ min: 0, max: 200_000 }),
);

/** Vector lengths that sit near a cap. */
const around = (cap: number) =>
  fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: cap - 2, max: cap + 2 }));

const specArb: fc.Arbitrary<HostileSpec> = fc.array(lengthArb, { minLength: 1, maxLength: 4 })
  .chain((names) => {
    const index = fc.nat(names.length - 1);
    const vectorOf = (cap: number) =>
      fc.oneof(
        around(cap).chain((n) => fc.array(index, { minLength: n, maxLength: n })),
        fc.array(index, { minLength: 1000, maxLength: 3000 }),
      );
    return fc.record({
      names: fc.constant(names),
      processes: vectorOf(MAX_TOP_PROCESSES),
      shareProcessTable: fc.boolean(),
      levels: vectorOf(MAX_CORE_LEVELS),
      shareLevelTable: fc.boolean(),
      cores: fc.oneof(around(MAX_CPU_CORES), fc.integer({ min: 0, max: 20_000 })),
      interfaceName: fc.option(index, { nil: undefined }),
    });
  });

Deno.test("fuzz limits: aliased and shared-name frames are refused or decode within the caps", () => {
  fc.assert(
    fc.property(specArb, (spec) => {
      const body = hostileFrame(spec);
      fc.pre(body.length <= 1024 * 1024); // a longer body is refused by the framing
      const frame = decodeOrRefuse(body);
      const within = spec.names.every((n) => n <= MAX_NAME_BYTES) &&
        spec.processes.length <= MAX_TOP_PROCESSES &&
        (spec.levels?.length ?? 0) <= MAX_CORE_LEVELS && (spec.cores ?? 0) <= MAX_CPU_CORES;
      if (frame === null) {
        assert.ok(!within, "a frame within every cap decodes");
        return;
      }
      assertBounded(frame);
      assert.equal(frame.topProcesses.length, spec.processes.length);
    }),
    { seed: 0x11a175, numRuns: 400 },
  );
});

/** Where each reference of a well-formed body is stored, and where each points. */
function references(body: Uint8Array): { slots: number[]; targets: number[] } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const slots: number[] = [0];
  const targets: number[] = [view.getUint32(0, true)];
  const walk = (table: number, fields: readonly Field[]) => {
    for (const field of fields) {
      if (field === undefined || field.kind === "scalar" || field.kind === "struct") continue;
      const at = fieldPosition(view, table, field.slot);
      if (at === 0) continue;
      const target = at + view.getUint32(at, true);
      slots.push(at);
      targets.push(target);
      if (field.kind === "table") walk(target, field.fields);
      if (field.kind !== "tables") continue;
      for (let i = 0; i < view.getUint32(target, true); i++) {
        const entry = target + 4 + 4 * i;
        slots.push(entry);
        targets.push(entry + view.getUint32(entry, true));
        walk(entry + view.getUint32(entry, true), field.fields);
      }
    }
  };
  walk(targets[0], bySlot(ROOT));
  return { slots, targets };
}

const repointArb = fc.record({
  slot: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  target: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  shift: fc.constantFrom(0, 0, 0, 4, -4, 2, -8),
});

Deno.test("fuzz limits: offsets re-pointed at other objects are refused or decode within the caps", () => {
  const snapshot = {
    ...EXTENDED_SNAPSHOT,
    topProcesses: EXTENDED_SNAPSHOT.topProcesses.map((p, i) => ({
      ...p,
      name: p.name.repeat(1 + i * 5),
    })),
  };
  const wire = new FrameEncoder({ top: 12 }).encode(snapshot, initialMomentum(), {
    sequence: 1,
    sentAtUs: 2,
  });
  const original = wire.slice(4);
  const { slots, targets } = references(original);
  assert.ok(slots.length > 30, `${slots.length} references to re-point`);
  fc.assert(
    fc.property(fc.array(repointArb, { minLength: 1, maxLength: 5 }), (moves) => {
      const body = original.slice();
      const view = new DataView(body.buffer);
      for (const move of moves) {
        const slot = slots[Math.floor(move.slot * slots.length)];
        const target = targets[Math.floor(move.target * targets.length)] + move.shift;
        view.setUint32(slot, (target - slot) >>> 0, true);
      }
      const frame = decodeOrRefuse(body);
      if (frame !== null) assertBounded(frame);
      try {
        decodeAnimation(body);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
      }
    }),
    { seed: 0x2e901, numRuns: 3000 },
  );
});

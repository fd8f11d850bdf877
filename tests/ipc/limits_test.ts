/**
 * The limits of one frame (`src/ipc/limits.ts`): a frame at every cap decodes, one
 * past any cap is refused with a DecodeError naming the field, a vector of aliases
 * to one huge name (an alias bomb) is refused before any of it is built, and the
 * encoder never writes what a reader refuses.
 */
import assert from "node:assert/strict";
import {
  decodeAnimation,
  DecodeError,
  decodeMetrics,
  FrameEncoder,
  MAX_NAME_BYTES,
} from "../../src/ipc/codec.ts";
import {
  MAX_CORE_LEVELS,
  MAX_CPU_CORES,
  MAX_DECODED_BYTES,
  MAX_TOP_PROCESSES,
} from "../../src/ipc/limits.ts";
import { verifySystemMetrics } from "../../src/ipc/verify.ts";
import { MAX_FRAME_BYTES, PARTIAL_FRAME_TIMEOUT_MS } from "../../src/ipc/framing.ts";
import { initialMomentum } from "../../src/momentum/momentum.ts";
import type { Snapshot } from "../../src/metrics/types.ts";
import { EXTENDED_SNAPSHOT } from "../support/codec_fixtures.ts";
import { aliasBomb, hostileFrame } from "../support/hostile_frames.ts";

/** A snapshot with more of everything than a frame may carry, names longer than 255 bytes. */
const OVERSIZED: Snapshot = {
  ...EXTENDED_SNAPSHOT,
  topProcesses: Array.from({ length: MAX_TOP_PROCESSES + 20 }, (_, i) => ({
    pid: i + 1,
    name: `${i}`.padEnd(300, "x"),
    cpuPercent: 500 - i,
    memoryMb: 1,
  })),
  cpuCores: new Array(MAX_CPU_CORES + 100).fill(50),
  cpuCoreLevels: Array.from({ length: MAX_CORE_LEVELS + 3 }, (_, i) => ({
    name: `level ${i}`.padEnd(300, "y"),
    firstCore: i,
    cores: 1,
  })),
  network: { ...EXTENDED_SNAPSHOT.network!, interface: "e".repeat(300) },
};

/** The body of the largest frame a daemon can send: every vector and name at its cap. */
function frameAtEveryCap(): Uint8Array {
  const encoder = new FrameEncoder({ top: MAX_TOP_PROCESSES });
  return encoder.encode(OVERSIZED, initialMomentum(), { sequence: 1, sentAtUs: 2 }).subarray(4);
}

function refusal(body: Uint8Array): string {
  try {
    decodeMetrics(body);
  } catch (error) {
    assert.ok(error instanceof DecodeError, `a DecodeError, got ${error}`);
    return error.message;
  }
  assert.fail("the frame decoded");
}

Deno.test("limits: the alias bomb (80,000 aliases of one 700 kB name) is refused, not built", () => {
  const bomb = aliasBomb("top_processes");
  assert.ok(bomb.length < 1024 * 1024, "it fits in one frame");
  assert.equal(
    refusal(bomb),
    "malformed frame: top_processes has 80000 entries, over the limit of 100",
  );
  const levels = aliasBomb("cpu_core_levels");
  assert.equal(
    refusal(levels),
    "malformed frame: cpu_core_levels has 80000 entries, over the limit of 16",
  );
  // The animation path never follows those offsets, so it still reads the frame.
  assert.equal(decodeAnimation(bomb).sequence, 1);
});

Deno.test("limits: a frame at every cap decodes, and the encoder writes no more than the caps", () => {
  const body = frameAtEveryCap();
  const frame = decodeMetrics(body);
  assert.equal(frame.topProcesses.length, MAX_TOP_PROCESSES);
  assert.equal(frame.cpuCores.length, MAX_CPU_CORES);
  assert.equal(frame.cpuCoreLevels.length, MAX_CORE_LEVELS);
  assert.ok(frame.topProcesses.every((p) => new TextEncoder().encode(p.name).length === 255));
  assert.equal(frame.network?.interface.length, MAX_NAME_BYTES);
  // Its decoded bytes stay well inside the total bound: the caps, not the bound, decide.
  assert.equal(verifySystemMetrics(body, false, MAX_DECODED_BYTES / 2), null);
});

Deno.test("limits: one past any cap is refused with the field's name", () => {
  const one = (length: number) => new Array<number>(length).fill(0);
  const cases: [Uint8Array, string][] = [
    [
      hostileFrame({ names: [8], processes: one(MAX_TOP_PROCESSES + 1) }),
      "top_processes has 101 entries, over the limit of 100",
    ],
    [
      hostileFrame({ names: [8], processes: [], cores: MAX_CPU_CORES + 1 }),
      "cpu_cores has 8193 entries, over the limit of 8192",
    ],
    [
      hostileFrame({ names: [8], processes: [], levels: one(MAX_CORE_LEVELS + 1) }),
      "cpu_core_levels has 17 entries, over the limit of 16",
    ],
    [
      hostileFrame({ names: [8, 256], processes: [0, 0, 1] }),
      "top_processes[2].name is a string of 256 bytes, over the limit of 255",
    ],
    [
      hostileFrame({ names: [256], processes: [], levels: [0] }),
      "cpu_core_levels[0].name is a string of 256 bytes, over the limit of 255",
    ],
    [
      hostileFrame({ names: [256], processes: [], interfaceName: 0 }),
      "network.interface is a string of 256 bytes, over the limit of 255",
    ],
  ];
  for (const [body, message] of cases) assert.equal(refusal(body), `malformed frame: ${message}`);
  // At the caps themselves, the same shapes decode.
  const atCaps = hostileFrame({
    names: [255],
    processes: one(MAX_TOP_PROCESSES),
    levels: one(MAX_CORE_LEVELS),
    cores: MAX_CPU_CORES,
    interfaceName: 0,
  });
  assert.equal(decodeMetrics(atCaps).topProcesses.length, MAX_TOP_PROCESSES);
});

Deno.test("limits: aliases are legal but counted: every offset to the same bytes counts again", () => {
  // 100 process tables sharing one 255-byte name: what a writer deduplicating strings sends.
  const shared = hostileFrame({ names: [255], processes: new Array(100).fill(0) });
  assert.equal(new Set(decodeMetrics(shared).topProcesses.map((p) => p.name)).size, 1);
  // Under a smaller total bound the same frame is refused, and the message says why.
  assert.match(
    verifySystemMetrics(shared, false, 20_000) ?? "",
    /^decoding it would copy over 20000 bytes \(offsets that reach the same bytes again count again\)$/,
  );
  assert.equal(verifySystemMetrics(shared, false, 30_000), null);
});

Deno.test("limits: PROTOCOL.md's Limits table states the caps the code enforces", async () => {
  const protocol = await Deno.readTextFile(new URL("../../PROTOCOL.md", import.meta.url));
  const row = (what: string) =>
    new RegExp(`^\\| ${what.replace(/[()`.]/g, "\\$&")}\\s*\\| ([\\d ]+) `, "m").exec(protocol)
      ?.[1].replaceAll(" ", "");
  assert.equal(row("`top_processes`"), `${MAX_TOP_PROCESSES}`);
  assert.equal(row("`cpu_cores`"), `${MAX_CPU_CORES}`);
  assert.equal(row("`cpu_core_levels`"), `${MAX_CORE_LEVELS}`);
  assert.equal(
    row("each string (`ProcessInfo.name`, `CoreLevel.name`, `Network.interface`)"),
    "255",
  );
  assert.equal(row("bytes decoded from one frame"), `${MAX_DECODED_BYTES}`);
});

Deno.test("limits: the Python reader's constants are the TypeScript ones", async () => {
  const python = await Deno.readTextFile(
    new URL("../../docs/python/opta_client.py", import.meta.url),
  );
  const constant = (name: string) =>
    new RegExp(`^${name} = (.+?)(?:  #.*)?$`, "m").exec(python)?.[1];
  assert.equal(constant("MAX_FRAME_BYTES"), "1 << 20");
  assert.equal(1 << 20, MAX_FRAME_BYTES);
  assert.deepEqual(JSON.parse(constant("MAX_ENTRIES") ?? "null"), {
    TopProcesses: MAX_TOP_PROCESSES,
    CpuCores: MAX_CPU_CORES,
    CpuCoreLevels: MAX_CORE_LEVELS,
  });
  assert.equal(constant("MAX_NAME_BYTES"), `${MAX_NAME_BYTES}`);
  assert.equal(constant("FRAME_TIMEOUT_S"), `${PARTIAL_FRAME_TIMEOUT_MS / 1000}`);
});

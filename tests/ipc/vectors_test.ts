/**
 * The committed vectors in tests/vectors/ are the contract other languages test
 * against: each must decode with our codec to exactly what flatc printed.
 */
import assert from "node:assert/strict";
import { decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { frameToJson } from "../../src/ipc/json.ts";
import { VECTOR_CASES } from "../vectors/cases.ts";
import { flatcAvailable, runFlatc } from "../support/flatc.ts";
import { deepFreeze } from "../support/frozen.ts";

const dir = new URL("../vectors/", import.meta.url);
const schema = new URL("../../schemas/system_metrics.fbs", import.meta.url).pathname;

/** Defaults flatc leaves out of its JSON (fields equal to their schema default). */
const ROOT_DEFAULTS = {
  cpu_usage: 0,
  memory_usage: 0,
  memory_total: 0,
  disk_usage: 0,
  timestamp: 0,
  top_processes: [],
  sequence: 0,
  sent_at_us: 0,
  started_at_us: 0,
};
const PROCESS_DEFAULTS = { pid: 0, name: "", cpu_percent: 0, memory_mb: 0 };
const MOMENTUM_DEFAULTS = { intensity: 0, color: "Idle", rotation_speed: 0 };
/** The appended fields flatc leaves out when absent: null, or [] for the lists. */
const APPENDED_ABSENT = {
  cpu_cores: [],
  cpu_core_levels: [],
  load_average: null,
  swap: null,
  memory_pressure: null,
  network: null,
  disk_io: null,
  battery: null,
  gpu_usage: null,
};
const CORE_LEVEL_DEFAULTS = { name: "", first_core: 0, cores: 0 };
const NETWORK_DEFAULTS = {
  interface: "",
  receive_bytes_per_second: 0,
  send_bytes_per_second: 0,
  received_bytes: 0,
  sent_bytes: 0,
};
const DISK_IO_DEFAULTS = {
  read_bytes_per_second: 0,
  write_bytes_per_second: 0,
  read_bytes: 0,
  written_bytes: 0,
};
const BATTERY_DEFAULTS = { percent: 0, state: "Unknown", on_ac: false, minutes_remaining: null };

type Json = Record<string, unknown>;

/** A present table of flatc's JSON with its defaults filled in; an absent one stays null. */
function table(value: unknown, defaults: Json): Json | null {
  return value === null ? null : { ...defaults, ...(value as Json) };
}

/** flatc's JSON with defaults filled in, absent optionals null (or []), floats as float32. */
function normalise(flat: Json): Json {
  const withDefaults: Json = {
    ...ROOT_DEFAULTS,
    temperature: null,
    ...APPENDED_ABSENT,
    ...flat,
  };
  return {
    ...withDefaults,
    cpu_core_levels: (withDefaults.cpu_core_levels as Json[]).map((l) => ({
      ...CORE_LEVEL_DEFAULTS,
      ...l,
    })),
    network: table(withDefaults.network, NETWORK_DEFAULTS),
    disk_io: table(withDefaults.disk_io, DISK_IO_DEFAULTS),
    battery: table(withDefaults.battery, BATTERY_DEFAULTS),
    top_processes: (withDefaults.top_processes as Json[]).map((p) => ({
      ...PROCESS_DEFAULTS,
      ...p,
    })),
    momentum: { ...MOMENTUM_DEFAULTS, ...(withDefaults.momentum as Json) },
  };
}

/** Compare ours (shortest float32 text) with flatc's (6–9 digits) by their float32 value. */
function assertSameJson(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number" && typeof actual === "number" && !Number.isInteger(expected)) {
    assert.equal(Math.fround(actual), Math.fround(expected), path);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), path);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertSameJson(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    const a = actual as Json;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const [k, v] of Object.entries(expected)) assertSameJson(a[k], v, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

for (const c of VECTOR_CASES) {
  const bin = Deno.readFileSync(new URL(`${c.name}.bin`, dir));
  const framed = Deno.readFileSync(new URL(`${c.name}.framed.bin`, dir));
  const expected = normalise(JSON.parse(Deno.readTextFileSync(new URL(`${c.name}.json`, dir))));

  Deno.test(`vector ${c.name}: our codec decodes it to flatc's JSON`, () => {
    assertSameJson(frameToJson(decodeMetrics(bin)), expected, c.name);
  });

  Deno.test(`vector ${c.name}: the framed file is the BE length plus the same bytes`, () => {
    assert.equal(new DataView(framed.buffer).getUint32(0, false), bin.length);
    const [body] = new FrameDecoder().push(framed);
    assert.deepEqual(body, bin);
  });

  Deno.test(`vector ${c.name}: today's encoder still writes the committed bytes`, () => {
    const now = new FrameEncoder({ startedAtUs: c.startedAtUs })
      .encode(deepFreeze(c.snapshot), deepFreeze(c.momentum), {
        sequence: c.sequence,
        sentAtUs: c.sentAtUs,
      });
    assert.deepEqual(now, framed, "wire output changed: review, then `deno task vectors`");
  });

  Deno.test({
    name: `vector ${c.name}: flatc decodes it to the committed JSON`,
    ignore: !flatcAvailable(),
    async fn() {
      const out = await Deno.makeTempDir();
      try {
        const copy = `${out}/${c.name}.bin`;
        await Deno.writeFile(copy, bin);
        await runFlatc(["--json", "--raw-binary", "--strict-json", "-o", out, schema, "--", copy]);
        const fromFlatc = JSON.parse(await Deno.readTextFile(`${out}/${c.name}.json`));
        assert.deepEqual(normalise(fromFlatc), expected);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}

/**
 * The append-only rule, proved both ways with code flatc generates in the test run:
 * a reader built from the seed's schema (tests/vectors/seed_system_metrics.fbs)
 * reads today's frames, every appended field set, with every seed field intact; and
 * today's decoder and client read frames a daemon built from the schema before #17
 * (tests/vectors/previous_system_metrics.fbs) sends, the appended fields absent.
 */
import assert from "node:assert/strict";
import * as flatbuffers from "flatbuffers";
import { decodeAnimation, decodeMetrics, FrameEncoder } from "../../src/ipc/codec.ts";
import { type ReceivedFrame, subscribe } from "../../src/ipc/client.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor } from "../../src/momentum/momentum.ts";
import { VECTOR_CASES } from "../vectors/cases.ts";
import { EXTENDED_SNAPSHOT, MOMENTUM } from "../support/codec_fixtures.ts";
import { flatcAvailable, runFlatc } from "../support/flatc.ts";
import { ScriptedListener } from "../support/scripted_listener.ts";
import { withDir } from "../support/daemon.ts";

const vectors = new URL("../vectors/", import.meta.url).pathname;

/* The generated classes, as far as these tests call them (flatc writes them untyped here). */
// deno-lint-ignore no-explicit-any
type Generated = Record<string, any>;

/** flatc's TypeScript for `schema` (a file in tests/vectors/), imported from a temp dir. */
async function generated(schema: string): Promise<Generated> {
  const out = await Deno.makeTempDir();
  try {
    await runFlatc(["--ts", "--ts-flat-files", "--gen-all", "-o", out, `${vectors}${schema}`]);
    const file = `${out}/${schema.replace(/\.fbs$/, "")}_generated.ts`;
    return await import(`file://${file}`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/** Every seed field of a frame body, read by a reader generated from the seed's schema. */
function readWithSeed(seed: Generated, body: Uint8Array): Record<string, unknown> {
  const bb = new flatbuffers.ByteBuffer(body);
  assert.ok(seed.Opta_Metrics_SystemMetrics.bufferHasIdentifier(bb));
  const root = seed.Opta_Metrics_SystemMetrics.getRootAsSystemMetrics(bb);
  const m = root.momentum();
  return {
    cpuUsage: root.cpuUsage(),
    memoryUsage: root.memoryUsage(),
    memoryTotal: Number(root.memoryTotal()),
    diskUsage: root.diskUsage(),
    temperature: root.temperature(),
    timestamp: Number(root.timestamp()),
    topProcesses: Array.from({ length: root.topProcessesLength() }, (_, i) => {
      const p = root.topProcesses(i);
      return { pid: p.pid(), name: p.name(), cpuPercent: p.cpuPercent(), memoryMb: p.memoryMb() };
    }),
    momentum: { intensity: m.intensity(), color: m.color(), rotationSpeed: m.rotationSpeed() },
    sequence: Number(root.sequence()),
    sentAtUs: Number(root.sentAtUs()),
  };
}

/** The same seed fields as today's decoder reads them. */
function seedFieldsOf(body: Uint8Array): Record<string, unknown> {
  const f = decodeMetrics(body);
  const { cpuUsage, memoryUsage, memoryTotal, diskUsage, temperature, timestamp } = f;
  const { topProcesses, momentum, sequence, sentAtUs } = f;
  return {
    cpuUsage,
    memoryUsage,
    memoryTotal,
    diskUsage,
    temperature,
    timestamp,
    topProcesses,
    momentum,
    sequence,
    sentAtUs,
  };
}

Deno.test({
  name: "a reader generated from the seed's schema reads every seed field of today's frames",
  ignore: !flatcAvailable(),
  async fn() {
    const seed = await generated("seed_system_metrics.fbs");
    const fresh = new FrameEncoder({ startedAtUs: 1764183590000000 })
      .encode(EXTENDED_SNAPSHOT, MOMENTUM, { sequence: 77, sentAtUs: 1764183600124567 })
      .slice(4);
    const bodies: [string, Uint8Array, Snapshot][] = [
      ["EXTENDED_SNAPSHOT", fresh, EXTENDED_SNAPSHOT],
      ...VECTOR_CASES.map((c): [string, Uint8Array, Snapshot] => [
        c.name,
        Deno.readFileSync(`${vectors}${c.name}.bin`),
        c.snapshot,
      ]),
    ];
    let appended = 0;
    for (const [name, body, snapshot] of bodies) {
      const decoded = decodeMetrics(body);
      if (decoded.network !== null && decoded.cpuCores.length > 0) appended++;
      assert.deepEqual(readWithSeed(seed, body), seedFieldsOf(body), name);
      // And they are the values put in, not only what today's decoder makes of them.
      assert.equal(readWithSeed(seed, body).cpuUsage, Math.fround(snapshot.cpuUsage), name);
    }
    assert.ok(appended >= 3, "frames with the appended fields set were read");
  },
});

/** A frame as a daemon built from the schema before #17 sends it, by flatc's code for that schema. */
function previousFrame(prev: Generated): { framed: Uint8Array; expected: Snapshot } {
  const b = new flatbuffers.Builder(256);
  const P = prev.Opta_Metrics_ProcessInfo;
  const processes = [
    P.createProcessInfo(b, 412, b.createString("WindowServer"), 23.5, 512.25),
    P.createProcessInfo(b, 9051, b.createString("Überwachung ⚙️"), 18.25, 301.5),
  ];
  const S = prev.Opta_Metrics_SystemMetrics;
  const list = S.createTopProcessesVector(b, processes);
  const momentum = prev.Opta_Metrics_MomentumState.createMomentumState(
    b,
    0.75,
    MomentumColor.Critical,
    2.5,
  );
  S.startSystemMetrics(b);
  S.addCpuUsage(b, 37.25);
  S.addMemoryUsage(b, 70.5);
  S.addMemoryTotal(b, 34359738368n);
  S.addDiskUsage(b, 81.5);
  S.addTemperature(b, 54.5);
  S.addTimestamp(b, 1764183600123n);
  S.addTopProcesses(b, list);
  S.addMomentum(b, momentum);
  S.addSequence(b, 4242n);
  S.addSentAtUs(b, 1764183600125432n);
  S.addStartedAtUs(b, 1764183590000000n);
  S.finishSystemMetricsBuffer(b, S.endSystemMetrics(b));
  const body = b.asUint8Array();
  const framed = new Uint8Array(4 + body.length);
  new DataView(framed.buffer).setUint32(0, body.length, false);
  framed.set(body, 4);
  const expected: Snapshot = {
    ...NO_EXTENDED_READINGS,
    cpuUsage: 37.25,
    memoryUsage: 70.5,
    memoryTotal: 34359738368,
    diskUsage: 81.5,
    temperature: 54.5,
    timestamp: 1764183600123,
    topProcesses: [
      { pid: 412, name: "WindowServer", cpuPercent: 23.5, memoryMb: 512.25 },
      { pid: 9051, name: "Überwachung ⚙️", cpuPercent: 18.25, memoryMb: 301.5 },
    ],
  };
  return { framed, expected };
}

const PREVIOUS_HEADER = {
  momentum: { intensity: 0.75, color: MomentumColor.Critical, rotationSpeed: 2.5 },
  sequence: 4242,
  sentAtUs: 1764183600125432,
  startedAtUs: 1764183590000000,
};

Deno.test({
  name: "today's decoder reads a frame of the schema before #17: appended fields absent",
  ignore: !flatcAvailable(),
  async fn() {
    const { framed, expected } = previousFrame(await generated("previous_system_metrics.fbs"));
    const body = framed.subarray(4);
    assert.deepEqual(decodeMetrics(body), { ...expected, ...PREVIOUS_HEADER });
    assert.deepEqual(decodeAnimation(body), {
      color: MomentumColor.Critical,
      intensity: 0.75,
      rotationSpeed: 2.5,
      sequence: 4242,
      startedAtUs: 1764183590000000,
    });
  },
});

Deno.test({
  name: "subscribe() over a real socket reads frames of the schema before #17",
  ignore: !flatcAvailable(),
  async fn() {
    const { framed, expected } = previousFrame(await generated("previous_system_metrics.fbs"));
    await withDir(async (dir) => {
      const path = `${dir}/previous.sock`;
      const listener = new ScriptedListener(path, [{ frames: [framed], keepOpen: true }]);
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), 10_000);
      let received: ReceivedFrame | undefined;
      try {
        for await (const f of subscribe(path, { signal: stop.signal })) {
          received = f;
          break;
        }
      } finally {
        clearTimeout(timer);
        await listener.close();
      }
      assert.ok(received, "a frame arrived within 10 s");
      assert.deepEqual(received.frame, { ...expected, ...PREVIOUS_HEADER });
    });
  },
});

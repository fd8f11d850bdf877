/**
 * Load generator for the stream benchmark, run as its own process so the
 * daemon's figures are not mixed with the clients' work. Connects N subscribers
 * to SOCKET for SECONDS and prints one JSON summary: frames received, missed
 * (sequence gaps), and latency percentiles (receive time − send time, µs), and
 * each subscriber's delivered rate after WARMUP seconds (mean and lowest, Hz).
 * Connections the listener's backlog turns away are retried until the deadline.
 * With `raw`, every latency sample (after the warm-up) is included, for merging
 * several processes' figures.
 * Usage: deno run -A subscribers.ts SOCKET N SECONDS opta|floor [WARMUP] [raw]
 *
 * @module
 */

import { WallClock } from "../../src/time/wall_clock.ts";

const wallClock = new WallClock();
const wallClockMicros = () => wallClock.micros();
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { Opta_Metrics_SystemMetrics as SystemMetrics } from "../../src/ipc/generated/system_metrics_generated.ts";
import * as flatbuffers from "flatbuffers";

/** The JSON summary this script prints. */
export interface LoadSummary {
  subscribers: number;
  seconds: number;
  frames: number;
  missed: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
  rate_mean_hz: number;
  rate_min_hz: number;
  connect_retries: number;
  latencies_us?: number[];
}

const [path, countText, secondsText, kind = "opta", warmupText = "0", raw = ""] = Deno.args;
const count = Number(countText);
const seconds = Number(secondsText);
const warmup = Number(warmupText);
const latencies: number[] = [];
let frames = 0;
let missed = 0;
let connectRetries = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
const measuredFrom = started + warmup * 1000;
const perSubscriber: number[] = []; // frames received after the warm-up, per subscriber

async function connect(): Promise<Deno.UnixConn> {
  while (true) {
    try {
      return await Deno.connect({ transport: "unix", path });
    } catch (error) {
      // A full listen backlog (EAGAIN) or a daemon not up yet: try again until the deadline.
      if (performance.now() > deadline - 100) throw error;
      connectRetries++;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  }
}

/** One reused accessor over each frame: nothing decoded but the two fields read. */
const root = new SystemMetrics();

/**
 * A daemon frame's `sequence` and `sent_at_us`, read in place through the generated
 * accessors. The subscriber process serves all N subscribers, so whatever it does between
 * reading subscriber 1's frame and subscriber 2's adds to 2's measured latency: a full
 * decode (a few µs hot, tens cold) or batching it between ticks shows up in the tail. The
 * tests check the frames; this only needs the two fields.
 */
function tickFields(body: Uint8Array): { sequence: number; sentAtUs: number } {
  const bb = new flatbuffers.ByteBuffer(body);
  if (!SystemMetrics.bufferHasIdentifier(bb)) throw new Error("not an opta-metrics frame");
  SystemMetrics.getRootAsSystemMetrics(bb, root);
  return { sequence: Number(root.sequence()), sentAtUs: Number(root.sentAtUs()) };
}

async function subscriber(index: number): Promise<void> {
  perSubscriber[index] = 0;
  const conn = await connect();
  const decoder = new FrameDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let last: number | null = null;
  let skipFirst = true; // the frame waiting at connect time is not a tick
  const timer = setTimeout(() => conn.close(), Math.max(0, deadline - performance.now()));
  try {
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        break; // closed at the deadline
      }
      if (n === null) break;
      const now = wallClockMicros();
      const measured = performance.now() >= measuredFrom;
      for (const body of decoder.push(buffer.subarray(0, n))) {
        const counted = !skipFirst && measured;
        if (kind === "floor") {
          const sent = Number(new DataView(body.buffer, body.byteOffset).getBigUint64(0, true));
          if (counted) latencies.push(now - sent);
        } else {
          const { sequence, sentAtUs } = tickFields(body);
          if (last !== null && sequence > last + 1) missed += sequence - last - 1;
          last = sequence;
          if (counted) latencies.push(now - sentAtUs);
        }
        skipFirst = false;
        frames++;
        if (measured) perSubscriber[index]++;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

await Promise.all(Array.from({ length: count }, (_, i) => subscriber(i)));
latencies.sort((a, b) => a - b);
const rates = perSubscriber.map((n) => n / Math.max(0.001, seconds - warmup));
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
console.log(JSON.stringify({
  subscribers: count,
  seconds,
  frames,
  missed,
  p50_us: pct(0.5),
  p99_us: pct(0.99),
  max_us: latencies.at(-1) ?? 0,
  rate_mean_hz: rates.reduce((s, r) => s + r, 0) / Math.max(1, rates.length),
  rate_min_hz: rates.length ? Math.min(...rates) : 0,
  connect_retries: connectRetries,
  ...(raw === "raw" ? { latencies_us: latencies } : {}),
}));

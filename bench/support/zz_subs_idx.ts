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

import { wallClockMicros } from "../../src/ipc/clock.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";

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
const byIdx: number[][] = [];
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

/** A frame received but not yet decoded. */
interface Received {
  at: number;
  body: Uint8Array;
  counted: boolean;
  state: { last: number | null };
}
/**
 * Daemon frames are decoded in batches between ticks, not as they arrive: one process
 * serves all N subscribers, and decoding subscriber 1's frame before reading subscriber
 * 2's would add to 2's measured latency (the floor's frames need no decoding).
 */
let undecoded: Received[] = [];
function decodeReceived(): void {
  for (const { at, body, counted, state } of undecoded) {
    const f = decodeMetrics(body);
    if (state.last !== null && f.sequence > state.last + 1) missed += f.sequence - state.last - 1;
    state.last = f.sequence;
    if (counted) { latencies.push(at - f.sentAtUs); (byIdx[(state as any).idx] ??= []).push(at - f.sentAtUs); }
  }
  undecoded = [];
}

async function subscriber(index: number): Promise<void> {
  perSubscriber[index] = 0;
  const conn = await connect();
  const decoder = new FrameDecoder();
  const buffer = new Uint8Array(64 * 1024);
  const state = { last: null, idx: index };
  let skipFirst = true; // the frame waiting at connect time is not a tick
  const timer = setTimeout(() => conn.close(), Math.max(0, deadline - performance.now()));
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const now = wallClockMicros();
      const measured = performance.now() >= measuredFrom;
      for (const body of decoder.push(buffer.subarray(0, n))) {
        const counted = !skipFirst && measured;
        if (kind === "floor") {
          const sent = Number(new DataView(body.buffer, body.byteOffset).getBigUint64(0, true));
          if (counted) { latencies.push(now - sent); (byIdx[index] ??= []).push(now - sent); }
        } else {
          undecoded.push({ at: now, body: body.slice(), counted, state });
        }
        skipFirst = false;
        frames++;
        if (measured) perSubscriber[index]++;
      }
    }
  } catch {
    // closed at the deadline
  } finally {
    clearTimeout(timer);
  }
}

const decoding = setInterval(decodeReceived, 100);
await Promise.all(Array.from({ length: count }, (_, i) => subscriber(i)));
clearInterval(decoding);
decodeReceived();
latencies.sort((a, b) => a - b);
const rates = perSubscriber.map((n) => n / Math.max(0.001, seconds - warmup));
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
for (const [i, l] of byIdx.entries()) { l.sort((a, b) => a - b); console.error(`sub ${i}: p50 ${l[l.length >> 1]} p99 ${l[Math.floor(l.length * 0.99)]} >1ms ${l.filter((x) => x > 1000).length}`); }
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

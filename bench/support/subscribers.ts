/**
 * Load generator for the stream benchmark, run as its own process so the
 * daemon's figures are not mixed with the clients' work. Connects N subscribers
 * to SOCKET for SECONDS and prints one JSON summary: frames received, missed
 * (sequence gaps), and latency percentiles (receive time − send time, µs).
 * Usage: deno run -A subscribers.ts SOCKET N SECONDS opta|floor
 *
 * @module
 */

import { wallClockMicros } from "../../src/ipc/clock.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";

const [path, countText, secondsText, kind = "opta"] = Deno.args;
const count = Number(countText);
const seconds = Number(secondsText);
const latencies: number[] = [];
let frames = 0;
let missed = 0;
const deadline = performance.now() + seconds * 1000;

async function subscriber(): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  const decoder = new FrameDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let last: number | null = null;
  let skipFirst = true; // the frame waiting at connect time is not a tick
  const timer = setTimeout(() => conn.close(), Math.max(0, deadline - performance.now()));
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const now = wallClockMicros();
      for (const body of decoder.push(buffer.subarray(0, n))) {
        if (kind === "floor") {
          const sent = Number(new DataView(body.buffer, body.byteOffset).getBigUint64(0, true));
          if (!skipFirst) latencies.push(now - sent);
        } else {
          const f = decodeMetrics(body);
          if (last !== null && f.sequence > last + 1) missed += f.sequence - last - 1;
          last = f.sequence;
          if (!skipFirst) latencies.push(now - f.sentAtUs);
        }
        skipFirst = false;
        frames++;
      }
    }
  } catch {
    // closed at the deadline
  } finally {
    clearTimeout(timer);
  }
}

await Promise.all(Array.from({ length: count }, subscriber));
latencies.sort((a, b) => a - b);
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
}));

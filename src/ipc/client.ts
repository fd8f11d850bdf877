/**
 * Subscribe to a running opta-metrics daemon from any Deno program.
 *
 * @example
 * ```ts
 * import { subscribe } from "./client.ts";
 * const stop = new AbortController();
 * for await (const { frame, missed } of subscribe("/tmp/opta-metrics.sock", { signal: stop.signal })) {
 *   console.log(frame.sequence, frame.cpuUsage, frame.momentum.color, missed);
 * }
 * ```
 *
 * Needs `--allow-read`, `--allow-write` and `--allow-net=unix:<path>` for the socket path.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { wallClockMicros } from "./clock.ts";
import { DecodeError, decodeMetrics, type MetricsFrame } from "./codec.ts";
import { FrameDecoder, FrameError } from "./framing.ts";

/** One frame as the subscriber received it. */
export interface ReceivedFrame {
  /** The decoded frame. */
  frame: MetricsFrame;
  /** Frames published by the daemon since the previous one received and not seen here. */
  missed: number;
  /** True when `sequence` went backwards: the daemon restarted since the previous frame. */
  restarted: boolean;
  /** Wall-clock µs when it was decoded (latency = receivedAtUs − frame.sentAtUs). */
  receivedAtUs: number;
}

/** Connection state changes, for UIs that show "daemon down". */
export type SubscriberStatus =
  | { state: "connected"; path: string }
  | { state: "disconnected"; path: string; reason: string }
  | { state: "waiting"; path: string; reason: string; retryInMs: number };

/** Options of {@linkcode subscribe}. */
export interface SubscribeOptions {
  /** Abort to stop: the iterator ends cleanly and the connection is closed. */
  signal?: AbortSignal;
  /** Told about every connect, disconnect and retry. */
  onStatus?: (status: SubscriberStatus) => void;
  /** First retry delay in ms (default 100); doubles per failed attempt. */
  minBackoffMs?: number;
  /** Longest retry delay in ms (default 1000), so the client is back within 1 s of the daemon. */
  maxBackoffMs?: number;
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no socket at the path (daemon not running?)";
  if (error instanceof Deno.errors.ConnectionRefused) {
    return "connection refused (daemon not running?)";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied on the socket";
  return (error as Error)?.message ?? String(error);
}

/**
 * Frames from the daemon at `path`, forever: reconnects with backoff (100 ms
 * doubling to 1 s) whenever the daemon is down, restarts or sends something that
 * is not a valid stream, and reports gaps in `sequence`. Ends when `signal` aborts.
 */
export async function* subscribe(
  path: string,
  options: SubscribeOptions = {},
): AsyncGenerator<ReceivedFrame, void, undefined> {
  const { signal, onStatus = () => {} } = options;
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 1000;
  let backoff = minBackoff;
  let lastSequence: number | null = null;
  const buffer = new Uint8Array(64 * 1024);

  while (!signal?.aborted) {
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path });
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error; // a setup problem, not an outage
      onStatus({ state: "waiting", path, reason: describe(error), retryInMs: backoff });
      try {
        await sleep(backoff, undefined, { signal });
      } catch {
        return; // aborted while waiting
      }
      backoff = Math.min(maxBackoff, backoff * 2);
      continue;
    }
    backoff = minBackoff;
    onStatus({ state: "connected", path });
    const closeOnAbort = () => conn.close();
    signal?.addEventListener("abort", closeOnAbort, { once: true });
    const decoder = new FrameDecoder();
    let reason = "daemon closed the connection";
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const body of decoder.push(buffer.subarray(0, n))) {
          const frame = decodeMetrics(body);
          const restarted = lastSequence !== null && frame.sequence <= lastSequence;
          const missed = lastSequence === null || restarted ? 0 : frame.sequence - lastSequence - 1;
          lastSequence = frame.sequence;
          yield { frame, missed, restarted, receivedAtUs: wallClockMicros() };
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      reason = error instanceof FrameError || error instanceof DecodeError
        ? `bad stream: ${error.message}`
        : describe(error);
    } finally {
      signal?.removeEventListener("abort", closeOnAbort);
      try {
        conn.close();
      } catch {
        // closed already (abort)
      }
    }
    if (signal?.aborted) return;
    onStatus({ state: "disconnected", path, reason });
  }
}

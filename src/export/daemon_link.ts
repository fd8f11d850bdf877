/**
 * The exporter's side of the daemon's socket: on demand, one fresh frame. Each fetch
 * connects, reads frames until one holds readings at most `freshMs` old (or the deadline
 * passes), and disconnects, so a daemon scraped every 15 s is not kept streaming in
 * between. Concurrent fetches share one connection and its answer. Whatever goes wrong
 * (no daemon, a socket owned by another user, bytes that are not frames, a daemon that
 * says nothing) becomes a failure with a fixed category and a one-line reason, never an
 * exception: a scrape then reports `opta_up 0`.
 *
 * @module
 */

import { assertTrustedSocket, UntrustedSocketError } from "../ipc/client.ts";
import { DecodeError, decodeMetrics, type MetricsFrame } from "../ipc/codec.ts";
import { FrameDecoder, FrameError } from "../ipc/framing.ts";

/** Why a fetch got no usable frame, as a bounded label value. */
export type FailureKind = "unreachable" | "untrusted" | "bad_frame" | "closed" | "timeout";

/** The outcome of a fetch. */
export type Fetched =
  | { ok: true; frame: MetricsFrame; receivedAtMs: number }
  | { ok: false; kind: FailureKind; reason: string };

/** Options of {@linkcode DaemonLink}. */
export interface DaemonLinkOptions {
  /** The daemon's socket path. */
  socketPath: string;
  /** A frame whose newest reading is at most this old ends the wait, ms (default 1000). */
  freshMs?: number;
  /** How long a fetch waits for a fresh frame before taking the newest it got, ms (default 1500). */
  timeoutMs?: number;
  /** Wall-clock ms (default Date.now). */
  now?: () => number;
}

/** One-line description of a connect failure. */
function connectFailure(path: string, error: unknown): Fetched {
  if (error instanceof UntrustedSocketError) {
    return { ok: false, kind: "untrusted", reason: error.message };
  }
  const what = error instanceof Deno.errors.NotFound
    ? "no socket (is the daemon running?)"
    : error instanceof Deno.errors.ConnectionRefused
    ? "connection refused (is the daemon running?)"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied on the socket"
    : (error as Error)?.message?.split("\n")[0] ?? String(error);
  return { ok: false, kind: "unreachable", reason: `${path}: ${what}` };
}

/** Fetches fresh frames from the daemon at one socket path. */
export class DaemonLink {
  readonly #path: string;
  readonly #freshMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #inFlight: Promise<Fetched> | null = null;

  /** A link to the daemon at `options.socketPath`; nothing connects until a fetch. */
  constructor(options: DaemonLinkOptions) {
    this.#path = options.socketPath;
    this.#freshMs = options.freshMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh frame, or why there is none; callers at the same time share one fetch. */
  fetch(): Promise<Fetched> {
    this.#inFlight ??= this.#fetchOnce().finally(() => this.#inFlight = null);
    return this.#inFlight;
  }

  async #fetchOnce(): Promise<Fetched> {
    let conn: Deno.UnixConn;
    try {
      assertTrustedSocket(this.#path);
      conn = await Deno.connect({ transport: "unix", path: this.#path });
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error; // a setup problem, not an outage
      return connectFailure(this.#path, error);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeQuietly(conn);
    }, this.#timeoutMs);
    let newest: Fetched | null = null;
    try {
      const decoder = new FrameDecoder();
      const buffer = new Uint8Array(64 * 1024);
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const body of decoder.push(buffer.subarray(0, n))) {
          const frame = decodeMetrics(body);
          const receivedAtMs = this.#now();
          newest = { ok: true, frame, receivedAtMs };
          if (receivedAtMs - frame.timestamp <= this.#freshMs) return newest;
        }
      }
      return newest ?? { ok: false, kind: "closed", reason: "the daemon closed the connection" };
    } catch (error) {
      if (error instanceof FrameError || error instanceof DecodeError) {
        return { ok: false, kind: "bad_frame", reason: `bad frame: ${error.message}` };
      }
      if (timedOut) {
        return newest ??
          { ok: false, kind: "timeout", reason: `no frame within ${this.#timeoutMs} ms` };
      }
      return { ok: false, kind: "closed", reason: (error as Error).message.split("\n")[0] };
    } finally {
      clearTimeout(timer);
      closeQuietly(conn);
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // closed already
  }
}

/**
 * The exporter's side of the daemon's socket: on demand, one fresh frame. The link keeps
 * one connection and asks for each frame (`OPTQ`, PROTOCOL.md "Asking for frames"), so a
 * daemon scraped every 15 s reads its sources every 15 s, neither streaming in between nor
 * starting its full cadence for every scrape. A link that needs no process list asks with
 * `OPTL` instead: while every client of the daemon does, it runs no process source. A daemon
 * from before requests (or from before `OPTL`) keeps streaming to a client that asks: the
 * link notices the frames nobody asked for and falls back to connecting for each fetch and
 * leaving once it has a fresh frame.
 *
 * A fetch waits for a frame whose newest reading is at most `freshMs` old, up to its
 * deadline; concurrent fetches share one. Whatever goes wrong (no daemon, a socket owned by
 * another user, bytes that are not frames, a daemon that says nothing) becomes a failure
 * with a fixed category and a one-line reason, never an exception: a scrape then reports
 * `opta_up 0`.
 *
 * @module
 */

import { assertTrustedSocket, UntrustedSocketError } from "../ipc/client.ts";
import { notASocket } from "../ipc/socket_claim.ts";
import { FRAME_REQUEST, LIGHT_FRAME_REQUEST } from "../ipc/client_input.ts";
import { DecodeError, decodeMetrics, type MetricsFrame } from "../ipc/codec.ts";
import { FrameDecoder, FrameError } from "../ipc/framing.ts";
import { systemClock } from "../time/clock.ts";

/** Why a fetch got no usable frame, as a bounded label value. */
export type FailureKind = typeof FAILURE_KINDS[number];

/** Every {@linkcode FailureKind}. */
export const FAILURE_KINDS = [
  "unreachable",
  "untrusted",
  "bad_frame",
  "closed",
  "timeout",
] as const;

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
  /** Whether the frames need their process list (default true): false asks with `OPTL`. */
  processes?: boolean;
}

/** Frames nobody asked for, after an answer, that mark a daemon streaming regardless. */
const STREAMING_FRAMES = 5;

/** One-line description of a connect failure. */
function connectFailure(path: string, error: unknown): Fetched {
  if (error instanceof UntrustedSocketError) {
    return { ok: false, kind: "untrusted", reason: error.message };
  }
  const other = error instanceof Deno.errors.NotFound ? null : notASocket(path);
  if (other !== null) return { ok: false, kind: "unreachable", reason: other };
  const what = error instanceof Deno.errors.NotFound
    ? "no socket (is the daemon running?)"
    : error instanceof Deno.errors.ConnectionRefused
    ? "connection refused (is the daemon running?)"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied on the socket"
    : (error as Error)?.message?.split("\n")[0] ?? String(error);
  return { ok: false, kind: "unreachable", reason: `${path}: ${what}` };
}

/** One connection to the daemon: a reader that hands each frame to the request waiting. */
class Connection {
  /** Set once the connection has failed or closed: why. */
  failure: Fetched | null = null;
  /** The daemon sent frames nobody asked for: it streams whatever a client asks. */
  streaming = false;
  /** The last frame received, asked for or not. */
  latest: MetricsFrame | null = null;
  #waiter: ((frame: MetricsFrame) => boolean) | null = null;
  #onEnd: (() => void) | null = null;
  #answered = false;
  #unasked = 0;

  constructor(readonly conn: Deno.UnixConn, readonly request: Uint8Array) {
    void this.#read();
  }

  /** Ask for a frame; resolves with the first fresh one (`accept` says which), or null at the end. */
  ask(accept: (frame: MetricsFrame) => boolean): Promise<MetricsFrame | null> {
    return new Promise((resolve) => {
      this.#waiter = (frame) => {
        if (!accept(frame)) return false;
        this.#waiter = this.#onEnd = null;
        this.#answered = true;
        resolve(frame);
        return true;
      };
      this.#onEnd = () => resolve(null);
      this.conn.write(this.request).catch(() => this.close());
    });
  }

  /** Stop waiting (the deadline passed). */
  giveUp(): void {
    this.#waiter = null;
    this.#onEnd?.();
    this.#onEnd = null;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
  }

  async #read(): Promise<void> {
    const decoder = new FrameDecoder();
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (!this.streaming) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        for (const body of decoder.push(buffer.subarray(0, n))) {
          const frame = this.latest = decodeMetrics(body);
          if (this.#waiter?.(frame)) continue;
          if (this.#waiter === null && this.#answered && ++this.#unasked >= STREAMING_FRAMES) {
            this.streaming = true; // a daemon from before requests: stop its stream now
            break;
          }
        }
      }
      if (!this.streaming) {
        this.failure = { ok: false, kind: "closed", reason: "the daemon closed the connection" };
      }
    } catch (error) {
      this.failure = error instanceof FrameError || error instanceof DecodeError
        ? { ok: false, kind: "bad_frame", reason: `bad frame: ${error.message}` }
        : { ok: false, kind: "closed", reason: (error as Error).message.split("\n")[0] };
    }
    this.close();
    this.#onEnd?.();
  }
}

/** Fetches fresh frames from the daemon at one socket path. */
export class DaemonLink {
  readonly #path: string;
  readonly #freshMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #request: Uint8Array;
  #connection: Connection | null = null;
  /** The daemon streams whatever a client asks: connect for each fetch, leave after it. */
  #streams = false;
  #inFlight: Promise<Fetched> | null = null;

  /** A link to the daemon at `options.socketPath`; nothing connects until a fetch. */
  constructor(options: DaemonLinkOptions) {
    this.#path = options.socketPath;
    this.#freshMs = options.freshMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#now = options.now ?? Date.now;
    this.#request = options.processes === false ? LIGHT_FRAME_REQUEST : FRAME_REQUEST;
  }

  /** A fresh frame, or why there is none; callers at the same time share one fetch. */
  fetch(): Promise<Fetched> {
    this.#inFlight ??= this.#fetchOnce().finally(() => this.#inFlight = null);
    return this.#inFlight;
  }

  /** Close the connection (the exporter is stopping). */
  close(): void {
    this.#connection?.close();
    this.#connection = null;
  }

  async #fetchOnce(): Promise<Fetched> {
    this.#streams ||= this.#connection?.streaming ?? false;
    if (this.#connection?.failure || this.#connection?.streaming) this.#connection = null;
    if (this.#connection === null) {
      try {
        assertTrustedSocket(this.#path);
        this.#connection = new Connection(
          await Deno.connect({ transport: "unix", path: this.#path }),
          this.#request,
        );
      } catch (error) {
        if (error instanceof Deno.errors.NotCapable) throw error; // a setup problem, not an outage
        return connectFailure(this.#path, error);
      }
    }
    const connection = this.#connection;
    const timer = systemClock.setTimeout(() => connection.giveUp(), this.#timeoutMs);
    const frame = await connection.ask((f) => this.#now() - f.timestamp <= this.#freshMs);
    systemClock.clear(timer);
    this.#streams ||= connection.streaming;
    // A daemon that streams anyway: leave, and come back for the next fetch only.
    if (this.#streams || connection.failure) {
      connection.close();
      this.#connection = null;
    }
    // Past the deadline, the newest frame there is: its age tells how stale the daemon is.
    const got = frame ?? connection.latest;
    if (got !== null) return { ok: true, frame: got, receivedAtMs: this.#now() };
    if (connection.failure) return connection.failure;
    return { ok: false, kind: "timeout", reason: `no frame within ${this.#timeoutMs} ms` };
  }
}

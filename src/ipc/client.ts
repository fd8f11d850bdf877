/**
 * Subscribe to a running opta-metrics daemon from any Deno program.
 *
 * @example
 * ```ts
 * import { subscribe } from "./client.ts";
 * import { defaultClientSocket } from "./default_socket.ts";
 * const stop = new AbortController();
 * const socket = defaultClientSocket(); // or the path you chose with --socket
 * for await (const { frame, missed } of subscribe(socket, { signal: stop.signal })) {
 *   // Appended readings are null (or []) when the daemon or machine has none.
 *   console.log(frame.sequence, frame.cpuUsage, frame.network?.receiveBytesPerSecond, missed);
 * }
 * ```
 *
 * Needs, for the socket path only: `--allow-read=<path>` (to check the socket file's
 * owner), `--allow-write=<path>` and `--allow-net=unix:<path>` (to connect), and
 * `--allow-sys=uid` (to compare that owner with the current user). Nothing else.
 *
 * Before every connect the socket file must belong to the current user or root:
 * in a shared directory such as `/tmp` another local user can create the path
 * first and serve frames of their choosing. A socket owned by anyone else ends
 * the iterator with an {@linkcode UntrustedSocketError}; it is never retried.
 *
 * @module
 */

import { Backoff } from "../time/backoff.ts";
import { type Clock, sleep, systemClock } from "../time/clock.ts";
import { WallClock } from "../time/wall_clock.ts";
import { DecodeError, decodeMetrics, type MetricsFrame } from "./codec.ts";
import { FrameDecoder, FrameError, PARTIAL_FRAME_TIMEOUT_MS } from "./framing.ts";
import { notASocket } from "./socket_claim.ts";
import { SocketPathError } from "./socket_path.ts";

export type { MetricsFrame } from "./codec.ts";
export type {
  BatterySample,
  BatteryState,
  CoreLevel,
  DiskIoSample,
  LoadAverage,
  MemoryPressure,
  NetworkSample,
  ProcessSample,
  SwapUsage,
} from "../metrics/types.ts";

/** One frame as the subscriber received it. */
export interface ReceivedFrame {
  /** The decoded frame. */
  frame: MetricsFrame;
  /**
   * Frames the same daemon run published since the previous one received and not
   * seen here (0 across a restart, and for the last frame sent again on a reconnect).
   */
  missed: number;
  /**
   * True when the frame comes from another daemon run than the previous one (its
   * `startedAtUs` changed): the daemon restarted, and `missed` is 0.
   */
  restarted: boolean;
  /** Wall-clock µs when it was decoded (latency = receivedAtUs − frame.sentAtUs). */
  receivedAtUs: number;
}

/** Connection state changes, for UIs that show "daemon down". */
export type SubscriberStatus =
  | { state: "connected"; path: string }
  | {
    state: "disconnected";
    path: string;
    reason: string;
    /**
     * True when the connection worked: it delivered a frame and stayed open at least
     * `maxBackoffMs`. The next outage is then a new one (the backoff starts over).
     */
    stable: boolean;
  }
  | { state: "waiting"; path: string; reason: string; retryInMs: number };

/** Options of {@linkcode subscribe}. */
export interface SubscribeOptions {
  /** Abort to stop: the iterator ends cleanly and the connection is closed. */
  signal?: AbortSignal;
  /** Told about every connect, disconnect and retry. */
  onStatus?: (status: SubscriberStatus) => void;
  /**
   * First retry delay in ms (default 100); doubles per failed attempt. A connection
   * that closes before it delivered a frame, or within `maxBackoffMs` of opening,
   * is a failed attempt too: only a stable one starts the backoff over.
   */
  minBackoffMs?: number;
  /**
   * Longest retry delay in ms (default 1000), so the client is back within 1 s of the
   * daemon; also how long a connection must last to count as stable.
   */
  maxBackoffMs?: number;
  /** The clock the waits between attempts run on (default: the system clock). */
  clock?: Clock;
}

/**
 * The socket file belongs to neither the current user nor root: whoever serves on
 * it may be impersonating the daemon, so the client does not connect.
 */
export class UntrustedSocketError extends Error {
  /** The socket path. */
  readonly path: string;
  /** The uid owning the socket file. */
  readonly owner: number;
  /** Creates the error for `path`, owned by `owner` while this process runs as `self`. */
  constructor(path: string, owner: number, self: number) {
    super(
      `socket ${path} is owned by uid ${owner}, not by you (uid ${self}) or root: ` +
        "refusing to connect, as another user may be impersonating the daemon; " +
        "ask that user (or root) to remove it, then start the daemon again",
    );
    this.name = "UntrustedSocketError";
    this.path = path;
    this.owner = owner;
  }
}

/**
 * Throws {@linkcode UntrustedSocketError} unless the socket file at `path` (and,
 * through a symlink, its target) is owned by the current user or root. A missing
 * or unreadable path passes: the connect that follows reports it.
 */
export function assertTrustedSocket(path: string): void {
  const self = Deno.uid();
  if (self === null) return; // no uids on this platform
  for (const stat of [Deno.lstatSync, Deno.statSync]) {
    let owner: number | null;
    try {
      owner = stat(path).uid;
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      return;
    }
    if (owner !== null && owner !== self && owner !== 0) {
      throw new UntrustedSocketError(path, owner, self);
    }
  }
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
 * doubling to 1 s) whenever the daemon is down, restarts, closes a connection
 * before it proved stable (a frame delivered, open for `maxBackoffMs`), sends
 * something that is not a valid stream or leaves a frame half-sent for
 * {@linkcode PARTIAL_FRAME_TIMEOUT_MS}; reports gaps in `sequence` and restarts.
 * Ends when `signal` aborts; throws {@linkcode UntrustedSocketError} when the
 * socket belongs to another user, and `SocketPathError` when the path holds
 * something other than a socket (no daemon will replace it).
 */
export async function* subscribe(
  path: string,
  options: SubscribeOptions = {},
): AsyncGenerator<ReceivedFrame, void, undefined> {
  const { signal, onStatus = () => {} } = options;
  const clock = options.clock ?? systemClock;
  const wallClock = new WallClock();
  const stableMs = options.maxBackoffMs ?? 1000;
  const backoff = new Backoff({ initialMs: options.minBackoffMs ?? 100, maxMs: stableMs });
  let lastSequence = 0;
  let lastRun: number | null = null;
  const buffer = new Uint8Array(64 * 1024);
  /** Waits out the next backoff; false when aborted meanwhile. */
  const wait = async (reason: string): Promise<boolean> => {
    const retryInMs = backoff.next();
    onStatus({ state: "waiting", path, reason, retryInMs });
    try {
      await sleep(clock, retryInMs, signal);
    } catch {
      return false;
    }
    return true;
  };

  while (!signal?.aborted) {
    let conn: Deno.UnixConn;
    try {
      assertTrustedSocket(path);
      conn = await Deno.connect({ transport: "unix", path });
    } catch (error) {
      // A setup problem or an impostor, not an outage: retrying cannot help.
      if (error instanceof Deno.errors.NotCapable || error instanceof UntrustedSocketError) {
        throw error;
      }
      const other = error instanceof Deno.errors.NotFound ? null : notASocket(path);
      if (other !== null) throw new SocketPathError(other);
      if (!await wait(describe(error))) return;
      continue;
    }
    onStatus({ state: "connected", path });
    const openedAt = clock.now();
    let delivered = false;
    const closeOnAbort = () => conn.close();
    signal?.addEventListener("abort", closeOnAbort, { once: true });
    const decoder = new FrameDecoder();
    const read = new TimedRead(conn, clock);
    let reason = "daemon closed the connection";
    try {
      while (true) {
        // Between frames a live daemon may pause; inside one it never does.
        const limit = decoder.buffered > 0 ? PARTIAL_FRAME_TIMEOUT_MS : null;
        const n = await read.into(buffer, limit);
        if (n === null) break;
        for (const body of decoder.push(buffer.subarray(0, n))) {
          const frame = decodeMetrics(body);
          delivered = true;
          // The run id, not the sequence, tells a restart: a new run kept ticking by other
          // clients can be far ahead, and the same run re-sends its last frame on a reconnect.
          const sameRun = lastRun === frame.startedAtUs;
          const restarted = lastRun !== null && !sameRun;
          const missed = sameRun ? Math.max(0, frame.sequence - lastSequence - 1) : 0;
          lastRun = frame.startedAtUs;
          lastSequence = frame.sequence;
          yield { frame, missed, restarted, receivedAtUs: wallClock.micros() };
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      reason = read.timedOut
        ? `bad stream: a frame was left half-sent (${decoder.buffered} bytes of it arrived, ` +
          `then nothing for ${PARTIAL_FRAME_TIMEOUT_MS / 1000} s)`
        : error instanceof FrameError || error instanceof DecodeError
        ? `bad stream: ${error.message}`
        : describe(error);
    } finally {
      signal?.removeEventListener("abort", closeOnAbort);
      try {
        conn.close();
      } catch {
        // closed already (abort, timeout)
      }
    }
    if (signal?.aborted) return;
    // Only a connection that worked for a while starts the backoff over: one that closes
    // at once, with or without a frame, is a failed attempt, or the client would loop.
    const stable = delivered && clock.now() - openedAt >= stableMs;
    onStatus({ state: "disconnected", path, reason, stable });
    if (stable) {
      backoff.reset();
      continue;
    }
    const early = delivered ? `within ${stableMs} ms of connecting` : "before sending a frame";
    if (!await wait(`${reason} ${early}`)) return;
  }
}

/**
 * Reads of one connection, each with an optional time limit on `clock`: past it the
 * connection is closed, the pending read fails, and `timedOut` says why.
 */
class TimedRead {
  /** True once a read ran out of time. */
  timedOut = false;
  readonly #conn: Deno.UnixConn;
  readonly #clock: Clock;

  /** Reads from `conn`, timed on `clock`. */
  constructor(conn: Deno.UnixConn, clock: Clock) {
    this.#conn = conn;
    this.#clock = clock;
  }

  /** `conn.read(buffer)`, failing once `limitMs` passes first (null: no limit). */
  async into(buffer: Uint8Array, limitMs: number | null): Promise<number | null> {
    if (limitMs === null) return await this.#conn.read(buffer);
    const timer = this.#clock.setTimeout(() => {
      this.timedOut = true;
      this.#conn.close();
    }, limitMs);
    try {
      return await this.#conn.read(buffer);
    } finally {
      this.#clock.clear(timer);
    }
  }
}

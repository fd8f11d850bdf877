/**
 * One client of the broadcast and its write queue: at most one frame in flight
 * and one pending, a newer frame replacing the pending one (latest wins), the
 * rest of a partial write sent before the next frame, and the time the write in
 * flight started, which is what stall detection measures. A client whose input
 * ended may only have shut down its sending side; an empty write at once (or,
 * where the OS lets that succeed, its next frame's) tells whether it is still there. Which clients exist, the counters and the log belong to the
 * {@linkcode Broadcaster} that holds them.
 *
 * @example
 * ```ts
 * import { Subscriber } from "./subscriber.ts";
 * const conn = await Deno.connect({ transport: "unix", path: "/run/user/1000/opta-metrics.sock" });
 * const subscriber = new Subscriber(1, conn, {
 *   sent: () => console.log("a frame went out"),
 *   writeFailed: (s) => s.close(),
 * });
 * subscriber.send(new Uint8Array([0, 0, 0, 0]), performance.now());
 * ```
 *
 * @module
 */

/** Written to a client whose input ended, to learn whether it still reads. */
const PROBE = new Uint8Array(0);

/** What the broadcaster uses of a connection; a `Deno.UnixConn` is one. */
export interface BroadcastConn {
  /** Writes a prefix of `bytes`; resolves to how many bytes were taken. */
  write(bytes: Uint8Array): Promise<number>;
  /** Reads into `buffer`; resolves to the byte count, or null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Closes both directions; a read or write in flight then rejects. */
  close(): void;
}

/** What a {@linkcode Subscriber} tells its owner. */
export interface SubscriberEvents {
  /** A frame was written in full. */
  sent(): void;
  /** A write failed while the subscriber was open: the owner closes it and says why. */
  writeFailed(subscriber: Subscriber, error: unknown): void;
}

/** One client's connection and its latest-wins write queue. */
export class Subscriber {
  /** Its number in the log. */
  readonly id: number;
  /** Its connection. */
  readonly conn: BroadcastConn;
  readonly #events: SubscriberEvents;
  #pending: Uint8Array | null = null;
  #writing = false;
  #writeStartedMs = 0;
  #closed = false;
  /** The client shut down its sending side: a failed write then means it has gone. */
  #readEnded = false;
  /** What the socket has not yet taken of the frame being written. */
  #unsent: Uint8Array | null = null;
  /** Set by {@linkcode Subscriber.settled}: called when the write in flight has settled. */
  #settled: (() => void) | null = null;
  /** Each write's outcome; bound once per client, so a write allocates no closure. */
  readonly #onWritten = (bytes: number): void => this.#written(bytes);
  readonly #onWriteFailed = (error: unknown): void => this.#failed(error);

  /** A subscriber with nothing to write yet; `events` reach its owner. */
  constructor(id: number, conn: BroadcastConn, events: SubscriberEvents) {
    this.id = id;
    this.conn = conn;
    this.#events = events;
  }

  /** It has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Its input ended (it shut down its sending side, or has gone). */
  get readEnded(): boolean {
    return this.#readEnded;
  }

  /**
   * Queue `frame`, replacing a pending one, and start writing it unless a write is in
   * flight; `nowMs` starts the stall clock of a write this begins. Returns true when a
   * pending frame was replaced, never to be sent.
   */
  send(frame: Uint8Array, nowMs: number): boolean {
    const replaced = this.#pending !== null;
    this.#pending = frame;
    if (!this.#writing) this.#writeNext(nowMs);
    return replaced;
  }

  /** How long the write in flight has lasted at `nowMs` (ms), or -1 when none is. */
  writingForMs(nowMs: number): number {
    return this.#writing ? nowMs - this.#writeStartedMs : -1;
  }

  /** Restart the stall clock of the write in flight (this process itself was frozen). */
  forgiveStall(nowMs: number): void {
    if (this.#writing) this.#writeStartedMs = nowMs;
  }

  /**
   * Its input ended: it has gone, or only shut down its sending side and reads on. An empty
   * write tells which at once where the OS fails it for a peer that has closed (Linux); else
   * the next frame's write does. Until then it keeps its place among the clients.
   */
  inputEnded(): void {
    this.#readEnded = true;
    if (this.#writing || this.#closed) return; // the write in flight tells
    this.#writing = true;
    this.#writeStartedMs = performance.now();
    this.#write(PROBE);
  }

  /** Resolves once no write is in flight (at once if none is). */
  settled(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#settled = resolve);
  }

  /** Drop the pending frame and close the connection. Returns false if already closed. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#pending = null;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    return true;
  }

  /**
   * Start writing the pending frame, if any. The write path is promise callbacks
   * rather than an async loop: at 25 Hz per client, each async frame and closure
   * is garbage the collector must chase.
   */
  #writeNext(nowMs: number): void {
    const frame = this.#pending;
    if (frame === null || this.#closed) {
      this.#writing = false;
      this.#settled?.();
      return;
    }
    this.#pending = null;
    this.#writing = true;
    this.#writeStartedMs = nowMs;
    this.#write(frame);
  }

  #write(bytes: Uint8Array): void {
    this.#unsent = bytes;
    this.conn.write(bytes).then(this.#onWritten, this.#onWriteFailed);
  }

  #written(bytes: number): void {
    const unsent = this.#unsent!;
    if (bytes < unsent.length && !this.#closed) {
      this.#write(unsent.subarray(bytes)); // a partial write: send the rest first
      return;
    }
    this.#unsent = null;
    if (bytes >= unsent.length && unsent !== PROBE) this.#events.sent();
    this.#writeNext(performance.now());
  }

  #failed(error: unknown): void {
    this.#unsent = null;
    this.#writing = false;
    if (!this.#closed) this.#events.writeFailed(this, error);
    this.#settled?.();
  }
}

/**
 * One client of the broadcast and its write queue: at most one frame in flight
 * and one pending, a newer frame replacing the pending one (latest wins), the
 * rest of a partial write sent before the next frame, and the time the write in
 * flight started, which is what stall detection measures. A client whose input
 * ended may only have shut down its sending side; its next write tells whether
 * it is still there. Which clients exist, the counters and the log belong to the
 * {@linkcode Broadcaster} that holds them.
 *
 * @example
 * ```ts
 * import { Subscriber } from "./subscriber.ts";
 * const conn = await Deno.connect({ transport: "unix", path: "/tmp/opta-metrics.sock" });
 * const subscriber = new Subscriber(1, conn, {
 *   sent: () => console.log("a frame went out"),
 *   writeFailed: (s) => s.close(),
 * });
 * subscriber.send(new Uint8Array([0, 0, 0, 0]), performance.now());
 * ```
 *
 * @module
 */

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
  /**
   * Its stream ended and no write has yet shown whether it only half-closed (still
   * reading) or has gone: it does not count against the client limit meanwhile.
   */
  #unconfirmed = false;
  /** The write in flight started after the stream ended: its outcome settles `unconfirmed`. */
  #probing = false;
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

  /** Its input ended and no write has yet shown whether it is still reading. */
  get unconfirmed(): boolean {
    return this.#unconfirmed;
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

  /** Its input ended: keep writing; the next write shows whether it is still there. */
  inputEnded(): void {
    this.#readEnded = true;
    this.#unconfirmed = true;
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
    this.#confirm();
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
    this.#probing = this.#unconfirmed;
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
    if (bytes >= unsent.length) this.#events.sent();
    if (this.#probing) this.#confirm(); // written after its stream ended: half-closed
    this.#writeNext(performance.now());
  }

  #failed(error: unknown): void {
    this.#unsent = null;
    this.#writing = false;
    if (!this.#closed) this.#events.writeFailed(this, error);
    this.#settled?.();
  }

  #confirm(): void {
    this.#unconfirmed = false;
    this.#probing = false;
  }
}

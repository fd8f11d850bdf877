/**
 * Fan-out of frames to subscribers with `watch`-channel semantics: every client
 * gets the newest frame; a client that is still writing an older one has its
 * pending frame replaced (latest wins), so memory per client is bounded by one
 * frame in flight plus one pending. A write stuck past the stall timeout closes
 * that client; a stalled client never delays the others. Bytes clients send are
 * read and discarded, and a client that floods is closed. A client that shuts
 * down its sending side (half-close) is served on until its reading side goes.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log.ts";
import { drainClientInput } from "./client_input.ts";

/** What the broadcaster uses of a connection; a `Deno.UnixConn` is one. */
export interface BroadcastConn {
  /** Writes a prefix of `bytes`; resolves to how many bytes were taken. */
  write(bytes: Uint8Array): Promise<number>;
  /** Reads into `buffer`; resolves to the byte count, or null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Closes both directions; a read or write in flight then rejects. */
  close(): void;
}

/** Broadcaster settings. */
export interface BroadcasterOptions {
  /** Close a client whose write has not completed for this long (ms). */
  stallTimeoutMs: number;
  /** Refuse connections beyond this many clients. */
  maxClients: number;
  /** Close a client that sends more than this many bytes within one second. */
  floodBytesPerSecond?: number;
  /** Lifecycle log. */
  log?: Logger;
  /** Called when the first client arrives (0 → 1). */
  onFirstClient?: () => void;
  /** Called when the last client leaves (1 → 0). */
  onLastClient?: () => void;
}

/** Counters since start. */
export interface BroadcasterStats {
  /** Clients connected now. */
  clients: number;
  /** Frames completely written to some client. */
  framesSent: number;
  /** Frames replaced before a slow client could be sent them. */
  framesDropped: number;
  /** Clients closed for stalling. */
  stalled: number;
  /** Clients closed for flooding. */
  flooded: number;
  /** Connections refused at the client limit. */
  refused: number;
}

interface Client {
  id: number;
  conn: BroadcastConn;
  pending: Uint8Array | null;
  writing: boolean;
  writeStartedMs: number;
  closed: boolean;
  /** The client shut down its sending side: a failed write then means it has gone. */
  readEnded: boolean;
  /**
   * Its stream ended and no write has yet shown whether it only half-closed (still
   * reading) or has gone: it does not count against the client limit meanwhile.
   */
  unconfirmed: boolean;
  /** The write in flight started after the stream ended: its outcome settles `unconfirmed`. */
  probing: boolean;
  /** What the socket has not yet taken of the frame being written. */
  unsent: Uint8Array | null;
  /** Each write's outcome; bound once per client, so a write allocates no closure. */
  onWritten: (bytes: number) => void;
  onWriteFailed: (error: unknown) => void;
  /** Set by closeAll: called when the write in flight has settled. */
  settled: (() => void) | null;
}

/** Hands the same frame bytes to every connected client. */
export class Broadcaster {
  /** An array, not a Set: the tick walks it, and a loop over an array allocates nothing. */
  readonly #clients: Client[] = [];
  readonly #options: Required<Omit<BroadcasterOptions, "onFirstClient" | "onLastClient">>;
  readonly #onFirst: () => void;
  readonly #onLast: () => void;
  readonly #stats: BroadcasterStats = {
    clients: 0,
    framesSent: 0,
    framesDropped: 0,
    stalled: 0,
    flooded: 0,
    refused: 0,
  };
  #nextId = 1;
  /** Clients whose stream ended and whose next write has not yet told if they are gone. */
  #unconfirmed = 0;
  #lastRefusalLogMs = -Infinity;
  #refusedSinceLog = 0;

  /** Creates a broadcaster with no clients. */
  constructor(options: BroadcasterOptions) {
    this.#options = {
      floodBytesPerSecond: 64 * 1024,
      log: silentLogger,
      ...options,
    };
    this.#onFirst = options.onFirstClient ?? (() => {});
    this.#onLast = options.onLastClient ?? (() => {});
  }

  /** Clients connected now. */
  get size(): number {
    return this.#clients.length;
  }

  /** A copy of the counters. */
  stats(): BroadcasterStats {
    return { ...this.#stats, clients: this.#clients.length };
  }

  /**
   * Take a new connection. Returns false (and closes it) at the client limit.
   * `current`, when given, is sent to it at once.
   */
  add(conn: BroadcastConn, current: Uint8Array | null): boolean {
    // A client gone a moment ago is confirmed gone at its next write (within a tick):
    // until then it takes no place, so fast reconnects are not refused meanwhile.
    if (this.#clients.length - this.#unconfirmed >= this.#options.maxClients) {
      this.#refuse(conn);
      return false;
    }
    const client: Client = {
      id: this.#nextId++,
      conn,
      pending: null,
      writing: false,
      writeStartedMs: 0,
      closed: false,
      readEnded: false,
      unconfirmed: false,
      probing: false,
      unsent: null,
      onWritten: (bytes) => this.#written(client, bytes),
      onWriteFailed: (error) => this.#writeFailed(client, error),
      settled: null,
    };
    this.#clients.push(client);
    this.#options.log.log("info", "client connected", {
      client: client.id,
      clients: this.#clients.length,
    });
    if (this.#clients.length === 1) this.#onFirst();
    void this.#readLoop(client);
    if (current) this.#send(client, current, performance.now());
    return true;
  }

  /**
   * Send `frame` to every client (replacing a slow client's pending frame); `nowMs` (a
   * `performance.now()` time) starts the stall clock of the writes this begins.
   */
  publish(frame: Uint8Array, nowMs: number = performance.now()): void {
    const clients = this.#clients;
    for (let i = 0; i < clients.length; i++) this.#send(clients[i], frame, nowMs);
  }

  /** Close every client whose current write started more than the stall timeout ago. */
  closeStalled(nowMs: number = performance.now()): void {
    const clients = this.#clients;
    for (let i = clients.length - 1; i >= 0; i--) { // backwards: closing removes the client
      const client = clients[i];
      if (client.writing && nowMs - client.writeStartedMs > this.#options.stallTimeoutMs) {
        this.#stats.stalled++;
        this.#close(client, "client stalled, closed", "warn", {
          stalled_ms: Math.round(nowMs - client.writeStartedMs),
        });
      }
    }
  }

  /** Restart every pending write's stall clock (after this process itself was frozen). */
  forgiveStalls(nowMs: number = performance.now()): void {
    for (const client of this.#clients) if (client.writing) client.writeStartedMs = nowMs;
  }

  /** Close every client and wait for their writes to settle. */
  async closeAll(): Promise<void> {
    const inFlight: Promise<void>[] = [];
    for (const client of [...this.#clients]) { // a copy: closing removes the client
      if (client.writing) inFlight.push(new Promise((resolve) => client.settled = resolve));
      this.#close(client, "client closed", "debug");
    }
    await Promise.all(inFlight);
  }

  #send(client: Client, frame: Uint8Array, nowMs: number): void {
    if (client.pending !== null) this.#stats.framesDropped++;
    client.pending = frame;
    if (!client.writing) this.#writeNext(client, nowMs);
  }

  /**
   * Start writing the pending frame, if any. The write path is promise callbacks
   * rather than an async loop: at 25 Hz per client, each async frame and closure
   * is garbage the collector must chase (about 1.7 KB per client per tick).
   */
  #writeNext(client: Client, nowMs: number): void {
    const frame = client.pending;
    if (frame === null || client.closed) {
      client.writing = false;
      client.settled?.();
      return;
    }
    client.pending = null;
    client.writing = true;
    client.writeStartedMs = nowMs;
    client.probing = client.unconfirmed;
    this.#write(client, frame);
  }

  #write(client: Client, bytes: Uint8Array): void {
    client.unsent = bytes;
    client.conn.write(bytes).then(client.onWritten, client.onWriteFailed);
  }

  #written(client: Client, bytes: number): void {
    const unsent = client.unsent!;
    if (bytes < unsent.length && !client.closed) {
      this.#write(client, unsent.subarray(bytes)); // a partial write: send the rest first
      return;
    }
    client.unsent = null;
    if (bytes >= unsent.length) this.#stats.framesSent++;
    if (client.probing) this.#confirm(client); // written after its stream ended: half-closed
    this.#writeNext(client, performance.now());
  }

  #writeFailed(client: Client, error: unknown): void {
    client.unsent = null;
    client.writing = false;
    if (!client.closed) {
      if (client.readEnded) this.#close(client, "client disconnected", "info");
      else {
        this.#close(client, "client write failed, closed", "info", {
          error: (error as Error).name,
        });
      }
    }
    client.settled?.();
  }

  /** Reads and discards what the client sends, and acts on how its input ends. */
  async #readLoop(client: Client): Promise<void> {
    const end = await drainClientInput(client.conn, this.#options.floodBytesPerSecond);
    if (client.closed) return;
    if (end.kind === "eof") {
      // It may only have shut down its sending side (a client never needs to send). Keep
      // writing; the next write to a client that is gone fails and closes it.
      client.readEnded = true;
      client.unconfirmed = true;
      this.#unconfirmed++;
    } else if (end.kind === "flood") {
      this.#stats.flooded++;
      this.#close(client, "client flooding, closed", "warn", {
        bytes_per_second: end.bytesPerSecond,
      });
    } else {
      this.#close(client, "client disconnected", "info");
    }
  }

  #close(
    client: Client,
    event: string,
    level: "debug" | "info" | "warn",
    fields: Record<string, string | number> = {},
  ): void {
    if (client.closed) return;
    client.closed = true;
    client.pending = null;
    this.#confirm(client);
    try {
      client.conn.close();
    } catch {
      // already closed
    }
    this.#clients.splice(this.#clients.indexOf(client), 1);
    this.#options.log.log(level, event, {
      client: client.id,
      clients: this.#clients.length,
      ...fields,
    });
    if (this.#clients.length === 0) this.#onLast();
  }

  #confirm(client: Client): void {
    if (!client.unconfirmed) return;
    client.unconfirmed = false;
    client.probing = false;
    this.#unconfirmed--;
  }

  #refuse(conn: BroadcastConn): void {
    this.#stats.refused++;
    this.#refusedSinceLog++;
    try {
      conn.close();
    } catch {
      // already closed
    }
    const now = performance.now();
    if (now - this.#lastRefusalLogMs >= 10_000) {
      this.#options.log.log("warn", "connection refused: client limit reached", {
        max_clients: this.#options.maxClients,
        refused: this.#refusedSinceLog,
      });
      this.#lastRefusalLogMs = now;
      this.#refusedSinceLog = 0;
    }
  }
}

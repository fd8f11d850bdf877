/**
 * Fan-out of frames to subscribers with `watch`-channel semantics: every client
 * gets the newest frame; a client that is still writing an older one has its
 * pending frame replaced (latest wins), so memory per client is bounded by one
 * frame in flight plus one pending. A write stuck past the stall timeout closes
 * that client; a stalled client never delays the others. Bytes clients send are
 * read and discarded, and a client that floods is closed. A client that shuts
 * down its sending side (half-close) is served on until its reading side goes.
 * A client that asks for a frame (`OPTQ`, PROTOCOL.md "Asking for frames") turns
 * on-demand: from then on it gets only the frames sent to it with
 * {@linkcode Broadcaster.sendTo}, and the first/last client events count the
 * streaming clients only. A client whose latest request was `OPTL` needs no process
 * list: while every client is such a one, {@linkcode BroadcasterOptions.onLightOnly} says so.
 *
 * Each client's write queue is a {@linkcode Subscriber}; this module holds the set
 * of them: the client limit, the counters, the log and who is closed when.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log.ts";
import { drainClientInput, type RequestKind } from "./client_input.ts";
import { type BroadcastConn, Subscriber, type SubscriberEvents } from "./subscriber.ts";

export type { BroadcastConn } from "./subscriber.ts";

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
  /** Called for every frame a client asks for; the client is on-demand from then on. */
  onRequest?: (client: Subscriber) => void;
  /**
   * Called when it starts or stops being true that clients are connected and every one of
   * them is on demand with a light (`OPTL`) latest request; called before the request that
   * changes it is passed on.
   */
  onLightOnly?: (lightOnly: boolean) => void;
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

/** Hands the same frame bytes to every connected client. */
export class Broadcaster {
  /** An array, not a Set: the tick walks it, and a loop over an array allocates nothing. */
  readonly #clients: Subscriber[] = [];
  readonly #options: Required<
    Omit<BroadcasterOptions, "onFirstClient" | "onLastClient" | "onRequest" | "onLightOnly">
  >;
  readonly #onFirst: () => void;
  readonly #onLast: () => void;
  readonly #onRequest: (client: Subscriber) => void;
  readonly #onLightOnly: (lightOnly: boolean) => void;
  /** Clients that asked for frames: publish() passes them by. */
  readonly #onDemand = new Set<Subscriber>();
  /** On-demand clients whose latest request was light (`OPTL`). */
  readonly #light = new Set<Subscriber>();
  #lightOnly = false;
  readonly #stats: BroadcasterStats = {
    clients: 0,
    framesSent: 0,
    framesDropped: 0,
    stalled: 0,
    flooded: 0,
    refused: 0,
  };
  /** What every subscriber reports back; one object for all of them. */
  readonly #events: SubscriberEvents = {
    sent: () => {
      this.#stats.framesSent++;
    },
    writeFailed: (client, error) => {
      if (client.readEnded) this.#close(client, "client disconnected", "info");
      else {
        this.#close(client, "client write failed, closed", "info", {
          error: (error as Error).name,
        });
      }
    },
  };
  /** Where every client's input is read to be discarded (see `drainClientInput`). */
  readonly #discard = new Uint8Array(4096);
  #nextId = 1;
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
    this.#onRequest = options.onRequest ?? (() => {});
    this.#onLightOnly = options.onLightOnly ?? (() => {});
  }

  /** Clients connected now. */
  get size(): number {
    return this.#clients.length;
  }

  /** Clients connected now that take every frame published (not on-demand). */
  get streaming(): number {
    return this.#clients.length - this.#onDemand.size;
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
    // Every connection held counts, a half-closed one too: whether a client whose input
    // ended is gone or still reading shows only at its next write, and one that is not
    // counted meanwhile lets a burst of connect-then-shutdown clients past the limit.
    if (this.#clients.length >= this.#options.maxClients) {
      this.#refuse(conn);
      return false;
    }
    const client = new Subscriber(this.#nextId++, conn, this.#events);
    this.#clients.push(client);
    this.#options.log.log("info", "client connected", {
      client: client.id,
      clients: this.#clients.length,
    });
    if (this.streaming === 1) this.#onFirst();
    this.#checkLightOnly();
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
    const onDemand = this.#onDemand;
    for (let i = 0; i < clients.length; i++) {
      if (onDemand.size > 0 && onDemand.has(clients[i])) continue;
      this.#send(clients[i], frame, nowMs);
    }
  }

  /** Send `frame` to one client (latest wins, as for every frame), unless it has gone. */
  sendTo(client: Subscriber, frame: Uint8Array, nowMs: number = performance.now()): void {
    if (!client.closed) this.#send(client, frame, nowMs);
  }

  /** Close every client whose current write started more than the stall timeout ago. */
  closeStalled(nowMs: number = performance.now()): void {
    const clients = this.#clients;
    for (let i = clients.length - 1; i >= 0; i--) { // backwards: closing removes the client
      const writingForMs = clients[i].writingForMs(nowMs);
      if (writingForMs > this.#options.stallTimeoutMs) {
        this.#stats.stalled++;
        this.#close(clients[i], "client stalled, closed", "warn", {
          stalled_ms: Math.round(writingForMs),
        });
      }
    }
  }

  /** Restart every pending write's stall clock (after this process itself was frozen). */
  forgiveStalls(nowMs: number = performance.now()): void {
    for (const client of this.#clients) client.forgiveStall(nowMs);
  }

  /** Close every client and wait for their writes to settle. */
  async closeAll(): Promise<void> {
    const inFlight: Promise<void>[] = [];
    for (const client of [...this.#clients]) { // a copy: closing removes the client
      inFlight.push(client.settled());
      this.#close(client, "client closed", "debug");
    }
    await Promise.all(inFlight);
  }

  #send(client: Subscriber, frame: Uint8Array, nowMs: number): void {
    if (client.send(frame, nowMs)) this.#stats.framesDropped++;
  }

  /** Reads and discards what the client sends, and acts on how its input ends. */
  async #readLoop(client: Subscriber): Promise<void> {
    const end = await drainClientInput(
      client.conn,
      this.#options.floodBytesPerSecond,
      this.#discard,
      undefined,
      (kind) => this.#request(client, kind),
    );
    if (client.closed) return;
    if (end.kind === "eof") {
      // It may only have shut down its sending side (a client never needs to send). Keep
      // writing; a write to a client that is gone fails and closes it.
      client.inputEnded();
    } else if (end.kind === "flood") {
      this.#stats.flooded++;
      this.#close(client, "client flooding, closed", "warn", {
        bytes_per_second: end.bytesPerSecond,
      });
    } else {
      this.#close(client, "client disconnected", "info");
    }
  }

  /** A client asked for a frame: it turns on-demand (the last streaming one leaving), then asks. */
  #request(client: Subscriber, kind: RequestKind): void {
    if (client.closed) return;
    if (!this.#onDemand.has(client)) {
      this.#onDemand.add(client);
      if (this.streaming === 0) this.#onLast();
    }
    if (kind === "light") this.#light.add(client);
    else this.#light.delete(client);
    this.#checkLightOnly();
    this.#onRequest(client);
  }

  /** Tell when "every client connected asks light requests" changes. */
  #checkLightOnly(): void {
    const lightOnly = this.#clients.length > 0 && this.#light.size === this.#clients.length;
    if (lightOnly === this.#lightOnly) return;
    this.#lightOnly = lightOnly;
    this.#onLightOnly(lightOnly);
  }

  #close(
    client: Subscriber,
    event: string,
    level: "debug" | "info" | "warn",
    fields: Record<string, string | number> = {},
  ): void {
    if (!client.close()) return;
    this.#clients.splice(this.#clients.indexOf(client), 1);
    const streamed = !this.#onDemand.delete(client);
    this.#light.delete(client);
    this.#options.log.log(level, event, {
      client: client.id,
      clients: this.#clients.length,
      ...fields,
    });
    if (streamed && this.streaming === 0) this.#onLast();
    this.#checkLightOnly();
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

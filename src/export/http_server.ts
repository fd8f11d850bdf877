/**
 * The exporter's HTTP/1.1 server: `Deno.listen` and {@linkcode RequestHeadParser}, strict
 * and bounded where `Deno.serve` is not configurable. Every connection holds at most one
 * request head (the parser's limits) and one response. A request head must be complete
 * within the head timeout (a slowloris client gets 408; one that sent nothing is closed),
 * a kept-alive connection may wait the idle timeout for its next request, and a response
 * that cannot be written within the write timeout closes the connection. At most
 * `maxConnections` are open: a new one beyond that closes the one that has waited longest
 * for a request, once it has waited past a grace period, or else is refused with 503.
 * Nothing a client sends can stop the server or keep it from serving other clients.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import {
  type HeadError,
  type HeadLimits,
  type RequestHead,
  RequestHeadParser,
} from "./http_head.ts";
import { refusalBytes, responseBytes, route } from "./route.ts";

/** The exposition the server answers `/metrics` with. */
export interface MetricsBody {
  /** Its Content-Type. */
  contentType: string;
  /** The body, or null for a HEAD request (its length is then not announced). */
  body: Uint8Array | null;
}

/** A request for the metrics, as far as the answer depends on it. */
export interface MetricsRequest {
  /** The Accept header, or null. */
  accept: string | null;
  /** HEAD: the headers only. */
  headOnly: boolean;
  /** How long the scraper waits, ms, when it says so. */
  timeoutMs: number | null;
}

/** Options of {@linkcode HttpServer.listen}. */
export interface HttpServerOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port (0: any free one). */
  port: number;
  /** The answer to `GET`/`HEAD /metrics`. */
  metrics(request: MetricsRequest): Promise<MetricsBody>;
  /** Told the status of every response sent. */
  onResponse?(status: number): void;
  /** Lifecycle and failure lines. */
  log: Logger;
  /** Request head limits. */
  limits?: Partial<HeadLimits>;
  /** Open connections at most (default 64). */
  maxConnections?: number;
  /**
   * How long a kept-alive connection may wait for its next request's first byte, ms
   * (default 120 000).
   */
  idleTimeoutMs?: number;
  /**
   * How long a request head may take, ms (default 10 000): from the connect for the first
   * request, from its first byte for the next ones.
   */
  headTimeoutMs?: number;
  /** How long a connection is safe from being closed to make room for another, ms (default 1000). */
  graceMs?: number;
  /** How long writing a response may take, ms (default 10 000). */
  writeTimeoutMs?: number;
}

/** One client connection and what it is doing. */
interface Client {
  conn: Deno.Conn;
  /** performance.now() when it started waiting for a request (or its rest). */
  waitingSince: number;
  /** Answering a request: not to be closed for another connection. */
  busy: boolean;
  /** Some of a request has arrived (a victim that sent nothing is closed without a word). */
  started(): boolean;
  /** It has been answered once and kept alive: its next head's clock starts at its first byte. */
  kept: boolean;
  /** Closes it; with a status, first tells the client why (best effort). */
  drop(status?: number, reason?: string): void;
}

/** A running server; {@linkcode HttpServer.close} stops it. */
export class HttpServer {
  readonly #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  readonly #options: Required<Omit<HttpServerOptions, "limits" | "onResponse">> & {
    limits: Partial<HeadLimits>;
    onResponse: (status: number) => void;
  };
  readonly #clients = new Set<Client>();
  readonly #done: Promise<void>;

  private constructor(listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>, o: HttpServerOptions) {
    this.#listener = listener;
    this.#options = {
      maxConnections: 64,
      idleTimeoutMs: 120_000,
      headTimeoutMs: 10_000,
      graceMs: 1000,
      writeTimeoutMs: 10_000,
      limits: {},
      onResponse: () => {},
      ...o,
    };
    this.#done = this.#acceptLoop();
  }

  /** Listen on `options.hostname:port` and start serving; throws when the address cannot be used. */
  static listen(options: HttpServerOptions): HttpServer {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    return new HttpServer(listener, options);
  }

  /** The address listened on. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#clients.size;
  }

  /** Stop accepting and close every connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // closed already
    }
    for (const client of this.#clients) client.drop();
    await this.#done;
  }

  async #acceptLoop(): Promise<void> {
    let failures = 0;
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        failures = 0;
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return; // closed
        }
        // Out of file descriptors or the like: the clients already connected keep being served.
        if (failures++ === 0) {
          this.#options.log.log("warn", "accept failed", { error: (error as Error).message });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * failures)));
        continue;
      }
      this.#admit(conn);
    }
  }

  /**
   * Make room for `conn` by closing the connection that has waited longest for a request,
   * if it has waited longer than the grace period; else refuse `conn` with 503. A client
   * whose request is on its way (sent, not read yet) is never the one closed.
   */
  #admit(conn: Deno.TcpConn): void {
    if (this.#clients.size >= this.#options.maxConnections) {
      const before = performance.now() - this.#options.graceMs;
      let victim: Client | null = null;
      for (const c of this.#clients) {
        if (c.busy || c.waitingSince > before) continue;
        if (victim === null || c.waitingSince < victim.waitingSince) victim = c;
      }
      if (victim === null) {
        this.#options.onResponse(503);
        void sendAndClose(conn, refusalBytes(503, "too many connections"), 1000);
        return;
      }
      // An answer on a connection kept alive between requests would be taken for the answer
      // to the client's next request: such a connection is closed without one.
      if (victim.started()) {
        this.#options.onResponse(503);
        victim.drop(503, "too many connections: this one waited longest");
      } else victim.drop();
    }
    void this.#serve(conn);
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    const o = this.#options;
    const parser = new RequestHeadParser(o.limits);
    const buffer = new Uint8Array(4096);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const client: Client = {
      conn,
      waitingSince: performance.now(),
      busy: false,
      started: () => parser.started,
      kept: false,
      drop: (status, reason) => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        if (status === undefined) closeQuietly(conn);
        else void sendAndClose(conn, refusalBytes(status, reason ?? ""), 1000);
      },
    };
    const arm = (ms: number, onExpiry: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(onExpiry, ms);
    };
    const headTimeout = () => {
      const refuse = parser.started;
      if (refuse) o.onResponse(408);
      client.drop(
        refuse ? 408 : undefined,
        `request head not complete within ${o.headTimeoutMs} ms`,
      );
    };
    this.#clients.add(client);
    try {
      arm(o.headTimeoutMs, headTimeout);
      while (!closed) {
        let head: RequestHead | HeadError | null = parser.next();
        while (head === null && !closed) {
          const n = await conn.read(buffer);
          if (n === null) return;
          const wasStarted = parser.started;
          head = parser.push(buffer.subarray(0, n));
          if (!wasStarted && parser.started && client.kept) arm(o.headTimeoutMs, headTimeout);
        }
        if (head === null || closed) return;
        client.busy = true;
        const keepAlive = await this.#answer(conn, head, (ms) => arm(ms, () => client.drop()));
        client.busy = false;
        if (!keepAlive) return;
        client.waitingSince = performance.now();
        client.kept = true;
        arm(o.idleTimeoutMs, () => client.drop());
      }
    } catch {
      // A reset, or the connection closed from our side (a timeout, a newer connection).
    } finally {
      this.#clients.delete(client);
      client.drop();
    }
  }

  /** Answer one request head; resolves to whether the connection may be kept. */
  async #answer(
    conn: Deno.Conn,
    head: RequestHead | HeadError,
    armWrite: (ms: number) => void,
  ): Promise<boolean> {
    const o = this.#options;
    let bytes: Uint8Array;
    let keepAlive = false;
    let status: number;
    if (head.kind === "error") {
      status = head.status;
      bytes = refusalBytes(status, head.reason);
    } else {
      const r = route(head);
      status = r.status;
      keepAlive = r.keepAlive;
      if (r.status === 200) {
        armWrite(o.writeTimeoutMs);
        try {
          const answer = await o.metrics(r);
          bytes = responseBytes({
            status: 200,
            contentType: answer.contentType,
            body: answer.body,
            headOnly: r.headOnly,
            close: !keepAlive,
            extra: [["Vary", "Accept"], ["Cache-Control", "no-store"]],
          });
        } catch (error) {
          status = 500;
          keepAlive = false;
          o.log.log("error", "metrics failed", { error: (error as Error).message });
          bytes = refusalBytes(500, "internal error while writing the metrics");
        }
      } else {
        const extra: [string, string][] = r.status === 405 ? [["Allow", "GET, HEAD"]] : [];
        bytes = refusalBytes(r.status, r.reason, {
          headOnly: r.headOnly,
          close: !keepAlive,
          extra,
        });
      }
    }
    o.onResponse(status);
    armWrite(o.writeTimeoutMs);
    await writeFully(conn, bytes);
    return keepAlive;
  }
}

async function writeFully(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // closed already
  }
}

/** Write `bytes` (giving up after `ms`), then close. */
async function sendAndClose(conn: Deno.Conn, bytes: Uint8Array, ms: number): Promise<void> {
  const timer = setTimeout(() => closeQuietly(conn), ms);
  try {
    await writeFully(conn, bytes);
  } catch {
    // the client has gone
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}

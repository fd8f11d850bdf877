/**
 * The exporter's HTTP/1.1 server: `Deno.listen` and one {@linkcode serveConnection} per
 * client, strict and bounded where `Deno.serve` is not configurable. Every connection
 * holds at most one request head and one response, each within its timeout
 * (`http_connection.ts`). At most `maxConnections` are open: a new one beyond that closes
 * the one that has waited longest for a request, once it has waited past a grace period,
 * or else is refused with 503. Nothing a client sends can stop the server or keep it from
 * serving other clients.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import {
  type Connection,
  type MetricsBody,
  type MetricsRequest,
  sendAndClose,
  serveConnection,
} from "./http_connection.ts";
import type { HeadLimits } from "./http_head.ts";
import { refusalBytes } from "./route.ts";

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

/** A running server; {@linkcode HttpServer.close} stops it. */
export class HttpServer {
  readonly #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  readonly #options: Required<Omit<HttpServerOptions, "limits" | "onResponse">> & {
    limits: Partial<HeadLimits>;
    onResponse: (status: number) => void;
  };
  readonly #clients = new Set<Connection>();
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
      let victim: Connection | null = null;
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
    void serveConnection(conn, this.#options, this.#clients);
  }
}

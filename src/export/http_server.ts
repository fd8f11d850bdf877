/**
 * The exporter's HTTP/1.1 server: `Deno.listen` and {@linkcode RequestHeadParser}, strict
 * and bounded where `Deno.serve` is not configurable. Every connection holds at most one
 * request head (the parser's limits) and one response. A request's first byte must come
 * within the idle timeout and its whole head within the head timeout after that (a slowloris
 * client gets 408); a response that cannot be written within the write timeout closes the
 * connection. At most `maxConnections` are open: a new one beyond that closes the one that
 * has waited longest for its request, or, when every connection is being answered, is
 * refused with 503. Nothing a client sends can stop the server or hold up other clients.
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

/** Options of {@linkcode HttpServer.listen}. */
export interface HttpServerOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port (0: any free one). */
  port: number;
  /** The answer to `GET`/`HEAD /metrics`, given the request's Accept header. */
  metrics(accept: string | null, headOnly: boolean): Promise<MetricsBody>;
  /** Told the status of every response sent. */
  onResponse?(status: number): void;
  /** Lifecycle and failure lines. */
  log: Logger;
  /** Request head limits. */
  limits?: Partial<HeadLimits>;
  /** Open connections at most (default 64). */
  maxConnections?: number;
  /** How long a connection may wait for its next request's first byte, ms (default 120 000). */
  idleTimeoutMs?: number;
  /** How long a request head may take after its first byte, ms (default 10 000). */
  headTimeoutMs?: number;
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

  /** Make room for `conn` (or refuse it), then serve it. */
  #admit(conn: Deno.TcpConn): void {
    if (this.#clients.size >= this.#options.maxConnections) {
      let victim: Client | null = null;
      for (const c of this.#clients) {
        if (!c.busy && (victim === null || c.waitingSince < victim.waitingSince)) victim = c;
      }
      if (victim === null) {
        this.#options.onResponse(503);
        void sendAndClose(conn, refusalBytes(503, "too many connections"), 1000);
        return;
      }
      this.#options.onResponse(503);
      victim.drop(503, "too many connections: this one waited longest");
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
    const idle = () => arm(o.idleTimeoutMs, () => client.drop());
    this.#clients.add(client);
    try {
      idle();
      while (!closed) {
        let head: RequestHead | HeadError | null = parser.next();
        while (head === null && !closed) {
          const n = await conn.read(buffer);
          if (n === null) return;
          const wasStarted = parser.started;
          head = parser.push(buffer.subarray(0, n));
          if (!wasStarted && parser.started) {
            arm(o.headTimeoutMs, () => {
              o.onResponse(408);
              client.drop(408, `request head not complete within ${o.headTimeoutMs} ms`);
            });
          }
        }
        if (head === null || closed) return;
        client.busy = true;
        const keepAlive = await this.#answer(conn, head, (ms) => arm(ms, () => client.drop()));
        client.busy = false;
        if (!keepAlive) return;
        client.waitingSince = performance.now();
        idle();
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
          const answer = await o.metrics(r.accept, r.headOnly);
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

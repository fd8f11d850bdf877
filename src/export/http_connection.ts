/**
 * One client connection of the exporter's HTTP server, from accept to close. Its request
 * heads are read by a {@linkcode RequestHeadParser} and must each be complete within the
 * head timeout (a slowloris client gets 408; one that sent nothing is closed); each is
 * answered (`route.ts`) and the answer written within the write timeout, or the connection
 * closes; a kept-alive connection may wait the idle timeout for its next request. Nothing
 * a client sends ends more than its own connection.
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
import { systemClock, type Timer } from "../time/clock.ts";

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

/** What a connection is served with: the server's options, every default filled in. */
export interface ConnectionSettings {
  /** The answer to `GET`/`HEAD /metrics`. */
  metrics(request: MetricsRequest): Promise<MetricsBody>;
  /** Told the status of every response sent. */
  onResponse(status: number): void;
  /** Failure lines. */
  log: Logger;
  /** Request head limits. */
  limits: Partial<HeadLimits>;
  /** How long a kept-alive connection may wait for its next request's first byte, ms. */
  idleTimeoutMs: number;
  /** How long a request head may take, ms. */
  headTimeoutMs: number;
  /** How long writing a response may take, ms. */
  writeTimeoutMs: number;
}

/** An open connection, as the server sees it when it must make room for another. */
export interface Connection {
  /** performance.now() when it started waiting for a request (or its rest). */
  readonly waitingSince: number;
  /** Answering a request: not to be closed for another connection. */
  readonly busy: boolean;
  /** Some of a request has arrived (a victim that sent nothing is closed without a word). */
  started(): boolean;
  /** Closes it; with a status, first tells the client why (best effort). */
  drop(status?: number, reason?: string): void;
}

/**
 * Serve `conn` until it closes, as a member of `open` meanwhile; resolves once it is
 * closed, whatever the client sent.
 */
export async function serveConnection(
  conn: Deno.Conn,
  o: ConnectionSettings,
  open: Set<Connection>,
): Promise<void> {
  const parser = new RequestHeadParser(o.limits);
  const buffer = new Uint8Array(4096);
  let timer: Timer | undefined;
  let closed = false;
  // Answered once and kept alive: its next head's clock starts at its first byte.
  let kept = false;
  const client = {
    waitingSince: performance.now(),
    busy: false,
    started: () => parser.started,
    drop: (status?: number, reason?: string) => {
      if (closed) return;
      closed = true;
      systemClock.clear(timer);
      if (status === undefined) closeQuietly(conn);
      else void sendAndClose(conn, refusalBytes(status, reason ?? ""), 1000);
    },
  };
  const arm = (ms: number, onExpiry: () => void) => {
    systemClock.clear(timer);
    timer = systemClock.setTimeout(onExpiry, ms);
  };
  const headTimeout = () => {
    const refuse = parser.started;
    if (refuse) o.onResponse(408);
    client.drop(
      refuse ? 408 : undefined,
      `request head not complete within ${o.headTimeoutMs} ms`,
    );
  };
  open.add(client);
  try {
    arm(o.headTimeoutMs, headTimeout);
    while (!closed) {
      let head: RequestHead | HeadError | null = parser.next();
      while (head === null && !closed) {
        const n = await conn.read(buffer);
        if (n === null) return;
        const wasStarted = parser.started;
        head = parser.push(buffer.subarray(0, n));
        if (!wasStarted && parser.started && kept) arm(o.headTimeoutMs, headTimeout);
      }
      if (head === null || closed) return;
      client.busy = true;
      const keepAlive = await answer(conn, head, o, (ms) => arm(ms, () => client.drop()));
      client.busy = false;
      if (!keepAlive) return;
      client.waitingSince = performance.now();
      kept = true;
      arm(o.idleTimeoutMs, () => client.drop());
    }
  } catch {
    // A reset, or the connection closed from our side (a timeout, a newer connection).
  } finally {
    open.delete(client);
    client.drop();
  }
}

/** Answer one request head; resolves to whether the connection may be kept. */
async function answer(
  conn: Deno.Conn,
  head: RequestHead | HeadError,
  o: ConnectionSettings,
  armWrite: (ms: number) => void,
): Promise<boolean> {
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
        const exposition = await o.metrics(r);
        bytes = responseBytes({
          status: 200,
          contentType: exposition.contentType,
          body: exposition.body,
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

/** Write `bytes` to `conn` (giving up after `ms`), then close it. */
export async function sendAndClose(conn: Deno.Conn, bytes: Uint8Array, ms: number): Promise<void> {
  const timer = systemClock.setTimeout(() => closeQuietly(conn), ms);
  try {
    await writeFully(conn, bytes);
  } catch {
    // the client has gone
  } finally {
    systemClock.clear(timer);
    closeQuietly(conn);
  }
}

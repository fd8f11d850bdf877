/**
 * What the exporter does with a parsed request head, and the bytes of its answer. There is
 * one resource, `/metrics`: `GET` gets the exposition, `HEAD` its headers only, any other
 * method 405 and any other path 404. A request body is never read: a request that announces
 * one is answered and its connection closed, since the next request's start is unknown.
 *
 * @example
 * ```ts
 * import { route } from "./route.ts";
 * route({ kind: "request", method: "GET", target: "/x", version: "HTTP/1.1", headers: [["host", "a"]] })
 *   .status; // 404
 * ```
 *
 * @module
 */

import { headerValue, type RequestHead } from "./http_head.ts";

/** The one path served. */
export const METRICS_PATH = "/metrics";

/** What to answer. */
export interface Route {
  /** 200 for the metrics, else the refusal's status. */
  status: number;
  /** For a refusal: why, one line (the response body). */
  reason: string;
  /** HEAD: headers only. */
  headOnly: boolean;
  /** Whether the connection may carry another request afterwards. */
  keepAlive: boolean;
  /** The request's Accept header (for 200). */
  accept: string | null;
  /**
   * How long the scraper waits for the answer, ms, when it says so
   * (`X-Prometheus-Scrape-Timeout-Seconds`, as Prometheus sends it), else null.
   */
  timeoutMs: number | null;
}

/** The scrape timeout a request states, ms, or null (absent or not a positive number). */
function timeoutOf(head: RequestHead): number | null {
  const text = headerValue(head, "x-prometheus-scrape-timeout-seconds");
  if (text === null || !/^\d+(\.\d+)?$/.test(text)) return null;
  const ms = Number(text) * 1000;
  return ms > 0 ? ms : null;
}

/** Whether `head` announces a body, and whether that announcement is well-formed. */
function bodyOf(head: RequestHead): "none" | "some" | "invalid" {
  const encoding = headerValue(head, "transfer-encoding");
  const lengths = head.headers.filter(([n]) => n === "content-length").map(([, v]) => v);
  if (encoding !== null) return lengths.length > 0 ? "invalid" : "some";
  if (lengths.length === 0) return "none";
  const values = new Set(lengths.flatMap((v) => v.split(",").map((x) => x.trim())));
  if (values.size !== 1) return "invalid";
  const [value] = values;
  if (!/^\d{1,15}$/.test(value)) return "invalid";
  return Number(value) === 0 ? "none" : "some";
}

/** The path of a request target (origin or absolute form), or null when it is neither. */
function pathOf(target: string): string | null {
  if (target.startsWith("/")) return target.split("?")[0];
  const absolute = /^https?:\/\/[^/?#]*([^?#]*)/i.exec(target);
  return absolute === null ? null : absolute[1] || "/";
}

/** Decide the answer to `head`. */
export function route(head: RequestHead): Route {
  const headOnly = head.method === "HEAD";
  const connection = (headerValue(head, "connection") ?? "").toLowerCase().split(",")
    .map((t) => t.trim());
  const body = bodyOf(head);
  const keepAlive = head.version === "HTTP/1.1" && !connection.includes("close") &&
    body === "none";
  const refuse = (status: number, reason: string, keep = keepAlive): Route => ({
    status,
    reason,
    headOnly,
    keepAlive: keep,
    accept: null,
    timeoutMs: null,
  });
  const hosts = head.headers.filter(([n]) => n === "host").length;
  if (head.version === "HTTP/1.1" && hosts !== 1) {
    return refuse(400, hosts === 0 ? "missing Host header" : "more than one Host header", false);
  }
  if (body === "invalid") return refuse(400, "conflicting or malformed body length", false);
  const path = pathOf(head.target);
  if (path === null) return refuse(400, "malformed request target", false);
  if (path !== METRICS_PATH) return refuse(404, `not found: the metrics are at ${METRICS_PATH}`);
  if (head.method !== "GET" && !headOnly) {
    return refuse(405, `method ${head.method} not allowed: use GET or HEAD`);
  }
  return {
    status: 200,
    reason: "",
    headOnly,
    keepAlive,
    accept: headerValue(head, "accept"),
    timeoutMs: timeoutOf(head),
  };
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/** A response's parts. */
export interface ResponseParts {
  /** Status code. */
  status: number;
  /** Content-Type of the body. */
  contentType: string;
  /** The body (sent unless `headOnly`), or null for a HEAD answered without one: no length. */
  body: Uint8Array | null;
  /** HEAD: announce the body, do not send it. */
  headOnly: boolean;
  /** Say `Connection: close` (the server closes after this response). */
  close: boolean;
  /** Extra header fields. */
  extra?: [string, string][];
}

/** The bytes of a response. */
export function responseBytes(parts: ResponseParts): Uint8Array {
  const fields: [string, string][] = [["Content-Type", parts.contentType]];
  if (parts.body !== null) fields.push(["Content-Length", String(parts.body.length)]);
  fields.push(["Date", new Date().toUTCString()], ...(parts.extra ?? []));
  if (parts.close) fields.push(["Connection", "close"]);
  const head = `HTTP/1.1 ${parts.status} ${STATUS_TEXT[parts.status] ?? "Unknown"}\r\n` +
    fields.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n";
  const headBytes = encoder.encode(head);
  if (parts.headOnly || parts.body === null || parts.body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + parts.body.length);
  out.set(headBytes);
  out.set(parts.body, headBytes.length);
  return out;
}

/** A plain-text refusal: `reason` and a newline as the body. */
export function refusalBytes(
  status: number,
  reason: string,
  options: { headOnly?: boolean; close?: boolean; extra?: [string, string][] } = {},
): Uint8Array {
  return responseBytes({
    status,
    contentType: "text/plain; charset=utf-8",
    body: encoder.encode(`${reason}\n`),
    headOnly: options.headOnly ?? false,
    close: options.close ?? true,
    extra: options.extra,
  });
}

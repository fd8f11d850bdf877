/**
 * A strict, incremental parser of HTTP/1.1 request heads (RFC 9112): bytes go in as they
 * arrive, a request line and header fields come out, or the status that refuses them. Each
 * byte is looked at once however the head is split into reads, and nothing grows past the
 * limits: a request line over its limit is refused with 414 and a header block over its
 * limit (or with too many fields) with 431 as soon as the limit is crossed, without waiting
 * for the rest. Control characters in the request target, obsolete line folding, a bare CR,
 * whitespace before a field's colon and malformed lines get 400; an HTTP version other than
 * 1.x gets 505.
 *
 * @example
 * ```ts
 * import { RequestHeadParser } from "./http_head.ts";
 * const parser = new RequestHeadParser();
 * const head = parser.push(new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
 * head?.kind === "request" && head.target; // "/metrics"
 * ```
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";

/** How much a request head may hold. */
export interface HeadLimits {
  /** Longest request line, bytes without its line end (default 8 KiB). */
  requestLineBytes: number;
  /** Longest header block, bytes of every field line with its line end (default 64 KiB). */
  headerBytes: number;
  /** Most header fields (default 100). */
  headerFields: number;
}

/** The default limits. */
export const DEFAULT_HEAD_LIMITS: Readonly<HeadLimits> = Object.freeze({
  requestLineBytes: 8192,
  headerBytes: 65_536,
  headerFields: 100,
});

/** A parsed request head. */
export interface RequestHead {
  /** Marks a request. */
  kind: "request";
  /** The method, as sent (methods are case-sensitive). */
  method: string;
  /** The request target, visible ASCII only. */
  target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /** Header fields: lower-cased names, values as Latin-1 text without surrounding spaces. */
  headers: [string, string][];
}

/** A head refused: the status to answer with, and why (one line). */
export interface HeadError {
  /** Marks a refusal. */
  kind: "error";
  /** 400, 414, 431 or 505. */
  status: number;
  /** What was wrong, for the response body and the log. */
  reason: string;
}

const LF = 0x0a;
const CR = 0x0d;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Field values: visible characters, obs-text, space and tab; no other control character. */
// deno-lint-ignore no-control-regex -- refusing control characters is the point
const FIELD_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
/** Request targets: visible ASCII only (spaces would split the line; bytes above need %-encoding). */
const TARGET = /^[\x21-\x7e]+$/;
/** Empty lines a client may send before its request line (RFC 9112 §2.2). */
const MAX_LEADING_EMPTY_LINES = 4;

const latin1 = new TextDecoder("latin1");

/**
 * Parses one request head at a time from a connection's bytes. After a head (or an error)
 * `push` returns the bytes that followed it through {@linkcode RequestHeadParser.rest}, for
 * the next request on a kept-alive connection.
 */
export class RequestHeadParser {
  readonly #limits: HeadLimits;
  /** Bytes of the line being received (without its LF), in chunks. */
  #line: Uint8Array[] = [];
  #lineBytes = 0;
  #requestLine: string | null = null;
  #headers: [string, string][] = [];
  #headerBytes = 0;
  #emptyLines = 0;
  #rest: Uint8Array = new Uint8Array(0);

  /** A parser with `limits` (default {@linkcode DEFAULT_HEAD_LIMITS}). */
  constructor(limits: Partial<HeadLimits> = {}) {
    this.#limits = { ...DEFAULT_HEAD_LIMITS, ...limits };
  }

  /** True once some byte of a request has arrived and the head is not complete yet. */
  get started(): boolean {
    return this.#lineBytes > 0 || this.#requestLine !== null;
  }

  /** The bytes after the last head or error, not parsed yet (a pipelined request). */
  get rest(): Uint8Array {
    return this.#rest;
  }

  /** Feed received bytes: a head or a refusal once decided, null while more is needed. */
  push(bytes: Uint8Array): RequestHead | HeadError | null {
    let start = 0;
    while (start <= bytes.length) {
      const lf = bytes.indexOf(LF, start);
      const end = lf < 0 ? bytes.length : lf;
      if (end > start) {
        this.#line.push(bytes.slice(start, end)); // a copy: the caller reuses its read buffer
        this.#lineBytes += end - start;
      }
      const over = this.#overLimit();
      if (over !== null) return this.#finish(over, bytes.subarray(bytes.length));
      if (lf < 0) return null;
      const result = this.#endLine();
      start = lf + 1;
      if (result !== null) return this.#finish(result, bytes.subarray(start));
    }
    return null;
  }

  /** Parse `rest` as the start of the next request (call after handling a head). */
  next(): RequestHead | HeadError | null {
    const rest = this.#rest;
    this.#rest = new Uint8Array(0);
    return rest.length > 0 ? this.push(rest) : null;
  }

  #overLimit(): HeadError | null {
    if (this.#requestLine === null) {
      // The CR of a CRLF ending is part of #lineBytes until the LF arrives.
      if (this.#lineBytes > this.#limits.requestLineBytes + 1) {
        return refuse(414, `request line over ${this.#limits.requestLineBytes} bytes`);
      }
    } else if (this.#headerBytes + this.#lineBytes > this.#limits.headerBytes) {
      return refuse(431, `header block over ${this.#limits.headerBytes} bytes`);
    }
    return null;
  }

  /** A whole line arrived: take it as the request line, a field, or the head's end. */
  #endLine(): RequestHead | HeadError | null {
    const raw = concatBytes(this.#line);
    this.#headerBytes += this.#requestLine === null ? 0 : raw.length + 1;
    this.#line = [];
    this.#lineBytes = 0;
    const bytes = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, -1) : raw;
    if (bytes.includes(CR)) return refuse(400, "bare CR in the request head");
    const line = latin1.decode(bytes);
    if (this.#requestLine === null) {
      if (bytes.length > this.#limits.requestLineBytes) {
        return refuse(414, `request line over ${this.#limits.requestLineBytes} bytes`);
      }
      if (line === "") {
        return ++this.#emptyLines > MAX_LEADING_EMPTY_LINES
          ? refuse(400, "empty lines instead of a request line")
          : null;
      }
      this.#requestLine = line;
      return null;
    }
    if (line === "") return this.#head();
    if (line[0] === " " || line[0] === "\t") return refuse(400, "obsolete line folding");
    if (this.#headers.length >= this.#limits.headerFields) {
      return refuse(431, `more than ${this.#limits.headerFields} header fields`);
    }
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) return refuse(400, "malformed header field");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) return refuse(400, "control character in a header field");
    this.#headers.push([name.toLowerCase(), value]);
    return null;
  }

  /** The head is complete: check the request line. */
  #head(): RequestHead | HeadError {
    const parts = this.#requestLine!.split(" ");
    if (parts.length !== 3) return refuse(400, "malformed request line");
    const [method, target, version] = parts;
    if (!TOKEN.test(method)) return refuse(400, "malformed method");
    if (!TARGET.test(target)) {
      return refuse(400, "control or non-ASCII character in the request target");
    }
    if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
      return /^HTTP\/\d\.\d$/.test(version)
        ? refuse(505, `${version} is not supported`)
        : refuse(400, "malformed HTTP version");
    }
    return { kind: "request", method, target, version, headers: this.#headers };
  }

  #finish(result: RequestHead | HeadError, rest: Uint8Array): RequestHead | HeadError {
    this.#rest = rest.slice();
    this.#line = [];
    this.#lineBytes = 0;
    this.#requestLine = null;
    this.#headers = [];
    this.#headerBytes = 0;
    this.#emptyLines = 0;
    return result;
  }
}

function refuse(status: number, reason: string): HeadError {
  return { kind: "error", status, reason };
}

/** The value of header `name` (lower case), or null; several fields are joined with ", ". */
export function headerValue(head: RequestHead, name: string): string | null {
  const values = head.headers.filter(([n]) => n === name).map(([, v]) => v);
  return values.length === 0 ? null : values.join(", ");
}

/**
 * The request head parser: heads split anywhere parse the same, every limit is enforced as
 * soon as it is crossed, and malformed heads get the right status.
 */
import assert from "node:assert/strict";
import { type HeadError, type RequestHead, RequestHeadParser } from "../../src/export/http_head.ts";
import { route } from "../../src/export/route.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feed `text` in pieces of `size` bytes; the first decision. */
function parse(text: string | Uint8Array, size = Infinity): RequestHead | HeadError | null {
  const parser = new RequestHeadParser();
  const all = typeof text === "string" ? bytes(text) : text;
  const step = Math.min(size, all.length || 1);
  for (let i = 0; i < all.length; i += step) {
    const result = parser.push(all.subarray(i, i + step));
    if (result !== null) return result;
  }
  return null;
}

const status = (text: string) => {
  const r = parse(text);
  return r?.kind === "error" ? r.status : r === null ? "incomplete" : route(r).status;
};

const GOOD = "GET /metrics HTTP/1.1\r\nHost: box:9612\r\nAccept: text/plain;q=0.5,  */*  \r\n" +
  "User-Agent: Prometheus/2.42.0\r\n\r\n";

Deno.test("a head parses the same whole, byte by byte and in odd pieces", () => {
  for (const size of [Infinity, 1, 2, 3, 7, 64]) {
    const head = parse(GOOD, size);
    assert.ok(head?.kind === "request", String(size));
    assert.equal(head.method, "GET");
    assert.equal(head.target, "/metrics");
    assert.equal(head.version, "HTTP/1.1");
    assert.deepEqual(head.headers, [
      ["host", "box:9612"],
      ["accept", "text/plain;q=0.5,  */*"],
      ["user-agent", "Prometheus/2.42.0"],
    ]);
  }
  // bare LF line ends and leading empty lines are accepted
  assert.equal(parse("\r\n\nGET /metrics HTTP/1.0\nHost: a\n\n")?.kind, "request");
});

Deno.test("pipelined requests: the bytes after a head are the next request", () => {
  const parser = new RequestHeadParser();
  const first = parser.push(bytes(GOOD + GOOD.replace("GET", "HEAD")));
  assert.equal((first as RequestHead).method, "GET");
  assert.equal((parser.next() as RequestHead).method, "HEAD");
  assert.equal(parser.next(), null);
});

Deno.test("a request line over 8 KiB gets 414 before its end arrives; 8 KiB exactly is fine", () => {
  const parser = new RequestHeadParser();
  assert.equal(parser.push(bytes("GET /" + "a".repeat(8000))), null);
  assert.deepEqual(parser.push(bytes("a".repeat(200))), {
    kind: "error",
    status: 414,
    reason: "request line over 8192 bytes",
  });
  const line = "GET /" + "a".repeat(8192 - "GET / HTTP/1.1".length) + " HTTP/1.1";
  assert.equal(line.length, 8192);
  assert.equal(status(`${line}\r\nHost: a\r\n\r\n`), 404);
  assert.equal(status(`${line}a\nHost: a\n\n`), 414);
});

Deno.test("a header block over 64 KiB, a 100 KiB Accept, or 101 fields get 431", () => {
  const parser = new RequestHeadParser();
  assert.equal(parser.push(bytes("GET /metrics HTTP/1.1\r\nAccept: " + "a".repeat(60_000))), null);
  const refused = parser.push(bytes("a".repeat(6000)));
  assert.deepEqual(refused, {
    kind: "error",
    status: 431,
    reason: "header block over 65536 bytes",
  });
  assert.equal(status(`GET /metrics HTTP/1.1\r\nAccept: ${"a".repeat(102_400)}\r\n\r\n`), 431);
  const many = Array.from({ length: 101 }, (_, i) => `X-${i}: a\r\n`).join("");
  assert.equal(status(`GET /metrics HTTP/1.1\r\nHost: a\r\n${many}\r\n`), 431);
  const hundred = Array.from({ length: 99 }, (_, i) => `X-${i}: a\r\n`).join("");
  assert.equal(status(`GET /metrics HTTP/1.1\r\nHost: a\r\n${hundred}\r\n`), 200);
});

Deno.test("control characters in the target, bare CR, folding and bad lines get 400", () => {
  for (
    const head of [
      "GET /met\u0001rics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /met\trics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /met\u007frics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /métrics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /metrics HTTP/1.1\rHost: a\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nX: a\u0000b\r\nHost: a\r\n\r\n",
      "GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /metrics\r\nHost: a\r\n\r\n",
      "G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /metrics HTTPS/1.1\r\nHost: a\r\n\r\n",
      "\r\n\r\n\r\n\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
  ) {
    assert.equal(status(head), 400, JSON.stringify(head));
  }
  assert.equal(status("GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
});

Deno.test("routing: 404 for other paths, 405 for other methods, HEAD, Host rules, bodies", () => {
  const head = (line: string, fields = "Host: a\r\n") =>
    parse(`${line}\r\n${fields}\r\n`) as RequestHead;
  assert.deepEqual(route(head("GET /metrics HTTP/1.1")), {
    status: 200,
    reason: "",
    headOnly: false,
    keepAlive: true,
    accept: null,
    timeoutMs: null,
  });
  const timed = route(
    head("GET /metrics HTTP/1.1", "Host: a\r\nX-Prometheus-Scrape-Timeout-Seconds: 1.5\r\n"),
  );
  assert.equal(timed.timeoutMs, 1500);
  assert.equal(route(head("GET /metrics?x=1 HTTP/1.1")).status, 200);
  assert.equal(route(head("GET http://box:9612/metrics HTTP/1.1")).status, 200);
  assert.equal(route(head("HEAD /metrics HTTP/1.1")).headOnly, true);
  assert.equal(route(head("GET / HTTP/1.1")).status, 404);
  assert.equal(route(head("GET /metrics/ HTTP/1.1")).status, 404);
  assert.equal(route(head("POST /metrics HTTP/1.1")).status, 405);
  assert.equal(route(head("DELETE /nope HTTP/1.1")).status, 404);
  assert.equal(route(head("OPTIONS * HTTP/1.1")).status, 400);
  assert.equal(route(head("GET /metrics HTTP/1.1", "")).status, 400); // no Host
  assert.equal(route(head("GET /metrics HTTP/1.1", "Host: a\r\nHost: b\r\n")).status, 400);
  assert.equal(route(head("GET /metrics HTTP/1.0", "")).keepAlive, false); // 1.0 needs no Host
  assert.equal(
    route(head("GET /metrics HTTP/1.1", "Host: a\r\nConnection: close\r\n")).keepAlive,
    false,
  );
  // a body is never read: the connection closes after the answer
  const posted = route(head("POST /metrics HTTP/1.1", "Host: a\r\nContent-Length: 5\r\n"));
  assert.deepEqual([posted.status, posted.keepAlive], [405, false]);
  assert.equal(
    route(head("GET /metrics HTTP/1.1", "Host: a\r\nContent-Length: 0\r\n")).keepAlive,
    true,
  );
  const smuggle = "Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n";
  assert.equal(route(head("GET /metrics HTTP/1.1", smuggle)).status, 400);
  assert.equal(
    route(head("GET /metrics HTTP/1.1", "Host: a\r\nContent-Length: 1, 2\r\n")).status,
    400,
  );
});

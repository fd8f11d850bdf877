/**
 * The exporter's HTTP server on real TCP sockets: what it answers, keep-alive and pipelining,
 * and everything a hostile client can try (oversized heads, slowloris, connection floods, a
 * client that never reads), each with a clear status while other clients keep being served.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
import { HttpServer, type HttpServerOptions } from "../../src/export/http_server.ts";
import { negotiate } from "../../src/export/negotiate.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function withServer(
  options: Partial<HttpServerOptions>,
  fn: (port: number, server: HttpServer) => Promise<void>,
): Promise<void> {
  const server = HttpServer.listen({
    hostname: "127.0.0.1",
    port: 0,
    log: silentLogger,
    metrics: ({ accept, headOnly }) => {
      const { contentType } = negotiate(accept);
      return Promise.resolve({
        contentType,
        body: headOnly ? null : encoder.encode("opta_up 1\n"),
      });
    },
    ...options,
  });
  try {
    await fn(server.addr.port, server);
  } finally {
    await server.close();
  }
}

/** Everything the server sends on a connection after `bytes` until it closes (or `ms`). */
async function exchange(port: number, bytes: Uint8Array | string, ms = 5000): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), ms);
  let out = "";
  try {
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    await conn.write(data).catch(() => 0); // the server may refuse before reading it all
    const buffer = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      out += decoder.decode(buffer.subarray(0, n));
    }
  } catch {
    // closed by the timer or reset by the server after its answer
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed already
    }
  }
  return out;
}

const statusOf = (response: string) => Number(response.split(" ")[1]);
const GET = "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

Deno.test("GET and HEAD /metrics, content negotiation, 404 and 405 with Allow", async () => {
  await withServer({}, async (port) => {
    const ok = await exchange(port, GET);
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(ok, /\r\nContent-Type: text\/plain; version=0\.0\.4; charset=utf-8\r\n/);
    assert.match(ok, /\r\nContent-Length: 10\r\n/);
    assert.ok(ok.endsWith("\r\n\r\nopta_up 1\n"));
    const om = await exchange(
      port,
      "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n" +
        "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n\r\n",
    );
    assert.match(om, /\r\nContent-Type: application\/openmetrics-text; version=1\.0\.0/);
    const head = await exchange(port, GET.replace("GET", "HEAD"));
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(head.endsWith("\r\n\r\n"), "headers only");
    assert.equal(statusOf(await exchange(port, GET.replace("/metrics", "/"))), 404);
    const post = await exchange(port, GET.replace("GET", "POST"));
    assert.equal(statusOf(post), 405);
    assert.match(post, /\r\nAllow: GET, HEAD\r\n/);
  });
});

Deno.test("keep-alive and pipelining: several requests on one connection, answered in order", async () => {
  await withServer({}, async (port) => {
    const one = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
    const text = await exchange(port, one + one.replace("/metrics", "/x") + GET);
    assert.deepEqual([...text.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1]), [
      "200",
      "404",
      "200",
    ]);
  });
});

Deno.test("a body is never read: the answer says Connection: close and the connection ends", async () => {
  await withServer({}, async (port) => {
    const text = await exchange(
      port,
      "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000),
    );
    assert.equal(statusOf(text), 405);
    assert.match(text, /\r\nConnection: close\r\n/);
  });
});

Deno.test("oversized heads and control characters get 414, 431 and 400, then the connection closes", async () => {
  await withServer({}, async (port) => {
    const cases: [string, number][] = [
      [`GET /${"a".repeat(9 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414],
      [`GET /metrics HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(70 * 1024)}\r\n\r\n`, 431],
      [`GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: ${"a".repeat(100 * 1024)}\r\n\r\n`, 431],
      ["GET /metr\u0001ics HTTP/1.1\r\nHost: a\r\n\r\n", 400],
      ["GET /metrics HTTP/1.1\r\n\r\n", 400],
    ];
    for (const [request, status] of cases) {
      const text = await exchange(port, request);
      assert.equal(statusOf(text), status, request.slice(0, 40));
      assert.match(text, /\r\nConnection: close\r\n/);
    }
    assert.equal(statusOf(await exchange(port, GET)), 200);
  });
});

Deno.test("slowloris: a head not complete within the head timeout gets 408; others are served meanwhile", async () => {
  await withServer({ headTimeoutMs: 400 }, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const started = performance.now();
    const drip = (async () => {
      for (const c of "GET /metrics HTTP/1.1\r\nHost: a\r\n") {
        await conn.write(encoder.encode(c)).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    assert.equal(statusOf(await exchange(port, GET)), 200);
    const buffer = new Uint8Array(4096);
    let text = "";
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n));
    }
    const elapsed = performance.now() - started;
    assert.equal(statusOf(text), 408);
    assert.ok(elapsed >= 350 && elapsed < 3000, `closed after ${elapsed} ms`);
    conn.close();
    await drip;
  });
});

Deno.test("a connection that sends nothing is closed after the head timeout, without a word", async () => {
  await withServer({ headTimeoutMs: 300 }, async (port) => {
    const started = performance.now();
    assert.equal(await exchange(port, ""), "");
    assert.ok(performance.now() - started < 3000);
  });
});

Deno.test("a kept-alive connection may wait the idle timeout for its next request", async () => {
  await withServer({ headTimeoutMs: 200, idleTimeoutMs: 800 }, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buffer = new Uint8Array(4096);
    const ask = async () => {
      await conn.write(encoder.encode("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
      return decoder.decode(buffer.subarray(0, (await conn.read(buffer))!));
    };
    assert.equal(statusOf(await ask()), 200);
    await new Promise((r) => setTimeout(r, 400)); // past the head timeout, within the idle one
    assert.equal(statusOf(await ask()), 200);
    const started = performance.now();
    assert.equal(await conn.read(buffer), null);
    assert.ok(performance.now() - started > 500);
    conn.close();
  });
});

Deno.test("over the connection limit, the connection that waited longest makes room", async () => {
  await withServer({ maxConnections: 8, graceMs: 50 }, async (port, server) => {
    const idle = await Promise.all(
      Array.from({ length: 8 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.connections, 8);
    assert.equal(statusOf(await exchange(port, GET)), 200);
    // the first one was closed without a word: it had sent nothing
    assert.equal(await idle[0].read(new Uint8Array(1024)), null);
    for (const c of idle) c.close();
    // one that has started a request is told why
    const started = await Promise.all(
      Array.from({ length: 8 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    for (const c of started) await c.write(encoder.encode("GET /metrics HTTP/1.1\r\n"));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(statusOf(await exchange(port, GET)), 200);
    const buffer = new Uint8Array(1024);
    const n = await started[0].read(buffer);
    assert.equal(statusOf(decoder.decode(buffer.subarray(0, n ?? 0))), 503);
    for (const c of started) c.close();
  });
});

Deno.test("within the grace period nobody is closed for a newcomer: it is refused with 503", async () => {
  await withServer({ maxConnections: 2, graceMs: 5000 }, async (port) => {
    const held = await Promise.all(
      Array.from({ length: 2 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(statusOf(await exchange(port, GET)), 503);
    for (const c of held) c.close();
  });
});

Deno.test("when every connection is being answered, a new one gets 503 and the others finish", async () => {
  const release = Promise.withResolvers<void>();
  await withServer({
    maxConnections: 2,
    metrics: async () => {
      await release.promise;
      return { contentType: "text/plain", body: encoder.encode("x\n") };
    },
  }, async (port) => {
    const busy = [exchange(port, GET), exchange(port, GET)];
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(statusOf(await exchange(port, GET)), 503);
    release.resolve();
    assert.deepEqual((await Promise.all(busy)).map(statusOf), [200, 200]);
  });
});

Deno.test("1,000 concurrent connections: each gets an answer or a clear refusal, the server serves on", async () => {
  await withServer({}, async (port, server) => {
    // Half ask for the metrics, half connect and say nothing.
    const results = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => i % 2 === 0 ? exchange(port, GET, 10_000) : exchange(port, "", 2000),
      ),
    );
    const asked = results.filter((_, i) => i % 2 === 0).map((r) => String(statusOf(r)));
    const silent = results.filter((_, i) => i % 2 === 1).map((r) =>
      r === "" ? "open" : String(statusOf(r))
    );
    for (const s of asked) assert.ok(["200", "503"].includes(s), `a request got ${s}`);
    for (const s of silent) assert.ok(["open", "503"].includes(s), `a silent one got ${s}`);
    assert.ok(asked.filter((s) => s === "200").length >= 100, asked.join(","));
    assert.equal(statusOf(await exchange(port, GET)), 200);
    assert.ok(server.connections <= 64);
  });
});

Deno.test("a client that never reads a large answer is closed after the write timeout", async () => {
  const big = new Uint8Array(32 * 1024 * 1024).fill(0x61);
  await withServer({
    writeTimeoutMs: 300,
    metrics: () => Promise.resolve({ contentType: "text/plain", body: big }),
  }, async (port, server) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode(GET));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(server.connections, 0);
    conn.close();
  });
});

/**
 * Bad input against the real exporter process, under its own permission set: from the
 * daemon's side (garbage, the decode bomb, a stale frame, half a frame, silence) a scrape
 * answers `opta_up 0` and the exporter logs one line per state, not one per scrape; from
 * the clients' side (oversized heads, control characters, slowloris, a flood of connections)
 * each gets a clear status, memory stays bounded, and a well-behaved scraper keeps being
 * served throughout.
 */
import assert from "node:assert/strict";
import { writeAll } from "../../src/cli/write_all.ts";
import { FrameEncoder } from "../../src/ipc/codec.ts";
import { frame } from "../../src/ipc/framing.ts";
import { MomentumColor } from "../../src/momentum/momentum.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { freePort, httpGet, sampleValue, startExporter } from "../support/exporter.ts";
import { aliasBomb } from "../support/hostile_frames.ts";
import { rssKiB } from "../support/procs.ts";
import { SCRIPT_SNAPSHOT } from "../support/scripted_listener.ts";

/** The current test's exporter port (each test takes a free one). */
let PORT = 0;
const url = () => `http://127.0.0.1:${PORT}/metrics`;

/** A stand-in daemon on `path` that answers every connection with `bytes` and stays silent. */
function fakeDaemon(path: string, bytes: () => Uint8Array): { close(): void } {
  const listener = Deno.listen({ transport: "unix", path });
  const conns: Deno.Conn[] = [];
  void (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      writeAll(conn, bytes()).catch(() => {});
    }
  })().catch(() => {});
  return {
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed by the exporter
        }
      }
    },
  };
}

/** A well-formed frame (length prefix included) whose newest reading is `ageMs` old. */
function frameAged(ageMs: number): Uint8Array {
  return new FrameEncoder({ startedAtUs: 1 }).encode(
    { ...SCRIPT_SNAPSHOT, timestamp: Date.now() - ageMs },
    { color: MomentumColor.Idle, intensity: 0.3, rotationSpeed: 0.5 },
    { sequence: 1, sentAtUs: Date.now() * 1000 },
  ).slice();
}

const CASES: { name: string; bytes: () => Uint8Array; log: RegExp; rssMiB?: number }[] = [
  {
    name: "garbage",
    bytes: () => new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\nnot a frame at all".repeat(50)),
    log: /reason="bad frame: /,
  },
  {
    name: "the decode bomb (80,000 aliases of a 700 kB name)",
    bytes: () => frame(aliasBomb("top_processes")),
    log: /reason="bad frame: /,
    rssMiB: 150,
  },
  { name: "a stale frame", bytes: () => frameAged(60_000), log: /kind=stale/ },
  {
    name: "half a frame, then silence",
    bytes: () => frameAged(0).subarray(0, 40),
    log: /kind=timeout/,
  },
  { name: "silence", bytes: () => new Uint8Array(0), log: /kind=timeout/ },
];

for (const c of CASES) {
  Deno.test({
    name: `a daemon that sends ${c.name}: opta_up 0, one log line, no other reading`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await withDir(async (dir) => {
        const socket = `${dir}/d.sock`;
        const daemon = fakeDaemon(socket, c.bytes);
        const exporter = await startExporter(socket, PORT = freePort());
        try {
          for (let i = 0; i < 3; i++) {
            const { status, body } = await httpGet(url());
            assert.equal(status, 200);
            assert.equal(sampleValue(body, "opta_up"), 0);
            const readings = body.split("\n").filter((l) =>
              /^opta_/.test(l) && !/^opta_(up|frame_age_seconds|exporter_)/.test(l)
            );
            assert.deepEqual(readings, []);
            // How old the frame was, when there was one: only the stale one here.
            const age = sampleValue(body, "opta_frame_age_seconds");
            if (c.name === "a stale frame") assert.ok(age! >= 60 && age! < 70, `age ${age}`);
            else assert.equal(age, null);
          }
          const lines = exporter.matching(/daemon unavailable/);
          assert.equal(lines.length, 1, exporter.stderr);
          assert.match(lines[0], c.log);
          assert.ok(!/\n\s+at /.test(exporter.stderr), "no stack trace");
          if (c.rssMiB) {
            assert.ok(rssKiB(exporter.pid) < c.rssMiB * 1024, `${rssKiB(exporter.pid)} KiB`);
          }
          assert.equal(exporter.exited, null);
        } finally {
          await exporter.stop();
          daemon.close();
        }
      });
    },
  });
}

Deno.test({
  name: "a silent daemon: the answer comes within Prometheus' scrape timeout, with opta_up 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/d.sock`;
      const daemon = fakeDaemon(socket, () => new Uint8Array(0));
      const exporter = await startExporter(socket, PORT = freePort());
      try {
        const started = performance.now();
        const { body } = await httpGet(url(), { "X-Prometheus-Scrape-Timeout-Seconds": "0.6" });
        const elapsed = performance.now() - started;
        assert.equal(sampleValue(body, "opta_up"), 0);
        assert.ok(elapsed < 600, `answered after ${elapsed} ms`);
        assert.match(exporter.matching(/daemon unavailable/)[0], /scrape timeout's 350 ms/);
      } finally {
        await exporter.stop();
        daemon.close();
      }
    });
  },
});

/** The status of the answer to raw `text` on a new connection (0: none before close). */
async function rawStatus(text: string, ms = 5000): Promise<number> {
  const answer = await raw(text, ms);
  return answer === "" ? 0 : Number(answer.split(" ")[1]);
}

/** Send raw `text` on a new connection; the answer until the server closes ("" for none). */
async function raw(text: string, ms = 5000): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
  const timer = setTimeout(() => conn.close(), ms);
  let answer = "";
  try {
    await conn.write(new TextEncoder().encode(text)).catch(() => 0);
    const buffer = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) return answer;
      answer += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

Deno.test({
  name:
    "hostile clients each get a clear status, memory stays bounded, scrapes are served during and after",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      // The real daemon, in a process of its own: the flood below keeps this one busy.
      const socket = `${dir}/d.sock`;
      const daemon = await startDaemon(socket);
      const exporter = await startExporter(socket, PORT = freePort());
      try {
        assert.equal(sampleValue((await httpGet(url())).body, "opta_up"), 1);
        const baseline = rssKiB(exporter.pid);
        const line = (target: string, fields = "Host: a\r\n") =>
          `GET ${target} HTTP/1.1\r\n${fields}\r\n`;
        assert.equal(await rawStatus(line(`/${"a".repeat(9 * 1024)}`)), 414);
        assert.equal(
          await rawStatus(line("/metrics", `Host: a\r\nX: ${"a".repeat(65 * 1024)}\r\n`)),
          431,
        );
        assert.equal(
          await rawStatus(line("/metrics", `Host: a\r\nAccept: ${"a".repeat(100 * 1024)}\r\n`)),
          431,
        );
        assert.equal(await rawStatus(line("/met\u0007rics\u001b[2J")), 400);
        assert.equal(await rawStatus("BREW /metrics HTTP/1.1\r\nHost: a\r\n\r\n"), 405);

        // Slowloris connections and a flood of 1,000 at once, while a scraper keeps scraping.
        const slow = await Promise.all(
          Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port: PORT })),
        );
        for (const c of slow) {
          await c.write(new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHo"));
        }
        let scrapes = 0;
        let refused = 0;
        let stop = false;
        const scraper = (async () => {
          // A new connection per scrape: one kept alive may be closed to make room, and a
          // client then retries on a new one (as Prometheus does), which is this. While the
          // flood holds every slot a scrape may be refused, with a 503 that says why.
          while (!stop) {
            const answer = await raw(line("/metrics", "Host: a\r\nConnection: close\r\n"));
            if (answer.startsWith("HTTP/1.1 503 ")) {
              assert.match(answer, /too many connections/);
              refused++;
              await new Promise((r) => setTimeout(r, 100));
              continue;
            }
            assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
            assert.equal(sampleValue(answer.slice(answer.indexOf("\r\n\r\n") + 4), "opta_up"), 1);
            scrapes++;
          }
        })();
        // Half ask properly, half leave their head unfinished.
        const flood = await Promise.all(
          Array.from(
            { length: 1000 },
            (_, i) =>
              i % 2 === 0
                ? rawStatus(line("/metrics"), 10_000)
                : rawStatus("GET /metrics HTTP/1.1\r\n", 3000),
          ),
        );
        const asked = flood.filter((_, i) => i % 2 === 0);
        const unfinished = flood.filter((_, i) => i % 2 === 1);
        for (const s of asked) assert.ok([200, 503].includes(s), `a request got ${s}`);
        for (const s of unfinished) {
          assert.ok([0, 408, 503].includes(s), `an unfinished one got ${s}`);
        }
        stop = true;
        await scraper;
        assert.ok(scrapes >= 1, `${scrapes} scrapes served, ${refused} refused during the flood`);
        const grown = rssKiB(exporter.pid) - baseline;
        // The heap settles where V8 puts it; what matters is that it stops (no head over its
        // limit is kept, at most 64 connections are open): well under the service unit's cap.
        assert.ok(grown < 128 * 1024, `RSS grew by ${grown} KiB`);
        for (const c of slow) c.close();
        assert.equal(exporter.exited, null);
        assert.equal(sampleValue((await httpGet(url())).body, "opta_up"), 1);
      } finally {
        await exporter.stop();
        await daemon.stop();
      }
    });
  },
});

/**
 * The exporter asks for frames without the process list (`OPTL`) unless it exports
 * processes: scraped with its default flags, the daemon it reads runs no `top` child; with
 * `--processes N` it asks `OPTQ`, `top` runs and the process samples are exported.
 */
import assert from "node:assert/strict";
import { type Daemon, withDaemon } from "../support/daemon.ts";
import { freePort, httpGet, sampleValue, startExporter } from "../support/exporter.ts";
import { runningChildren } from "../support/procs.ts";
import { poll } from "../support/wait.ts";

/** Scrapes `port` until `done` holds for the body (at most `ms`); the last body. */
async function scrapeUntil(port: number, done: (body: string) => boolean, ms: number) {
  let body = "";
  const ok = await poll(async () => {
    body = (await httpGet(`http://127.0.0.1:${port}/metrics`)).body;
    assert.equal(sampleValue(body, "opta_up"), 1, body);
    return done(body);
  }, ms);
  return { ok, body };
}

/** Runs an exporter with `args` against a daemon idling every 2 s. */
function withExporter(args: string[], fn: (daemon: Daemon, port: number) => Promise<void>) {
  return withDaemon({ flags: ["--idle-interval", "2s"] }, async (daemon, socket) => {
    const port = freePort();
    const exporter = await startExporter(socket, port, args);
    try {
      await fn(daemon, port);
    } finally {
      await exporter.stop();
    }
  });
}

Deno.test({
  name: "scraped with default flags (no processes), the daemon's top child exits",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withExporter([], async (daemon, port) => {
      const { ok } = await scrapeUntil(
        port,
        () => runningChildren(daemon.pid, "top").length === 0,
        20_000,
      );
      assert.ok(ok, "top still runs after scrapes that need no processes");
      // It stays gone while scrapes go on.
      for (let i = 0; i < 3; i++) {
        await httpGet(`http://127.0.0.1:${port}/metrics`);
        assert.deepEqual(runningChildren(daemon.pid, "top"), []);
      }
    });
  },
});

Deno.test({
  name: "with --processes 3 the exporter exports process samples and top runs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withExporter(["--processes", "3"], async (daemon, port) => {
      const { ok, body } = await scrapeUntil(
        port,
        (text) => /^opta_process_cpu_ratio\{/m.test(text),
        20_000,
      );
      assert.ok(ok, `no process samples:\n${body.slice(0, 2000)}`);
      assert.ok(runningChildren(daemon.pid, "top").length > 0, "top runs");
      // A list present at one scrape stays for the next: no scrape pauses top.
      for (let i = 0; i < 3; i++) {
        const { body } = await httpGet(`http://127.0.0.1:${port}/metrics`);
        assert.match(body, /^opta_process_cpu_ratio\{/m);
        assert.ok(runningChildren(daemon.pid, "top").length > 0, "top still runs");
      }
    });
  },
});

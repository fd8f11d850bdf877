/** serve() in-process: behaviour that a subprocess cannot reach deterministically. */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { serve } from "../../src/daemon/serve.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { withDir } from "../support/daemon.ts";

/** A platform with no sources whose facts() runs `during` first (like macOS's sysctl spawn). */
function slowPlatform(during: () => void): Platform {
  return {
    name: "fake",
    tools: [],
    async facts() {
      during();
      await delay(20);
      return { memoryTotal: 1, logicalCpus: 1, model: null, os: "fake", coreLevels: [] };
    },
    sources: () => [],
  };
}

Deno.test("serve: an abort (SIGTERM) that arrives while it is starting up still stops it", async () => {
  await withDir(async (dir) => {
    const socketPath = `${dir}/s.sock`;
    const stop = new AbortController();
    const server = await serve(slowPlatform(() => stop.abort()), {
      socketPath,
      signal: stop.signal,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      server.finished.then(() => "stopped"),
      new Promise((resolve) => timer = setTimeout(() => resolve("still serving"), 2000)),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, "stopped");
    assert.throws(() => Deno.lstatSync(socketPath), Deno.errors.NotFound);
  });
});

Deno.test("serve: a signal aborted before the call stops it at once", async () => {
  await withDir(async (dir) => {
    const socketPath = `${dir}/s.sock`;
    const server = await serve(slowPlatform(() => {}), {
      socketPath,
      signal: AbortSignal.abort(),
    });
    await server.finished;
    assert.throws(() => Deno.lstatSync(socketPath), Deno.errors.NotFound);
  });
});

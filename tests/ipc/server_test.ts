/** serve() in-process: behaviour that a subprocess cannot reach deterministically. */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { serve } from "../../src/daemon/serve.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { withDir } from "../support/daemon.ts";
import { polledSource } from "../../src/metrics/polled_source.ts";
import { SpawnCounter } from "../../src/process/spawn.ts";

/** A platform with no sources whose facts() runs `during` first (like macOS's sysctl spawn). */
function slowPlatform(during: () => void): Platform {
  return {
    name: "fake",
    tools: [],
    spawns: new SpawnCounter(),
    cadences: {},
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

/** A platform with one polled disk source counting its reads, with its own default cadences. */
function countingPlatform(
  cadences: Platform["cadences"],
): { platform: Platform; reads: () => number } {
  let reads = 0;
  const platform: Platform = {
    ...slowPlatform(() => {}),
    cadences,
    sources: () => [polledSource("disk", () => (reads++, { diskUsage: 1 }))],
  };
  return { platform, reads: () => reads };
}

Deno.test("serve: the platform's default cadences apply; the user's override them", async () => {
  for (const [user, expectMany] of [[{}, true], [{ disk: 60_000, idle: 60_000 }, false]] as const) {
    await withDir(async (dir) => {
      const { platform, reads } = countingPlatform({ disk: 20, idle: 20 });
      const stop = new AbortController();
      const server = await serve(platform, {
        socketPath: `${dir}/s.sock`,
        signal: stop.signal,
        cadences: user,
      });
      await delay(400);
      stop.abort();
      await server.finished;
      // idle (no client): every 20 ms by the platform's cadences, once by the user's
      assert.equal(reads() > 5, expectMany, `${reads()} reads with ${JSON.stringify(user)}`);
    });
  }
});

/** `--stats-interval`: one line every interval telling users what the daemon costs them. */
import assert from "node:assert/strict";
import { statsFields } from "../../src/daemon/stats.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { subscribe } from "../../src/ipc/client.ts";

Deno.test("statsFields reports counters, own cost and every source's cost, age and error", () => {
  const health = {
    cpu: { ageMs: 120, error: null, samples: 9, failures: 0, costMs: 0.3141 },
    memory: { ageMs: 800, error: null, samples: 2, failures: 0, costMs: 0.02 },
    processes: {
      ageMs: null,
      error: "top: exited with code 1",
      samples: 0,
      failures: 3,
      costMs: null,
    },
    disk: { ageMs: 5000, error: null, samples: 1, failures: 0, costMs: 6.25 },
    temperature: { ageMs: 100, error: null, samples: 1, failures: 0, costMs: 7 },
  };
  const fields = statsFields({
    stats: { clients: 3, framesSent: 900, framesDropped: 12, stalled: 1, flooded: 0, refused: 2 },
    frames: 301,
    spawns: 42,
    health,
    cpuPercent: 1.23456,
    rssBytes: 52_428_800,
    heapBytes: 7_654_321,
    gcMs: 12.345,
    gcReduced: 2,
    gcSkipped: 5,
  });
  assert.deepEqual(fields, {
    clients: 3,
    frames: 301,
    sent: 900,
    dropped: 12,
    stalled: 1,
    refused: 2,
    spawns: 42,
    cpu_pct: 1.23,
    rss_mib: 50,
    heap_mib: 7.3,
    gc_ms: 12.3,
    gc_reduced: 2,
    gc_skipped: 5,
    cpu_cost_ms: 0.31,
    cpu_age_ms: 120,
    memory_cost_ms: 0.02,
    memory_age_ms: 800,
    processes_cost_ms: null,
    processes_age_ms: null,
    processes_error: "top: exited with code 1",
    disk_cost_ms: 6.25,
    disk_age_ms: 5000,
    temperature_cost_ms: 7,
    temperature_age_ms: 100,
  });
});

Deno.test("the daemon logs a JSON stats line every interval with real figures", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = await startDaemon(sock, {
      flags: ["--stats-interval", "1s", "--gc-interval", "1s", "--log-format", "json"],
    });
    const stop = new AbortController();
    try {
      let frames = 0;
      const reading = (async () => {
        for await (const _ of subscribe(sock, { signal: stop.signal })) frames++;
      })();
      const first = await daemon.waitForLine(/"event":"stats"/, 3000);
      const second = await daemon.waitForLine(
        /"event":"stats"/,
        3000,
        daemon.lines.indexOf(first) + 1,
      );
      stop.abort();
      await reading;
      const a = JSON.parse(first);
      const b = JSON.parse(second);
      assert.equal(b.clients, 1);
      assert.ok(
        b.frames - a.frames >= 20 && b.frames - a.frames <= 30,
        `${a.frames} → ${b.frames}`,
      );
      assert.ok(b.sent >= b.frames - 2, "every frame reached the client");
      assert.equal(b.dropped, 0);
      // top once, then one grep a second for the /proc reads due together (df every 30 s)
      assert.ok(a.spawns >= 2, `spawns ${a.spawns}`);
      assert.ok(b.spawns - a.spawns >= 1 && b.spawns - a.spawns <= 3, `${a.spawns} → ${b.spawns}`);
      assert.ok(b.cpu_pct > 0 && b.cpu_pct < 50, `cpu_pct ${b.cpu_pct}`);
      assert.ok(b.rss_mib > 10 && b.rss_mib < 500, `rss_mib ${b.rss_mib}`);
      assert.ok(b.heap_mib > 1 && b.heap_mib < b.rss_mib, `heap_mib ${b.heap_mib}`);
      assert.ok(b.gc_ms > 0 && b.gc_ms < 1000, `gc_ms ${b.gc_ms}: a full collection ran`);
      for (const source of ["cpu", "memory", "processes", "disk", "temperature"]) {
        assert.ok(typeof b[`${source}_cost_ms`] === "number", `${source}_cost_ms`);
        assert.ok(b[`${source}_age_ms`] >= 0, `${source}_age_ms`);
      }
      assert.ok(b.cpu_age_ms < 1000, "cpu refreshes every 250 ms while streaming");
      assert.ok(frames > 0);
    } finally {
      await daemon.stop();
    }
  });
});

Deno.test("full collections: on by default, off with --gc-interval 0, unavailable without --expose-gc", async () => {
  await withDir(async (dir) => {
    const cases = [
      { flags: [], v8Flags: undefined, fullGc: "every 60s" },
      { flags: ["--gc-interval", "0"], v8Flags: undefined, fullGc: "off" },
      { flags: [], v8Flags: [], fullGc: "unavailable (run with --v8-flags=--expose-gc)" },
    ];
    for (const [i, { flags, v8Flags, fullGc }] of cases.entries()) {
      const daemon = await startDaemon(`${dir}/g${i}.sock`, {
        flags: [...flags, "--stats-interval", "1s", "--log-format", "json"],
        v8Flags,
      });
      try {
        const listening = JSON.parse(daemon.lines.find((l) => /"event":"listening"/.test(l))!);
        assert.equal(listening.full_gc, fullGc, JSON.stringify(flags));
        const stats = JSON.parse(await daemon.waitForLine(/"event":"stats"/, 3000));
        assert.equal(stats.gc_ms, null, "no collection within the first minute");
      } finally {
        await daemon.stop();
      }
    }
  });
});

Deno.test("full collections are skipped while nobody streams and the old generation is flat, never while one does", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/k.sock`;
    const daemon = await startDaemon(sock, {
      flags: ["--stats-interval", "1s", "--gc-interval", "1s", "--log-format", "json"],
    });
    const stop = new AbortController();
    try {
      // Idle: once the heap stops moving, due collections are skipped.
      await daemon.waitForLine(/"gc_skipped":[1-9]/, 20_000);
      let frames = 0;
      const reading = (async () => {
        for await (const _ of subscribe(sock, { signal: stop.signal })) frames++;
      })();
      const streaming = performance.now();
      while (frames < 10) {
        assert.ok(performance.now() - streaming < 5000, `${frames} frames in 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const firstLine = await daemon.waitForLine(/"event":"stats"/, 3000, daemon.lines.length);
      const secondLine = await daemon.waitForLine(
        /"event":"stats"/,
        3000,
        daemon.lines.indexOf(firstLine) + 1,
      );
      const [first, second] = [JSON.parse(firstLine), JSON.parse(secondLine)];
      stop.abort();
      await reading;
      assert.equal(second.clients, 1);
      assert.equal(second.gc_skipped, first.gc_skipped, "a collection skipped while streaming");
      assert.ok(second.gc_ms !== null, "collections run while a client streams");
    } finally {
      stop.abort();
      await daemon.stop();
    }
  });
});

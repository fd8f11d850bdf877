/**
 * subscribe() against real Unix sockets: restart detection by run id, backoff on
 * connections that deliver no frame (a scripted listener and a real daemon at its
 * client limit), and the refusal of a socket owned by another user.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  type ReceivedFrame,
  subscribe,
  type SubscriberStatus,
  UntrustedSocketError,
} from "../../src/ipc/client.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { RawReader, Subscriber } from "../support/readers.ts";
import { poll } from "../support/wait.ts";
import { scriptedFrame, ScriptedListener } from "../support/scripted_listener.ts";
import { VirtualClock } from "../support/virtual_clock.ts";
import { aliasBomb } from "../support/hostile_frames.ts";
import { frame } from "../../src/ipc/framing.ts";

const RUN_A = 1764183500000001;
const RUN_B = 1764183600000002;

/** Frames received by subscribe() until `n` arrived (fails after `ms`). */
async function receive(path: string, n: number, ms = 10_000): Promise<ReceivedFrame[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  const frames: ReceivedFrame[] = [];
  try {
    for await (const f of subscribe(path, { signal: stop.signal })) {
      frames.push(f);
      if (frames.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.equal(frames.length, n, `only ${frames.length} of ${n} frames within ${ms} ms`);
  return frames;
}

const summary = (frames: ReceivedFrame[]) =>
  frames.map((f) => ({ sequence: f.frame.sequence, missed: f.missed, restarted: f.restarted }));

Deno.test("subscribe: seq 3 → 16 on a new run is a restart with 0 missed", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [1, 2, 3].map((sequence) => scriptedFrame({ run: RUN_A, sequence })) },
      {
        frames: [16, 17].map((sequence) => scriptedFrame({ run: RUN_B, sequence })),
        keepOpen: true,
      },
    ]);
    try {
      assert.deepEqual(summary(await receive(path, 5)), [
        { sequence: 1, missed: 0, restarted: false },
        { sequence: 2, missed: 0, restarted: false },
        { sequence: 3, missed: 0, restarted: false },
        { sequence: 16, missed: 0, restarted: true },
        { sequence: 17, missed: 0, restarted: false },
      ]);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("subscribe: a reconnect to the same run within one tick is not a restart", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [1, 2, 3].map((sequence) => scriptedFrame({ run: RUN_A, sequence })) },
      // the same run sends its latest frame again at once, then the next tick's
      { frames: [3, 4].map((sequence) => scriptedFrame({ run: RUN_A, sequence })), keepOpen: true },
    ]);
    try {
      assert.deepEqual(summary(await receive(path, 5)).slice(3), [
        { sequence: 3, missed: 0, restarted: false },
        { sequence: 4, missed: 0, restarted: false },
      ]);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("subscribe: a gap within one run counts missed frames; a new run that went backwards too", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [5, 9].map((sequence) => scriptedFrame({ run: RUN_A, sequence })) },
      { frames: [20].map((sequence) => scriptedFrame({ run: RUN_A, sequence })) },
      { frames: [1].map((sequence) => scriptedFrame({ run: RUN_B, sequence })), keepOpen: true },
    ]);
    try {
      assert.deepEqual(summary(await receive(path, 4)), [
        { sequence: 5, missed: 0, restarted: false },
        { sequence: 9, missed: 3, restarted: false },
        { sequence: 20, missed: 10, restarted: false },
        { sequence: 1, missed: 0, restarted: true },
      ]);
    } finally {
      await listener.close();
    }
  });
});

/** Runs subscribe() on `path` for `ms`, returning every status it reported. */
async function statusesFor(path: string, ms: number): Promise<SubscriberStatus[]> {
  const statuses: SubscriberStatus[] = [];
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  for await (
    const _ of subscribe(path, {
      signal: stop.signal,
      onStatus: (s) => statuses.push(s),
    })
  ) {
    // frames do not matter here
  }
  clearTimeout(timer);
  return statuses;
}

Deno.test("subscribe: a listener that accepts and closes at once is retried with growing backoff", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [{ frames: [] }]);
    try {
      const statuses = await statusesFor(path, 2000);
      // 100 + 200 + 400 + 800 ms of waits fit in 2 s: five connects, not thousands.
      assert.ok(
        listener.accepted >= 3 && listener.accepted <= 8,
        `${listener.accepted} connects in 2 s`,
      );
      const waits = statuses.flatMap((s) => s.state === "waiting" ? [s.retryInMs] : []);
      assert.deepEqual(waits.slice(0, 4), [100, 200, 400, 800]);
      const waiting = statuses.find((s) => s.state === "waiting");
      assert.match(
        waiting?.state === "waiting" ? waiting.reason : "",
        /closed the connection before sending a frame/,
      );
    } finally {
      await listener.close();
    }
  });
});

Deno.test("subscribe: the alias bomb over a real socket is a bad stream, never built", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const bombs = [aliasBomb("top_processes"), aliasBomb("cpu_core_levels")].map(frame);
    const listener = new ScriptedListener(path, [
      { frames: [scriptedFrame({ run: RUN_A, sequence: 1 }), bombs[0]], keepOpen: true },
      { frames: [bombs[1]], keepOpen: true },
    ]);
    const stop = new AbortController();
    const reasons: string[] = [];
    const sequences: number[] = [];
    try {
      const frames = subscribe(path, {
        signal: stop.signal,
        onStatus(s) {
          if (s.state !== "disconnected") return;
          reasons.push(s.reason);
          if (reasons.length === 2) stop.abort();
        },
      });
      for await (const { frame } of frames) sequences.push(frame.sequence);
      assert.deepEqual(sequences, [1], "the good frame before the bomb, nothing after");
      assert.deepEqual(reasons, [
        "bad stream: malformed frame: top_processes has 80000 entries, over the limit of 100",
        "bad stream: malformed frame: cpu_core_levels has 80000 entries, over the limit of 16",
      ]);
    } finally {
      stop.abort();
      await listener.close();
    }
  });
});

Deno.test("subscribe on a virtual clock: waits grow from 100 ms to the 1 s ceiling and stay", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [{ frames: [] }]);
    const clock = new VirtualClock();
    const stop = new AbortController();
    const waits: number[] = [];
    let waiting: (() => void) | null = null;
    const run = (async () => {
      const frames = subscribe(path, {
        signal: stop.signal,
        clock,
        onStatus(s) {
          if (s.state !== "waiting") return;
          waits.push(s.retryInMs);
          waiting?.();
        },
      });
      for await (const _ of frames) assert.fail("the listener sends no frame");
    })();
    try {
      // Each wait passes only when the test moves the clock: no real time is waited.
      for (let i = 0; i < 7; i++) {
        while (waits.length <= i) await new Promise<void>((resolve) => waiting = resolve);
        assert.equal(listener.accepted, i + 1, "no attempt before its wait is over");
        await clock.advance(waits[i]);
      }
      assert.deepEqual(waits.slice(0, 7), [100, 200, 400, 800, 1000, 1000, 1000]);
    } finally {
      stop.abort();
      await run;
      await listener.close();
    }
  });
});

/**
 * subscribe() on a virtual clock against `listener`: every status, and a way to wait
 * for the n-th status of a kind (or fail after 5 s of real time).
 */
function virtualSubscriber(path: string, clock: VirtualClock) {
  const statuses: SubscriberStatus[] = [];
  const sequences: number[] = [];
  const stop = new AbortController();
  let changed: () => void = () => {};
  const run = (async () => {
    const frames = subscribe(path, {
      signal: stop.signal,
      clock,
      onStatus(s) {
        statuses.push(s);
        changed();
      },
    });
    for await (const { frame } of frames) {
      sequences.push(frame.sequence);
      changed();
    }
  })();
  const count = (state: SubscriberStatus["state"]) =>
    statuses.filter((s) => s.state === state).length;
  return {
    statuses,
    sequences,
    /** Resolves once `cond` holds, re-checked on every status and frame. */
    async until(cond: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!cond()) {
        assert.ok(
          Date.now() < deadline,
          `timed out waiting for ${what}: ${JSON.stringify(statuses)}`,
        );
        await Promise.race([new Promise<void>((r) => changed = r), delay(50)]);
      }
    },
    count,
    async stop(): Promise<void> {
      stop.abort();
      await run;
    },
  };
}

Deno.test("subscribe on a virtual clock: a server that sends one frame and closes gets the full backoff", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [scriptedFrame({ run: RUN_A, sequence: 1 })] },
    ]);
    const clock = new VirtualClock();
    const client = virtualSubscriber(path, clock);
    try {
      for (let i = 0; i < 6; i++) {
        await client.until(() => client.count("waiting") > i, `wait ${i + 1}`);
        assert.equal(listener.accepted, i + 1, "no attempt before its wait is over");
        const wait = client.statuses.findLast((s) => s.state === "waiting");
        await clock.advance(wait?.state === "waiting" ? wait.retryInMs : 0);
      }
      const waits = client.statuses.flatMap((s) => s.state === "waiting" ? [s] : []);
      assert.deepEqual(waits.slice(0, 6).map((w) => w.retryInMs), [100, 200, 400, 800, 1000, 1000]);
      assert.equal(
        waits[0].reason,
        "daemon closed the connection within 1000 ms of connecting",
      );
      const ends = client.statuses.flatMap((s) => s.state === "disconnected" ? [s.stable] : []);
      assert.ok(ends.every((stable) => !stable), "no connection counted as stable");
    } finally {
      await client.stop();
      await listener.close();
    }
  });
});

Deno.test("subscribe: a one-frame-then-close server gets a few connections a second, not thousands", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [scriptedFrame({ run: RUN_A, sequence: 1 })] },
    ]);
    try {
      await statusesFor(path, 2000);
      // 100 + 200 + 400 + 800 ms of waits fit in 2 s: five connects.
      assert.ok(listener.accepted <= 8, `${listener.accepted} connects in 2 s`);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("subscribe on a virtual clock: a connection that delivered and lasted starts the backoff over", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [] },
      { frames: [] },
      { frames: [scriptedFrame({ run: RUN_A, sequence: 1 })], keepOpen: true },
      { frames: [] },
    ]);
    const clock = new VirtualClock();
    const client = virtualSubscriber(path, clock);
    try {
      await client.until(() => client.count("waiting") === 1, "the first wait");
      await clock.advance(100);
      await client.until(() => client.count("waiting") === 2, "the second wait");
      await clock.advance(200);
      await client.until(() => client.sequences.length === 1, "the frame");
      await clock.advance(1000); // it stays open for the stable time
      listener.closeOpen();
      await client.until(() => client.count("waiting") === 3, "the wait after it");
      const waits = client.statuses.flatMap((s) => s.state === "waiting" ? [s.retryInMs] : []);
      assert.deepEqual(waits, [100, 200, 100]);
      assert.equal(listener.accepted, 4, "reconnected at once after the stable connection");
      const ends = client.statuses.flatMap((s) => s.state === "disconnected" ? [s.stable] : []);
      assert.deepEqual(ends, [false, false, true, false]);
    } finally {
      await client.stop();
      await listener.close();
    }
  });
});

Deno.test("subscribe on a virtual clock: a frame left half-sent is given up after 10 s", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const whole = scriptedFrame({ run: RUN_A, sequence: 1 });
    const listener = new ScriptedListener(path, [
      { frames: [whole, whole.subarray(0, 20)], keepOpen: true },
      { frames: [scriptedFrame({ run: RUN_A, sequence: 2 })], keepOpen: true },
    ]);
    const clock = new VirtualClock();
    const client = virtualSubscriber(path, clock);
    try {
      await client.until(() => client.sequences.length === 1 && clock.pending > 0, "the half");
      await clock.advance(9_999);
      assert.equal(client.count("disconnected"), 0, "still waiting for the rest");
      await clock.advance(1);
      await client.until(() => client.sequences.length === 2, "the frame after reconnecting");
      const ended = client.statuses.find((s) => s.state === "disconnected");
      assert.deepEqual(ended, {
        state: "disconnected",
        path,
        reason: "bad stream: a frame was left half-sent (20 bytes of it arrived, " +
          "then nothing for 10 s)",
        stable: true,
      });
      // Between whole frames a silence is no fault: no timer runs then.
      assert.equal(clock.pending, 0);
    } finally {
      await client.stop();
      await listener.close();
    }
  });
});

Deno.test("subscribe against a real daemon at --max-clients 1: a refused client backs off", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/d.sock`;
    const daemon = await startDaemon(path, { flags: ["--max-clients", "1"] });
    const holder = await RawReader.connect(path);
    try {
      assert.ok(await poll(() => holder.sequences.length > 0, 5000), "the first client is served");
      const refused = new Subscriber(path);
      await delay(2000);
      await refused.stop();
      const connects = refused.statuses.filter((s) => s.state === "connected").length;
      assert.equal(refused.frames.length, 0, "the refused client got no frame");
      assert.ok(connects >= 3 && connects <= 8, `${connects} connects in 2 s`);
      // The daemon says why, once per 10 s however many it refuses.
      const said = daemon.matching(/connection refused: client limit reached/);
      assert.equal(said.length, 1, daemon.stderr);
      assert.match(said[0], /max_clients=1/);
    } finally {
      await holder.close();
      await daemon.stop();
    }
  });
});

const root = Deno.uid() === 0;

Deno.test({
  name: "subscribe refuses a socket file owned by another user, before connecting",
  ignore: !root,
  async fn() {
    await withDir(async (dir) => {
      const path = `${dir}/s.sock`;
      const listener = new ScriptedListener(path, [
        { frames: [scriptedFrame({ run: RUN_A, sequence: 1 })], keepOpen: true },
      ]);
      try {
        Deno.chownSync(path, 65534, 65534);
        const statuses: SubscriberStatus[] = [];
        const error = await (async () => {
          try {
            for await (const _ of subscribe(path, { onStatus: (s) => statuses.push(s) })) {
              return null;
            }
          } catch (e) {
            return e;
          }
        })();
        assert.ok(error instanceof UntrustedSocketError, `got ${error}`);
        assert.equal(error.owner, 65534);
        assert.match(error.message, /owned by uid 65534, not by you \(uid 0\) or root/);
        assert.equal(listener.accepted, 0, "never connected");
        assert.deepEqual(statuses, [], "no retry");
        // Owned by root or by us again: accepted.
        Deno.chownSync(path, 0, 0);
        assert.equal((await receive(path, 1))[0].frame.sequence, 1);
      } finally {
        await listener.close();
      }
    });
  },
});

Deno.test({
  name: "subscribe refuses our own symlink to a socket owned by another user",
  ignore: !root,
  async fn() {
    await withDir(async (dir) => {
      const target = `${dir}/theirs.sock`;
      const listener = new ScriptedListener(target, [
        { frames: [scriptedFrame({ run: RUN_A, sequence: 1 })], keepOpen: true },
      ]);
      try {
        Deno.chownSync(target, 65534, 65534);
        Deno.symlinkSync(target, `${dir}/link.sock`);
        await assert.rejects(async () => {
          for await (const _ of subscribe(`${dir}/link.sock`)) break;
        }, UntrustedSocketError);
        assert.equal(listener.accepted, 0);
      } finally {
        await listener.close();
      }
    });
  },
});

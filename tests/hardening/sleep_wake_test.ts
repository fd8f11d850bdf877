/**
 * Sleep/wake, simulated: the real daemon subprocess is frozen with SIGSTOP for 30 s while
 * clients stay connected, then resumed with SIGCONT. No burst of queued frames, every value
 * in range, the `top` child alive (kept or restarted) and the stream back within 1 s.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { WallClock } from "../../src/time/wall_clock.ts";
import { decodeMetrics, type MetricsFrame } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { serve } from "../../src/daemon/serve.ts";
import type { Platform } from "../../src/metrics/platform.ts";
import { polledSource } from "../../src/metrics/polled_source.ts";
import { DEFAULT_MOMENTUM_CONFIG } from "../../src/momentum/momentum.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { noteWhen } from "../support/note.ts";
import { Subscriber } from "../support/readers.ts";
import { poll } from "../support/wait.ts";
import { alive, childrenOf } from "../support/procs.ts";
import { SpawnCounter } from "../../src/process/spawn.ts";

const STOPPED_MS = 30_000;

const targets = DEFAULT_MOMENTUM_CONFIG.targets;
const minOf = (key: "intensity" | "rotationSpeed") => Math.min(...targets.map((t) => t[key]));
const maxOf = (key: "intensity" | "rotationSpeed") => Math.max(...targets.map((t) => t[key]));

/** Every value of a frame is a real number in its range. */
function assertSane(frame: MetricsFrame, what: string): void {
  const percent = (name: "cpuUsage" | "memoryUsage" | "diskUsage") => {
    const v = frame[name];
    assert.ok(Number.isFinite(v) && v >= 0 && v <= 100, `${what}: ${name} = ${v}`);
  };
  percent("cpuUsage");
  percent("memoryUsage");
  percent("diskUsage");
  assert.ok(frame.memoryTotal > 0, `${what}: memoryTotal`);
  assert.ok(frame.temperature === null || Number.isFinite(frame.temperature), `${what}: temp`);
  assert.ok(Number.isFinite(frame.timestamp) && frame.timestamp > 0, `${what}: timestamp`);
  const { intensity, rotationSpeed, color } = frame.momentum;
  assert.ok(
    Number.isFinite(intensity) && intensity >= minOf("intensity") - 1e-9 &&
      intensity <= maxOf("intensity") + 1e-9,
    `${what}: intensity ${intensity}`,
  );
  assert.ok(
    Number.isFinite(rotationSpeed) && rotationSpeed >= minOf("rotationSpeed") - 1e-9 &&
      rotationSpeed <= maxOf("rotationSpeed") + 1e-9,
    `${what}: rotation ${rotationSpeed}`,
  );
  assert.ok([0, 1, 2].includes(color), `${what}: color ${color}`);
  for (const p of frame.topProcesses) {
    assert.ok(p.pid > 0 && Number.isFinite(p.cpuPercent) && p.cpuPercent >= 0, `${what}: ${p}`);
    assert.ok(Number.isFinite(p.memoryMb) && p.memoryMb >= 0, `${what}: ${p.name} memory`);
  }
}

const note = noteWhen("HARDENING_TEST_VERBOSE");

const tops = (pid: number) => childrenOf(pid).filter((c) => c.comm === "top" && alive(c.pid));

Deno.test("SIGSTOP 30 s then SIGCONT: no burst, values in range, top alive, stream back < 1 s", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = await startDaemon(sock, { flags: ["--processes-interval", "500ms"] });
    const clients = [new Subscriber(sock), new Subscriber(sock)];
    let continued = false;
    try {
      const withProcesses = () =>
        clients.every((c) => (c.frames.at(-1)?.frame.topProcesses.length ?? 0) > 0);
      assert.ok(await poll(withProcesses, 5000), "no processes in the frames within 5 s");
      const topsBefore = tops(daemon.pid).map((c) => c.pid);
      assert.equal(topsBefore.length, 1, `top children: ${topsBefore}`);

      daemon.signal("SIGSTOP");
      const stopped = performance.now();
      await delay(STOPPED_MS);
      const quietFrom = stopped + 200; // a frame already in flight may still land
      for (const [i, c] of clients.entries()) {
        assert.equal(c.after(quietFrom).length, 0, `client ${i} got frames while stopped`);
      }
      const lastBefore = clients.map((c) => c.frames.at(-1)!.frame.sequence);

      daemon.signal("SIGCONT");
      continued = true;
      const resumed = performance.now();
      await delay(3000);

      for (const [i, c] of clients.entries()) {
        const after = c.after(resumed);
        assert.ok(after.length > 0, `client ${i}: nothing after SIGCONT`);
        const latency = after[0].at - resumed;
        assert.ok(
          latency < 1000,
          `client ${i}: first frame ${latency.toFixed(0)} ms after SIGCONT`,
        );
        // 500 ms at 25 Hz is 12.5 frames; replaying the 750 missed ticks would be a burst
        const burst = after.filter((f) => f.at < resumed + 500).length;
        note({ client: i, latency, burst, statuses: c.statuses.map((s) => s.state) });
        assert.ok(burst <= 16, `client ${i}: ${burst} frames in the first 500 ms`);
        // steady 25 Hz afterwards
        const steady = after.filter((f) => f.at >= resumed + 1000).length;
        assert.ok(steady >= 40 && steady <= 56, `client ${i}: ${steady} frames in 2 s`);
        for (const f of after) assertSane(f.frame, `client ${i} sequence ${f.frame.sequence}`);
        const reconnected = c.statuses.some((s) => s.state === "connected" && s.at > stopped);
        if (!reconnected) {
          // same connection: skipped ticks are not published, so no sequence gap either
          assert.equal(after[0].frame.sequence, lastBefore[i] + 1, `client ${i}`);
          for (const f of after) assert.equal(f.missed, 0, `client ${i}: missed ${f.missed}`);
        }
        for (const f of after) assert.equal(f.restarted, false, `client ${i}: daemon restarted?`);
        // processes keep arriving: top's list changes between refreshes after the resume
        const lists = new Set(
          after.filter((f) => f.at >= resumed + 1000).map((f) =>
            JSON.stringify(f.frame.topProcesses)
          ),
        );
        assert.ok(lists.size >= 2, `client ${i}: ${lists.size} distinct process lists in 2 s`);
        assert.ok(after.at(-1)!.frame.topProcesses.length > 0, `client ${i}: no processes`);
      }
      const topsAfter = tops(daemon.pid).map((c) => c.pid);
      assert.equal(topsAfter.length, 1, `top children after the resume: ${topsAfter}`);
      assert.equal(daemon.exited, null, daemon.stderr);
      note({ topsBefore, topsAfter, log: daemon.lines.slice(-5) });
      // top kept running while the daemon was frozen: its refreshes waited in the pipe, so the
      // stall watchdog must not take the frozen time for top's silence and kill it
      assert.deepEqual(topsAfter, topsBefore, daemon.stderr);
      assert.deepEqual(daemon.matching(/WARN|ERROR/), [], daemon.stderr);
    } finally {
      if (!continued) daemon.signal("SIGCONT");
      await Promise.all(clients.map((c) => c.stop()));
      await daemon.stop();
    }
  });
});

// ---- wall-clock jumps ----------------------------------------------------------------------

/**
 * Replaces `Date.now` with a clock that follows the monotonic one (so nothing but the test's
 * jumps moves it) plus `offsetMs`. `new Date()` is left alone: nothing in src/ times anything
 * with it (the logger only prints it). The real system clock is never touched.
 */
function jumpingClock() {
  const realNow = Date.now;
  const base = realNow() - performance.now();
  const clock = {
    offsetMs: 0,
    now: () => Math.floor(base + performance.now() + clock.offsetMs),
    restore: () => {
      Date.now = realNow;
    },
  };
  Date.now = clock.now;
  return clock;
}

const HOUR = 3_600_000;

Deno.test("the wall clock follows a ±1 h jump within one call and is monotonic between jumps", () => {
  const clock = jumpingClock();
  const wall = new WallClock();
  const wallClockMicros = () => wall.micros();
  try {
    // Every reading is bracketed by two Date.now() calls, so a preemption anywhere (a loaded
    // machine takes the CPU away for milliseconds) widens the bracket instead of failing it.
    const run = (what: string) => {
      const before = Date.now();
      const first = wallClockMicros();
      const after = Date.now();
      assert.ok(
        first / 1000 >= before && first / 1000 <= after + 1,
        `${what}: ${first / 1000} outside Date.now()'s [${before}, ${after + 1}]`,
      );
      let previous = first;
      const distinct = new Set<number>();
      const wallMs = new Set<number>();
      // until Date.now() has shown 40 milliseconds to this thread (50 ms on an idle machine)
      const end = performance.now() + 2000;
      while (wallMs.size < 40 && performance.now() < end) {
        const before = Date.now();
        const value = wallClockMicros();
        const after = Date.now();
        assert.ok(value >= previous, `${what}: went back ${previous - value} µs`);
        // off by more than the step threshold (2 ms) would have been a re-anchor
        assert.ok(
          value / 1000 >= before - 2 && value / 1000 <= after + 3,
          `${what}: ${value / 1000} far from Date.now()'s [${before}, ${after + 1}]`,
        );
        distinct.add(Math.floor(value / 1000));
        wallMs.add(after);
        previous = value;
      }
      // it moves with the wall clock: as many distinct milliseconds as Date.now() showed while
      // this thread ran (whatever the scheduler took away, it took from both)
      assert.ok(
        distinct.size >= 0.9 * wallMs.size && wallMs.size >= 40,
        `${what}: ${distinct.size} distinct ms where Date.now() showed ${wallMs.size}`,
      );
      return first;
    };
    // every run starts with a jump: the first call re-anchors on the jumped clock
    const jumpTo = (offsetMs: number, what: string) => {
      clock.offsetMs = offsetMs;
      return { at: performance.now() * 1000, micros: run(what) };
    };
    const ahead = jumpTo(HOUR, "+1 h");
    const behind = jumpTo(-HOUR, "-1 h");
    const back = jumpTo(0, "back");
    // each step is the jump plus the time the runs took (up to 2 s each on a loaded machine)
    const step = (a: typeof ahead, b: typeof ahead) => b.micros - a.micros - (b.at - a.at);
    assert.ok(Math.abs(step(ahead, behind) + 2 * HOUR * 1000) < 200_000, "+1 h → −1 h");
    assert.ok(Math.abs(step(behind, back) - HOUR * 1000) < 200_000, "−1 h → back");
  } finally {
    clock.restore();
  }
});

Deno.test("the wall clock stays within the millisecond Date.now() reports, through small drifts", () => {
  const clock = jumpingClock();
  const wall = new WallClock();
  const wallClockMicros = () => wall.micros();
  try {
    // Drifts below the step threshold (the VM's clocks wander, an anchoring spin is preempted)
    // are absorbed by nudges: soon every reading is consistent with Date.now(). (A backward
    // drift holds the readings still until the wall clock catches up: they never go back.)
    for (const drift of [0.3, 1.7, -0.6, -1.8, 0]) {
      clock.offsetMs += drift;
      // A nudge needs a reading in the part of a millisecond where the estimate falls outside
      // Date.now()'s millisecond (up to 1 ms away), taken without preemption between its two
      // monotonic readings: allow readings through five milliseconds of Date.now() for the
      // first ones (counted, not timed: a loaded machine takes the CPU away for milliseconds).
      const holdUntil = performance.now() + Math.max(0, -drift);
      const settling = new Set<number>();
      while (settling.size < 5 || performance.now() < holdUntil) {
        settling.add(Date.now());
        wallClockMicros();
      }
      // then check readings through 30 milliseconds of Date.now() (30 ms on an idle machine)
      let consistent = 0;
      let checked = 0;
      const seen = new Set<number>();
      const end = performance.now() + 2000;
      while (seen.size < 30 && performance.now() < end) {
        const before = Date.now();
        const value = wallClockMicros() / 1000;
        const after = Date.now();
        checked++;
        seen.add(before);
        if (value >= before - 0.05 && value <= after + 1.05) consistent++;
      }
      assert.ok(seen.size >= 30 && checked > 100, `${checked} readings over ${seen.size} ms`);
      assert.equal(consistent, checked, `drift ${drift} ms: ${checked - consistent} off`);
    }
  } finally {
    clock.restore();
  }
});

Deno.test("±1 h wall-clock jumps change no cadence, no sequence; timestamps follow the jump", async () => {
  const counts = { cpu: 0, memory: 0, disk: 0 };
  const platform: Platform = {
    name: "fake",
    tools: [],
    spawns: new SpawnCounter(),
    cadences: {},
    facts: () =>
      Promise.resolve({
        memoryTotal: 2 ** 30,
        logicalCpus: 2,
        model: null,
        os: "fake",
        coreLevels: [],
      }),
    sources: () => [
      polledSource("cpu", () => {
        counts.cpu++;
        return { cpuUsage: 42 };
      }),
      polledSource("memory", () => {
        counts.memory++;
        return { memoryUsage: 55, memoryTotal: 2 ** 30 };
      }),
      polledSource("disk", () => {
        counts.disk++;
        return { diskUsage: 70 };
      }),
    ],
  };
  const clock = jumpingClock();
  try {
    await withDir(async (dir) => {
      const stop = new AbortController();
      const server = await serve(platform, {
        socketPath: `${dir}/s.sock`,
        rateHz: 25,
        cadences: { cpu: 50, memory: 100, disk: 30_000 },
        signal: stop.signal,
      });
      const conn = await Deno.connect({ transport: "unix", path: server.socketPath });
      // ahead: how far the server's sequence was past each frame as it was decoded (frames
      // the server wrote that still wait in the socket, more of them on a loaded machine)
      const frames: { frame: MetricsFrame; wallMs: number; ahead: number }[] = [];
      const reading = (async () => {
        const decoder = new FrameDecoder();
        const buffer = new Uint8Array(64 * 1024);
        try {
          while (true) {
            const n = await conn.read(buffer);
            if (n === null) return;
            for (const body of decoder.push(buffer.subarray(0, n))) {
              const frame = decodeMetrics(body);
              frames.push({ frame, wallMs: Date.now(), ahead: server.sequence - frame.sequence });
            }
          }
        } catch {
          // closed at the end
        }
      })();
      try {
        await delay(300); // the first frames are out; cadences are steady
        const phase = async (offsetMs: number, what: string) => {
          clock.offsetMs = offsetMs;
          const c0 = { ...counts };
          const f0 = frames.length;
          const t0 = performance.now();
          await delay(1000);
          const seconds = (performance.now() - t0) / 1000;
          const rate = {
            cpu: (counts.cpu - c0.cpu) / seconds,
            memory: (counts.memory - c0.memory) / seconds,
            frames: (frames.length - f0) / seconds,
          };
          note(what, rate);
          assert.ok(rate.cpu >= 15 && rate.cpu <= 22, `${what}: cpu ${rate.cpu}/s, want 20`);
          assert.ok(rate.memory >= 7 && rate.memory <= 11, `${what}: memory ${rate.memory}/s`);
          assert.ok(rate.frames >= 20 && rate.frames <= 27.5, `${what}: ${rate.frames} frames/s`);
          assert.equal(counts.disk - c0.disk, 0, `${what}: disk polled off its 30 s cadence`);
          // frames sent after the jump carry the jumped clock, and the newest sample's time
          const last = frames.at(-1)!;
          assert.ok(Math.abs(last.frame.sentAtUs / 1000 - last.wallMs) < 100, `${what}: sentAt`);
          assert.ok(
            Math.abs(last.frame.timestamp - last.wallMs) < 500,
            `${what}: timestamp ${last.frame.timestamp} is ${
              last.wallMs - last.frame.timestamp
            } ms from the (jumped) wall clock`,
          );
        };
        await phase(0, "no jump");
        await phase(HOUR, "+1 h");
        await phase(-HOUR, "-1 h");
        await phase(0, "back");
        for (let i = 1; i < frames.length; i++) {
          assert.equal(frames[i].frame.sequence, frames[i - 1].frame.sequence + 1, `frame ${i}`);
        }
        // the server counts exactly the frames it sent: never behind one received, and level
        // with it whenever the reader kept up
        const ahead = frames.map((f) => f.ahead);
        const [least, most] = [Math.min(...ahead), Math.max(...ahead)];
        assert.equal(least, 0, `the server was ${least} to ${most} frames ahead`);
      } finally {
        conn.close();
        await reading;
        stop.abort();
        await server.finished;
      }
    });
  } finally {
    clock.restore();
  }
});

/**
 * The timer queue arms a runtime timer only for the earliest timeout still wanted, at the
 * end of the turn, and leaves none armed once no timeout is left. The runtime here is a
 * recording stand-in driven by hand; the last tests run the real `systemClock` in a
 * subprocess.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type RuntimeTimers, TimerQueue } from "../../src/time/timer_queue.ts";

/** Runtime timers driven by hand: arms and clears recorded, microtasks run on `turn()`. */
class HandRuntime implements RuntimeTimers {
  nowMs = 0;
  armed = new Map<number, { fn: () => void; atMs: number }>();
  arms: number[] = [];
  clears = 0;
  #next = 1;
  #deferred: (() => void)[] = [];

  now = () => this.nowMs;
  set = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.armed.set(id, { fn, atMs: this.nowMs + ms });
    this.arms.push(this.nowMs + ms);
    return id;
  };
  clear = (handle: unknown) => {
    if (this.armed.delete(handle as number)) this.clears++;
  };
  defer = (fn: () => void) => {
    this.#deferred.push(fn);
  };

  /** The end of the current turn: deferred work runs. */
  turn(): void {
    while (this.#deferred.length > 0) this.#deferred.shift()!();
  }

  /** Time passes to `ms`: every armed timer due by then fires, in time order. */
  advance(ms: number): void {
    for (;;) {
      const due = [...this.armed].filter(([, t]) =>
        t.atMs <= ms
      ).sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (due === undefined) break;
      this.nowMs = due[1].atMs;
      this.armed.delete(due[0]);
      due[1].fn();
      this.turn();
    }
    this.nowMs = ms;
  }
}

Deno.test("a timeout set and cleared, or moved, in one turn arms nothing for it", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  const fired: string[] = [];
  q.cancel(q.set(() => fired.push("gone"), 30_000));
  q.set(() => fired.push("kept"), 1600);
  rt.turn();
  assert.deepEqual(rt.arms, [1600]);
  rt.advance(60_000);
  assert.deepEqual(fired, ["kept"]);
  assert.deepEqual(rt.arms, [1600]);
});

Deno.test("later timeouts ride on the earliest's runtime timer; cleared ones wake nothing more", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  const fired: number[] = [];
  q.set(() => fired.push(25_000), 25_000); // a periodic task's next run
  rt.turn();
  // a request: the wait for readings and the tool's kill timeout, both cleared within ms
  const wait = q.set(() => fired.push(1500), 1500);
  const kill = q.set(() => fired.push(5000), 5000);
  rt.turn();
  assert.deepEqual(rt.arms, [25_000, 1500]);
  rt.advance(3);
  q.cancel(kill);
  q.cancel(wait);
  rt.turn();
  rt.advance(30_000);
  assert.deepEqual(fired, [25_000]);
  // one runtime timer for the wait (it was armed, so it wakes), none for the kill timeout
  assert.deepEqual(rt.arms, [25_000, 1500]);
  assert.equal(q.size, 0);
  assert.equal(q.armed, 0);
});

Deno.test("due timeouts run in time order, equal ones in the order set, a throwing one stops none", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  const fired: string[] = [];
  const reported: unknown[] = [];
  const original = globalThis.reportError;
  globalThis.reportError = (e: unknown) => reported.push(e);
  try {
    q.set(() => fired.push("c"), 30);
    q.set(() => fired.push("a1"), 10);
    q.set(() => {
      throw new Error("boom");
    }, 10);
    q.set(() => fired.push("a2"), 10);
    q.set(() => fired.push("b"), 20);
    rt.turn();
    rt.advance(25);
    assert.deepEqual(fired, ["a1", "a2", "b"]);
    assert.equal(reported.length, 1);
    rt.advance(30);
    assert.deepEqual(fired, ["a1", "a2", "b", "c"]);
  } finally {
    globalThis.reportError = original;
  }
});

Deno.test("a runtime timer that fires early re-arms for the rest; nothing runs before its time", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  const fired: number[] = [];
  q.set(() => fired.push(rt.nowMs), 100.4);
  rt.turn();
  assert.deepEqual(rt.arms, [101]); // whole milliseconds, rounded up
  // the runtime's timer fires while the queue's clock still reads just before the time
  const [[id, armed]] = [...rt.armed];
  rt.armed.delete(id);
  rt.nowMs = 100.2;
  armed.fn();
  rt.turn();
  assert.deepEqual(fired, []);
  rt.advance(200);
  assert.equal(fired.length, 1);
  assert.ok(fired[0] >= 100.4);
});

Deno.test("when the last timeout is cleared the runtime's are too: nothing keeps a process alive", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  const a = q.set(() => {}, 5000);
  rt.turn();
  assert.equal(rt.armed.size, 1);
  q.cancel(a);
  rt.turn();
  assert.equal(rt.armed.size, 0);
  assert.equal(rt.clears, 1);
});

Deno.test("churn of set-and-cleared timeouts keeps the queue's memory bounded", () => {
  const rt = new HandRuntime();
  const q = new TimerQueue(rt);
  q.set(() => {}, 500); // a live head: cancelled timeouts due after it pile up behind it
  for (let i = 0; i < 100_000; i++) q.cancel(q.set(() => {}, 1000 + (i % 5000)));
  rt.turn();
  assert.equal(q.size, 1);
  // the heap is rebuilt whenever cancelled entries outnumber live ones past a small floor
  assert.ok(q.held <= 2 * 64 + 2, `${q.held} entries held`);
  let ran = 0;
  q.set(() => ran++, 10);
  rt.turn();
  rt.advance(20);
  assert.equal(ran, 1);
});

Deno.test("systemClock: a cleared 5 s timeout neither runs nor keeps the process alive", async () => {
  const script = `
    import { systemClock } from "${new URL("../../src/time/clock.ts", import.meta.url).href}";
    const t0 = performance.now();
    let ran = false;
    const timer = systemClock.setTimeout(() => { ran = true; }, 5000);
    await new Promise((r) => systemClock.setTimeout(r, 20));
    systemClock.clear(timer);
    globalThis.addEventListener("unload", () => console.log(JSON.stringify({ ran, ms: performance.now() - t0 })));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(result.ran, false);
  assert.ok(result.ms < 2500, `exited after ${result.ms} ms`);
});

/** The time primitives on a virtual clock: backoff, the freeze rule, sleep, the schedule. */
import assert from "node:assert/strict";
import { Backoff } from "../../src/time/backoff.ts";
import { sleep, systemClock } from "../../src/time/clock.ts";
import { FREEZE_MS, wasFrozen } from "../../src/time/freeze.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

Deno.test("backoff doubles from the initial wait to the ceiling, and a reset starts over", () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoff.failures, 6);
  backoff.reset();
  assert.equal(backoff.failures, 0);
  assert.equal(backoff.next(), 100);
  const slow = new Backoff({ initialMs: 500, maxMs: 60_000, factor: 4 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => slow.next()), [500, 2000, 8000, 32_000, 60_000]);
  assert.equal(new Backoff({ initialMs: 5000, maxMs: 1000 }).next(), 5000, "ceiling ≥ initial");
});

Deno.test("frozen means a wake-up over a second late", () => {
  assert.equal(wasFrozen(FREEZE_MS), false);
  assert.equal(wasFrozen(FREEZE_MS + 1), true);
  assert.equal(wasFrozen(40), false);
});

Deno.test("sleep resolves on its clock's time and rejects at once on abort", async () => {
  const clock = new VirtualClock();
  let done = false;
  const slept = sleep(clock, 500).then(() => done = true);
  await clock.advance(499);
  assert.equal(done, false);
  await clock.advance(1);
  await slept;
  assert.equal(done, true);
  const abort = new AbortController();
  const waiting = sleep(clock, 500, abort.signal);
  abort.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  assert.equal(clock.pending, 0, "no timer left behind");
  await assert.rejects(sleep(clock, 1, abort.signal), /stop/, "already aborted");
  await sleep(systemClock, 1); // the real clock works too
});

Deno.test("schedule: runDue runs the due tasks in due order, and only those", () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  const ran: string[] = [];
  schedule.at(30, () => ran.push("b"));
  schedule.at(10, () => ran.push("a"));
  schedule.at(500, () => ran.push("later"));
  const cancel = schedule.at(20, () => ran.push("cancelled"));
  cancel();
  schedule.runDue(5);
  assert.deepEqual(ran, []);
  schedule.runDue(40);
  assert.deepEqual(ran, ["a", "b"]);
  assert.equal(schedule.size, 1);
  schedule.runDue(500);
  assert.deepEqual(ran, ["a", "b", "later"]);
  assert.equal(clock.pending, 0, "a tick-driven schedule arms no timer");
});

Deno.test("schedule: a task added by a task, earlier than the rest, is found", () => {
  const schedule = new Schedule(new VirtualClock(0));
  const ran: string[] = [];
  schedule.at(300, () => {
    ran.push("b");
    schedule.at(310, () => ran.push("added by b"));
  });
  schedule.at(400, () => ran.push("c"));
  schedule.runDue(150);
  schedule.at(200, () => ran.push("a"));
  schedule.runDue(250);
  schedule.runDue(300);
  schedule.runDue(310);
  schedule.runDue(400);
  assert.deepEqual(ran, ["a", "b", "added by b", "c"]);
});

Deno.test("schedule: a task cancelled by a task of the same batch does not run", () => {
  // A mode switch that runs at the moment a source's own read is due restarts the source,
  // cancelling that read: had it run anyway, the source would read on two timers from then on.
  const schedule = new Schedule(new VirtualClock(0));
  const ran: string[] = [];
  let cancelRead = () => {};
  schedule.at(100, () => {
    ran.push("switch");
    cancelRead();
  });
  cancelRead = schedule.at(100, () => ran.push("read"));
  schedule.runDue(100);
  assert.deepEqual(ran, ["switch"]);
  assert.equal(schedule.size, 0);
});

Deno.test("schedule: every keeps to its grid under a tick and skips what a freeze missed", () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  const runs: number[] = [];
  schedule.every(250, () => runs.push(clock.now()));
  // A 40 ms tick: each run comes at the first tick at or after its grid point.
  for (let t = 0; t <= 1000; t += 40) {
    clock.jump(t - clock.now());
    schedule.runDue();
  }
  assert.deepEqual(runs, [280, 520, 760, 1000]);
  // Frozen for 10 s: one run now, then back on a grid from here, not 40 catch-up runs.
  clock.jump(10_000);
  schedule.runDue();
  schedule.runDue();
  assert.deepEqual(runs.slice(4), [11_000]);
  clock.jump(250);
  schedule.runDue();
  assert.deepEqual(runs.slice(4), [11_000, 11_250]);
});

Deno.test("schedule: driven by its own timer, one timer at a time, at the earliest task", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  const ran: [string, number][] = [];
  schedule.at(1000, () => ran.push(["slow", clock.now()]));
  schedule.driveWithTimer(true);
  assert.equal(clock.pending, 1);
  schedule.at(300, () => ran.push(["fast", clock.now()])); // earlier: the timer moves
  assert.equal(clock.pending, 1);
  const stop = schedule.every(400, () => ran.push(["every", clock.now()]));
  await clock.advance(1000);
  assert.deepEqual(ran, [["fast", 300], ["every", 400], ["every", 800], ["slow", 1000]]);
  assert.equal(clock.pending, 1, "armed for the next periodic run");
  schedule.driveWithTimer(false); // a tick takes over
  assert.equal(clock.pending, 0);
  stop();
});

Deno.test("schedule: a task with slack runs with the next wake-up, its own timer only at the latest", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const ran: [string, number][] = [];
  // Due every 2 s, but may wait 28 s for another wake-up; another task wakes every 30 s.
  const stopCheck = schedule.every(2000, () => ran.push(["check", clock.now()]), 28_000);
  const stopReads = schedule.every(30_000, () => ran.push(["read", clock.now()]));
  assert.equal(clock.nextDueMs, 30_000, "one timer, at the earlier of the latest times");
  await clock.advance(90_000);
  assert.deepEqual(ran, [
    ["check", 30_000],
    ["read", 30_000],
    ["check", 60_000],
    ["read", 60_000],
    ["check", 90_000],
    ["read", 90_000],
  ], "the check runs only when the process wakes anyway");
  // Alone, it runs at its latest: its due time plus the slack.
  stopReads();
  ran.length = 0;
  await clock.advance(60_000);
  assert.deepEqual(ran, [["check", 120_000], ["check", 150_000]]);
  // Under a tick (runDue every 40 ms) it is on time.
  schedule.driveWithTimer(false);
  ran.length = 0;
  for (let t = 150_040; t <= 156_000; t += 40) {
    await clock.advance(40);
    schedule.runDue();
  }
  assert.deepEqual(ran.map(([, at]) => at), [152_000, 154_000, 156_000]);
  stopCheck();
});

Deno.test("schedule: cancelling the task the timer waits for leaves no timer behind", () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const cancelLater = schedule.at(500, () => {});
  const cancel = schedule.at(100, () => {});
  cancel();
  assert.equal(clock.pending, 1, "moved to the 500 ms task");
  cancelLater();
  assert.equal(clock.pending, 0);
});

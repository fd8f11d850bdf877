/** Wakeups: tasks run inside wake-ups that happen anyway, on their own timer otherwise. */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { Wakeups } from "../src/wakeups.ts";

Deno.test("a task runs on its own timer at earliest + slack when nothing else wakes the process", async () => {
  const wakeups = new Wakeups();
  const start = performance.now();
  let ranAt = 0;
  wakeups.at(start + 20, 30, () => ranAt = performance.now());
  await delay(120); // a later timer: fires after the task's
  assert.ok(ranAt > 0, "did not run");
  assert.ok(ranAt - start >= 49, `ran after ${ranAt - start} ms, before its slack was used`);
  assert.equal(wakeups.size, 0);
});

Deno.test("runDue runs every task whose earliest time has come, and only those", async () => {
  const wakeups = new Wakeups();
  const now = performance.now();
  const ran: string[] = [];
  wakeups.at(now - 1, 1000, () => ran.push("due"));
  wakeups.at(now + 500, 1000, () => ran.push("later"));
  wakeups.runDue();
  assert.deepEqual(ran, ["due"]);
  assert.equal(wakeups.size, 1);
  wakeups.runDue(now + 500);
  assert.deepEqual(ran, ["due", "later"]);
  assert.equal(wakeups.size, 0); // no timer left: the test's sanitizer would fail otherwise
  await delay(0);
});

Deno.test("runDue finds tasks added earlier than the rest, by a task or after a cancel", () => {
  const wakeups = new Wakeups();
  const now = performance.now();
  const ran: string[] = [];
  const cancel = wakeups.at(now + 100, 1000, () => ran.push("cancelled"));
  wakeups.at(now + 300, 1000, () => {
    ran.push("b");
    wakeups.at(now + 310, 1000, () => ran.push("added by b")); // before c
  });
  wakeups.at(now + 400, 1000, () => ran.push("c"));
  cancel();
  wakeups.runDue(now + 150); // nothing due any more
  wakeups.at(now + 200, 1000, () => ran.push("a")); // earlier than b and c
  wakeups.runDue(now + 250);
  assert.deepEqual(ran, ["a"]);
  wakeups.runDue(now + 300);
  assert.deepEqual(ran, ["a", "b"]);
  wakeups.runDue(now + 310);
  assert.deepEqual(ran, ["a", "b", "added by b"]);
  wakeups.runDue(now + 399);
  assert.deepEqual(ran, ["a", "b", "added by b"]);
  wakeups.runDue(now + 400);
  assert.deepEqual(ran, ["a", "b", "added by b", "c"]);
  assert.equal(wakeups.size, 0);
});
Deno.test("tasks whose windows overlap share one timer", async () => {
  const wakeups = new Wakeups();
  const now = performance.now();
  const ran: [string, number][] = [];
  wakeups.at(now + 10, 40, () => ran.push(["a", performance.now()]));
  wakeups.at(now + 30, 100, () => ran.push(["b", performance.now()]));
  await delay(150);
  assert.deepEqual(ran.map(([name]) => name), ["a", "b"]);
  assert.ok(Math.abs(ran[0][1] - ran[1][1]) < 2, `ran apart: ${ran[1][1] - ran[0][1]} ms`);
});

Deno.test("cancel removes the task and its timer", async () => {
  const wakeups = new Wakeups();
  let ran = false;
  const cancel = wakeups.at(performance.now() + 10, 10, () => ran = true);
  cancel();
  cancel(); // twice is harmless
  await delay(60);
  assert.equal(ran, false);
  assert.equal(wakeups.size, 0);
});

Deno.test("every keeps to its grid when runs come late, and stops cleanly", async () => {
  const wakeups = new Wakeups();
  const start = performance.now();
  const runs: number[] = [];
  const stop = wakeups.every(50, 20, () => runs.push(performance.now() - start));
  await delay(540);
  stop();
  // Each run up to 20 ms (+ timer lateness) after its grid point 50, 100, …: ten in 540 ms,
  // where a timer restarted after each late run (every ~70 ms) would give seven.
  assert.ok(runs.length >= 8 && runs.length <= 10, `runs at ${runs.map(Math.round)}`);
  runs.forEach((at, i) => assert.ok(at >= 50 * (i + 1) - 1, `run ${i} at ${at} ms`));
  assert.equal(wakeups.size, 0);
});

Deno.test("every skips the runs missed while the process could not run, without a burst", () => {
  const wakeups = new Wakeups();
  let runs = 0;
  const stop = wakeups.every(10, 5, () => runs++);
  // The process was busy for 200 ms: twenty runs were missed.
  const busyUntil = performance.now() + 200;
  while (performance.now() < busyUntil) { /* busy */ }
  wakeups.runDue();
  wakeups.runDue();
  assert.equal(runs, 1);
  stop();
});

Deno.test("a task that throws is reported and does not keep the others from running", async () => {
  const wakeups = new Wakeups();
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    let ran = false;
    const now = performance.now();
    wakeups.at(now - 1, 0, () => {
      throw new Error("boom");
    });
    wakeups.at(now - 1, 0, () => ran = true);
    wakeups.runDue();
    assert.equal(ran, true);
    assert.equal((errors[0] as Error).message, "boom");
  } finally {
    globalThis.removeEventListener("error", onError);
  }
  await delay(0);
});

Deno.test("under a pulse, a task with more slack than the pulse's period arms no timer; ending the pulse arms one", async () => {
  const wakeups = new Wakeups();
  wakeups.pulse(20);
  const start = performance.now();
  const ran: string[] = [];
  wakeups.at(start + 30, 100, () => ran.push("roomy")); // the pulse would reach it in time
  wakeups.at(start + 5, 10, () => ran.push("tight")); // too little slack: keeps its own timer
  await delay(60);
  assert.deepEqual(ran, ["tight"], "only the tight task ran on a timer");
  await delay(80); // past the roomy task's latest time: still no timer for it
  assert.deepEqual(ran, ["tight"]);
  wakeups.pulse(Infinity);
  await delay(20);
  assert.deepEqual(ran, ["tight", "roomy"], "ending the pulse ran the overdue task");
  assert.equal(wakeups.size, 0);
});

Deno.test("under a pulse, runDue still runs every due task", () => {
  const wakeups = new Wakeups();
  wakeups.pulse(40);
  const now = performance.now();
  let runs = 0;
  wakeups.at(now - 1, 1000, () => runs++);
  wakeups.runDue();
  assert.equal(runs, 1);
  wakeups.pulse(Infinity);
});

import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { ProcessFailure } from "../../src/process/failure.ts";
import { LineChild } from "../../src/process/line_child.ts";
import { fakeTool, pidExists, withTempDir } from "../support/procs.ts";
import { waitFor } from "../support/wait.ts";

interface Seen {
  lines: string[];
  errors: ProcessFailure[];
  child: LineChild;
}

function watch(
  options: Omit<ConstructorParameters<typeof LineChild>[0], "onLine" | "onError">,
): Seen {
  const lines: string[] = [];
  const errors: ProcessFailure[] = [];
  const child = new LineChild({
    ...options,
    onLine: (line) => lines.push(line),
    onError: (failure) => errors.push(failure),
  });
  return { lines, errors, child };
}

Deno.test({
  name: "LineChild: a relative path is a config failure at construction",
  fn: () => {
    assert.throws(
      () => new LineChild({ path: "vm_stat", args: ["1"], onLine() {}, onError() {} }),
      (e: unknown) => e instanceof ProcessFailure && e.kind === "config",
    );
  },
});

Deno.test({
  name: "LineChild: delivers numbered lines in order; stop() leaves no process",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const count = await fakeTool(
        dir,
        "count",
        'echo "pid $$"; i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.01; done',
      );
      const s = watch({ path: count });
      s.child.start();
      await waitFor(() => s.lines.length >= 21, 2000, "21 lines");
      assert.ok(s.child.running);
      const pid = s.child.pid!;
      await s.child.stop();
      assert.equal(s.lines[0], `pid ${pid}`);
      assert.deepEqual(s.lines.slice(1, 21), Array.from({ length: 20 }, (_, i) => `line ${i + 1}`));
      assert.deepEqual(s.errors, []);
      assert.equal(s.child.restarts, 0);
      assert.equal(s.child.running, false);
      assert.equal(s.child.pid, null);
      assert.ok(!pidExists(pid), `pid ${pid} still alive`);
      const n = s.lines.length;
      await delay(50);
      assert.equal(s.lines.length, n, "no line after stop()");
    }),
});

Deno.test({
  name: "LineChild: a child that exits is restarted with growing backoff, never busy-looping",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const short = await fakeTool(dir, "short", "echo a; echo b; echo gone >&2; exit 1");
      const starts: number[] = [];
      const errors: ProcessFailure[] = [];
      const child = new LineChild({
        path: short,
        onLine: (line) => line === "a" && starts.push(performance.now()),
        onError: (failure) => errors.push(failure),
      });
      child.start();
      await delay(2000);
      const restarts = child.restarts;
      await child.stop();
      assert.ok(restarts >= 2 && restarts <= 5, `restarts ${restarts}`);
      assert.equal(starts.length, restarts + 1);
      assert.ok(errors.length >= restarts && errors.every((e) => e.kind === "exit"));
      assert.equal(errors[0].message, `${short}: exited with code 1: gone`);
      const gaps = starts.slice(1).map((t, i) => t - starts[i]);
      assert.ok(gaps[0] >= 240, `first gap ${gaps[0]}`);
      for (let i = 1; i < gaps.length; i++) {
        assert.ok(gaps[i] > gaps[i - 1] * 1.5, `gaps do not grow: ${gaps.join(", ")}`);
      }
    }),
});

Deno.test({
  name: "LineChild: a missing executable is reported and retried with backoff",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const s = watch({ path: `${dir}/missing`, backoffStartMs: 50 });
      s.child.start();
      await delay(1000);
      await s.child.stop();
      // 50 + 100 + 200 + 400 = 750 ms: at most 4 or 5 attempts in a second.
      assert.ok(s.child.restarts >= 3 && s.child.restarts <= 5, `restarts ${s.child.restarts}`);
      assert.ok(s.errors.every((e) => e.kind === "not-found"));
      assert.equal(s.errors.length, s.child.restarts + 1);
      assert.equal(s.child.running, false);
    }),
});

Deno.test({
  name: "LineChild: a silent child is killed after stallMs and restarted",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const stall = await fakeTool(dir, "stall", 'echo "pid $$"; exec /bin/sleep 30');
      const s = watch({ path: stall, stallMs: 300 });
      const t0 = performance.now();
      s.child.start();
      await waitFor(() => s.lines.length >= 2, 2000, "a restart");
      const took = performance.now() - t0;
      const first = Number(s.lines[0].split(" ")[1]);
      const second = Number(s.lines[1].split(" ")[1]);
      assert.notEqual(first, second);
      assert.ok(!pidExists(first), `stalled pid ${first} still alive`);
      assert.ok(took >= 300 + 250 && took < 1500, `took ${took}`);
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0].kind, "stall");
      assert.equal(s.errors[0].message, `${stall}: no output line for 300 ms (killed)`);
      assert.equal(s.child.restarts, 1);
      await s.child.stop();
      assert.ok(!pidExists(second), `pid ${second} still alive`);
      assert.equal(s.errors.length, 1, "stop() is not reported");
    }),
});

Deno.test({
  name: "LineChild: stop() SIGKILLs a child that ignores SIGTERM",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const stubborn = await fakeTool(
        dir,
        "stubborn",
        `trap '' TERM; echo "pid $$"; while :; do sleep 0.1; done`,
      );
      const s = watch({ path: stubborn, graceMs: 200 });
      s.child.start();
      await waitFor(() => s.lines.length >= 1, 2000, "the pid line");
      const pid = Number(s.lines[0].split(" ")[1]);
      const t0 = performance.now();
      await s.child.stop();
      const took = performance.now() - t0;
      assert.ok(took >= 190 && took < 1000, `stop took ${took}`);
      assert.ok(!pidExists(pid), `pid ${pid} still alive`);
      assert.deepEqual(s.errors, []);
    }),
});

Deno.test({
  name: "LineChild: an over-long line is cut and reported; later lines still arrive",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const long = await fakeTool(
        dir,
        "long",
        "/usr/bin/head -c 100000 /dev/zero | /usr/bin/tr '\\0' x; echo; echo after; " +
          "printf 'crlf\\r\\n'; exec /bin/sleep 30",
      );
      const s = watch({ path: long, maxLineBytes: 1000 });
      s.child.start();
      await waitFor(() => s.lines.length >= 3, 2000, "3 lines");
      await s.child.stop();
      assert.deepEqual(s.lines, ["x".repeat(1000), "after", "crlf"]);
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0].kind, "output-too-large");
      assert.match(s.errors[0].message, /line of 100000 bytes cut to 1000 bytes$/);
    }),
});

Deno.test({
  name: "LineChild: healthy output resets the backoff; a throwing onLine is reported",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const burst = await fakeTool(
        dir,
        "burst",
        "for i in 1 2 3 4; do echo $i; sleep 0.05; done; exit 0",
      );
      const events: { at: number; what: string }[] = [];
      const child = new LineChild({
        path: burst,
        backoffStartMs: 100,
        healthyMs: 100,
        onLine: (line) => {
          events.push({ at: performance.now(), what: line });
          if (line === "3") throw new Error("bad 3");
        },
        onError: (failure) => events.push({ at: performance.now(), what: failure.kind }),
      });
      child.start();
      await waitFor(() => child.restarts >= 4, 2500, "4 restarts");
      await child.stop();
      assert.ok(events.some((e) => e.what === "callback"));
      // Gap from each exit to the next child's first line stays near backoffStartMs (no doubling).
      const gaps: number[] = [];
      for (let i = 0; i < events.length - 1; i++) {
        if (events[i].what === "exit") {
          const next = events.slice(i + 1).find((e) => e.what === "1");
          if (next) gaps.push(next.at - events[i].at);
        }
      }
      assert.ok(gaps.length >= 3, `gaps ${gaps}`);
      assert.ok(gaps.every((g) => g >= 95 && g < 190), `gaps ${gaps.join(", ")}`);
    }),
});

/**
 * Polled and streamed sources on a virtual clock: when reads, retries and restarts
 * run is decided by the schedule they are given, exactly and without waiting. The
 * streamed sources run real children (fake tools); only their output takes real time.
 */
import assert from "node:assert/strict";
import { type Readings } from "../../src/metrics/source.ts";
import { polledSource } from "../../src/metrics/polled_source.ts";
import { GARBAGE_LINES, streamedSource } from "../../src/metrics/streamed_source.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { childrenOf, fakeTool, withTempDir } from "../support/procs.ts";
import { VirtualClock } from "../support/virtual_clock.ts";
import { waitFor } from "../support/wait.ts";

/** A polled source whose reads succeed or fail as `outcomes` says, on a virtual clock. */
function scripted(outcomes: boolean[]) {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const reads: number[] = [];
  const source = polledSource("memory", () => {
    reads.push(clock.now());
    if (outcomes[reads.length - 1] === false) throw new Error(`read ${reads.length} failed`);
    return { memoryUsage: reads.length };
  });
  const emitted: Readings[] = [];
  const failures: string[] = [];
  const sink = {
    emit: (r: Readings) => void emitted.push(r),
    fail: (e: Error) => void failures.push(e.message),
  };
  return { clock, schedule, source, reads, emitted, failures, sink };
}

Deno.test("polled source: reads at once, then on the interval's grid", async () => {
  const { clock, schedule, source, reads, sink } = scripted([]);
  source.start(1000, sink, schedule);
  await clock.advance(3500);
  assert.deepEqual(reads, [0, 1000, 2000, 3000]);
  await source.stop();
  assert.equal(clock.pending, 0, "stop leaves no task and no timer");
});

Deno.test("polled source: failures retry after 2, 4, 8 intervals; a success resets", async () => {
  const { clock, schedule, source, reads, failures, emitted, sink } = scripted([
    true,
    false,
    false,
    false,
    true,
    true,
    false,
    true,
  ]);
  source.start(100, sink, schedule);
  await clock.advance(2000);
  // read 2 fails at 100: retry 200 later (300), then 400 later (700), then 800 later (1500)
  // where it succeeds; the next read is one interval later; read 7 fails again: 200 later.
  assert.deepEqual(reads.slice(0, 8), [0, 100, 300, 700, 1500, 1600, 1700, 1900]);
  assert.equal(failures.length, 4);
  assert.equal(emitted.length, reads.length - 4);
  await source.stop();
});

Deno.test("polled source: a new cadence applies at once; the backoff is capped at a minute", async () => {
  const { clock, schedule, source, reads, sink } = scripted(Array(20).fill(false));
  source.start(10_000, sink, schedule);
  await clock.advance(600_000);
  const gaps = reads.slice(1).map((t, i) => t - reads[i]);
  assert.deepEqual(gaps.slice(0, 4), [20_000, 40_000, 60_000, 60_000]);
  const before = reads.length;
  source.start(500, sink, schedule); // a client arrives: the next read is at once
  await clock.advance(1);
  assert.equal(reads.length, before + 1);
  assert.equal(reads.at(-1), 600_000);
  await source.stop();
});

// ---- streamed sources: a real child, restarts on the virtual clock --------------------------

const isLinux = Deno.build.os === "linux";

/**
 * A streamed source running `tool`, whose lines are numbers, on a virtual clock; it
 * records when (on that clock) each reading and each failure came.
 */
function streamed(tool: string, stallMs?: number) {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const source = streamedSource("memory", {
    path: tool,
    args: () => [],
    parser: () => ({
      line(text: string): Readings {
        const value = Number(text);
        if (text === "" || !Number.isFinite(value)) throw new Error(`not a number: ${text}`);
        return { memoryUsage: value };
      },
    }),
    stallMs: stallMs === undefined ? undefined : () => stallMs,
  });
  const readings: number[] = [];
  const failures: string[] = [];
  const sink = {
    emit: () => void readings.push(clock.now()),
    fail: (e: Error) => void failures.push(e.message),
  };
  return { clock, schedule, source, readings, failures, sink };
}

/** Stops `source`; no task, no timer and no child may be left. */
async function stopClean(source: { stop(): Promise<void> }, clock: VirtualClock) {
  await source.stop();
  assert.equal(clock.pending, 0, "no task and no timer left");
  assert.deepEqual(childrenOf(Deno.pid), [], "no child left");
}

Deno.test({
  name: "streamed source: a child that exits is restarted after 250, 500, 1000 ms of the clock",
  ignore: !isLinux,
  fn: () =>
    withTempDir("opta-source-", async (dir) => {
      const tool = await fakeTool(dir, "once", "echo 42; exit 0");
      const { clock, schedule, source, readings, failures, sink } = streamed(tool);
      source.start(1000, sink, schedule);
      const expected = [0, 250, 750, 1750];
      for (let run = 1; run <= expected.length; run++) {
        await waitFor(() => failures.length === run, 3000, `run ${run} to exit`);
        assert.deepEqual(readings, expected.slice(0, run), "one reading per run, at its start");
        const next = expected[run] ?? 1750 + 2000;
        assert.equal(clock.nextDueMs, next, `the restart is due at ${next}`);
        await clock.advance(next - clock.now());
      }
      assert.ok(failures.every((f) => f === `${tool}: exited with code 0`), failures.join());
      await stopClean(source, clock);
    }),
});

Deno.test({
  name: "streamed source: a silent child is killed at its stall deadline and restarted",
  ignore: !isLinux,
  fn: () =>
    withTempDir("opta-source-", async (dir) => {
      const tool = await fakeTool(dir, "silent", "echo 1; exec sleep 30");
      const { clock, schedule, source, readings, failures, sink } = streamed(tool, 5000);
      source.start(1000, sink, schedule);
      await waitFor(() => readings.length === 1, 3000, "the first line");
      assert.equal(clock.nextDueMs, 5000, "the stall check");
      await clock.advance(4999);
      assert.deepEqual(failures, []);
      await clock.advance(1);
      assert.deepEqual(failures, [`${tool}: no output line for 5000 ms (killed)`]);
      await waitFor(() => clock.nextDueMs === 5250, 3000, "the restart to be scheduled");
      await clock.advance(250);
      await waitFor(() => readings.length === 2, 3000, "the restarted child's line");
      assert.deepEqual(readings, [0, 5250]);
      await stopClean(source, clock);
    }),
});

Deno.test({
  name: `streamed source: a child printing only garbage is killed after ${GARBAGE_LINES} lines, ` +
    "restarted after 1 s, then 2 s",
  ignore: !isLinux,
  fn: () =>
    withTempDir("opta-source-", async (dir) => {
      const tool = await fakeTool(dir, "yes", `echo start >> "${dir}/starts"; exec /usr/bin/yes x`);
      const starts = () => Deno.readTextFileSync(`${dir}/starts`).trim().split("\n").length;
      const { clock, schedule, source, readings, failures, sink } = streamed(tool);
      source.start(1000, sink, schedule);
      const killedAndDue = (at: number) => () =>
        childrenOf(Deno.pid).length === 0 && clock.nextDueMs === at;
      await waitFor(killedAndDue(1000), 3000, "the kill, and a restart due at 1000");
      assert.equal(starts(), 1);
      // The last bad line stops the child, and a stopping child reports nothing more.
      assert.equal(failures.length, GARBAGE_LINES - 1);
      assert.match(failures[0], /onLine threw: not a number: x$/);
      await clock.advance(999);
      assert.equal(starts(), 1, "not restarted before its time");
      await clock.advance(1);
      await waitFor(killedAndDue(3000), 3000, "the second kill, and a restart due at 3000");
      assert.equal(starts(), 2);
      assert.deepEqual(readings, []);
      await stopClean(source, clock);
    }),
});
